"""Temporal-R1 (appletea233/Temporal-R1, ``verl/utils/reward_score/tvg.py``): 0.5·tIoU + 0.5·format.

Faithful (the released code):

- answer = first ``<answer>…</answer>`` body, stripped, read with ``json.loads``; ``start_time`` and
  ``end_time`` through ``float()`` (quoted or unquoted numbers both parse);
- tIoU on spans normalised by the duration L: pred [s/L, e/L] vs gt [gs/L, ge/L], nothing clipped,
  so a prediction past the end only grows the union ([0, 60] on 30 s vs [3, 9] gives 0.1);
  a reversed span has an empty intersection, tIoU 0; any failure (no tag, bad JSON, missing key,
  non-number, non-finite) gives 0;
- format = 1 only when the **whole** response is a think block, whitespace, and an answer block that
  holds exactly ``{"start_time": "<digits/dots>", "end_time": "<digits/dots>"}`` with **quoted**
  values.

Fixed (default): the same weights; the span is read by the core parser (which reads that JSON,
quoted or not, and any other span form, so "3 - 9" also scores), reversed spans are swapped and an
end past L is clipped to L (the core policy); a **negative** time is not a time to the core parser,
so "-5 to 10" (or ``"start_time": -5``) is no span and scores tIoU 0, it is not clipped to 0; format
accepts unquoted numbers. tIoU is scale-invariant, so seconds
and normalised spans give the same value. Also registered: ``temporal_r1_dual``, the paper's dual
reward (the code is unreleased; this is our reading of arXiv 2506.01908).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from videorl.parse import parse_grounded, parse_option
from videorl.rewards.base import Reward, RewardResult, UnsupportedTaskError
from videorl.rewards.fmt import check_format
from videorl.rewards.grounding import best, predicted_span
from videorl.rewards.registry import register
from videorl.scoring import iou
from videorl.target import Target

_NUM_Q = r'"[\d.]+"'
_NUM_U = r'(?:"[\d.]+"|[\d.]+)'


def _format_re(num: str) -> re.Pattern[str]:
    obj = rf'\{{\s*"start_time"\s*:\s*{num}\s*,\s*"end_time"\s*:\s*{num}\s*\}}'
    return re.compile(rf"<think>.*?</think>\s*<answer>\s*{obj}\s*</answer>", re.DOTALL)


FORMAT_QUOTED = _format_re(_NUM_Q)
FORMAT_UNQUOTED = _format_re(_NUM_U)


def json_span(text: str) -> tuple[float, float] | None:
    """``(start_time, end_time)`` from the first answer block's JSON object, as the original reads
    it (``float()`` of each value), or ``None`` on any failure."""
    i = text.find("<answer>")  # the first non-greedy <answer>(.*?)</answer> match, by plain scans
    j = text.find("</answer>", i + 8) if i >= 0 else -1
    if j < 0:
        return None
    try:
        d = json.loads(text[i + 8:j].strip())
        s, e = float(d["start_time"]), float(d["end_time"])
    except (ValueError, TypeError, KeyError, IndexError, RecursionError):
        return None
    return (s, e) if math.isfinite(s) and math.isfinite(e) else None


def faithful_tiou(text: str, target: Target) -> tuple[float, str]:
    L = target.duration
    span = json_span(text)
    if span is None:
        return 0.0, "no JSON answer"
    pred = (span[0] / L, span[1] / L)
    gt = (target.spans[0][0] / L, target.spans[0][1] / L)
    if pred[0] > pred[1]:
        return 0.0, "reversed span"
    return float(iou(pred, gt)), f"normalised span {pred[0]:.3f}-{pred[1]:.3f}"


@register("temporal_r1", kind="preset")
class TemporalR1Reward(Reward):
    """Temporal-R1: 0.5·tIoU + 0.5·format (quoted-JSON answer); ``faithful`` reproduces the release."""

    name = "temporal_r1"
    tasks = ("grounding", "grounded_qa")
    components = ("iou", "format")

    def __init__(self, faithful: bool = False, iou_weight: float = 0.5, format_weight: float = 0.5) -> None:
        super().__init__()
        self.faithful = faithful
        self.read_whole(faithful)
        self.iou_weight = iou_weight
        self.format_weight = format_weight

    def score(self, text: str, target: Target) -> RewardResult:
        if self.faithful:
            acc, why = faithful_tiou(text, target)
            fmt = float(FORMAT_QUOTED.fullmatch(text) is not None)
        else:
            span = predicted_span(text, target.duration)
            acc = best(iou, span, target.spans) if span is not None else 0.0
            why = "no span" if span is None else f"span {span[0]:.2f}-{span[1]:.2f}"
            fmt = float(FORMAT_UNQUOTED.fullmatch(text.strip()) is not None)
        total = self.iou_weight * acc + self.format_weight * fmt
        return RewardResult(total, {"iou": acc, "format": fmt}, f"{why}: tIoU {acc:.4f}, format {fmt:g}")


@register("temporal_r1_dual", kind="preset")
class TemporalR1DualReward(Reward):
    """Temporal-R1 paper's dual reward: discrete option accuracy (MCQ) + continuous tIoU (grounding,
    grounded QA), plus format: (1 − f)·answer + f·format.

    answer = accuracy for ``mcq``; tIoU for ``grounding``; the mean of accuracy and tIoU for
    ``grounded_qa`` (both parts apply). format = our strict think/answer layout (each tag exactly
    once, whitespace around the response ignored). This is not Temporal-R1's released ``r1v`` rule,
    which lets a block run over extra tags (``check_format(mode="r1")``). Other tasks raise
    :class:`UnsupportedTaskError`.
    """

    name = "temporal_r1_dual"
    tasks = ("mcq", "grounding", "grounded_qa")
    components = ("accuracy", "iou", "format")

    def __init__(self, format_weight: float = 0.5) -> None:
        super().__init__()
        self.format_weight = format_weight

    def score(self, text: str, target: Target) -> RewardResult:
        comps: dict[str, Any] = {}
        parts = []
        span = None
        if target.task == "grounded_qa":
            letter, span = parse_grounded(text, list(target.options), target.duration)
        elif target.task == "mcq":
            letter = parse_option(text, list(target.options))
        if target.task in ("mcq", "grounded_qa"):
            comps["accuracy"] = float(letter is not None and letter == target.answer)
            parts.append(comps["accuracy"])
        if target.task in ("grounding", "grounded_qa"):
            if target.task == "grounding":
                span = predicted_span(text, target.duration)
            comps["iou"] = best(iou, span, target.spans) if span is not None else 0.0
            parts.append(comps["iou"])
        if not parts:  # pragma: no cover - guarded by ``tasks``
            raise UnsupportedTaskError(f"temporal_r1_dual cannot score task {target.task!r}")
        comps["format"] = float(check_format(text, "strict"))
        ans = sum(parts) / len(parts)
        total = (1 - self.format_weight) * ans + self.format_weight * comps["format"]
        return RewardResult(total, comps, f"answer {ans:.4f}, format {comps['format']:g}")
