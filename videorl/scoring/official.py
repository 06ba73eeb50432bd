"""The official protocols: the reference evaluators' arithmetic, for numbers comparable with papers.

videorl's default metrics (``protocol="videorl"``) follow our parsing policies: negative values are
refused, reversed spans swapped, predictions clamped to the duration, and records must hold spans
inside the video. That is right for training rewards, but papers report the reference evaluators'
numbers, and those differ. ``protocol="official"`` (``videorl score --protocol official``, the
``*_official`` lmms-eval tasks) reproduces them exactly:

**Temporal grounding** (Charades-STA, ActivityNet Captions): the offline ``eval_tvg.py`` that
lmms-eval's ``charades_sta`` task and Temporal-R1 use (re-implemented from its definitions):

- ground truth as the annotation file gives it (``record.raw_spans``, even when it ends past the
  duration: 562 of the 3,720 Charades-STA test spans do); predictions are never clamped, and a
  negative value is kept as written;
- a reversed prediction is swapped (``extract_time`` orders the two values);
- IoU = max(min(ends) − max(starts), 0) / (max(ends) − min(starts)) on raw floats; a point
  prediction scores 0 (an empty hull, which the original would divide by, also scores 0 here);
- R1@0.3/0.5/0.7 count IoU ``>=`` the threshold; mIoU is the mean IoU; both × 100;
- a missing or unreadable prediction stays in the denominator: the original substitutes
  ``[gt_end + 10, gt_end + 20]``, which is computed here the same way (its IoU is 0).

With several ground-truth spans (not in these datasets) the best IoU over them is taken.

**NExT-GQA** (``eval_ground.py``): :mod:`videorl.scoring.nextgqa` (point rule, unclamped
intersection, IoU and IoP maxima taken separately), with the raw spans, the prediction as written
(reversed: IoP 0 and IoU ≤ 0, so 0; negative start kept: ``[-3, 30]`` against ``[2, 12]`` has IoU
10 / 33), and questions without a readable span skipped from the grounding metrics' denominator
(``nextgqa_missing="skip"``, the official script's behaviour; ``"count"`` keeps them as 0).

**Text predictions** are read by videorl's parser (:func:`videorl.parse.find_span`) with its
policies switched off (values as written). The reference scripts' own text parsing (``eval_tvg``
rewrites every "to" as "-", so "tomato" breaks it) is not reproduced; give already-parsed
``prediction_span`` values to score exactly what another parser read. Multiple-choice and open
answers have no separate official protocol.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from videorl.record import SampleRecord

PROTOCOLS = ("videorl", "official")
TVG_THRESHOLDS = (0.3, 0.5, 0.7)


def check_protocol(protocol: str) -> str:
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {list(PROTOCOLS)}, got {protocol!r}")
    return protocol


def raw_gt_spans(record: SampleRecord) -> list[list[float]]:
    """The ground truth as the annotation file gives it, on the model's clock.

    ``record.raw_spans`` when set; else the originals that older videorl versions kept in
    ``meta.span_original`` / ``meta.spans_original``; else ``record.spans``. With a clip, the spans
    are shifted by its start but never cut to it.
    """
    raw: Any = record.raw_spans
    if raw is None:
        if isinstance(record.meta.get("spans_original"), list):
            raw = record.meta["spans_original"]
        elif isinstance(record.meta.get("span_original"), list):
            raw = [record.meta["span_original"]]
        else:
            raw = record.spans
    off = record.view_offset
    return [[float(s) - off, float(e) - off] for s, e in raw]


def given_span(value: Any) -> tuple[float, float]:
    """A ``prediction_span`` as written: two finite numbers, nothing refused or reordered."""
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value)):
        raise ValueError(f"prediction_span must be [start, end] numbers, got {value!r}")
    s, e = float(value[0]), float(value[1])
    if not (math.isfinite(s) and math.isfinite(e)):
        raise ValueError(f"prediction_span must be finite numbers, got {value!r}")
    return s, e


def tvg_iou(pred: Sequence[float], gt: Sequence[float]) -> float:
    """``eval_tvg``'s IoU of two ``[start, end]`` (taken as given): the overlap, floored at 0,
    over the hull. 0 when the hull is empty (where the original divides by zero)."""
    lo, hi = max(float(pred[0]), float(gt[0])), min(float(pred[1]), float(gt[1]))
    hull = max(float(pred[1]), float(gt[1])) - min(float(pred[0]), float(gt[0]))
    inter = max(hi - lo, 0.0)
    return inter / hull if hull > 0 else 0.0


def tvg_sample(pred: Sequence[float] | None, gts: Sequence[Sequence[float]]) -> dict[str, float]:
    """Per-query ``{"R1@0.3", "R1@0.5", "R1@0.7", "mIoU"}`` in percent, as ``eval_tvg.py`` scores it.

    ``pred`` is the prediction as read (``None``: missing); a reversed one is swapped first.
    """
    if pred is None:  # the original's substitute for a missing prediction, scored the same way
        ge = float(gts[0][1])
        span = (ge + 10.0, ge + 20.0)
    else:
        s, e = float(pred[0]), float(pred[1])
        span = (s, e) if e > s else (e, s)
    best = max(tvg_iou(span, gt) for gt in gts)
    out = {f"R1@{t}": (100.0 if best >= t else 0.0) for t in TVG_THRESHOLDS}
    out["mIoU"] = 100.0 * best
    return out


def as_raw_spans(obj: Any) -> Any:
    """A record line whose ``spans`` lie partly outside the video, made valid for the official
    protocol: its spans move to ``raw_spans`` (scored as given) and ``spans`` become them cut to
    ``[0, duration]``. Lines that already have ``raw_spans``, whose spans are inside the video, or
    that are malformed (left for validation to report) are returned unchanged."""
    if not isinstance(obj, dict) or obj.get("raw_spans") is not None:
        return obj
    spans, duration = obj.get("spans"), obj.get("duration")
    if (not isinstance(spans, list) or not spans or isinstance(duration, bool)
            or not isinstance(duration, (int, float)) or not duration > 0):
        return obj
    cut = []
    for sp in spans:
        if (not isinstance(sp, list) or len(sp) != 2
                or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in sp)):
            return obj
        cut.append([max(float(sp[0]), 0.0), min(float(sp[1]), float(duration))])
    if all(c == [float(s), float(e)] for c, (s, e) in zip(cut, spans, strict=True)):
        return obj
    return {**obj, "spans": cut, "raw_spans": spans}
