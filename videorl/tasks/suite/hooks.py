"""lmms-eval hooks of the derived think tasks: wrappers of the original task's own functions.

The derived YAML names them as ``!function videorl.tasks.suite.hooks.<kind>__<bench>__<dotted original>``
(the dots of the original's module path written as ``__``); this module builds each wrapper on first
use (module ``__getattr__``), importing the original function from the installed lmms-eval:

- ``text__...``: the original ``doc_to_text``; when its text lacks the reasoning instruction (a model
  entry without our post-prompt key, or a task that writes its own instruction), the task's own
  answer instruction (:attr:`Bench.trim`) is cut and our post-prompt for the question's kind appended;
- ``r1__...``: the original ``process_results`` run on :func:`videorl.parse.tags.answer_block` of
  the response (the first ``<answer>`` block, else the whole text), so the task's own parser and
  metric score it; plus ``mra`` for numeric benchmarks and the judge payloads when the derived task
  lists the judge metrics.

Aggregations: :func:`mra_aggregate` (percent, numeric questions only), :func:`tac_aggregate`,
:func:`tac_strict_aggregate`, :func:`vas_aggregate` (Video-R2's TAC / VAS through the judge layer).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import math
import re
from collections.abc import Callable
from typing import Any

from videorl.record import LETTERS

_CACHE: dict[str, Callable[..., Any]] = {}
_JUDGED: dict[str, dict[str, float]] = {}
_LEAD = re.compile(r"^\s*\(?([A-J])[.):]\s*")
VSI_NUMERIC = ("object_abs_distance", "object_counting", "object_size_estimation", "room_size_estimation")


def _original(parts: list[str]) -> Callable[..., Any]:
    *module, fn = parts
    return getattr(importlib.import_module(".".join(module)), fn)


def __getattr__(name: str) -> Callable[..., Any]:
    if name in _CACHE:
        return _CACHE[name]
    kind, _, rest = name.partition("__")
    parts = rest.split("__")
    if kind not in ("text", "r1") or len(parts) < 3:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from videorl.tasks.suite import BENCHES

    bench, original = BENCHES[parts[0]], _original(parts[1:])
    wrapper = (_text_wrapper if kind == "text" else _results_wrapper)(bench, original)
    wrapper.__name__ = name  # type: ignore[attr-defined]
    _CACHE[name] = wrapper
    return wrapper


# ------------------------------------------------------------------------------------------ per-benchmark facts
def doc_kind(bench: str, doc: dict[str, Any]) -> str:
    """The answer kind a document asks for (``mcq``, ``numeric``, ``open``)."""
    qtype = str(doc.get("question_type") or "")
    if bench == "vsibench":
        return "numeric" if qtype in VSI_NUMERIC else "mcq"
    if bench in ("video_mmmu", "mmvu") and qtype and qtype != "multiple-choice":
        return "open"
    return "mcq"


def _strip_letter(option: str, i: int) -> str:
    m = _LEAD.match(option)
    return option[m.end():] if m and m.group(1) == LETTERS[i] else option


def mcq_facts(bench: str, doc: dict[str, Any]) -> tuple[list[str], str] | None:
    """``(option texts, correct letter)`` of a multiple-choice document, or None (not MCQ / unknown schema)."""
    try:
        if bench == "mvbench":
            opts = list(doc["candidates"])
            return opts, LETTERS[opts.index(doc["answer"])]
        if bench in ("videomme", "videomathqa", "vsibench", "video_mmmu", "egoschema", "egoschema_subset"):
            if doc_kind(bench, doc) != "mcq":
                return None
            opts = [_strip_letter(str(o), i) for i, o in enumerate(doc.get("options") or doc.get("option") or [])]
            ans = doc.get("ground_truth", doc.get("answer"))
            ans = LETTERS[int(ans)] if str(ans).isdigit() else str(ans).strip()[:1].upper()
            return opts, ans
        if bench == "longvideobench":
            opts = [doc[f"option{i}"] for i in range(5) if doc.get(f"option{i}") not in (None, "N/A")]
            return opts, LETTERS[int(doc["correct_choice"])]
        if bench == "minerva":
            opts = [str(doc.get(f"answer_choice_{i}", "")) for i in range(5)]
            ans = doc.get("answer_id")
            return opts, LETTERS[int(ans)] if str(ans).isdigit() else LETTERS[opts.index(str(doc.get("answer")))]
        if bench == "scivideobench":
            o = doc["options"]
            opts = [o[k] for k in sorted(o)] if isinstance(o, dict) else list(o)
            return opts, str(doc["answer"]).strip()
        if bench == "mmvu" and doc_kind(bench, doc) == "mcq":
            c = doc["choices"]
            return [c[k] for k in sorted(c) if c[k]], str(doc["answer"]).strip()
        if bench == "mlvu_dev":
            opts = re.findall(r"^\(([A-J])\)\s*(.+)$", str(doc["question"]), re.M)
            return [t for _, t in opts], str(doc["answer"]).strip()
    except (KeyError, ValueError, IndexError, TypeError):
        return None
    return None


# ------------------------------------------------------------------------------------------ wrappers
def _text_wrapper(bench: Any, original: Callable[..., Any]) -> Callable[..., Any]:
    from videorl.prompts import R1_INSTRUCTION, suite_post_prompt

    trim = re.compile(bench.trim, re.S) if bench.trim else None

    @functools.wraps(original)
    def doc_to_text(doc: dict[str, Any], lmms_eval_specific_kwargs: dict[str, Any] | None = None) -> Any:
        text = original(doc, lmms_eval_specific_kwargs)
        if not isinstance(text, str) or R1_INSTRUCTION in text:
            return text
        if trim is not None:
            text = trim.sub("", text)
        return f"{text.rstrip()}\n{suite_post_prompt(doc_kind(bench.key, doc))}"

    return doc_to_text


def _results_wrapper(bench: Any, original: Callable[..., Any]) -> Callable[..., Any]:
    from videorl.parse.tags import answer_block

    @functools.wraps(original)
    def process_results(doc: dict[str, Any], results: list[Any]) -> dict[str, Any]:
        raw = results[0] if results else ""
        text = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
        doc_before = dict(doc)  # some originals write into the doc (vsibench)
        out = dict(original(doc, [answer_block(text), *list(results[1:])]))
        if bench.numeric:
            out["mra"] = _mra(bench.key, doc_before, answer_block(text))
        from videorl.tasks.suite import JUDGED_METRICS, judge_enabled

        if judge_enabled():
            facts = mcq_facts(bench.key, doc_before)
            question = str(doc_before.get("question") or "")
            payload = {"response": text, "input": question, "tac": None}
            if facts is not None:
                options, letter = facts
                payload["tac"] = {"options": options, "answer": letter, "response": text}
                payload["input"] = question + "\n" + "\n".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(options))
            out.update({m: payload for m in JUDGED_METRICS})
        return out

    return process_results


def _mra(bench: str, doc: dict[str, Any], answer: str) -> float | None:
    """MRA (0-1) of a numeric document; None for the others (left out of :func:`mra_aggregate`)."""
    from videorl.scoring.numeric import first_number, mean_relative_accuracy

    if doc_kind(bench, doc) != "numeric":
        return None
    try:
        gt = float(doc.get("ground_truth", doc.get("answer")))
    except (TypeError, ValueError):
        return None
    return mean_relative_accuracy(first_number(answer), gt)


# ------------------------------------------------------------------------------------------ aggregations
def mra_aggregate(items: list[float | None]) -> float:
    """Mean relative accuracy in percent over the numeric questions (NaN when there are none)."""
    got = [v for v in items if v is not None]
    return 100.0 * sum(got) / len(got) if got else math.nan


def _judge(items: list[dict[str, Any]]) -> dict[str, float]:
    key = hashlib.sha256(json.dumps(items, sort_keys=True, default=str).encode()).hexdigest()
    if key not in _JUDGED:  # tac and tac_strict share one batch of judge calls
        from videorl.judge import JudgeClient
        from videorl.scoring.judged import tac, vas

        client = JudgeClient()
        mcq = [p["tac"] for p in items if p.get("tac")]
        got = tac(mcq, client, progress="TAC judge")[0] if mcq else {"tac": math.nan, "tac_strict": math.nan}
        got.update(vas([{"input": p["input"], "response": p["response"]} for p in items], client,
                       progress="VAS judge")[0])
        _JUDGED[key] = got
    return _JUDGED[key]


def tac_aggregate(items: list[dict[str, Any]]) -> float:
    """TAC in percent over the multiple-choice questions: (#both correct + #both wrong) / N."""
    return float(_judge(items)["tac"])


def tac_strict_aggregate(items: list[dict[str, Any]]) -> float:
    """Strict TAC in percent: think and answer name the same letter."""
    return float(_judge(items)["tac_strict"])


def vas_aggregate(items: list[dict[str, Any]]) -> float:
    """VAS: the judge's mean 0-10 score of the visual evidence claimed in <think>."""
    return float(_judge(items)["vas"])
