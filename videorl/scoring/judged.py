"""Video-R2's judge-based evaluation metrics: TAC (think–answer consistency) and VAS (video attention score).

Reference: mbzuai-oryx/Video-R2 ``eval/scripts/tac/*.py`` with ``_utils.py`` and
``eval/scripts/vas/evaluate_vas.py`` (methods.md §1.8). Prompts are paraphrased unless
``prompts_from`` (or ``VIDEORL_JUDGE_PROMPTS_FROM``) names a Video-R2 checkout, whose own message
builders, templates and sampling settings are then used (:mod:`videorl.judge.prompts`).

**TAC** (multiple-choice samples). Two judge calls per sample at temperature 0 (64 tokens): a parser
reads the letter of the last ``<answer>`` block, an extractor reads the letter the last ``<think>``
block concludes. Letters are post-parsed by Video-R2's regex, restricted to the valid options.
``answer_correct = (letter_a == GT)``, ``thinking_correct = (letter_t == GT)``;

    TAC        = (#both correct + #both wrong) / N        (Video-R2's answer_to_thinking_correlation)
    TAC_strict = #(letter_a == letter_t, both read) / N

TAC counts "both wrong" as consistent even when the two letters differ (think concludes B, answer
says C, GT A); TAC_strict only counts agreement on the same letter. Fixed mode never counts a reply
that is not a letter as consistent: a reply that is neither an option letter nor ``UNKNOWN`` is a
judge failure, and ``UNKNOWN`` matches nothing. Faithful mode (``--judge-faithful``) reads replies as
Video-R2 does, where an unreadable reply is a wrong letter.

**VAS** (any sample with a response): the judge scores 0–10 how much the ``<think>`` text *claims*
concrete visual evidence; the first ``{...}`` of the reply is read. Faithful (Video-R2): temperature
0.7, top-p 0.8, top-k 20, 256 tokens; ``score`` rounded and clamped to [0, 10] (``true`` reads 1); one
re-ask with "reply with JSON only" on an unreadable reply, then 0. Fixed default: temperature 0
(reproducible, cacheable); a score that is not a number in [0, 10] is a judge failure. VAS = mean score.

Samples whose judge calls failed are left out of the means and counted (``judge_failed``).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from videorl.judge.parse import letter_strict, vas_faithful, vas_strict
from videorl.record import LETTERS

_THINK = re.compile(r"<think>(.*?)</think>", re.S | re.I)
_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.S | re.I)
_LETTER = re.compile(r"\b([A-Z])\s*[.)|:,-]?\b")
_LEAD = re.compile(r"^\s*\(?\s*([A-Z])\s*[.)|:,-]\s*")

PARSER_SYSTEM = (
    "You are a deterministic parser. Read only the text provided and output the answer it gives on a single "
    "line, in exactly the requested format. Do not reason beyond the text; if the text gives no valid answer, "
    "output exactly UNKNOWN. No explanations, labels, quotes, brackets or code fences. Tokens such as 'option "
    "c', '(c)', '[c]' or 'C)' mean the letter C.")
EXTRACTOR_SYSTEM = (
    "You are a strict extractor. Read only the reasoning at the end of the user message and output the single "
    "letter of the option that the reasoning explicitly concludes is the answer. Take an explicit final choice "
    "('so the answer is C', 'Answer: A'); if there are several, the last one. Without one, take the option the "
    "reasoning labels correct by its letter, or by quoting its text exactly (map it to its letter); again the "
    "last one. Do not judge correctness or infer. Output one uppercase letter from the options, nothing else.")
MCQ_FORMAT = "Output format: one capital letter on a single line, with no other characters or spaces."
VAS_SYSTEM = (
    "You judge the *claimed* visual grounding of a video-QA chain of thought. You see the input (question, "
    "options) and a response with <think> and <answer> blocks, but not the video. Score how much the reasoning "
    "in the first <think> block claims to rest on concrete visual evidence (visible entities and attributes, "
    "counts, on-screen text, positions, temporal order, actions seen) rather than on text patterns, prior "
    "knowledge or guessing. Score what it asserts, not whether it is true, and ignore <answer>. Rubric 0-10: "
    "10 dense, specific, step-by-step visual reasoning; 7-9 clearly video-based with several specific claims; "
    "4-6 cites specific video facts but lacks spatial or temporal detail; 1-3 mostly generic, token mentions of "
    "the video; 0 none, or no/empty <think>. Reply with JSON only: {\"score\": <integer 0-10>, \"rationale\": "
    "\"<2-3 sentences>\"}.")
VAS_USER = "Score the attention to video of this response.\n\nInput:\n{input}\n\nResponse:\n{response}\n\nReply with JSON only."
TAC_SAMPLING = {"temperature": 0.0, "max_tokens": 64}
VAS_SAMPLING_FAITHFUL = {"temperature": 0.7, "top_p": 0.8, "top_k": 20, "max_tokens": 256}
VAS_SAMPLING = {"temperature": 0.0, "max_tokens": 256}


def last_block(text: str, pattern: re.Pattern[str]) -> str:
    found = pattern.findall(text or "")
    return found[-1].strip() if found else ""


def letter(text: str, n_options: int) -> str | None:
    """Video-R2's letter post-parse: a leading "(B)" / "B." label, else the last capital-letter token,
    preferring valid option letters."""
    if not text:
        return None
    valid = LETTERS[:n_options]
    m = _LEAD.match(text)
    if m and m.group(1) in valid:
        return m.group(1)
    found = _LETTER.findall(text)
    return ([x for x in found if x in valid] or found or [None])[-1]


def _options(options: Sequence[str]) -> str:
    return "Options:\n" + "\n".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(options)) + "\n\n"


def tac_requests(options: Sequence[str], response: str, prompts: Any = None) -> list[Any]:
    """The two TAC requests of a sample: the answer parser's and the think extractor's. ``prompts``:
    Video-R2's own (:class:`videorl.judge.prompts.VideoR2Prompts`), else the paraphrases."""
    ans, think = last_block(response, _ANSWER), last_block(response, _THINK)
    if prompts is not None:
        params = dict(prompts.tac_params)
        return [(prompts.tac_answer(list(options), ans), params), (prompts.tac_think(list(options), think), params)]
    a = [{"role": "system", "content": PARSER_SYSTEM}, {"role": "user", "content":
         _options(options) + f"Text to parse (final answer snippet):\n{ans}\n\n{MCQ_FORMAT}"}]
    t = [{"role": "system", "content": EXTRACTOR_SYSTEM}, {"role": "user", "content":
         _options(options) + f"Reasoning:\n{think}\n\n{MCQ_FORMAT}"}]
    return [(a, TAC_SAMPLING), (t, TAC_SAMPLING)]


