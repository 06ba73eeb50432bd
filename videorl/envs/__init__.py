"""Multi-turn environments, host-independent (thin host glue lives in ``videorl.plugins``).

- :mod:`videorl.envs.video_mtr`: Video-MTR's segment-retrieval environment (reset/step, turn
  rewards, answer gate, tool-use bootstrap, evaluation metrics).
- :mod:`videorl.envs.advantage`: Video-MTR's bi-level GAE as a pure function.
- :mod:`videorl.envs.rollout`: a CPU rollout loop that plays episodes with a Hugging Face model.

Importing this package loads only the standard library.
"""
