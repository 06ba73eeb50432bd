"""NExT-GQA grounding metrics, exactly as the official evaluation computes them.

Reference: ``code/TempGQA/eval_ground.py`` of doc-doc/NExT-GQA (re-implemented here from its
description, not copied). For a prediction p = [ps, pe] (seconds, **not** clipped to the duration)
and each ground-truth segment g = [gs, ge] of the question:

- point prediction (ps == pe): IoU = 0; IoP = 1 if gs <= ps <= ge else 0;
- otherwise inter = min(ge, pe) - max(gs, ps) (**not clamped**: negative when they do not overlap),
  union = max(ge, pe) - min(gs, ps) (the hull); IoU = inter / union if union > 0 else 0;
  IoP = inter / (pe - ps) if pe > ps else 0 (a reversed prediction has IoP 0).

tIoU = max(0, max over g of IoU) and tIoP = max(0, max over g of IoP): the two maxima are taken
separately and may come from different segments. Per question the reported values (x100) are
mIoU, mIoP (means), IoU@0.3, IoU@0.5, IoP@0.3, IoP@0.5 (share with value >= threshold) and
Acc@GQA (share with a correct QA answer **and** tIoP >= 0.5).

Missing predictions: the official script skips questions without a grounding prediction, so the
denominator shrinks (``missing="skip"`` in :func:`evaluate_nextgqa`); ``missing="count"`` (videorl's
default elsewhere) scores them 0 instead. With ``gaussian=True`` predictions are normalised to
[0, 1] and are multiplied by the integer duration and rounded to 0.1 s (numpy's half-to-even
rounding, as ``np.round``), as the official Gaussian-mask mode does.

Worked values (from the notes): GT [[1.2, 5.8]] vs [2, 8]: IoU 3.8/6.8 = 0.5588, IoP 3.8/6 = 0.6333;
GT [[12.1, 17.1], [20, 23.5]] vs [13, 22]: IoU max(4.1/9.9, 2/10) = 0.4141, IoP max(4.1/9, 2/9)
= 0.4556; GT [[0.5, 12.6]] vs [0, 35]: 12.1/35 = 0.3457 for both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

GQA_THRESHOLDS = (0.3, 0.5)


def segment_iou_iop(pred: Sequence[float], gt: Sequence[float]) -> tuple[float, float]:
    """The official per-segment ``(IoU, IoP)``; may be negative (see the module docstring)."""
    ps, pe = float(pred[0]), float(pred[-1])
    gs, ge = float(gt[0]), float(gt[-1])
    if ps == pe:
        return 0.0, (1.0 if gs <= ps <= ge else 0.0)
    inter = min(ge, pe) - max(gs, ps)
    union = max(ge, pe) - min(gs, ps)
    seg_iou = inter / union if union > 0 else 0.0
    seg_iop = inter / (pe - ps) if pe > ps else 0.0
    return seg_iou, seg_iop


def nextgqa_iou_iop(pred: Sequence[float] | None, gts: Sequence[Sequence[float]]) -> tuple[float, float]:
    """``(tIoU, tIoP)`` of one question: each the max of 0 and the per-segment values."""
    t_iou, t_iop = 0.0, 0.0
    if pred is None:
        return t_iou, t_iop
    for gt in gts:
        seg_iou, seg_iop = segment_iou_iop(pred, gt)
        t_iou = max(t_iou, seg_iou)
        t_iop = max(t_iop, seg_iop)
    return t_iou, t_iop


def nextgqa_sample(pred: Sequence[float] | None, gts: Sequence[Sequence[float]],
                   answer_correct: bool) -> dict[str, float]:
    """Per-question grounding metrics in percent (a plain mean over questions gives the report)."""
    t_iou, t_iop = nextgqa_iou_iop(pred, gts)
    out = {"Acc@GQA": 100.0 if answer_correct and t_iop >= 0.5 else 0.0,
           "mIoU": 100.0 * t_iou, "mIoP": 100.0 * t_iop}
    for t in GQA_THRESHOLDS:
        out[f"IoU@{t}"] = 100.0 if t_iou >= t else 0.0
        out[f"IoP@{t}"] = 100.0 if t_iop >= t else 0.0
    return out


def evaluate_nextgqa(gsub: Mapping[str, Any], pred_ground: Mapping[str, Sequence[float]],
                     pred_qa: Mapping[str, Mapping[str, Any]] | None = None, *, missing: str = "skip",
                     gaussian: bool = False) -> dict[str, float]:
    """Evaluate official-format files: ``gsub_{split}.json`` content, a grounding prediction dict
    ``{"<video_id>_<qid>": [s, e]}`` and optionally a QA dict ``{"<video_id>_<qid>": {"answer",
    "prediction"}}``.

    Returns ``{"Acc@GQA", "mIoP", "IoP@0.3", "IoP@0.5", "mIoU", "IoU@0.3", "IoU@0.5", "count"}``
    in percent (``count`` = questions in the denominator). Acc@GQA needs ``pred_qa``; without it,
    it is 0 (as the official script prints). A grounded question missing from ``pred_qa`` counts as
    a wrong answer.
    """
    if missing not in ("skip", "count"):
        raise ValueError(f"missing must be 'skip' or 'count', got {missing!r}")
    rows = []
    for vid, anno in gsub.items():
        duration = anno.get("duration")
        for qid, locs in (anno.get("location") or {}).items():
            key = f"{vid}_{qid}"
            pred = pred_ground.get(key)
            if pred is None and missing == "skip":
                continue
            if pred is not None and gaussian:
                pred = [_round_half_even(float(x) * float(duration), 1) for x in pred]
            qa = (pred_qa or {}).get(key)
            correct = bool(qa) and qa.get("answer") == qa.get("prediction")
            rows.append(nextgqa_sample(pred, locs, correct))
    keys = ("Acc@GQA", "mIoP", "IoP@0.3", "IoP@0.5", "mIoU", "IoU@0.3", "IoU@0.5")
    n = len(rows)
    out = {k: (sum(r[k] for r in rows) / n if n else float("nan")) for k in keys}
    out["count"] = float(n)
    return out


def _round_half_even(x: float, ndigits: int) -> float:
    # numpy's np.round rounds x * 10**ndigits half-to-even; Python's round() on the decimal value
    # can differ for binary floats, so mimic numpy's arithmetic.
    scale = 10.0 ** ndigits
    return round(x * scale) / scale