def vas_request(input_text: str, response: str, faithful: bool, retry: bool = False, prompts: Any = None) -> Any:
    if prompts is not None:
        return (prompts.vas_messages(input_text, response, retry),
                dict(prompts.vas_params) if faithful else VAS_SAMPLING)
    user = VAS_USER.format(input=input_text, response=response) + ("\n\nIMPORTANT: JSON only." if retry else "")
    return ([{"role": "system", "content": VAS_SYSTEM}, {"role": "user", "content": user}],
            VAS_SAMPLING_FAITHFUL if faithful else VAS_SAMPLING)


def vas_score(reply: str) -> int | None:
    """Fixed VAS reading (:func:`videorl.judge.parse.vas_strict`)."""
    return vas_strict(reply or "")


def _prompts(faithful: bool, prompts_from: Any, what: str) -> Any:
    from videorl.judge.prompts import video_r2, warn_paraphrased

    orig = video_r2(prompts_from)
    if orig is None and faithful:
        warn_paraphrased(what)
    return orig


def tac(samples: Sequence[dict[str, Any]], client: Any, progress: str | None = None, *, faithful: bool = False,
        prompts_from: Any = None) -> tuple[dict[str, float], list[dict]]:
    """TAC over ``samples`` (``options``, ``answer`` letter, ``response``): ``(summary, per_sample)``.

    Fixed (default): a judge reply must be one option letter or ``UNKNOWN``; anything else is a judge
    failure (re-asked, then counted in ``tac_judge_failed`` and left out), and ``UNKNOWN`` (no answer)
    is never consistent with anything. Faithful: Video-R2's letter post-parse on any reply; no letter
    counts as wrong, so two unreadable replies are "both wrong", i.e. consistent."""
    orig = _prompts(faithful, prompts_from, "TAC")
    reqs, checks = [], []
    for s in samples:
        reqs += tac_requests(s["options"], s["response"], orig)
        n = len(s["options"])
        checks += [functools.partial(_letter_ok, n=n)] * 2
    replies, _ = client.complete(reqs, progress=progress, validate=checks, on_invalid="keep" if faithful else "fail")
    per, both, same, a_ok, t_ok, failed = [], 0, 0, 0, 0, 0
    for k, s in enumerate(samples):
        ra, rt = replies[2 * k], replies[2 * k + 1]
        if not (ra.ok and rt.ok):
            failed += 1
            per.append({"tac_failed": ra.error or rt.error})
            continue
        n = len(s["options"])
        gt = s["answer"]
        if faithful:
            la, lt = letter(ra.text.strip(), n), letter(rt.text.strip(), n)
            ca, ct = bool(la and gt and la == gt), bool(lt and gt and lt == gt)
            consistent = ca == ct
        else:
            la, lt = letter_strict(ra.text, n), letter_strict(rt.text, n)
            ca, ct = la is not None and la == gt, lt is not None and lt == gt
            consistent = (ca and ct) or (not ca and not ct and la is not None and lt is not None)
        both += consistent
        same += la is not None and la == lt
        a_ok += ca
        t_ok += ct
        per.append({"answer_letter": la, "think_letter": lt, "answer_correct": ca, "think_correct": ct})
    n = len(samples) - failed
    pct = (lambda x: 100.0 * x / n) if n else (lambda x: math.nan)
    return ({"tac": pct(both), "tac_strict": pct(same), "answer_parsed_accuracy": pct(a_ok),
             "think_parsed_accuracy": pct(t_ok), "tac_judge_failed": float(failed)}, per)


