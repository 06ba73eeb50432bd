"""Scoring: the IoU family, per-sample metrics in percent, aggregation, and NExT-GQA's official metrics.

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

__all__ = [
    "CAPTION_METRICS",
    "GQA_METRICS",
    "GROUNDING_METRICS",
    "MCQ_METRICS",
    "MISSING_POLICIES",
    "OPEN_QA_METRICS",
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
    "score_sample",
    "segment_iou_iop",
]
