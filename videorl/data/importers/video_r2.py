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
-- what Video-R2's TAR reward compares the reasoning's time claims against -- and ``key_frame`` /
``temporal_captions`` when present.
"""

from __future__ import annotations

import os
from typing import Any

from videorl.data.importers.common import (
    Context,
    answer_letter,
    clock_seconds,
    convert_items,
    need,
    split_options,
)
from videorl.data.prepare.common import Collector
from videorl.parse import extract_tag
from videorl.prompts import VIDEO_TAG
from videorl.record import LETTERS, RecordError, SampleRecord

DATASET = "video_r2"


def parse_grounding(tg: Any) -> list[dict[str, Any]]:
    """``{"MM:SS[-MM:SS]": sentence}`` to ``[{"key", "start", "end", "text"}]`` (seconds)."""
    if not isinstance(tg, dict):
        raise RecordError(f"must be an object {{'MM:SS-MM:SS': sentence}}, got {tg!r}", field="temporal_grounding")
    out = []
    for key, text in tg.items():
        field = f"temporal_grounding[{key!r}]"
        if not isinstance(text, str):
            raise RecordError(f"sentence must be a string, got {text!r}", field=field)
        parts = str(key).split("-")
        if len(parts) not in (1, 2):
            raise RecordError(f"key must be MM:SS or MM:SS-MM:SS, got {key!r}", field=field)
        s = clock_seconds(parts[0], field)
        e = clock_seconds(parts[-1], field)
        if e < s:
            raise RecordError(f"ends before it starts: {key!r}", field=field)
        out.append({"key": key, "start": s, "end": e, "text": text})
    return out


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
        meta["temporal_grounding"] = parse_grounding(item["temporal_grounding"])
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
    if rec.meta.get("temporal_grounding"):
        out["temporal_grounding"] = {g["key"]: g["text"] for g in rec.meta["temporal_grounding"]}
    for k in ("key_frame", "temporal_captions"):
        if k in rec.meta:
            out[k] = rec.meta[k]
    return out
