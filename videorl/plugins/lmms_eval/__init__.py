"""lmms-eval integration: task glue, model backends and the registration hook.

Nothing here imports lmms-eval, torch or transformers at import time; the heavy imports live in
the functions and backend modules that need them. See ``docs/lmms-eval.md``.
"""

SUPPORTED_LMMS_EVAL = (">=0.7.3", "<0.7.4")
"""The lmms-eval versions whose private task-loading API the hook was written against."""
