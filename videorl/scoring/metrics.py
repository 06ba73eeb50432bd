"""Per-sample scores and their aggregation, for every task of the sample record.

:func:`score_sample` returns, for one record and one model output, the parsed prediction and one
key per metric of the task whose value is **already in percent for that sample** (``R1@0.5`` is
100.0 or 0.0, ``mIoU`` is 100 · IoU, ``parse_fail`` is 100.0 or 0.0). A plain mean over samples is
therefore the reported metric; this is what lmms-eval's ``process_results`` returns with
``aggregation: mean``, and what :func:`aggregate` computes.

Metrics per task (thresholds are inclusive: IoU >= 0.5 counts for ``R1@0.5``):

- ``grounding``: ``R1@0.3``, ``R1@0.5``, ``R1@0.7`` (top-1 recall at IoU thresholds), ``mIoU``,
  ``parse_fail``. IoU is the clamped IoU of :mod:`videorl.scoring.intervals`, maximised over the
  ground-truth spans; spans are compared on the model clock (``record.view_spans()``), and the
  parser clamps the prediction to ``record.view_duration`` unless ``clamp=False``.
- ``mcq``: ``accuracy``, ``parse_fail``.
- ``grounded_qa`` (NExT-GQA): ``Acc@QA``, ``Acc@GQA``, ``mIoU``, ``mIoP``, ``IoU@0.3``, ``IoU@0.5``,
  ``IoP@0.3``, ``IoP@0.5``, ``parse_fail``, computed exactly as the official evaluation
  (:mod:`videorl.scoring.nextgqa`): the predicted span is **never clamped** in this task, whatever
  ``clamp`` says, as in the official script. ``parse_fail`` is 100 when the letter or the span
  could not be read.
- ``open_qa``: ``accuracy`` = normalised exact match (lower case, punctuation and the articles a /
  an / the removed, whitespace collapsed), ``parse_fail`` (empty answer).
- ``caption``: no automatic metric here (judge-based scores live elsewhere); only the count.

These are videorl's own policies (``protocol="videorl"``, the default, shared with the rewards).
``protocol="official"`` reproduces the reference evaluators for ``grounding`` (``eval_tvg.py``) and
``grounded_qa`` (NExT-GQA's ``eval_ground.py``) instead: same metric names, their arithmetic on the
raw annotation spans (see :mod:`videorl.scoring.official`).

Unparseable output: ``parse_fail`` 100, every other metric 0, and the sample stays in the
denominator. :func:`aggregate` with ``nextgqa_missing="skip"`` reproduces the official NExT-GQA
behaviour instead: questions whose span could not be read are left out of the denominator of the
grounding metrics (``Acc@GQA``, ``mIoU``, ``mIoP``, ``IoU@*``, ``IoP@*``), and questions whose
letter could not be read are left out of ``Acc@QA`` (the official QA script scores only the
predictions it is given). ``parse_fail`` always uses every sample.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from videorl.parse import apply_span_policy, final_text, find_span, parse_grounded, parse_option, parse_span
from videorl.parse.spans import REVERSED_POLICIES
from videorl.record import LETTERS, SampleRecord
from videorl.scoring.intervals import interval_scores
from videorl.scoring.nextgqa import nextgqa_sample
from videorl.scoring.official import check_protocol, given_span, raw_gt_spans, tvg_sample

R1_THRESHOLDS = (0.3, 0.5, 0.7)
GROUNDING_METRICS = ("R1@0.3", "R1@0.5", "R1@0.7", "mIoU", "parse_fail")
MCQ_METRICS = ("accuracy", "parse_fail")
GQA_METRICS = ("Acc@QA", "Acc@GQA", "mIoU", "mIoP", "IoU@0.3", "IoU@0.5", "IoP@0.3", "IoP@0.5", "parse_fail")
OPEN_QA_METRICS = ("accuracy", "parse_fail")
CAPTION_METRICS: tuple[str, ...] = ()

_BY_TASK = {"grounding": GROUNDING_METRICS, "mcq": MCQ_METRICS, "grounded_qa": GQA_METRICS,
            "open_qa": OPEN_QA_METRICS, "caption": CAPTION_METRICS}
# Metrics of grounded_qa whose denominator drops unparsed spans with nextgqa_missing="skip".
_GQA_GROUNDING = ("Acc@GQA", "mIoU", "mIoP", "IoU@0.3", "IoU@0.5", "IoP@0.3", "IoP@0.5")
MISSING_POLICIES = ("count", "skip")


def metrics_for(task: str) -> tuple[str, ...]:
    """The metric names of a task, in report order (``()`` for ``caption``)."""
    try:
        return _BY_TASK[task]
    except KeyError:
        raise ValueError(f"unknown task {task!r}; choose one of {list(_BY_TASK)}") from None


_ARTICLES_RE = re.compile(r"\b(?:a|an|the)\b")
_PUNCT_RE = re.compile(r"[^\w\s]|_")


def normalize_answer(text: str) -> str:
    """SQuAD-style normalisation: lower case, punctuation and articles removed, spaces collapsed."""
    text = _PUNCT_RE.sub(" ", text.lower())
    return " ".join(_ARTICLES_RE.sub(" ", text).split())


def _given_span(value: Any, duration: float, reversed: str, clamp: bool) -> tuple[float, float] | None:
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value)):
        raise ValueError(f"prediction_span must be [start, end] numbers, got {value!r}")
    if not all(math.isfinite(float(x)) for x in value):
        raise ValueError(f"prediction_span must be finite numbers, got {value!r}")
    return apply_span_policy(value[0], value[1], duration, reversed=reversed, clamp=clamp)


def _given_answer(value: Any, options: Sequence[str]) -> str | None:
    if not isinstance(value, str):
        raise ValueError(f"prediction_answer must be a string (a letter or an option text), got {value!r}")
    v = value.strip()
    if len(v) == 1 and v.upper() in LETTERS[: len(options)]:
        return v.upper()
    return parse_option(v, options)


def score_sample(record: SampleRecord, prediction: str | None = None, *, prediction_span: Any = None,
                 prediction_answer: Any = None, reversed: str = "swap", clamp: bool = True,
                 protocol: str = "videorl") -> dict[str, Any]:
    """Score one model output on one record (see the module docstring for the metrics).

    ``prediction`` is the model's text; ``prediction_span`` ([s, e] on the model clock) and
    ``prediction_answer`` (a letter or an option text; the answer text for open_qa) are
    already-parsed alternatives and take precedence over the text for their part. Returns
    ``{"parsed_span": [s, e] | None, "parsed_answer": str | None, <metric>: percent, ...}``.

    ``protocol="official"`` scores grounding and grounded QA as the reference evaluators do
    (:mod:`videorl.scoring.official`: raw ground truth, spans as written, their arithmetic);
    ``reversed`` and ``clamp`` do not apply then. Same keys either way.

    Raises ValueError when neither a prediction nor the needed parsed field is given, or when a
    parsed field is malformed (not when the text is garbage: that is a parse failure).
    """
    if reversed not in REVERSED_POLICIES:
        raise ValueError(f"reversed must be one of {list(REVERSED_POLICIES)}, got {reversed!r}")
    official = check_protocol(protocol) == "official"
    if prediction is not None and not isinstance(prediction, str):
        raise ValueError(f"prediction must be a string, got {type(prediction).__name__}")
    task = record.task
    need_span = task in ("grounding", "grounded_qa")
    need_answer = task in ("mcq", "grounded_qa", "open_qa", "caption")
    if prediction is None and ((need_span and prediction_span is None) or
                               (need_answer and prediction_answer is None)):
        raise ValueError("no prediction: give 'prediction' (model text) or the parsed "
                         f"{'prediction_span' if need_span else 'prediction_answer'}")
    duration = record.view_duration
    out: dict[str, Any] = {"parsed_span": None, "parsed_answer": None}

    if task == "grounding" and official:
        if prediction_span is not None:
            span = given_span(prediction_span)
        else:
            found = find_span(final_text(prediction or ""))
            span = None if found is None else (found.start, found.end)
        out["parsed_span"] = None if span is None else [span[0], span[1]]
        out.update(tvg_sample(span, raw_gt_spans(record)))
        out["parse_fail"] = 100.0 if span is None else 0.0
    elif task == "grounding":
        span = (_given_span(prediction_span, duration, reversed, clamp) if prediction_span is not None
                else parse_span(prediction or "", duration, reversed=reversed, clamp=clamp))
        out["parsed_span"] = None if span is None else [span[0], span[1]]
        best = interval_scores(span, record.view_spans())["iou"]
        for t in R1_THRESHOLDS:
            out[f"R1@{t}"] = 100.0 if span is not None and best >= t else 0.0
        out["mIoU"] = 100.0 * best
        out["parse_fail"] = 100.0 if span is None else 0.0
    elif task == "mcq":
        letter = (_given_answer(prediction_answer, record.options) if prediction_answer is not None
                  else parse_option(prediction or "", record.options))
        out["parsed_answer"] = letter
        out["accuracy"] = 100.0 if letter is not None and letter == record.answer else 0.0
        out["parse_fail"] = 100.0 if letter is None else 0.0
    elif task == "grounded_qa":
        letter, span = (None, None)
        if prediction is not None:
            letter, span = parse_grounded(prediction, record.options, duration, as_written=official,
                                          reversed=reversed, clamp=False)
        if prediction_span is not None:
            span = given_span(prediction_span) if official else _given_span(prediction_span, duration, reversed, False)
        if prediction_answer is not None:
            letter = _given_answer(prediction_answer, record.options)
        out["parsed_span"] = None if span is None else [span[0], span[1]]
        out["parsed_answer"] = letter
        correct = letter is not None and letter == record.answer
        out["Acc@QA"] = 100.0 if correct else 0.0
        out.update(nextgqa_sample(span, raw_gt_spans(record) if official else record.view_spans(), correct))
        out["parse_fail"] = 100.0 if letter is None or span is None else 0.0
    else:  # open_qa, caption
        if prediction_answer is not None:
            if not isinstance(prediction_answer, str):
                raise ValueError(f"prediction_answer must be a string, got {prediction_answer!r}")
            text = prediction_answer.strip()
        else:
            text = final_text(prediction or "")
        out["parsed_answer"] = text or None
        if task == "open_qa":
            norm = normalize_answer(text)
            out["accuracy"] = 100.0 if norm and norm == normalize_answer(record.answer or "") else 0.0
            out["parse_fail"] = 0.0 if norm else 100.0
    return {k: out[k] for k in ("parsed_span", "parsed_answer", *metrics_for(task))}


def aggregate(per_sample: Sequence[dict[str, Any]], task: str, *,
              nextgqa_missing: str = "count") -> dict[str, float]:
    """Plain means of the task's metric keys over ``per_sample`` (dicts from :func:`score_sample`).

    ``nextgqa_missing="skip"`` (grounded_qa only; official NExT-GQA behaviour) leaves questions
    with no parsed span out of the grounding metrics and questions with no parsed letter out of
    ``Acc@QA``. A metric with an empty denominator is NaN. The result has no ``count`` key.
    """
    if nextgqa_missing not in MISSING_POLICIES:
        raise ValueError(f"nextgqa_missing must be one of {list(MISSING_POLICIES)}, got {nextgqa_missing!r}")
    out: dict[str, float] = {}
    for name in metrics_for(task):
        rows = per_sample
        if task == "grounded_qa" and nextgqa_missing == "skip":
            if name in _GQA_GROUNDING:
                rows = [r for r in per_sample if r.get("parsed_span") is not None]
            elif name == "Acc@QA":
                rows = [r for r in per_sample if r.get("parsed_answer") is not None]
        vals = [float(r[name]) for r in rows]
        out[name] = math.fsum(vals) / len(vals) if vals else float("nan")
    return out
