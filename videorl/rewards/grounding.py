"""Temporal grounding rewards: IoU, segment overlap, step consistency.

All times are seconds on the model's clock (the target's ``duration`` and ``spans``). The predicted
span is read by the core parser: ``parse_span(text, duration, reversed=..., clamp=...)`` (the
``<answer>`` block when present, else the text after ``</think>``, else the whole text; seconds,
``MM:SS``, ``HH:MM:SS``, "a - b", "a to b", "[a, b]", JSON ``start_time``/``end_time``, ...). Scores come from ``videorl.scoring``, the same functions the evaluation
metrics use. With several ground-truth spans each metric is the maximum over them, taken separately
per metric (as NExT-GQA does).

Edge cases, for every reward here:

- no parseable span (empty, free text, garbage): 0, reason "no span";
- reversed span ("12 - 8"): ``reversed="swap"`` (default) scores (8, 12); ``"invalid"`` gives 0;
- span past the duration: ``clamp=True`` (default) cuts it to [0, duration] before scoring;
- zero-length span: IoU 0 (empty intersection), precision 0.
"""

from __future__ import annotations

from videorl.parse import parse_span
from videorl.rewards.base import Reward, RewardResult
from videorl.rewards.registry import register
from videorl.scoring import interval_scores, iou
from videorl.target import Target

Span = tuple[float, float]
REVERSED = ("swap", "invalid")
GROUNDED_TASKS = ("grounding", "grounded_qa")


def predicted_span(text: str, duration: float, *, reversed: str = "swap", clamp: bool = True) -> Span | None:
    """The span the response answers, via the core parser (``None`` when there is none)."""
    return parse_span(text, duration, reversed=reversed, clamp=clamp)


def best(metric, pred: Span, spans) -> float:  # noqa: ANN001 - a videorl.scoring pair metric
    """max over the ground-truth spans of ``metric(pred, gt)`` (0.0 with no spans)."""
    return max((float(metric(pred, gt)) for gt in spans), default=0.0)


def _fmt(span: Span) -> str:
    return f"{span[0]:.2f}-{span[1]:.2f}"


def _check_reversed(value: str) -> str:
    if value not in REVERSED:
        raise ValueError(f"reversed must be one of {REVERSED}, got {value!r}")
    return value


@register("iou")
class IoUReward(Reward):
    """Temporal IoU of the predicted span with the ground truth: |p ∩ g| / |p ∪ g| (max over GT spans).

    Used by Temporal-R1, Qwen3-VL-GRPO-VTG (TemporalIoU), TimeZero and most grounding RL work.
    ``threshold`` τ turns it into the binary 1[IoU ≥ τ] (Temporal-R1's commented-out variant,
    Lwt235's ``binary``).
    """

    name = "iou"
    tasks = GROUNDED_TASKS
    components = ("iou",)

    def __init__(self, reversed: str = "swap", clamp: bool = True, threshold: float | None = None) -> None:
        super().__init__()
        self.reversed = _check_reversed(reversed)
        self.clamp = clamp
        self.threshold = threshold

    def score(self, text: str, target: Target) -> RewardResult:
        pred = parse_span(text, target.duration, reversed=self.reversed, clamp=self.clamp)
        if pred is None:
            return RewardResult(0.0, {"iou": 0.0}, "no span")
        spans = target.spans
        v = iou(pred, spans[0]) if len(spans) == 1 else best(iou, pred, spans)
        s = float(v >= self.threshold) if self.threshold is not None else v
        return RewardResult(s, {"iou": v}, ("span {:.2f}-{:.2f}: IoU {:.4f}", pred[0], pred[1], v))


OVERLAP_MODES = ("recall", "precision", "f1")


@register("overlap")
class OverlapReward(Reward):
    """Segment overlap (Qwen3-VL-GRPO-VTG's SegmentOverlap): recall |p∩g|/|g|, precision |p∩g|/|p|,
    or F1 = 2rp/(r+p) (0 when r+p = 0); max over GT spans per metric.

    Recall alone pays 1.0 for predicting the whole video: combine it with IoU (the Lwt235 preset
    weights IoU 2/3, recall 1/3). Components ``recall``, ``precision``, ``f1`` are all reported.
    """

    name = "overlap"
    tasks = GROUNDED_TASKS
    components = ("recall", "precision", "f1")

    def __init__(self, mode: str = "f1", reversed: str = "swap", clamp: bool = True) -> None:
        super().__init__()
        if mode not in OVERLAP_MODES:
            raise ValueError(f"overlap mode must be one of {OVERLAP_MODES}, got {mode!r}")
        self.mode = mode
        self.reversed = _check_reversed(reversed)
        self.clamp = clamp

    def score(self, text: str, target: Target) -> RewardResult:
        pred = predicted_span(text, target.duration, reversed=self.reversed, clamp=self.clamp)
        if pred is None:
            return RewardResult(0.0, dict.fromkeys(self.components, 0.0), "no span")
        sc = interval_scores(pred, target.spans)
        r, p, f = sc["iog"], sc["iop"], sc["f1"]
        comps = {"recall": r, "precision": p, "f1": f}
        return RewardResult(comps[self.mode], comps,
                            ("span {:.2f}-{:.2f}: recall {:.4f} precision {:.4f} F1 {:.4f}", pred[0], pred[1], r, p, f))


@register("step_consistency")
class StepConsistencyReward(Reward):
    """Sanity of the predicted span in seconds: (checks passed) / 2 over
    monotonic (start < end) and in range (0 ≤ start and end ≤ duration).

    From Qwen3-VL-GRPO-VTG's StepConsistency, fixed to seconds: the original checks end ≤ 1.0 (it
    assumes normalised times), so "12.0 to 15.0" scores 0.5 there and 1.0 here on a 30 s video. The
    span is read without clamping; a reversed span is read swapped for the range check and fails the
    monotonic check. Unparseable: 0.
    """

    name = "step_consistency"
    tasks = GROUNDED_TASKS
    components = ("step_consistency",)

    def score(self, text: str, target: Target) -> RewardResult:
        pred = parse_span(text, target.duration, reversed="invalid", clamp=False)
        monotonic = pred is not None and pred[0] < pred[1]
        if pred is None:
            pred = parse_span(text, target.duration, reversed="swap", clamp=False)
            if pred is None:
                return RewardResult(0.0, {"step_consistency": 0.0}, "no span")
        in_range = pred[0] >= 0 and pred[1] <= target.duration + 1e-6
        v = (float(monotonic) + float(in_range)) / 2
        return RewardResult(v, {"step_consistency": v},
                            f"span {_fmt(pred)}: monotonic {monotonic}, within [0, {target.duration:g}] {in_range}")
