"""The IoU family of interval scores (the usual clamped definitions).

For a prediction p = [ps, pe] and a ground truth g = [gs, ge] (seconds):

- length ``|x| = max(0, xe - xs)``: a reversed interval has length 0 (it is empty);
- ``inter = max(0, min(pe, ge) - max(ps, gs))`` (0 when either interval is empty);
- ``union = |p| + |g| - inter``;
- IoU = inter / union, IoP (precision) = inter / |p|, IoG (recall) = inter / |g|,
  F1 = 2 · IoP · IoG / (IoP + IoG) (the harmonic mean of IoP and IoG).

Every denominator that is 0 gives a score of 0 (never a division by zero): a zero-length or
reversed prediction scores 0 on all four, even when it lies inside the ground truth. All values lie
in [0, 1]. The NExT-GQA variant with its point rule lives in :mod:`videorl.scoring.nextgqa`.

Worked example: p = (0.25, 0.75), g = (0.3, 0.7): inter = 0.4, |p| = 0.5, |g| = 0.4, union = 0.5,
so IoU = 0.8, IoP = 0.8, IoG = 1.0, F1 = 1.6 / 1.8 = 0.8889.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

Interval = Sequence[float]


def _parts(pred: Interval, gt: Interval) -> tuple[float, float, float]:
    # Comparisons instead of max()/min() calls: this runs once per reward and per metric sample.
    ps, pe = float(pred[0]), float(pred[1])
    gs, ge = float(gt[0]), float(gt[1])
    lp = pe - ps if pe > ps else 0.0
    lg = ge - gs if ge > gs else 0.0
    if lp > 0 and lg > 0:
        lo = ps if ps > gs else gs
        hi = pe if pe < ge else ge
        return (hi - lo if hi > lo else 0.0), lp, lg
    return 0.0, lp, lg


def iou(pred: Interval, gt: Interval) -> float:
    """Intersection over union; 0 when the union is empty."""
    inter, lp, lg = _parts(pred, gt)
    union = lp + lg - inter
    return inter / union if union > 0 else 0.0


def iop(pred: Interval, gt: Interval) -> float:
    """Intersection over the prediction's length (precision); 0 for an empty prediction."""
    inter, lp, _ = _parts(pred, gt)
    return inter / lp if lp > 0 else 0.0


def iog(pred: Interval, gt: Interval) -> float:
    """Intersection over the ground truth's length (recall); 0 for an empty ground truth."""
    inter, _, lg = _parts(pred, gt)
    return inter / lg if lg > 0 else 0.0


def f1(pred: Interval, gt: Interval) -> float:
    """Harmonic mean of :func:`iop` and :func:`iog`; 0 when both are 0."""
    p, r = iop(pred, gt), iog(pred, gt)
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def interval_scores(pred: Interval | None, gts: Sequence[Interval]) -> dict[str, float]:
    """``{"iou", "iop", "iog", "f1"}`` of ``pred`` against several ground-truth spans.

    Each score is maximised over the ground-truth spans *separately* (they may come from
    different spans), as the NExT-GQA evaluation and HawkEye do. No prediction or no ground truth
    gives 0 for all four.
    """
    out = {"iou": 0.0, "iop": 0.0, "iog": 0.0, "f1": 0.0}
    if pred is None:
        return out
    for gt in gts:
        out["iou"] = max(out["iou"], iou(pred, gt))
        out["iop"] = max(out["iop"], iop(pred, gt))
        out["iog"] = max(out["iog"], iog(pred, gt))
        out["f1"] = max(out["f1"], f1(pred, gt))
    return out


def iou_matrix(preds: object, gts: object) -> np.ndarray:
    """Pairwise IoU, vectorised.

    ``preds``: array-like of shape ``[N, 2]``; ``gts``: ``[M, 2]`` (rows ``[start, end]``).
    Returns a float64 array of shape ``[N, M]`` with ``out[i, j] == iou(preds[i], gts[j])``
    (same conventions: reversed or zero-length intervals are empty, empty unions give 0).
    Empty inputs give an array with a zero dimension.
    """
    import numpy as np

    p = np.asarray(preds, dtype=np.float64).reshape(-1, 2)
    g = np.asarray(gts, dtype=np.float64).reshape(-1, 2)
    lp = np.clip(p[:, 1] - p[:, 0], 0.0, None)[:, None]
    lg = np.clip(g[:, 1] - g[:, 0], 0.0, None)[None, :]
    inter = np.clip(np.minimum(p[:, None, 1], g[None, :, 1]) - np.maximum(p[:, None, 0], g[None, :, 0]), 0.0, None)
    inter = np.where((lp > 0) & (lg > 0), inter, 0.0)
    union = lp + lg - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    return out
