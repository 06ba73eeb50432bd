"""lmms-eval hooks of the judged tasks (``videorl/tasks/judged/``): Video-R2's TAC and VAS as metrics.

``process_results_judged`` scores a sample as the plain task does (``accuracy``, ``parse_fail``) and
passes, for ``tac``, ``tac_strict`` and ``vas``, what the judge needs (options, answer, response,
input). The judge runs once per metric list, in the aggregation, as one concurrent batch
(:mod:`videorl.scoring.judged`). It is configured the way lmms-eval's own judges are:
``OPENAI_API_URL`` (or ``OPENAI_API_BASE``), ``OPENAI_API_KEY``, ``OPENAI_API_MODEL`` (or ``MODEL_VERSION``);
``VIDEORL_JUDGE_*`` take precedence (see :mod:`videorl.judge.config`).
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from videorl.plugins.lmms_eval.docs import doc_record
from videorl.plugins.lmms_eval.glue import process_results

JUDGED = ("tac", "tac_strict", "vas")
_MEMO: dict[str, dict[str, float]] = {}


def process_results_judged(doc: dict[str, Any], results: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = process_results(doc, results)
    record = doc_record(doc)
    text = results[0] if results and isinstance(results[0], str) else ""
    options = "\n".join(f"{chr(65 + i)}. {o}" for i, o in enumerate(record.options))
    payload = {"options": list(record.options), "answer": record.answer, "response": text,
               "input": f"{record.query}\n{options}".strip()}
    out.update({name: payload for name in JUDGED})
    return out


def _judge_all(items: list[dict[str, Any]]) -> dict[str, float]:
    key = hashlib.sha256(json.dumps(items, sort_keys=True).encode()).hexdigest()
    if key not in _MEMO:  # tac and tac_strict share one batch of judge calls
        from videorl.judge import JudgeClient
        from videorl.judge.step import judge_step
        from videorl.scoring.judged import tac, vas

        client = JudgeClient()
        with judge_step():  # TAC and VAS share one deadline
            got, _ = tac(items, client, progress="TAC judge")
            got.update(vas(items, client, progress="VAS judge")[0])
        _MEMO[key] = got
    return _MEMO[key]


def _value(items: list[dict[str, Any]], name: str) -> float:
    v = _judge_all(items)[name]
    return float("nan") if v is None or math.isnan(v) else v


def tac_aggregate(items: list[dict[str, Any]]) -> float:
    """TAC in percent: (#both correct + #both wrong) / N."""
    return _value(items, "tac")


def tac_strict_aggregate(items: list[dict[str, Any]]) -> float:
    """Strict TAC in percent: think and answer name the same letter."""
    return _value(items, "tac_strict")


def vas_aggregate(items: list[dict[str, Any]]) -> float:
    """VAS, the mean judge score 0-10 of claimed visual grounding in <think>."""
    return _value(items, "vas")
