"""ActivityNet Captions: ``{"v_<id>": {"duration", "timestamps", "sentences"}}`` to grounding records.

One ``grounding`` record per (segment, sentence) pair:

- ``id`` = ``activitynet_captions/<split>/<video key>/<i>``, ``i`` the pair's index in the
  annotation lists (the ``v_`` prefix is kept, as in the annotation keys);
- ``query`` = the sentence stripped, with any internal line break (and the spaces around it)
  turned into one space (11,638 val_1 sentences start with spaces, 2 contain ``\\n``);
- ``spans`` = ``[[start, min(end, duration)]]``: 134 val_1 segments end after the duration by at
  most 0.01 s (float artefacts such as a duration of ``95.03999999999999`` and an end of ``95.04``);
  each cut is reported, and the file's span is kept in ``raw_spans`` (for the official protocol);
- ``video`` = ``v_<id><ext>``; with ``--video-dir`` the converter also accepts ``<id><ext>``
  (without the prefix) and keeps whichever exists, trying each extension in order.

Segments are kept in annotation order (not sorted): the report counts videos whose segments are not
in (start, end) order (293 in val_1). Rejected: a video entry that is not an object, lists of different lengths, a bad
duration, ``start >= end`` (2 segments of train.json), ``start < 0`` or ``start >= duration``.
The ``line`` of an error is the line of the video's key in the JSON file (1 for single-line files).
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
    key_lines,
    load_json,
    parse_seconds,
)
from videorl.data.report import PrepareReport
from videorl.record import RecordError, SampleRecord

DATASET = "activitynet_captions"


def convert(annotations: str | os.PathLike, *, split: str = "val_1", video_dir: str | os.PathLike | None = None,
            video_exts: Sequence[str] = (".mp4",), skip_invalid: bool = False) -> Collector:
    """Read an ActivityNet Captions annotation file into records (see the module docstring)."""
    ann = Path(annotations)
    data, text = load_json(ann)
    if not isinstance(data, dict):
        raise RecordError("must be a JSON object {video_id: {duration, timestamps, sentences}}", path=ann, line=1)
    report = PrepareReport(DATASET, split, sources={"annotations": str(annotations)},
                           video_dir=None if video_dir is None else str(video_dir))
    col = Collector(report, skip_invalid=skip_invalid)
    locator = VideoLocator(video_dir, video_exts)
    lines = key_lines(text, list(data))
    where_file = str(annotations)
    videos = 0
    for key, entry in tqdm(data.items(), desc="activitynet-captions", unit="video", leave=False, disable=None):
        line = lines.get(key, 1)
        try:
            duration, pairs = _video(key, entry)
        except RecordError as err:
            col.fail(err.at(ann, line))
            continue
        videos += 1
        starts: list[tuple[float, float]] = []
        video = None
        for i, (span_raw, sentence) in enumerate(pairs):
            rec_id = f"{DATASET}/{split}/{key}/{i}"
            try:
                query, changed = clean_text(sentence, f"{key}.sentences[{i}]")
                span = check_span(span_raw, duration, field=f"{key}.timestamps[{i}]")
                clamped = clamp_span(span, duration, rec_id=rec_id, where=f"{where_file}:{line}",
                                     field="spans[0]", report=report)
                if video is None:
                    stem = key[2:] if key.startswith("v_") else key
                    video = locator.find([key, stem] if stem != key else [key])
                meta: dict[str, object] = {"dataset": DATASET, "split": split, "video_id": key, "segment": i}
                if clamped != span:
                    meta["span_original"] = span
                col.add(SampleRecord(id=rec_id, video=video, duration=duration, task="grounding", query=query,
                                     spans=[clamped], meta=meta, raw_spans=None if clamped == span else [span]),
                        f"{where_file}:{line}")
            except RecordError as err:
                col.fail(err.at(ann, line))
                continue
            starts.append((span[0], span[1]))
            if changed:
                report.count("sentences_cleaned")
                if "\n" in sentence.strip() or "\r" in sentence.strip():
                    report.count("sentences_with_inner_newline")
        if starts != sorted(starts):
            report.count("videos_not_in_start_order")
    report.counts["videos"] = videos
    report.missing_videos = locator.missing
    report.records = len(col.records)
    return col


def _video(key: str, entry: object) -> tuple[float, list[tuple[object, object]]]:
    if not isinstance(entry, dict):
        raise RecordError(f"must be an object with duration, timestamps, sentences, got {type(entry).__name__}",
                          field=key)
    for name in ("duration", "timestamps", "sentences"):
        if name not in entry:
            raise RecordError("is required", field=f"{key}.{name}")
    duration = parse_seconds(entry["duration"], f"{key}.duration")
    if duration <= 0:
        raise RecordError(f"must be > 0, got {entry['duration']!r}", field=f"{key}.duration")
    ts, sents = entry["timestamps"], entry["sentences"]
    if not isinstance(ts, list) or not isinstance(sents, list):
        raise RecordError("timestamps and sentences must be lists", field=key)
    if len(ts) != len(sents):
        raise RecordError(f"{len(ts)} timestamps but {len(sents)} sentences", field=f"{key}.sentences")
    return duration, list(zip(ts, sents, strict=True))
