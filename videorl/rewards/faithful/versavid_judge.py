"""VersaVid-R1 / VidBridge-R1's judge rewards (``src/open_r1_video/grpo.py``, ``qwen25_judge_service.py``,
``gpt35_judge_service.py``, ``dream_metric.py``; methods.md §3.2, §3.5). Each is the *task* reward;
the ``versavid_r1`` preset multiplies it by the format gate.

The answer is the ``<answer>`` body (a missing closing tag reads to the end); an empty answer scores
0 without a judge call. The GT is the target's ``answer``; the question its ``question`` extra field.

- ``versavid_dark_event`` (DarkEventInfer, 0/1/2): the judge grades how much of the GT the answer
  covers. Faithful: 2 if the reply contains any "2", else 1 if any "1", else 0 (so "2" in an
  explanation scores 2). Fixed: the judge is asked for the digit alone and the first standalone
  number is read (:func:`~videorl.judge.parse.digit_strict`); no digit 0–2 is a judge failure.
- ``versavid_mixvidqa`` (MixVidQA, 0/1): the judge says whether the answer is True or False.
  Faithful: "True"/"true" anywhere (so "not true" is 1), and the question sent is the **first sample's
  of the batch** (``kwargs["problem"][0]``). Fixed: the sample's own question and a strict first-line
  reading (:func:`~videorl.judge.parse.true_false_strict`); unreadable is a judge failure.
- ``versavid_caption`` (AutoDQ, DREAM-1K): the judge extracts ≤ 10 action events from the GT and from
  the answer (both lower-cased), then classifies each GT event against the answer (recall = entailed /
  GT events) and each answer event against the GT (precision). Reward = recall + 0.5·precision +
  keywords, where keywords = +0.2 per temporal word present, then for each hedge word present
  ``k ← min(k, 0) − 0.2``, finally ``min(k, 0.4)``. Faithful: an empty event list scores 1.0 (so an
  answer without events has precision 1) and words match as substrings ("seconds" counts as "second",
  "afternoon" as "after", "dismay" as "may"). Fixed: an answer without events has precision 0, and
  words and phrases match whole words. The original re-asks a malformed reply up to 5 × 10 times;
  here a malformed reply is a judge failure scored by ``on_error``.

Verdicts (issue 26): in fixed mode a reply that is not a verdict (no digit 0–2, no True/False on the
first line, an event list that is not a list of text, a classification of the wrong length or with
another class) is re-asked ``verdict_retries`` times, then is a judge failure (``on_error``); it is
never cached. Faithful mode reads every reply as the original does (DarkEventInfer and MixVidQA
never fail on text; the caption's event lists and classifications go through DREAM-1K's own readings,
:func:`events_faithful` and :func:`entailed_faithful`; what they reject is a judge failure here,
where the original re-asks).

Prompts: paraphrases, unless ``prompts_from`` (or ``VIDEORL_JUDGE_PROMPTS_FROM``) names a
VidBridge-R1 checkout (:mod:`videorl.judge.prompts`): then the requests are built from its
``qwen25_judge_service.py`` and ``dream_metric.py`` (with its ``max_new_tokens`` as ``max_tokens``),
in faithful and fixed mode alike (fixed mode then adds nothing to them). Faithful mode without it warns
once. Two differences stay: the caption services' ``call_gpt35`` wraps the message list inside another
user message (a bug no server accepts; videorl sends the list itself), and an empty event list is
scored 1 without the call the original makes only to validate its reply.

This module does not import :mod:`videorl.rewards.faithful.versavid` (the preset imports it): the
answer is read by :func:`service_answer`, the judge services' own rule.
"""

from __future__ import annotations

import ast
import functools
import json
import re
from collections.abc import Mapping
from typing import Any

from videorl.judge.parse import digit_faithful, digit_strict, literal_dict, true_anywhere, true_false_strict
from videorl.rewards.base import RewardResult
from videorl.rewards.judged import JudgedReward
from videorl.rewards.registry import register
from videorl.target import Target

SYSTEM = "You are a helpful assistant."
DARK_USER = (
    "You are grading whether a response matches a ground truth (GT). Read both carefully, then score how "
    "consistent they are:\n- 2: the response covers the whole meaning of the GT, even if it says more;\n- 1: the "
    "response covers part of the GT but not all of it;\n- 0: the response is different from or unrelated to the "
    "GT, or empty.\n\nResponse: {res}\nGT: {gt}\n\nYour judgement:\n")
MIX_USER = (
    "Here are a question, its ground-truth answer and a generated answer. Judge whether the generated answer is "
    "True or False. If the ground truth or the generated answer is ambiguous, judge it False.\n\nQuestion: "
    "{q}\nGround truth: {gt}\nGenerated answer: {res}\nYour judgement:\n")
