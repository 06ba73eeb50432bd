"""NExT-GQA: ``test.csv``/``val.csv`` (questions, options) + ``gsub_*.json`` (grounding spans).

One ``grounded_qa`` record per CSV row:

- ``id`` = ``nextgqa/<split>/<video_id>_<qid>`` (the ``vid_qid`` key of the official prediction files);
- ``options`` = ``a0 .. a4``; ``answer`` = the letter of the option whose text equals the CSV
  ``answer`` exactly. **Ambiguous answers** (the text equals several options, e.g. test video
  3842638015 qid 4: ``happy`` is both a3 and a4): the *first* matching option is kept, the record
  gets ``meta.ambiguous_letters`` (e.g. ``["D", "E"]``) and the report lists it under ``ambiguous``.
  Rows with repeated option texts that do not involve the answer are only counted
  (``rows_with_repeated_options``). An answer that matches no option is rejected;
- ``spans`` = every span of ``gsub[video_id]["location"][str(qid)]``, in file order (they never
  overlap in the released files; the official evaluation scores the best one). Spans starting
  below 0 (36 in test, at -0.1 or -0.2 s, although the upstream notes say none do) are clamped to 0,
  spans ending after the duration (3 in val) to the duration; every cut is reported and the
  original spans are kept in ``raw_spans`` (scored by the official protocol) and ``meta.spans_original``;
- ``duration`` = gsub's integer ``duration`` (``round(frame_count / fps)``, the clock of the official
  spans); ``meta`` keeps ``frame_count`` and ``fps`` so the exact ``frame_count / fps`` is available;
- ``video`` = ``map_vid_vidorID.json[video_id] + ext`` (``<folder>/<video_id>.mp4``) when a map is
  given, else ``<video_id><ext>``.

The qid is an integer in the CSV and a string key in gsub; both are read as integers. A CSV row with
no span in gsub is rejected; gsub questions with no CSV row are counted (``gsub_questions_without_row``).
"""

from __future__ import annotations

import csv
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
    option_letter,
    parse_seconds,
)
from videorl.data.report import PrepareReport
from videorl.record import LETTERS, RecordError, SampleRecord

DATASET = "nextgqa"
COLUMNS = ("video_id", "frame_count", "width", "height", "question", "answer", "qid", "type",
           "a0", "a1", "a2", "a3", "a4")
OPTION_COLUMNS = ("a0", "a1", "a2", "a3", "a4")


