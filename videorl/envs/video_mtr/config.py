"""Video-MTR settings and constants: :class:`MTRConfig` (``run_7B.sh`` / ``env_config.yaml``), the
problem types, their answer instructions and the reward constants shared by every room of the package."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from videorl.scoring.episodes import FREE_FORM, MC, NUMERICAL  # noqa: F401  (scoring owns the problem types)
from videorl.scoring.numeric import MRA_THRESHOLDS  # noqa: F401  (and the MRA thresholds)

PROBLEM_TYPES = (MC, NUMERICAL, FREE_FORM)
TYPE_INSTRUCTIONS = {
    MC: "Give only the single option letter (e.g. A, B, C, D) inside <answer> </answer>.",
    NUMERICAL: "Give only the numerical value (e.g. 42 or 3.14) inside <answer> </answer>.",
    FREE_FORM: "Give your text answer inside <answer> </answer>, in no more than 20 words.",
}
FREE_FORM_MAX_CHARS = 50
IOU_EPS = 0.001
GATE_THRESHOLD = 0.5  # the rollout manager's answer_reward_threshold
VERL_TOOL, VERL_AGENT = "video_mtr_step", "video_mtr_agent"  # names in verl's configs (plugins/verl_mtr.py)


@dataclass(frozen=True)
class MTRConfig:
    """Environment settings; the defaults are ``run_7B.sh`` / ``env_config.yaml`` (methods.md §4.5)."""

    fps: float = 1.0
    max_video_frames: int = 64
    init_frames: int = 16
    max_turn_frames: int = 8
    max_turns: int = 3
    window_size: int = 2
    format_reward: float = 0.1
    frame_reward: float = 0.5
    step_frame_reward: bool = True
    final_frame_reward: bool = False
    faithful: bool = False
    max_pixels: int = 128 * 28 * 28
    backend: str = "pyav"

    def __post_init__(self) -> None:
        for name in ("max_video_frames", "init_frames", "max_turn_frames", "max_turns"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"MTRConfig.{name} must be a positive integer, got {v!r}")
        if self.max_video_frames % 2:
            raise ValueError(f"MTRConfig.max_video_frames must be even (a long video's pool is sampled in pairs, "
                             f"as qwen-vl-utils floors it to even too), got {self.max_video_frames}")
        if not (isinstance(self.fps, (int, float)) and math.isfinite(self.fps) and self.fps > 0):
            raise ValueError(f"MTRConfig.fps must be a positive number, got {self.fps!r}")

    def setting(self) -> dict[str, Any]:
        """The pool sampling, as ``meta["relevant_frames_setting"]`` should state it."""
        return {"fps": float(self.fps), "max_frames": int(self.max_video_frames)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> MTRConfig:
        d = dict(d or {})
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown Video-MTR env settings {unknown}; known: {sorted(known)}")
        return cls(**d)