STRICT_DIGIT = "Write the score digit (0, 1 or 2) alone on the first line, then optionally one sentence of reason."
STRICT_TF = "Write True or False alone on the first line, then optionally one sentence of reason."
EVENTS_USER = (
    "Below is a description of a video clip.\nVideo description: {caption}\n\nExtract at most 10 key events from "
    "it. Each event must contain an action, motion or movement (not static information) and must not repeat "
    "another. Write each as a short sentence of at most 10 words with a subject, a verb and optionally an object, "
    "without appearance details. Each event must be atomic (it cannot be split further). Scene cuts and camera "
    "motion are not events. Replace pronouns with the nouns they refer to.\nReply with a Python dictionary string "
    "whose key \"events\" holds a list of strings, e.g. {{\"events\": [event1, event2, ...]}}, and nothing else.")
ENTAIL_USER = (
    "You are given a video description and a list of events. For each event, classify how the description "
    "relates to it: \"entailment\" (the description entails the event), \"contradiction\" (some detail of the "
    "description contradicts the event) or \"neutral\" (neither).\n\nVideo description:\n{description}\n\n"
    "Events: {events}\nReply with JSON only, of the form {{\"events\": [{{\"event\": \"<the event>\", "
    "\"relationship\": \"<class>\", \"reason\": \"<why>\"}}, ...]}}.")
# DREAM-1K / VersaVid-R1 keyword lists (data, as released).
TEMPORAL_WORDS = (
    "start with", "starts with", "then", "next", "after", "begin with", "begins with", "followed by", "following",
    "subsequently", "thereafter", "later", "initially", "first", "second", "third", "begin to", "begins to",
    "finally", "lastly", "to begin with", "as a starting point", "in the beginning", "at the outset", "once",
    "when", "whenever", "meanwhile", "simultaneously")
HEDGE_WORDS = (
    "possibly", "suggesting", "likely", "appears to", "appearing", "designed to", "seems to", "might", "may",
    "could", "potentially", "presumably", "probably", "perhaps", "allegedly", "reportedly", "supposedly",
    "apparently", "arguably", "tentatively", "hypothetically", "theoretically", "in theory", "in some cases",
    "occasionally", "sometimes", "rarely", "unclear", "ambiguous", "vague", "speculative", "indicative of",
    "hinting at", "implying", "inferring", "open to interpretation", "subject to change", "not necessarily")
CLASSES = ("entailment", "neutral", "contradiction")


def service_answer(text: str) -> str:
    """The answer the VidBridge-R1 judge services read: the first ``<answer>`` body, to the end of the
    text when the closing tag is missing, stripped; ``""`` without an ``<answer>`` tag."""
    i = text.find("<answer>")
    if i < 0:
        return ""
    body = text[i + len("<answer>"):]
    j = body.find("</answer>")
    return (body[:j] if j >= 0 else body).strip()


def keywords_term(answer: str, *, faithful: bool) -> float:
    """The keyword term of the caption reward on the answer text (see the module docstring)."""
    low = answer.strip().lower()
    if not low:
        return 0.0

    def has(w: str) -> bool:
        return w in low if faithful else re.search(rf"\b{re.escape(w)}\b", low) is not None

    k = 0.2 * sum(1 for w in TEMPORAL_WORDS if has(w))
    for w in HEDGE_WORDS:
        if has(w):
            k = min(k, 0.0) - 0.2
    return min(k, 0.4)