def _int(text: str, field: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise RecordError(f"must be an integer, got {text!r}", field=field) from None


def load_gsub(path: str | os.PathLike) -> dict[str, dict]:
    data, _ = load_json(path)
    if not isinstance(data, dict):
        raise RecordError("must be a JSON object {video_id: {duration, location, fps}}", path=path, line=1)
    return data


def convert(csv_path: str | os.PathLike, gsub: str | os.PathLike, *, map_path: str | os.PathLike | None = None,
            split: str = "test", video_dir: str | os.PathLike | None = None,
            video_exts: Sequence[str] = (".mp4",), skip_invalid: bool = False) -> Collector:
    """Read NExT-GQA annotations into records (see the module docstring)."""
    src = Path(csv_path)
    grounding = load_gsub(gsub)
    vmap: dict[str, str] = {}
    if map_path is not None:
        loaded, _ = load_json(map_path)
        if not isinstance(loaded, dict):
            raise RecordError("must be a JSON object {video_id: 'folder/video_id'}", path=map_path, line=1)
        vmap = {str(k): str(v) for k, v in loaded.items()}
    sources = {"csv": str(csv_path), "gsub": str(gsub)}
    if map_path is not None:
        sources["map"] = str(map_path)
    report = PrepareReport(DATASET, split, sources=sources, video_dir=None if video_dir is None else str(video_dir))
    col = Collector(report, skip_invalid=skip_invalid)
    locator = VideoLocator(video_dir, video_exts)
    used: set[tuple[str, str]] = set()
    videos: set[str] = set()
    try:
        fh = src.open(newline="", encoding="utf-8")
    except FileNotFoundError:
        raise RecordError("file not found", path=src) from None
    with fh:
        reader = csv.DictReader(fh)
        missing_cols = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing_cols:
            raise RecordError(f"missing column(s) {missing_cols}; expected {list(COLUMNS)}", path=src, line=1,
                              field=missing_cols[0])
        for row in tqdm(reader, desc="nextgqa", unit="row", leave=False, disable=None):
            n = reader.line_num
            try:
                rec = _record(row, split, grounding, vmap, locator, report, f"{csv_path}:{n}")
                col.add(rec, f"{csv_path}:{n}")
            except RecordError as err:
                col.fail(err.at(src, n))
                continue
            used.add((rec.meta["video_id"], str(rec.meta["qid"])))
            videos.add(rec.meta["video_id"])
    n_gsub = sum(len(v.get("location") or {}) for v in grounding.values() if isinstance(v, dict))
    report.counts["videos"] = len(videos)
    report.counts["questions_with_several_spans"] = sum(len(r.spans) > 1 for r in col.records)
    report.counts["spans"] = sum(len(r.spans) for r in col.records)
    report.counts["gsub_questions_without_row"] = n_gsub - len(used)
    report.missing_videos = locator.missing
    report.records = len(col.records)
    return col


def _record(row: dict, split: str, grounding: dict, vmap: dict[str, str], locator: VideoLocator,
            report: PrepareReport, where: str) -> SampleRecord:
    if None in row or any(row.get(c) is None for c in COLUMNS):
        raise RecordError(f"expected {len(COLUMNS)} columns", field="row")
    vid = str(_int(row["video_id"], "video_id"))
    qid = _int(row["qid"], "qid")
    question, _ = clean_text(row["question"], "question")
    options = [row[c] for c in OPTION_COLUMNS]
    for c, opt in zip(OPTION_COLUMNS, options, strict=True):
        if not opt.strip():
            raise RecordError("option text is empty", field=c)
    first, hits = option_letter(row["answer"], options)
    rec_id = f"{DATASET}/{split}/{vid}_{qid}"
    meta: dict[str, object] = {"dataset": DATASET, "split": split, "video_id": vid, "qid": qid,
                               "type": row["type"], "answer_text": row["answer"],
                               "frame_count": _int(row["frame_count"], "frame_count")}
    if len(hits) > 1:
        letters = [LETTERS[i] for i in hits]
        meta["ambiguous_letters"] = letters
        report.ambiguous.append({"id": rec_id, "where": where, "answer": row["answer"], "letters": letters,
                                 "kept": LETTERS[first]})
    elif len(set(options)) < len(options):
        report.count("rows_with_repeated_options")
    entry = grounding.get(vid)
    if not isinstance(entry, dict):
        raise RecordError(f"video {vid} is not in the gsub file", field="video_id")
    duration = parse_seconds(entry.get("duration"), "gsub.duration")
    if duration <= 0:
        raise RecordError(f"gsub duration of video {vid} must be > 0, got {entry.get('duration')!r}",
                          field="gsub.duration")
    raw_spans = (entry.get("location") or {}).get(str(qid))
    if not raw_spans or not isinstance(raw_spans, list):
        raise RecordError(f"question {vid} qid {qid} has no span in the gsub file", field="qid")
    spans, originals = [], []
    for i, sp in enumerate(raw_spans):
        span = check_span(sp, duration, field=f"gsub.location[{qid}][{i}]")
        originals.append(span)
        spans.append(clamp_span(span, duration, rec_id=rec_id, where=where, field=f"spans[{i}]", report=report))
    if spans != originals:
        meta["spans_original"] = originals
    if "fps" in entry:
        meta["fps"] = parse_seconds(entry["fps"], "gsub.fps")
    stem = vmap.get(vid, vid)
    return SampleRecord(id=rec_id, video=locator.find([stem]), duration=duration, task="grounded_qa",
                        query=question, spans=spans, options=options, answer=LETTERS[first], meta=meta,
                        raw_spans=None if spans == originals else originals)
