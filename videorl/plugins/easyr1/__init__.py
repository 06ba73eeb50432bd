"""EasyR1 integration. EasyR1 loads reward functions only from a file path: use
``videorl easyr1 reward-path --with-function`` to get ``<abs path>/reward.py:compute_score``."""

from __future__ import annotations

from pathlib import Path

REWARD_FILE = Path(__file__).resolve().parent / "reward.py"
REWARD_FUNCTION = "compute_score"


def reward_path(with_function: bool = False) -> str:
    """Absolute path of the EasyR1 reward file (``PATH:compute_score`` with ``with_function``)."""
    return f"{REWARD_FILE}:{REWARD_FUNCTION}" if with_function else str(REWARD_FILE)
