"""Charades-STA: ``VIDEO START END##sentence`` lines plus durations from ``charades.json``.

Input (see the dataset notes): one query per line, times in seconds; durations come from VSLNet's
``charades.json`` (``{vid: {"duration": float, ...}}``). Output: one ``grounding`` record per line,

- ``id`` = ``charades_sta/<split>/<line - 1>`` (0-based position of the line in the file),
- ``video`` = ``<vid><ext>`` (relative; ``--video-dir`` is only used to check that it exists),
- ``spans`` = ``[[start, min(end, duration)]]``: 562 test spans end after the duration by up to
  1.5 s and are clamped; each cut is listed in the report and the original span is kept in
  ``raw_spans`` (scored by ``videorl score --protocol official``, as the reference evaluators do)
  and in ``meta.span_original``.

Rejected (error, or skipped with ``skip_invalid``): a line without ``##``, a head that is not
``VID START END``, non-numeric times, an empty sentence, a video missing from the durations file,
``start >= end``, ``start < 0`` or ``start >= duration``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from videorl.data.prepare.common import (
    Collector,
    VideoLocator,
    check_span,
    clamp_span,
    clean_text,
    load_json,
    parse_seconds,
    read_text,
)
from videorl.data.report import PrepareReport
from videorl.record import RecordError, SampleRecord

DATASET = "charades_sta"


def load_durations(path: str | os.PathLike) -> dict[str, float]:
    """``{video_id: duration}`` from ``charades.json``; a bad entry raises RecordError naming it."""
    p = Path(path)
    data, _ = load_json(p)
    if not isinstance(data, dict):
        raise RecordError("must be a JSON object {video_id: {duration: ...}}", path=p)
    out = {}
    for vid, entry in data.items():
        dur = entry.get("duration") if isinstance(entry, dict) else None
        try:
            value = parse_seconds(dur, f"{vid}.duration")
        except RecordError as err:
            raise RecordError(err.reason, path=p, field=err.field) from None
        if value <= 0:
            raise RecordError(f"must be > 0, got {dur!r}", path=p, field=f"{vid}.duration")
        out[vid] = value
    return out


def convert(annotations: str | os.PathLike, durations: str | os.PathLike, *, split: str = "test",
            video_dir: str | os.PathLike | None = None, video_exts: Sequence[str] = (".mp4",),
            skip_invalid: bool = False) -> Collector:
    """Read a Charades-STA annotation file into records (see the module docstring)."""
    ann = Path(annotations)
    durs = load_durations(durations)
    report = PrepareReport(DATASET, split, sources={"annotations": str(annotations), "durations": str(durations)},
                           video_dir=None if video_dir is None else str(video_dir))
    col = Collector(report, skip_invalid=skip_invalid)
    locator = VideoLocator(video_dir, video_exts)
    videos: set[str] = set()
    text = read_text(ann)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for n, raw in enumerate(tqdm(lines, desc="charades-sta", unit="line", leave=False, disable=None), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            report.count("blank_lines")
            continue
        try:
            rec = _record(line, n, split, durs, locator, report)
            col.add(rec, f"{ann}:{n}")
        except RecordError as err:
            col.fail(err.at(ann, n))
            continue
        videos.add(rec.meta["video_id"])
    report.counts["videos"] = len(videos)
    report.missing_videos = locator.missing
    report.records = len(col.records)
    return col


def _record(line: str, n: int, split: str, durs: dict[str, float], locator: VideoLocator,
            report: PrepareReport) -> SampleRecord:
    head, sep, sentence = line.partition("##")
    if not sep:
        raise RecordError("expected 'VIDEO START END##sentence' (no '##')", field="line")
    parts = head.split()
    if len(parts) != 3:
        raise RecordError(f"expected 'VIDEO START END' before '##', got {head!r}", field="line")
    vid, s, e = parts
    query, _ = clean_text(sentence, "sentence")
    if vid not in durs:
        raise RecordError(f"video {vid!r} has no duration in the durations file", field="video")
    duration = durs[vid]
    rec_id = f"{DATASET}/{split}/{n - 1}"
    span = check_span([parse_seconds(s, "start"), parse_seconds(e, "end")], duration, field="span")
    clamped = clamp_span(span, duration, rec_id=rec_id, where=f"{report.sources['annotations']}:{n}",
                         field="spans[0]", report=report)
    meta: dict[str, object] = {"dataset": DATASET, "split": split, "video_id": vid}
    if clamped != span:
        meta["span_original"] = span
    return SampleRecord(id=rec_id, video=locator.find([vid]), duration=duration, task="grounding", query=query,
                        spans=[clamped], meta=meta, raw_spans=None if clamped == span else [span])