def _letter_ok(text: str, n: int) -> bool:
    return letter_strict(text, n) is not False


def vas(samples: Sequence[dict[str, Any]], client: Any, *, faithful: bool = False, progress: str | None = None,
        prompts_from: Any = None) -> tuple[dict[str, float], list[dict]]:
    """VAS over ``samples`` (``input`` text, ``response``): ``(summary, per_sample)``; the mean is 0–10.

    Fixed: the score must be a number in [0, 10] (:func:`~videorl.judge.parse.vas_strict`), else a
    judge failure (re-asked, then counted in ``vas_judge_failed``). Faithful: Video-R2's
    ``parse_llm_json`` (``{"score": true}`` is 1, out-of-range scores clamped), one re-ask with its
    "JSON only" suffix, then 0."""
    orig = _prompts(faithful, prompts_from, "VAS")
    read = vas_faithful if faithful else vas_score
    replies, _ = client.complete([vas_request(s["input"], s["response"], faithful, prompts=orig) for s in samples],
                                 progress=progress, validate=lambda t: read(t) is not None,
                                 on_invalid="keep" if faithful else "fail")
    scores: list[int | None] = [read(r.text) if r.ok else None for r in replies]
    if faithful:  # one re-ask for an unreadable (not a failed) reply, then 0
        again = [k for k, r in enumerate(replies) if r.ok and scores[k] is None]
        more, _ = client.complete([vas_request(samples[k]["input"], samples[k]["response"], True, retry=True,
                                               prompts=orig) for k in again],
                                  validate=lambda t: read(t) is not None, on_invalid="keep")
        for k, r in zip(again, more, strict=True):
            scores[k] = (read(r.text) if r.ok else None) or 0
    per = [{"vas": s} if s is not None else {"vas_failed": r.error or "unreadable reply"}
           for s, r in zip(scores, replies, strict=True)]
    got = [s for s in scores if s is not None]
    return {"vas": sum(got) / len(got) if got else math.nan, "vas_judge_failed": float(len(scores) - len(got))}, per


def add_judge_metrics(rows: Sequence[tuple[str, dict[str, Any], dict[str, Any]]],
                      summary: dict[str, dict[str, float | None]], client: Any, *, faithful: bool = False,
                      prompts_from: Any = None) -> dict[str, dict[str, Any]]:
    """``videorl score --judge``: add TAC (``mcq``/``grounded_qa``) and VAS (every task) to ``summary``
    (per task, rounded to 2 decimals) and to each row's per-sample scores, for rows with model text.

    All judge calls share one deadline (one step, :mod:`videorl.judge.step`). Returns the judge
    failures per metric: ``{"TASK/METRIC": {"failed": n, "samples": n, "kinds": {kind: n}}}``."""
    from videorl.judge.step import judge_step

    failures: dict[str, dict[str, Any]] = {}

    def note(name: str, per: list[dict], key: str) -> None:
        kinds = Counter(p[key] for p in per if key in p)
        failures[name] = {"failed": sum(kinds.values()), "samples": len(per), "kinds": dict(kinds)}

    with judge_step():
        for task in summary:
            mine = [(raw, scores) for t, raw, scores in rows if t == task and isinstance(raw.get("prediction"), str)]
            if not mine:
                continue
            if task in ("mcq", "grounded_qa"):
                got, per = tac([{"options": raw.get("options") or [], "answer": raw.get("answer"),
                                 "response": raw["prediction"]} for raw, _ in mine], client, progress=f"TAC {task}",
                               faithful=faithful, prompts_from=prompts_from)
                summary[task].update({k: None if math.isnan(v) else round(v, 2) for k, v in got.items()})
                for (_, scores), p in zip(mine, per, strict=True):
                    scores.update(p)
                note(f"{task}/tac", per, "tac_failed")
            inputs = [str(raw.get("query") or "") + ("\n" + _options(raw["options"]).strip() if raw.get("options") else "")
                      for raw, _ in mine]
            got, per = vas([{"input": i, "response": raw["prediction"]} for i, (raw, _) in zip(inputs, mine, strict=True)],
                           client, faithful=faithful, progress=f"VAS {task}", prompts_from=prompts_from)
            summary[task].update({k: None if math.isnan(v) else round(v, 2) for k, v in got.items()})
            for (_, scores), p in zip(mine, per, strict=True):
                scores.update(p)
            note(f"{task}/vas", per, "vas_failed")
    return failures
