"""Scoring: the IoU family, per-sample metrics in percent, aggregation, and the official protocols
(Charades-STA / ActivityNet ``eval_tvg.py``, NExT-GQA ``eval_ground.py``).

``import videorl.scoring`` loads only the standard library; numpy is imported by
:func:`iou_matrix` when it is called.
"""

from __future__ import annotations

from videorl.scoring.intervals import f1, interval_scores, iog, iop, iou, iou_matrix
from videorl.scoring.metrics import (
    CAPTION_METRICS,
    GQA_METRICS,
    GROUNDING_METRICS,
    MCQ_METRICS,
    MISSING_POLICIES,
    OPEN_QA_METRICS,
    R1_THRESHOLDS,
    aggregate,
    metrics_for,
    normalize_answer,
    score_sample,
)
from videorl.scoring.nextgqa import evaluate_nextgqa, nextgqa_iou_iop, nextgqa_sample, segment_iou_iop
from videorl.scoring.official import PROTOCOLS, raw_gt_spans, tvg_iou, tvg_sample

__all__ = [
    "CAPTION_METRICS",
    "GQA_METRICS",
    "GROUNDING_METRICS",
    "MCQ_METRICS",
    "MISSING_POLICIES",
    "OPEN_QA_METRICS",
    "PROTOCOLS",
    "R1_THRESHOLDS",
    "aggregate",
    "evaluate_nextgqa",
    "f1",
    "interval_scores",
    "iog",
    "iop",
    "iou",
    "iou_matrix",
    "metrics_for",
    "nextgqa_iou_iop",
    "nextgqa_sample",
    "normalize_answer",
    "raw_gt_spans",
    "score_sample",
    "segment_iou_iop",
    "tvg_iou",
    "tvg_sample",
]
