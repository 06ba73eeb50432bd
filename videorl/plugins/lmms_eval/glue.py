"""The task hooks shared by every videorl lmms-eval task (the folders' ``utils.py`` re-export them).

Call conventions (lmms-eval 0.7.3): ``doc_to_visual(doc)``, ``doc_to_text(doc, kwargs)`` where
``kwargs`` is the task's ``lmms_eval_specific_kwargs`` entry for the model (we read ``style``),
``process_results(doc, results)`` with ``results[0]`` the generated text.

Scoring is the spine's (:func:`videorl.scoring.score_sample`): per sample one value per metric,
already in percent, so lmms-eval's plain ``mean`` aggregation gives the reported number. A failed
sample (empty output from a missing/broken video, garbage text) is scored, never dropped:
``parse_fail`` = 100 and every other metric 0 for it, and it stays in the denominator.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from videorl.plugins.lmms_eval.docs import doc_record
from videorl.prompts import answer_text, build_prompt

log = logging.getLogger(__name__)

_warned_missing: set[str] = set()


def doc_to_visual(doc: dict[str, Any]) -> list[Any]:
    """``[video_path]``; for a clipped record a dict ``{"type": "video", "video": path, "video_start",
    "video_end"}`` (the form lmms-eval's chat tasks pass through as a clip). A missing file is
    logged once and passed on: the backend fails that sample, the run goes on."""
    path = doc["video"]
    if path not in _warned_missing and not Path(path).is_file():
        _warned_missing.add(path)
        log.warning("videorl: video file missing for %s: %s (this sample will score as a failure)",
                    doc.get("id"), path)
    record = doc_record(doc)
    if record.clip:
        return [{"type": "video", "video": path, "video_start": record.clip[0], "video_end": record.clip[1]}]
    return [path]


def doc_to_text(doc: dict[str, Any], lmms_eval_specific_kwargs: dict[str, Any] | None = None) -> str:
    """The prompt of :func:`videorl.prompts.build_prompt` in the style named by the task
    (``lmms_eval_specific_kwargs: {default: {style: r1}}``; default ``direct``)."""
    kwargs = lmms_eval_specific_kwargs or {}
    style = kwargs.get("style", "direct")
    text = build_prompt(doc_record(doc), style)
    return f"{kwargs.get('pre_prompt', '')}{text}{kwargs.get('post_prompt', '')}"


def doc_to_target(doc: dict[str, Any]) -> str:
    """The correct answer in the direct format ("12.5 - 17.0", "B", "B; 12.5 - 17.0")."""
    return answer_text(doc_record(doc), "direct")


def process_results(doc: dict[str, Any], results: list[Any], *, protocol: str = "videorl") -> dict[str, float]:
    """Score one sample: ``{metric: value in percent}`` for every metric of the record's task."""
    from videorl.scoring import metrics_for, score_sample

    record = doc_record(doc)
    text = results[0] if results else ""
    if not isinstance(text, str):  # some backends return None or a structured object on failure
        text = "" if text is None else str(text)
    scored = score_sample(record, text, protocol=protocol)
    return {name: float(scored[name]) for name in metrics_for(record.task)}


def process_results_official(doc: dict[str, Any], results: list[Any]) -> dict[str, float]:
    """:func:`process_results` under the official protocol (the ``*_official`` task variants):
    the reference evaluators' arithmetic on the raw annotation spans (``videorl.scoring.official``).
    Same metric names. In lmms-eval's plain mean a grounded-QA answer without a readable span counts
    as 0 (``videorl score --protocol official`` on the logged samples skips it, as NExT-GQA's script
    does)."""
    return process_results(doc, results, protocol="official")
