"""Video-R2's Temporal Alignment Reward (TAR) with its consistency gate (``video_r2_tar``).

Reference: mbzuai-oryx/Video-R2, ``train/src/train/temporal_grounding_reward.py`` and the
``temporal_grounding_sentence_embedding_consistency_reward`` of ``reward_funcs.py``; notes in
methods.md §1.2–1.3. The target carries the sample's ``temporal_grounding`` dict (``"MM:SS"`` or
``"MM:SS-MM:SS"`` → sentence) and ``question`` as extra fields.

1. The judge turns the ``<think>`` text into ``{timestamp: short sentence}`` (JSON).
2. Keys of the judge's dict and of the GT dict are sanitised (:func:`sanitize`): split on ``-``,
   ``–``, ``—`` or ``to``; each end ``H:M:S``, ``M:S`` or seconds, rounded; "end"/"EOF" or an
   unreadable end drops the key; reversed ranges swapped; re-keyed ``MM:SS`` / ``HH:MM:SS``.
3. Claims ``[s, e]`` (a point is ``[t, t]``) sorted by midpoint. Predicted and GT claims match in
   time when ``ps − b ≤ ge + b`` and ``gs − b ≤ pe + b`` (``b = buffer_seconds``; two points match
   when ``|Δ| ≤ 2b``), then greedily one-to-one, each predicted claim taking the unused GT claim of
   highest embedding cosine ≥ ``similarity_threshold``.
4. ``TAR = matches / predicted claims`` (faithful, precision only) or the F1 of that precision and
   ``matches / GT claims`` (fixed default, ``variant="f1"``: one safe claim no longer scores 1).
5. Gate: a second judge call says whether THINK and ANSWER agree (TRUE/FALSE on the first line);
   ``g = 1`` only for TRUE. Reward ``= g · TAR``.

Faithful vs fixed: faithful makes both calls for every sample (even with no ``<think>``, or TAR 0)
and reads the judge's reply as Video-R2 does: a non-dict reply, a non-text value, or a key that makes
Video-R2 raise (``inf``, ``1e999``, ``00:inf``: ``round`` overflows) scores the sample 0, and an
undecidable gate reply is g = 0. Fixed skips the extraction call when there is no think text or no GT
claim, skips the gate call when TAR is 0, and treats a reply that is not a verdict as a **judge
failure** (``on_error``; re-asked ``verdict_retries`` times first, never cached): an extraction reply
that is not a JSON object of text values (prose, ``maybe``, a truncated ``{...``), a non-empty object
none of whose keys is a time, and a gate reply without TRUE or FALSE on its first line.
Judge failures score per ``on_error`` (Video-R2: silently 0).

Prompts: paraphrases, unless ``prompts_from`` (or ``VIDEORL_JUDGE_PROMPTS_FROM``) names a Video-R2
checkout (:mod:`videorl.judge.prompts`): then both requests are built from its own files, with its
own body (``stream: false``, no sampling parameters). Faithful mode without it warns once.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from typing import Any

from videorl.judge.parse import decision_first_line, robust_json, tar_object_strict
from videorl.rewards.base import RewardResult
from videorl.rewards.judged import JudgedReward
from videorl.rewards.registry import register
from videorl.target import Target, TargetError

_SEP = re.compile(r"\s*(?:-|–|—|to)\s*", re.IGNORECASE)

EXTRACT_SYSTEM = (
    "You extract temporal information precisely. From the given text only, list every mention of a time as "
    "one JSON object. Keys are the times, written as zero-padded MM:SS or HH:MM:SS; a range is START-END; keys "
    "are ordered by start time. Convert fuzzy phrases such as 'about the 16-second mark' to 00:16. Adjacent "
    "times that describe one action may be merged into a range, and a time mentioned twice becomes one key. "
    "Return {} when the text mentions no time. Each value is one plain clause of at most 10 words, describing "
    "the action at that time as the text states it, ending with a period. Output the JSON object only.")
EXTRACT_USER = (
    "Return only the JSON object for the text below.\nKey rules: zero-padded MM:SS or HH:MM:SS only; a range is "
    "START-END with a single hyphen; never bare seconds; never words such as 'end' or 'EOF' or trailing symbols; "
    "round decimal seconds first; unique keys sorted by start time.\nValue rules: one short action clause each, "
    "taken from the text only.\n\nText:\n{text}")
GATE_SYSTEM = (
    "You are a careful auditor. Decide whether the reasoning (THINK) and the final answer (ANSWER) are logically "
    "consistent for the question: does the conclusion reached in THINK match and support ANSWER? Ignore style, "
    "length and extra detail.")
GATE_USER = (
    "QUESTION:\n{question}\n\nTHINK:\n{think}\n\nANSWER:\n{answer}\n\nOn the first line write only TRUE (THINK "
    "and ANSWER reach the same conclusion) or FALSE (THINK contradicts or does not support ANSWER). Then give a "
    "justification of one to three sentences.")


def first_block(text: str, tag: str) -> str:
    """Video-R2's ``extract_reasoning`` / ``extract_answer``: the first ``<tag>…</tag>`` body
    (case-sensitive), stripped; ``""`` when absent."""
    i = text.find(f"<{tag}>")
    if i < 0:
        return ""
    j = text.find(f"</{tag}>", i + len(tag) + 2)
    return "" if j < 0 else text[i + len(tag) + 2: j].strip()


def _seconds(token: str, overflow: bool = False) -> int | None:
    """Video-R2's ``_to_seconds_loose``; ``overflow``: let ``OverflowError`` out as it does (``inf``)."""
    t = token.strip().strip("+.,").lower()
    if t in ("end", "eof"):
        return None
    try:
        if ":" in t:
            parts = t.split(":")
            if len(parts) == 3:
                total = int(parts[0]) * 3600 + int(parts[1]) * 60 + float(parts[2])
            elif len(parts) == 2:
                total = int(parts[0]) * 60 + float(parts[1])
            else:
                return None
            return int(round(total))
        try:
            return int(t)
        except ValueError:
            return int(round(float(t)))
    except ValueError:
        return None
    except OverflowError:
        if overflow:
            raise
        return None


