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
and reads the judge's reply as Video-R2 does (a non-dict reply, or a non-text value, gives 0);
fixed skips the extraction call when there is no think text or no GT claim, skips the gate call
when TAR is 0, counts an unreadable extraction reply as a judge failure, and ignores non-text values.
Judge failures score per ``on_error`` (Video-R2: silently 0).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from videorl.judge.parse import decision_first_line, robust_json
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


def _seconds(token: str) -> int | None:
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
    except (ValueError, OverflowError):
        return None


def _key(sec: int) -> str:
    if sec >= 3600:
        return f"{sec // 3600:02d}:{sec % 3600 // 60:02d}:{sec % 60:02d}"
    return f"{sec // 60:02d}:{sec % 60:02d}"


def sanitize(d: Mapping[Any, Any]) -> dict[str, Any]:
    """Normalised keys (see the module docstring); unreadable or open-ended keys dropped, last duplicate wins."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        if not isinstance(k, str):
            continue
        parts = _SEP.split(k.strip())
        if len(parts) > 2:
            continue
        s = _seconds(parts[0])
        e = s if len(parts) == 1 else _seconds(parts[1])
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
                 on_error: str = "zero") -> None:
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

    def score_many(self, texts: list[str], targets: list[Target]) -> list[RewardResult]:
        from videorl.judge.client import JudgeStats

        gts = [gt_claims(t) for t in targets]
        thinks = [first_block(x, "think") for x in texts]
        answers = [first_block(x, "answer") for x in texts]
        ask = [i for i in range(len(texts)) if self.faithful or (thinks[i] and gts[i])]
        stats = JudgeStats()
        reqs = [extract_messages(thinks[i]) for i in ask]
        if self.faithful:  # both calls for every sample, at once
            reqs += [gate_messages(str(targets[i].extra.get("question") or ""), thinks[i], answers[i]) for i in ask]
        replies, st = self.ask(reqs) if reqs else ([], stats)
        stats.merge(st)
        extracted = dict(zip(ask, replies[: len(ask)], strict=True))
        gates = dict(zip(ask, replies[len(ask):], strict=True)) if self.faithful else {}
        preds: dict[int, list[tuple[int, int, str]]] = {}
        failed: dict[int, str] = {}
        for i, rep in extracted.items():
            if not rep.ok:
                failed[i] = f"extraction {rep.error}"
                continue
            obj = robust_json(rep.text)
            if not isinstance(obj, dict):
                if not self.faithful:
                    failed[i] = "extraction reply is not a JSON object"
                preds[i] = []
                continue
            try:
                preds[i] = claims(sanitize(obj), strict_text=not self.faithful)
            except TypeError:  # Video-R2: a non-text value fails the sample -> 0
                preds[i] = []
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
            g_replies, st = self.ask([gate_messages(str(targets[i].extra.get("question") or ""), thinks[i],
                                                    answers[i]) for i in need]) if need else ([], stats)
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
