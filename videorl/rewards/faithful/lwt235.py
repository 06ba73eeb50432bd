"""Qwen3-VL-GRPO-VTG by Lwt235 (now LWT235-VTG), ``rewards/*.py``: the weighted composite
(2/3)·IoU + (1/3)·recall (weights 1.0 and 0.5, normalised), optionally z-scored over the batch.

Faithful (the released code):

- ``_default_parse`` (as at f8bb3aa) on the lower-cased whole text (no ``<answer>`` handling),
  first hit wins: "a (to|->|-|,) b"; "start", optional ":"/whitespace, a, then on the same line the
  **last** "end", optional ":"/whitespace, b (so "start0.42 end0.57" reads, and "start: 1, end: 2,
  the end: 3" gives (1, 3)); "(a b)" and "[a b]" with a comma and/or whitespace between; a number
  is a run of digits and dots read with ``float()`` (failure -> reward 0). Known consequences:
  "00:12 - 00:20" reads as (12, 0); "-1 to 5" as (1, 5); "10.5s to 20s" does not parse;
- the prediction is compared in the units it was written in with the **normalised** ground truth
  (their trainer passes ``normalized_timestamp``, and the duration, which divides both again, so
  the ``+ 1e-8`` of every ratio acts on that scale), so the model must answer in [0, 1];
- a reversed prediction becomes zero-length (end ← max(end, start)), giving IoU 0 ("12 to 8");
- StepConsistency: (start < end) + (start ≥ 0, end ≥ 0, end ≤ 1.0), halved: "12.0 to 15.0" -> 0.5;
- ``zscore=True``: the combined reward is z-scored over the whole batch (std + 1e-8), clipped to
  [-10, 10] (their CompositeReward ``normalize``; their advantage normalises again).

Fixed (default): the core parser on the answer block, seconds on the model's clock, reversed spans
swapped, spans clipped to [0, duration]; z-scoring off unless asked (GRPO normalises per group).
"""

from __future__ import annotations

import bisect
import math
import re

from videorl.rewards.base import Reward, RewardResult
from videorl.rewards.grounding import best, predicted_span
from videorl.rewards.registry import register
from videorl.scoring import iog, iop, iou
from videorl.target import Target

_N = r"([\d.]+)"
# The lookbehind only skips match attempts that start inside a run of digits/dots: such an attempt
# cannot succeed where the attempt at the start of the run failed (same run end), so the first hit
# is unchanged, and the search stays linear on long digit runs.
_RANGE = re.compile(rf"(?<![\d.]){_N}\s*(?:to|->|-|,)\s*{_N}")
_START = re.compile(rf"start[:\s]*{_N}")
_END = re.compile(rf"end[:\s]*{_N}")
_PAIRS = (re.compile(rf"\({_N}[,\s]+{_N}\)"), re.compile(rf"\[{_N}[,\s]+{_N}\]"))
EPS = 1e-8


def _start_end(low: str) -> tuple[str, str] | None:
    """The original's ``start[:\\s]*N.*end[:\\s]*N`` (greedy ``.*``, which stops at newlines),
    found without the regex engine's quadratic rescans: the first start cue that has an end cue
    after it on the same line, paired with the **last** such end cue on that line (the greedy
    ``.*`` backs off from the line's end). Cues never overlap, so each is found once."""
    ends = list(_END.finditer(low))
    if not ends:
        return None
    starts_of_ends = [m.start() for m in ends]
    for m in _START.finditer(low):
        nl = low.find("\n", m.end())
        k = bisect.bisect_left(starts_of_ends, len(low) if nl < 0 else nl) - 1
        if k >= 0 and starts_of_ends[k] >= m.end():
            return m.group(1), ends[k].group(1)
    return None


def default_parse(text: str) -> tuple[float, float] | None:
    """Lwt235's ``_default_parse`` as released at f8bb3aa (see the module docstring); ``None`` where
    the original raises. Patterns in order: range, start/end, (a b), [a b]."""
    low = text.lower()
    m = _RANGE.search(low)
    pair = (m.group(1), m.group(2)) if m else _start_end(low)
    if pair is None:
        for pat in _PAIRS:
            m = pat.search(low)
            if m:
                pair = (m.group(1), m.group(2))
                break
    if pair is None:
        return None
    try:
        return float(pair[0]), float(pair[1])
    except ValueError:
        return None