def _key(sec: int) -> str:
    if sec >= 3600:
        return f"{sec // 3600:02d}:{sec % 3600 // 60:02d}:{sec % 60:02d}"
    return f"{sec // 60:02d}:{sec % 60:02d}"


def sanitize(d: Mapping[Any, Any], overflow: bool = False) -> dict[str, Any]:
    """Normalised keys (see the module docstring); unreadable or open-ended keys dropped, last duplicate
    wins. ``overflow``: a key like ``inf`` raises ``OverflowError``, as in Video-R2."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        if not isinstance(k, str):
            continue
        parts = _SEP.split(k.strip())
        if len(parts) > 2:
            continue
        s = _seconds(parts[0], overflow)
        e = s if len(parts) == 1 else _seconds(parts[1], overflow)
        if s is None or e is None:
            continue
        if e < s:
            s, e = e, s
        out[_key(s) if s == e else f"{_key(s)}-{_key(e)}"] = v
    return out


def claims(d: Mapping[str, Any], *, strict_text: bool = False) -> list[tuple[int, int, str]]:
    """``[(start, end, sentence)]`` of a sanitised dict, sorted by midpoint; empty sentences dropped.

    A non-empty value that is not text raises ``TypeError`` (Video-R2 then fails the sample);
    with ``strict_text`` it is dropped instead."""
    out = []
    for k, v in d.items():
        if not isinstance(v, str):
            if strict_text or not v:
                continue
            raise TypeError(f"claim value {v!r} is not text")
        v = v.strip()
        if not v:
            continue
        a, _, b = k.partition("-")
        s = sum(int(x) * 60 ** i for i, x in enumerate(reversed(a.split(":"))))
        e = sum(int(x) * 60 ** i for i, x in enumerate(reversed(b.split(":")))) if b else s
        out.append((s, e, v))
    out.sort(key=lambda c: (c[0] + c[1]) / 2)
    return out


def _strict_seconds(ts: str) -> int:
    parts = [int(p) for p in ts.strip().split(":")]
    if len(parts) == 3:
        return parts[0] * 3600 + parts[1] * 60 + parts[2]
    if len(parts) == 2:
        return parts[0] * 60 + parts[1]
    raise ValueError(f"Unsupported timestamp format: {ts}")


def faithful_claims(text: str) -> list[tuple[int, int, str]]:
    """The predicted claims as Video-R2 reads an extraction reply; raises where it raises (the sample
    then scores 0): ``_robust_json_from_text``, then ``sanitize_timestamps_dict`` on a dict (``inf``
    overflows), then ``extract_grounding_claims`` (a non-text value fails; a JSON *string* reply is
    parsed again and its keys read strictly, unsanitised; anything else fails)."""
    obj = robust_json(text)
    if isinstance(obj, dict):
        return claims(sanitize(obj, overflow=True))
    if not isinstance(obj, str):
        raise TypeError(f"extraction reply is {type(obj).__name__}")
    raw = obj.strip()
    try:
        data = json.loads(raw)
    except ValueError:
        try:
            data = ast.literal_eval(raw)
        except Exception:
            return []
    out = []
    for key, sentence in data.items():  # a non-dict raises, as in Video-R2
        key = str(key).strip()
        sentence = (sentence or "").strip()
        if not sentence:
            continue
        if "-" in key:
            a, b = (x.strip() for x in key.split("-", 1))
            s, e = _strict_seconds(a), _strict_seconds(b)
            out.append(((s + e) / 2, s, max(s, e), sentence))
        else:
            t = _strict_seconds(key)
            out.append((t, t, t, sentence))
    out.sort(key=lambda c: c[0])
    return [(s, e, v) for _, s, e, v in out]


def extraction_ok(text: str) -> bool:
    """Fixed: is an extraction reply a verdict (see the module docstring)?"""
    obj = tar_object_strict(text)
    return obj is not None and (not obj or bool(sanitize(obj)))


def gate_ok(text: str) -> bool:
    """Fixed: does a gate reply decide (TRUE or FALSE on its first line)?"""
    return decision_first_line(text) is not None


def match_count(pred: list[tuple[int, int, str]], gt: list[tuple[int, int, str]], vectors: Mapping[str, Any],
                buffer: float, threshold: float) -> int:
    """Greedy one-to-one matching in time order (see the module docstring)."""
    used: set[int] = set()
    n = 0
    for ps, pe, ptext in pred:
        best, best_sim = None, -1.0
        for j, (gs, ge, gtext) in enumerate(gt):
            if j in used or not (ps - buffer <= ge + buffer and gs - buffer <= pe + buffer):
                continue
            sim = float(vectors[ptext] @ vectors[gtext])
            if sim >= threshold and sim > best_sim:
                best, best_sim = j, sim
        if best is not None:
            used.add(best)
            n += 1
    return n


def gt_claims(target: Target) -> list[tuple[int, int, str]]:
    tg = target.extra.get("temporal_grounding")
    if not isinstance(tg, Mapping):
        raise TargetError(f"video_r2_tar needs the target's 'temporal_grounding' dict (timestamp -> sentence), "
                          f"got {type(tg).__name__} (sample {target.id!r}); export it with the sample, or score without TAR "
                          f"(video_r2 with tar_weight=0)")
    return claims(sanitize(tg), strict_text=True)


def gate_messages(question: str, think: str, answer: str) -> list[dict[str, str]]:
    user = GATE_USER.format(question=question.strip() or "(none)", think=think.strip() or "(missing)",
                            answer=answer.strip() or "(missing)")
    return [{"role": "system", "content": GATE_SYSTEM}, {"role": "user", "content": user}]


def extract_messages(think: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": EXTRACT_SYSTEM}, {"role": "user", "content": EXTRACT_USER.format(text=think)}]


@register("video_r2_tar")
class VideoR2TAR(JudgedReward):
    """Video-R2 TAR × consistency gate (LLM judge + sentence embeddings); fixed default uses F1 TAR."""

    name = "video_r2_tar"
    components = ("tar", "gate", "tar_precision", "tar_recall")

    def __init__(self, faithful: bool = False, variant: str | None = None, buffer_seconds: float = 2.0,
                 similarity_threshold: float = 0.75, embedder: str = "all-MiniLM-L6-v2",
                 embedder_device: str | None = None, judge: Mapping[str, Any] | None = None,
                 on_error: str = "zero", prompts_from: str | None = None) -> None:
        super().__init__(judge, on_error)
        variant = variant or ("precision" if faithful else "f1")
        if variant not in ("precision", "f1"):
            raise ValueError(f"video_r2_tar variant must be 'precision' or 'f1', got {variant!r}")
        self.faithful = faithful
        self.variant = variant
        self.buffer_seconds = float(buffer_seconds)
        self.similarity_threshold = float(similarity_threshold)
        self.embedder = embedder
        self.embedder_device = embedder_device
        self.prompts_from = prompts_from

    def _requests(self) -> tuple[Any, Any]:
        """(extraction request of a think text, gate request of (question, think, answer))."""
        from videorl.judge.prompts import video_r2, warn_paraphrased

        orig = video_r2(self.prompts_from)
        if orig is None:
            if self.faithful:
                warn_paraphrased("video_r2_tar")
            return extract_messages, gate_messages
        params = dict(orig.train_params)
        return (lambda think: (orig.extract_messages(think), params),
                lambda q, t, a: (orig.gate_messages(q, t, a), params))

    def score_many(self, texts: list[str], targets: list[Target]) -> list[RewardResult]:
        from videorl.judge.client import JudgeStats

        extract_req, gate_req = self._requests()
        gts = [gt_claims(t) for t in targets]
        thinks = [first_block(x, "think") for x in texts]
        answers = [first_block(x, "answer") for x in texts]
        questions = [str(t.extra.get("question") or "") for t in targets]
        ask = [i for i in range(len(texts)) if self.faithful or (thinks[i] and gts[i])]
        stats = JudgeStats()
        mode = "keep" if self.faithful else "fail"  # faithful: read whatever came back, as Video-R2 does
        failed: dict[int, str] = {}
        if self.faithful:  # both calls for every sample, at once
            reqs = [extract_req(thinks[i]) for i in ask] + [gate_req(questions[i], thinks[i], answers[i]) for i in ask]
            oks = [extraction_ok] * len(ask) + [gate_ok] * len(ask)
            replies, st = self.ask_checked(reqs, oks, mode) if reqs else ([], stats)
            stats.merge(st)
            extracted = dict(zip(ask, replies[: len(ask)], strict=True))
            gates = dict(zip(ask, replies[len(ask):], strict=True))
        else:
            replies, st = self.ask_checked([extract_req(thinks[i]) for i in ask], [extraction_ok] * len(ask), mode) \
                if ask else ([], stats)
            stats.merge(st)
            extracted = dict(zip(ask, replies, strict=True))
            gates = {}
        preds: dict[int, list[tuple[int, int, str]]] = {}
        for i, rep in extracted.items():
            if not rep.ok:
                failed[i] = f"extraction {rep.error}"
                continue
            if self.faithful:
                try:
                    preds[i] = faithful_claims(rep.text)
                except (TypeError, ValueError, OverflowError, AttributeError):  # Video-R2: the sample scores 0
                    preds[i] = []  # documented: 0, not a judge failure
            else:
                preds[i] = claims(sanitize(tar_object_strict(rep.text) or {}), strict_text=True)
        both = [i for i in preds if preds[i] and gts[i]]
        vectors = self._vectors([c for i in both for c in preds[i] + gts[i]])
        tar: dict[int, tuple[float, float, float]] = {}
        for i, pred in preds.items():
            if not pred or not gts[i]:
                tar[i] = (0.0, 0.0, 0.0)
                continue
            m = match_count(pred, gts[i], vectors, self.buffer_seconds, self.similarity_threshold)
            p, r = m / len(pred), m / len(gts[i])
            tar[i] = (p if self.variant == "precision" else (2 * p * r / (p + r) if m else 0.0), p, r)
        if not self.faithful:  # gate only where TAR > 0
            need = [i for i, v in tar.items() if v[0] > 0 and i not in failed]
            g_replies, st = self.ask_checked([gate_req(questions[i], thinks[i], answers[i]) for i in need],
                                             [gate_ok] * len(need), mode) if need else ([], stats)
            if need:
                stats.merge(st)
            gates = dict(zip(need, g_replies, strict=True))
        for i, rep in gates.items():
            if not rep.ok and i not in failed:
                failed[i] = f"gate {rep.error}"
        out = []
        for i in range(len(texts)):
            if i in failed:
                out.append(self.failed(failed[i], self.components))
                continue
            t, p, r = tar.get(i, (0.0, 0.0, 0.0))
            g = float(i in gates and decision_first_line(gates[i].text or "") is True)
            out.append(RewardResult(g * t, {"tar": t, "gate": g, "tar_precision": p, "tar_recall": r},
                                    f"TAR {t:.4f} ({self.variant}; {len(preds.get(i, []))} claims vs "
                                    f"{len(gts[i])} GT), gate {g:g}"))
        self.report(stats, len(failed), len(texts))
        return out

    def _vectors(self, cl: list[tuple[int, int, str]]) -> dict[str, Any]:
        if not cl:
            return {}
        from videorl.judge.embed import embed, load_embedder

        return embed(load_embedder(self.embedder, self.embedder_device), [c[2] for c in cl])
