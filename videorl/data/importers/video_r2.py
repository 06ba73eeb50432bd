"""Video-R2 SFT / GRPO JSON (``data/video-r2-{sft,grpo}-dataset.json``) to records.

An item: ``video`` (a path relative to the image folder), ``conversations`` (LLaVA style: a
``human`` turn starting with ``<video>`` and a newline, a ``gpt`` turn with ``<think>`` and
``<answer>X</answer>``), ``temporal_grounding`` (``{"MM:SS": sentence, "MM:SS-MM:SS": sentence}``),
optional ``key_frame``, ``temporal_captions``. Items with ``image`` and no ``video`` are skipped
and counted (records are about videos); a list of videos is an error.

Record: ``mcq`` when the question has option lines ``A. ...`` (at least two, consecutive letters)
and the answer starts with one of their letters, else ``open_qa`` with the answer text. ``duration``
is read from the video file (``--video-dir``; the format has none). ``meta``:
``conversations`` (the original turns, for the round trip), ``reasoning`` (the think text),
``temporal_grounding``: ``[{"key", "start", "end", "text"}]`` in seconds (a point has start = end)
-- what Video-R2's TAR reward compares the reasoning's time claims against, keys read as its own
sanitiser reads them (``00:10-00:15``, ``00:10 – 00:15``, ``10 to 15``, ``12.5``; see
:func:`key_interval`), ``temporal_grounding_dropped`` (keys it drops, kept for the round trip) -- and
``key_frame`` / ``temporal_captions`` when present.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any

from videorl.data.importers.common import (
    Context,
    answer_letter,
    convert_items,
    need,
    split_options,
)
from videorl.data.prepare.common import Collector
from videorl.data.report import PrepareReport
from videorl.parse import extract_tag
from videorl.prompts import VIDEO_TAG
from videorl.record import LETTERS, RecordError, SampleRecord

DATASET = "video_r2"


_KEY_SEP = re.compile(r"\s*(?:-|\u2013|\u2014|to)\s*", flags=re.IGNORECASE)
"""Range separators of Video-R2's key sanitiser: ``-``, en dash, em dash or ``to`` (any case)."""


def key_seconds(token: str) -> float | None:
    """One end of a grounding key in seconds, read as Video-R2's key sanitiser reads it, but exact.

    ``H:M:S`` / ``M:S`` (whole hours and minutes, fractional seconds; fields are not bounded, so
    ``1:75`` is 135 s as there) or bare seconds; surrounding ``+ . ,`` and spaces are ignored;
    ``end`` / ``EOF``, an unreadable token, a negative or non-finite value give None (Video-R2
    raises on the last two: its re-emitted key ``-1:55`` or ``round(inf)`` fails). Video-R2 then rounds
    to whole seconds (half to even); the importer keeps the fraction.
    """
    t = token.strip().strip("+.,").lower()
    if t in {"end", "eof"}:
        return None
    try:
        if ":" in t:
            parts = t.split(":")
            if len(parts) not in (2, 3):
                return None
            h = int(parts[0]) if len(parts) == 3 else 0
            val = h * 3600 + int(parts[-2]) * 60 + float(parts[-1])
        else:
            val = float(t)
    except ValueError:
        return None
    return val if math.isfinite(val) and val >= 0 else None


def key_interval(key: Any) -> tuple[float, float] | None:
    """``(start, end)`` seconds of a grounding key, or None where Video-R2 drops the key: more than
    two parts, an unreadable or open (``end``) bound. A reversed range is swapped, as there."""
    if not isinstance(key, str):
        return None
    parts = _KEY_SEP.split(key.strip())
    if len(parts) > 2:
        return None
    s = key_seconds(parts[0])
    e = key_seconds(parts[-1])
    if s is None or e is None:
        return None
    return (s, e) if s <= e else (e, s)