def faithful_overlap(pred: tuple[float, float], gt: tuple[float, float],
                     duration: float = 1.0) -> tuple[float, float, float]:
    """(IoU, recall, precision) as the released scalar path computes them: both spans divided by
    ``duration`` (their trainer passes the video duration beside the already normalised ground
    truth), end ← max(end, start), each ratio ``intersection / (denominator + 1e-8)``, 0 when the
    denominator is ≤ 0."""
    ps, pe, gs, ge = pred[0] / duration, pred[1] / duration, gt[0] / duration, gt[1] / duration
    pe = max(pe, ps)
    inter = max(0, min(pe, ge) - max(ps, gs))
    pd, gd = pe - ps, ge - gs
    union = pd + gd - inter
    return (inter / (union + EPS) if union > 0 else 0.0, inter / (gd + EPS) if gd > 0 else 0.0,
            inter / (pd + EPS) if pd > 0 else 0.0)


def zscore(scores: list[float], clip: float = 10.0, scale: float = 1.0) -> list[float]:
    """Batch z-score as the original CompositeReward: (x − mean) / (std + 1e-8), clipped to
    [−clip, clip], times ``scale``; a batch of one is returned unchanged. The std is the unbiased
    estimate (n − 1), as ``torch.Tensor.std`` computes it in the original."""
    n = len(scores)
    if n <= 1:
        return list(scores)
    mean = sum(scores) / n
    std = math.sqrt(sum((x - mean) ** 2 for x in scores) / (n - 1))
    return [max(-clip, min(clip, (x - mean) / (std + 1e-8))) * scale for x in scores]


@register("qwen3_vl_grpo_vtg", kind="preset")
class Lwt235Reward(Reward):
    """Qwen3-VL-GRPO-VTG (Lwt235): (2/3)·IoU + (1/3)·recall; ``faithful`` parser and units, optional batch z-score."""

    name = "qwen3_vl_grpo_vtg"
    tasks = ("grounding", "grounded_qa")
    components = ("iou", "recall", "precision", "f1", "step_consistency")

    def __init__(self, faithful: bool = False, iou_weight: float = 1.0, recall_weight: float = 0.5,
                 zscore: bool = False) -> None:
        super().__init__()
        if iou_weight + recall_weight <= 0:
            raise ValueError("iou_weight + recall_weight must be positive")
        self.faithful = faithful
        self.read_whole(faithful)
        self.iou_weight = iou_weight
        self.recall_weight = recall_weight
        self.zscore = zscore

    def score(self, text: str, target: Target) -> RewardResult:
        if self.faithful:
            pred = default_parse(text)
            gts = [(s / target.duration, e / target.duration) for s, e in target.spans]
        else:
            pred = predicted_span(text, target.duration)
            gts = list(target.spans)
        if pred is None:
            return RewardResult(0.0, dict.fromkeys(self.components, 0.0), "no span")
        if self.faithful:
            v_iou, rec, prec = (max(t) for t in zip(*(faithful_overlap(pred, g, target.duration) for g in gts),
                                                      strict=True))
            steps = float(pred[0] < pred[1]) + float(pred[0] >= 0 and pred[1] >= 0 and pred[1] <= 1.0)
        else:
            v_iou, rec = best(iou, pred, gts), best(iog, pred, gts)
            prec = best(iop, pred, gts)
            steps = float(pred[0] < pred[1]) + float(0 <= pred[0] and pred[1] <= target.duration + 1e-6)
        f1 = 2 * rec * prec / (rec + prec) if rec + prec > 0 else 0.0
        w = self.iou_weight + self.recall_weight
        total = (self.iou_weight * v_iou + self.recall_weight * rec) / w
        comps = {"iou": v_iou, "recall": rec, "precision": prec, "f1": f1, "step_consistency": steps / 2}
        return RewardResult(total, comps, f"span {pred[0]:.3g}-{pred[1]:.3g}: IoU {v_iou:.4f} recall {rec:.4f}")

    def batch(self, scores: list[float]) -> list[float]:
        return zscore(scores) if self.zscore else scores
