"""Video-MTR rewards: the answer-turn reward, the frame IoU, mean relative accuracy, and the
trajectory rewards (the per-trajectory answer gate, the batch-level tool-use bootstrap)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from videorl.envs.video_mtr.config import GATE_THRESHOLD, MRA_THRESHOLDS


def answer_reward(correct: bool, turn: int) -> float:
    """1 − 0.1·(turn − 1) when correct (1.0, 0.9, 0.8 for turns 1–3), else 0."""
    return max(0.0, 1.0 - 0.1 * (turn - 1)) if correct else 0.0


def frame_iou(shown: Sequence[int], relevant: Sequence[int]) -> float:
    """|A ∩ B| / |A ∪ B| of two index sets; two empty sets give 1."""
    a, b = set(shown), set(relevant)
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)



def mean_relative_accuracy(pred: float, gt: float) -> float:
    """MRA = mean over θ ∈ {0.50, 0.55, …, 0.95} of 1[|p − g| / |g| < 1 − θ]; g = 0 scores 1 only
    for p = 0 (the original divides by zero)."""
    if not (math.isfinite(pred) and math.isfinite(gt)):
        return 0.0
    if gt == 0:
        return 1.0 if pred == 0 else 0.0
    rel = abs(pred - gt) / abs(gt)
    return sum(1.0 for t in MRA_THRESHOLDS if rel < 1 - t) / len(MRA_THRESHOLDS)



def answer_gate(rewards: Sequence[float], *, ended_with_answer: bool = True, faithful: bool = False,
                bonus: float = 0.5, threshold: float = GATE_THRESHOLD) -> list[float]:
    """Remove retrieve bonuses from a trajectory whose answer earned less than ``threshold``.

    Faithful: with at least 2 positive turns, the last positive reward is "the answer"; if it is
    below 0.5, every earlier positive turn above 0.5 loses ``bonus``. Fixed: when the trajectory
    did not end on a valid answer, the answer reward is 0 and every earlier turn above 0.5 loses
    the bonus (the original keeps them: its bug).
    """
    out = [float(r) for r in rewards]
    pos = [i for i, r in enumerate(out) if r > 0]
    if faithful or ended_with_answer:
        if len(pos) < 2 or out[pos[-1]] >= threshold:
            return out
        earlier = pos[:-1]
    else:
        earlier = pos
    for i in earlier:
        if out[i] > threshold:
            out[i] -= bonus
    return out


def tool_use_bootstrap(batch: Sequence[Sequence[float]], *, bonus: float = 0.5, ratio_threshold: float = 0.5,
                       cold_start_threshold: float = 0.1) -> tuple[list[list[float]], float]:
    """Batch-level tool-use bonus (after the gate); returns (new rewards, tool-use ratio).

    ratio = #trajectories with more than one positive turn / #trajectories with any positive turn.
    Below 0.5, every positive turn but the last of each multi-positive trajectory gets + ``bonus``,
    and another + ``bonus`` below 0.1. Not answer-gated, as in the original.
    """
    rows = [[float(r) for r in traj] for traj in batch]
    any_pos = sum(1 for r in rows if any(x > 0 for x in r))
    multi = sum(1 for r in rows if sum(1 for x in r if x > 0) > 1)
    ratio = multi / any_pos if any_pos else 0.0
    if ratio < ratio_threshold:
        add = bonus * (2 if ratio < cold_start_threshold else 1)
        for r in rows:
            pos = [i for i, x in enumerate(r) if x > 0]
            if len(pos) > 1:
                for i in pos[:-1]:
                    r[i] += add
    return rows, ratio