def parse_grounding(tg: Any, report: PrepareReport | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``{"MM:SS[-MM:SS]": sentence}`` to ``([{"key", "start", "end", "text"}], dropped)``.

    Keys are read as Video-R2's sanitiser reads them (:func:`key_interval`: ``-``, en/em dash or
    ``to`` between the ends, ``H:M:S``, ``M:S`` or bare seconds). Keys it drops (open-ended,
    unreadable) and claims with an empty sentence (dropped by its claim extraction) are returned in
    ``dropped`` and counted in the report, not an error: the item stays, as it does there.
    """
    if not isinstance(tg, dict):
        raise RecordError(f"must be an object {{'MM:SS-MM:SS': sentence}}, got {tg!r}", field="temporal_grounding")
    out, dropped = [], {}
    for key, text in tg.items():
        field = f"temporal_grounding[{key!r}]"
        if text is not None and not isinstance(text, str):
            raise RecordError(f"sentence must be a string, got {text!r}", field=field)
        iv = key_interval(key)
        if iv is None or not (text or "").strip():
            dropped[key] = text
            if report is not None:
                report.count("grounding_keys_unreadable" if iv is None else "grounding_claims_empty")
            continue
        out.append({"key": key, "start": iv[0], "end": iv[1], "text": text})
    return out, dropped


def convert(path: str | os.PathLike, *, split: str = "train", video_dir: str | os.PathLike | None = None,
            skip_invalid: bool = False) -> Collector:
    return convert_items(path, DATASET, split, video_dir, skip_invalid, _one)


def _one(ctx: Context, n: int, item: Any) -> SampleRecord:
    if isinstance(item, dict) and isinstance(item.get("video"), list):
        raise RecordError("a list of videos is not supported (one video per record)", field="video")
    video = need(item, "video")
    conv = need(item, "conversations", list)
    turns = {t.get("from"): t.get("value") for t in conv if isinstance(t, dict)}
    human, gpt = turns.get("human"), turns.get("gpt")
    if not isinstance(human, str) or not isinstance(gpt, str):
        raise RecordError("needs a 'human' and a 'gpt' turn with string values", field="conversations")
    question = human.strip()
    if question.startswith(VIDEO_TAG):
        question = question[len(VIDEO_TAG):].strip()
    if VIDEO_TAG in question:
        raise RecordError(f"the question holds a second {VIDEO_TAG!r}", field="conversations")
    answer = extract_tag(gpt, "answer")
    if not answer:
        raise RecordError("the gpt turn has no <answer>...</answer>", field="conversations")
    query, options = split_options(question)
    letter = answer_letter(answer, len(options)) if options else None
    meta: dict[str, Any] = {**ctx.meta(), "conversations": conv, "reasoning": extract_tag(gpt, "think")}
    if "temporal_grounding" in item:
        meta["temporal_grounding"], dropped = parse_grounding(item["temporal_grounding"], ctx.report)
        if dropped:
            meta["temporal_grounding_dropped"] = dropped
    for k in ("key_frame", "temporal_captions"):
        if k in item:
            meta[k] = item[k]
    rid = item.get("id") if isinstance(item.get("id"), str) and item.get("id") else f"{DATASET}/{ctx.split}/{n}"
    common = {"id": rid, "video": video, "duration": ctx.durations.get(video), "meta": meta}
    if letter:
        return SampleRecord(task="mcq", query=query, options=options, answer=letter, **common)
    return SampleRecord(task="open_qa", query=question, answer=answer, **common)


def export_item(rec: SampleRecord) -> dict[str, Any]:
    """A Video-R2 item: the original turns when the record came from Video-R2, else built ones."""
    conv = rec.meta.get("conversations")
    if not conv:
        opts = "".join(f"\n{LETTERS[i]}. {o}" for i, o in enumerate(rec.options))
        think = rec.meta.get("reasoning")
        gpt = (f"<think>{think}</think>\n" if think else "") + f"<answer>{rec.answer}</answer>"
        conv = [{"from": "human", "value": f"{VIDEO_TAG}\n{rec.query}{opts}"}, {"from": "gpt", "value": gpt}]
    out: dict[str, Any] = {"id": rec.id, "video": rec.video, "conversations": conv}
    if rec.meta.get("temporal_grounding") or rec.meta.get("temporal_grounding_dropped"):
        out["temporal_grounding"] = {g["key"]: g["text"] for g in rec.meta.get("temporal_grounding", [])}
        out["temporal_grounding"].update(rec.meta.get("temporal_grounding_dropped", {}))
    for k in ("key_frame", "temporal_captions"):
        if k in rec.meta:
            out[k] = rec.meta[k]
    return out
