"""Reproductions of the reference methods' released reward code, bugs included.

Each module documents, for its method, what the released code does (``faithful=True``) and what our
fixed default does instead. They exist so that published numbers can be reproduced and the effect
of each fix measured; new work should use the fixed modes or the ``default*`` presets.
"""
