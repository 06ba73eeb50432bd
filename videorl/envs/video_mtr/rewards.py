"""Video-MTR rewards: the answer-turn reward, the frame IoU, mean relative accuracy, and the
trajectory rewards (the per-trajectory answer gate, the batch-level tool-use bootstrap)."""

from __future__ import annotations

from collections.abc import Sequence

from videorl.envs.video_mtr.config import GATE_THRESHOLD, MC
from videorl.scoring.numeric import mean_relative_accuracy  # noqa: F401  (one definition, in scoring)


def answer_reward(correct: bool, turn: int, ptype: str = MC, *, faithful: bool = False) -> float:
    """1 − 0.1·(turn − 1) when correct (1.0, 0.9, 0.8 for turns 1–3), else 0.

    The original discounts **multiple choice only**: a correct numerical answer scores 1.0 at any
    turn there (``faithful=True``); the fixed mode discounts every type, so answering early pays
    the same for every question.
    """
    if not correct:
        return 0.0
    if faithful:  # not clamped: past turn 11 the original's reward goes negative
        return 1.0 if ptype != MC else 1.0 - 0.1 * (turn - 1)
    return max(0.0, 1.0 - 0.1 * (turn - 1))


def frame_iou(shown: Sequence[int], relevant: Sequence[int]) -> float:
    """|A ∩ B| / |A ∪ B| of two index sets; two empty sets give 1."""
    a, b = set(shown), set(relevant)
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)



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