def _msgs(user: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def events_request(caption: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": EVENTS_USER.format(caption=caption.lower().replace('"', "'"))}]


def parse_events(text: str) -> list[str] | None:
    d = literal_dict(text)
    ev = None if d is None else d.get("events")
    if not isinstance(ev, list) or not all(isinstance(e, str) for e in ev):
        return None
    return ev


def entail_request(events: list[str], description: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": ENTAIL_USER.format(description=description.lower(), events=events)}]


def entailed_fraction(text: str, n_events: int) -> float | None:
    """Entailed / events from a classification reply; ``None`` if malformed or of the wrong length."""
    d = literal_dict(text)
    rows = None if d is None else d.get("events")
    if not isinstance(rows, list) or len(rows) != n_events:
        return None
    hits = 0
    for row in rows:
        rel = row.get("relationship") if isinstance(row, Mapping) else None
        if not isinstance(rel, str) or rel.strip().lower() not in CLASSES:
            return None
        hits += rel.strip().lower() == "entailment"
    return hits / n_events


def _unfence(q: str) -> str:
    if q.startswith("```json"):
        return q.replace("```json", "").replace("```", "").strip()
    if q.startswith("```python"):
        return q.replace("```python", "").replace("```", "").strip()
    return q


def events_faithful(text: str) -> list[Any] | None:
    """DREAM-1K / VidBridge-R1's event-list reading (``extract_events``): a leading code fence removed,
    the whole reply read by ``ast.literal_eval``, its ``events`` a list whose *first* item (if any) is
    text; ``None`` where the original re-asks."""
    try:
        events = ast.literal_eval(_unfence(text))["events"]
    except Exception:
        return None
    if not isinstance(events, list) or (events and not isinstance(events[0], str)):
        return None
    return events


def entailed_faithful(text: str, n_events: int) -> float | None:
    """DREAM-1K / VidBridge-R1's classification reading (``try_call_api_for_eval`` and
    ``evaluate_one_sample`` with ``is_recall``): whitespace collapsed, a fence removed, braces added
    when missing, ``True``/``False`` lower-cased, a few trailing commas and ``[Placeholder]`` repaired,
    then JSON; as many rows as events (one for none), each relationship one of the three classes;
    entailed / events (1 for no event). ``None`` where the original re-asks."""
    q = re.sub(r"\s+", " ", re.sub(r"\n+", "\n", text.strip()))
    q = _unfence(q)
    if not q.startswith("{"):
        q = "{" + q
    if not q.endswith("}"):
        q = q + "}"
    q = q.replace("True", "true").replace("False", "false").replace("} {", "}, {").replace("}{", "}, {")
    for a, b in ((",\n}", "\n}"), (", \n}", "\n}"), (", }", "}"), (",}", "}"), (",\n]", "\n]"), (", \n]", "\n]"),
                 (", ]", "]"), (",]", "]"), ("[Placeholder]", "null")):
        q = q.replace(a, b)
    q = q.replace("{Events:", "").strip()
    try:
        rows = json.loads(q)["events"]
        if not (len(rows) == n_events or (n_events == 0 and len(rows) == 1)):
            return None
        hits = 0
        for row in rows:
            rel = row["relationship"].strip().lower()
            if rel not in CLASSES:
                return None
            hits += rel == "entailment"
    except Exception:
        return None
    return 1.0 if n_events == 0 else hits / n_events


def _entail_ok(text: str, n: int, read: Any = entailed_fraction) -> bool:
    return read(text, n) is not None


class _Versavid(JudgedReward):
    tasks = ("open_qa", "caption")
    components = ("judge",)

    def __init__(self, faithful: bool = False, judge: Mapping[str, Any] | None = None, on_error: str = "zero",
                 prompts_from: str | None = None) -> None:
        super().__init__(judge, on_error)
        self.faithful = faithful
        self.prompts_from = prompts_from

    def original(self) -> Any:
        """VidBridge-R1's own prompts (``prompts_from`` / environment), else ``None`` (warned once if faithful)."""
        from videorl.judge.prompts import vidbridge_r1, warn_paraphrased

        orig = vidbridge_r1(self.prompts_from)
        if orig is None and self.faithful:
            warn_paraphrased(self.name)
        return orig

    def _one_call_each(self, texts: list[str], targets: list[Target], request: Any, read: Any) -> list[RewardResult]:
        """One judge call per non-empty answer: ``request(i, answer)`` builds it, ``read(reply)`` gives the
        score (``None``: unreadable, a judge failure)."""
        answers = [service_answer(x) for x in texts]
        ask = [i for i, a in enumerate(answers) if a]
        replies, stats = self.ask_checked([request(i, answers[i]) for i in ask], lambda t: read(t) is not None)
        got = dict(zip(ask, replies, strict=True))
        out, failed = [], 0
        for i in range(len(texts)):
            rep = got.get(i)
            if rep is None:
                out.append(RewardResult(0.0, {"judge": 0.0}, "empty answer"))
                continue
            v = read(rep.text) if rep.ok else None
            if v is None:
                failed += 1
                out.append(self.failed(rep.error or f"unreadable reply {rep.text[:40]!r}", self.components))
                continue
            out.append(RewardResult(float(v), {"judge": float(v)}, f"judge says {v}"))
        self.report(stats, failed, len(texts))
        return out


@register("versavid_dark_event")
class DarkEventReward(_Versavid):
    """VersaVid-R1 DarkEventInfer: judge score 0/1/2 of the answer against the GT (fixed: strict digit parse)."""

    name = "versavid_dark_event"

    def score_many(self, texts: list[str], targets: list[Target]) -> list[RewardResult]:
        extra = "" if self.faithful else STRICT_DIGIT
        orig = self.original()

        def request(i: int, a: str) -> Any:
            gt = targets[i].answer or "None"
            if orig is not None:
                return orig.dark_messages(a, gt), dict(orig.params)
            return _msgs(DARK_USER.format(res=a, gt=gt) + extra)

        return self._one_call_each(texts, targets, request, digit_faithful if self.faithful else digit_strict)


@register("versavid_mixvidqa")
class MixVidQAReward(_Versavid):
    """VersaVid-R1 MixVidQA: 1 if the judge says the answer is True (faithful: "true" anywhere, batch's first question)."""

    name = "versavid_mixvidqa"

    def score_many(self, texts: list[str], targets: list[Target], first_question: str | None = None
                   ) -> list[RewardResult]:
        if first_question is None:
            first_question = str(targets[0].extra.get("question") or "") if targets else ""

        orig = self.original()

        def request(i: int, answer: str) -> Any:
            q = (first_question if self.faithful else str(targets[i].extra.get("question") or "")).strip()
            if orig is not None:
                return orig.mix_messages(q, targets[i].answer or "None", answer), dict(orig.params)
            return _msgs(MIX_USER.format(q=q, gt=targets[i].answer or "None", res=answer)
                         + ("" if self.faithful else STRICT_TF))

        return self._one_call_each(texts, targets, request, true_anywhere if self.faithful else true_false_strict)


@register("versavid_caption")
class CaptionReward(_Versavid):
    """VersaVid-R1 caption: AutoDQ recall + 0.5·precision + keyword term (fixed: no-event precision 0, whole words)."""

    name = "versavid_caption"
    components = ("recall", "precision", "keywords")

    def score_many(self, texts: list[str], targets: list[Target]) -> list[RewardResult]:
        from videorl.judge.client import JudgeStats

        answers = [service_answer(x) for x in texts]
        ask = [i for i, a in enumerate(answers) if a]
        stats = JudgeStats()
        orig = self.original()

        def ev_req(caption: str) -> Any:
            if orig is None:
                return events_request(caption)
            return orig.events_messages(caption.lower().replace('"', "'")), {}

        def ent_req(events: list[str], reference: str, description: str) -> Any:
            if orig is None:
                return entail_request(events, description)
            return orig.entail_messages(events, reference.lower(), description.lower()), {}

        read_events = events_faithful if self.faithful else parse_events
        replies, st = self.ask_checked([ev_req(targets[i].answer or "None") for i in ask]
                                       + [ev_req(answers[i]) for i in ask],
                                       lambda t: read_events(t) is not None)
        stats.merge(st)
        failed: dict[int, str] = {}
        gt_ev: dict[int, list[str]] = {}
        pr_ev: dict[int, list[str]] = {}
        for n, i in enumerate(ask):
            for rep, store in ((replies[n], gt_ev), (replies[len(ask) + n], pr_ev)):
                ev = read_events(rep.text) if rep.ok else None
                if ev is None:
                    failed.setdefault(i, rep.error or "malformed event list")
                else:
                    store[i] = ev
        live = [i for i in ask if i not in failed]
        # recall: GT events against the answer; precision: answer events against the GT
        jobs = [(i, "recall", gt_ev[i], targets[i].answer or "None", answers[i]) for i in live] + \
               [(i, "precision", pr_ev[i], answers[i], targets[i].answer or "None") for i in live]
        frac: dict[tuple[int, str], float] = {}
        todo = []
        for i, which, events, ref, desc in jobs:
            if not events:
                frac[(i, which)] = 1.0 if (self.faithful or which == "recall") else 0.0
            else:
                todo.append((i, which, events, ref, desc))
        read_entailed = entailed_faithful if self.faithful else entailed_fraction
        replies, st = self.ask_checked([ent_req(ev, ref, desc) for _, _, ev, ref, desc in todo],
                                       [functools.partial(_entail_ok, n=len(ev), read=read_entailed)
                                        for _, _, ev, _, _ in todo])
        stats.merge(st)
        for (i, which, events, _, _), rep in zip(todo, replies, strict=True):
            v = read_entailed(rep.text, len(events)) if rep.ok else None
            if v is None:
                failed.setdefault(i, rep.error or "malformed classification")
            else:
                frac[(i, which)] = v
        out = []
        for i in range(len(texts)):
            if i in failed:
                out.append(self.failed(failed[i], self.components))
                continue
            if i not in ask:
                out.append(RewardResult(0.0, {"recall": 0.0, "precision": 0.0, "keywords": 0.0}, "empty answer"))
                continue
            r, p = frac[(i, "recall")], frac[(i, "precision")]
            k = keywords_term(answers[i], faithful=self.faithful)
            out.append(RewardResult(r + 0.5 * p + k, {"recall": r, "precision": p, "keywords": k},
                                    f"recall {r:.3f} ({len(gt_ev[i])} GT events), precision {p:.3f} "
                                    f"({len(pr_ev[i])} events), keywords {k:+.1f}"))
        self.report(stats, len(failed), len(texts))
        return out
