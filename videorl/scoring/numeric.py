"""Numeric answers: the first number in a text and the mean relative accuracy (MRA).

MRA is the score Video-MTR reports for regression answers (methods.md §4.7) and VSI-Bench uses
for its numeric questions:

    MRA = mean over θ ∈ {0.50, 0.55, …, 0.95} of 1[|p − g| / |g| < 1 − θ]

computed in exact decimals: both numbers are read as the decimals they print as (``repr``), so
boundary cases come out as the definition says ((13, 10) has relative error exactly 0.3, which is
not < 1 − 0.70, so MRA is 0.4; binary doubles give 0.5). A ground truth of 0 scores 1 only for a
prediction of exactly 0 (Video-MTR divides by |g| + 1e-8 in float32, which gives the same except for
|p| below about 5e-9); a missing or non-finite prediction scores 0. Shared by the Video-MTR
environment and metrics (:mod:`videorl.scoring.episodes`) and the lmms-eval think variants
(videorl/tasks/suite), so the number is computed once, the same way everywhere.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

MRA_THRESHOLDS = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))  # 0.50, 0.55, ..., 0.95
_MRA_DECIMAL = tuple(Decimal(f"{t:.2f}") for t in MRA_THRESHOLDS)
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
    p, g = Decimal(repr(float(pred))), Decimal(repr(float(gt)))
    rel = abs(p - g) / abs(g)
    return sum(1 for t in _MRA_DECIMAL if rel < 1 - t) / len(_MRA_DECIMAL)
