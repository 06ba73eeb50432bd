"""Lwt235 (Qwen3-VL-GRPO-VTG, now LWT235-VTG) JSONL (or a JSON array, as HEAD accepts) to records.

A line: ``video`` (path), ``duration`` (seconds of the clip the model sees, > 0), ``timestamp``
([start, end] seconds **relative to the clip**), ``sentence`` (the query), optional
``video_start`` / ``video_end`` (absolute trim of the file), and extra fields (``qid``,
``difficulty``, ``pred``, early ``kwargs``) kept in ``meta``.

Checks: Lwt235's ``DataValidator`` rules, with its bugs fixed (a non-numeric or boolean duration
is an error naming the field, not a TypeError): ``video`` a non-empty string; ``duration`` a
number > 0; ``timestamp`` 2 numbers with ``0 <= start < end``; ``sentence`` non-empty;
``video_start >= 0``, ``video_end > video_start``; ``video_start`` / ``video_end`` of ``null`` mean
"not given", as there. An end past ``duration`` (only a warning there) is cut to the duration and
listed in the report's ``clamped``. Kept differences from the validator (docs/data.md, "Lwt235
importer"): booleans are not numbers, and a span starting at or after ``duration`` is rejected
(the validator only warns; nothing of it would be inside the clip the model sees).

Record: ``grounding``; with a trim, ``clip = [video_start, video_end]`` and the span moved to video
time (``timestamp + video_start``: the early-version bug subtracted it instead); ``duration`` of
the file is read from the video with ``--video-dir``, else taken as ``video_end`` (the file is at
least that long; noted in ``meta.duration_from``). Without a trim ``duration`` is the file's.
"""

from __future__ import annotations

import os
from typing import Any

from videorl.data.importers.common import Context, convert_items, need
from videorl.data.prepare.common import Collector, clamp_span, clean_text, parse_seconds
from videorl.record import RecordError, SampleRecord

DATASET = "lwt235"
KNOWN = ("video", "duration", "timestamp", "sentence", "video_start", "video_end")


def _number(item: dict[str, Any], key: str) -> float:
    val = item[key]
    if isinstance(val, bool) or not isinstance(val, (int, float)):
        raise RecordError(f"must be a number, got {val!r}", field=key)
    return parse_seconds(val, key)


def convert(path: str | os.PathLike, *, split: str = "train", video_dir: str | os.PathLike | None = None,
            skip_invalid: bool = False) -> Collector:
    return convert_items(path, DATASET, split, video_dir, skip_invalid, _one, probe=False)


def _one(ctx: Context, n: int, item: Any) -> SampleRecord:
    video = need(item, "video")
    for k, kind in (("duration", (int, float)), ("timestamp", list), ("sentence", str)):
        need(item, k, kind)
    dur = _number(item, "duration")
    if dur <= 0:
        raise RecordError(f"must be > 0, got {item['duration']!r}", field="duration")
    ts = item["timestamp"]
    if len(ts) != 2 or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in ts):
        raise RecordError(f"must be [start, end] numbers, got {ts!r}", field="timestamp")
    s, e = float(ts[0]), float(ts[1])
    if s < 0 or not e > s:
        raise RecordError(f"needs 0 <= start < end, got {ts!r}", field="timestamp")
    if s >= dur:
        raise RecordError(f"starts at or after the duration ({dur}), got {ts!r}", field="timestamp")
    sentence, _ = clean_text(item["sentence"], "sentence")
    rid = f"{DATASET}/{ctx.split}/{item.get('qid', n)}"
    span = clamp_span([s, e], dur, rec_id=rid, where=ctx.where, field="timestamp", report=ctx.report)
    clip = None
    meta = {**ctx.meta(), **{k: v for k, v in item.items() if k not in KNOWN}}
    has0, has1 = item.get("video_start") is not None, item.get("video_end") is not None
    if has0 or has1:  # null is "not given", as in Lwt235's DataValidator and dataset
        v0 = _number(item, "video_start") if has0 else 0.0
        v1 = _number(item, "video_end") if has1 else v0 + dur
        if v0 < 0 or not v1 > v0:
            raise RecordError(f"needs 0 <= video_start < video_end, got [{v0}, {v1}]", field="video_start")
        clip = [v0, v1]
        span = [span[0] + v0, min(span[1] + v0, v1)]
        if ctx.durations is not None:
            file_dur = ctx.durations.get(video)
        else:
            file_dur, meta["duration_from"] = v1, "video_end (file not probed)"
        if clip[1] > file_dur + 0.05:
            raise RecordError(f"ends after the video file ({file_dur:g} s)", field="video_end")
        clip[1] = min(clip[1], file_dur)
    else:
        file_dur = ctx.durations.get(video) if ctx.durations is not None else dur
    return SampleRecord(id=rid, video=video, duration=file_dur, task="grounding", query=sentence, spans=[span],
                        clip=clip, meta=meta)


def export_item(rec: SampleRecord) -> dict[str, Any]:
    """A Lwt235 line: the first span on the clip's clock, the clip as ``video_start``/``video_end``."""
    spans = rec.view_spans()
    if rec.task != "grounding" or not spans:
        raise RecordError(f"only grounding records with a span inside the clip can be exported, got {rec.task!r}",
                          field="task")
    out: dict[str, Any] = {"video": rec.video, "duration": round(rec.view_duration, 6),
                           "timestamp": [round(x, 6) for x in spans[0]], "sentence": rec.query}
    if rec.clip:
        out["video_start"], out["video_end"] = rec.clip
    out.update({k: v for k, v in rec.meta.items() if k not in ("dataset", "split", "duration_from")})
    return out
