"""Numeric answers: the first number in a text and the mean relative accuracy (MRA).

MRA is the score Video-MTR reports for regression answers (methods.md §4.7) and VSI-Bench uses
for its numeric questions:

    MRA = mean over θ ∈ {0.50, 0.55, …, 0.95} of 1[|p − g| / |g| < 1 − θ]

A ground truth of 0 scores 1 only for a prediction of exactly 0 (the original divides by zero);
a missing or non-finite prediction scores 0. Shared by the lmms-eval think variants
(videorl/tasks/suite) so the number is computed once, the same way everywhere.
"""

from __future__ import annotations

import math
import re

MRA_THRESHOLDS = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))  # 0.50, 0.55, ..., 0.95
_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+")


def first_number(text: str | None) -> float | None:
    """The first number written in digits in ``text`` ("about 3.5 m" -> 3.5, "1,200" -> 1200), or None."""
    if not isinstance(text, str):
        return None
    m = _NUMBER.search(text)
    if m is None:
        return None
    try:
        return float(m.group(0).replace(",", ""))
    except ValueError:  # pragma: no cover - the pattern only matches numbers
        return None


def mean_relative_accuracy(pred: float | None, gt: float) -> float:
    """MRA in [0, 1] of one prediction (see the module docstring)."""
    if pred is None or not (math.isfinite(pred) and math.isfinite(gt)):
        return 0.0
    if gt == 0:
        return 1.0 if pred == 0 else 0.0
    rel = abs(pred - gt) / abs(gt)
    return sum(1.0 for t in MRA_THRESHOLDS if rel < 1 - t) / len(MRA_THRESHOLDS)
