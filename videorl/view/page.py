"""Build the viewer folder (see :mod:`videorl.view`) from scored runs.

A run is ``(name, rows)`` with rows ``(task, raw row, per-sample scores)`` as ``videorl score`` makes
them (:func:`videorl.cli.compare.load_run` reads files into that). Samples are the ids of the first
run, then those only later runs have; a record with K samples shows its first (``sample_index`` 0).

Per sample and run the page shows:

- the predicted span in video seconds (``predict.parsed_span_video``, else the scored span moved by
  the clip start), the IoU (grounding, grounded QA), correctness (``R1@0.5``, else ``accuracy`` /
  ``Acc@QA``), and the parse status (``ok``, ``fail``, or ``error`` when the video could not be used);
- the model text with the part the parser read highlighted (:func:`highlight`).

Media: the record's video (resolved with ``--video-dir`` / ``VIDEORL_VIDEO_DIR``) by a path relative
to the output folder, so the folder and the videos can move together; when the file is not there,
the frames of a frame-cache entry for that video and clip (matched by path, then by file name) are
written as small JPEGs into ``frames/``. Nothing loads until a sample is opened.

The timeline is drawn by the page as an SVG of fixed geometry, ``TIMELINE`` (a second ``t`` of an
axis ``t0 .. t1`` sits at pixel column ``left + width * (t - t0) / (t1 - t0)`` of it), which the
browser test checks on a screenshot.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

TIMELINE = {"width": 900, "left": 110, "right": 20, "track": 22, "gap": 6, "top": 8, "axis": 26}
"""Geometry of the page's timeline SVG in CSS pixels (the page reads it from ``data.js``)."""
GT_COLOUR = "#2ca02c"
RUN_COLOURS = ("#ff7f0e", "#1f77b4", "#9467bd", "#d62728", "#8c564b", "#e377c2")
IOU_BUCKETS = ((0.0, 0.0, "0"), (0.0, 0.3, "0-0.3"), (0.3, 0.5, "0.3-0.5"), (0.5, 0.7, "0.5-0.7"), (0.7, 1.0, "0.7-1"))
MAX_THUMBS = 48


def iou_bucket(iou: float | None, parse: str) -> str:
    """The table's IoU bucket: ``none`` (no span read), ``0``, ``0-0.3``, ... ``0.7-1`` (lower bound inclusive)."""
    if iou is None or parse != "ok":
        return "none"
    if iou <= 0.0:
        return "0"
    for lo, hi, name in IOU_BUCKETS[1:]:
        if lo <= iou < hi or (hi == 1.0 and iou <= 1.0):
            return name
    return "0.7-1"


def highlight(text: str, task: str, answer: str | None) -> list[int] | None:
    """``[begin, end)`` character offsets in ``text`` of the part the parser read: the span as written
    (:func:`videorl.parse.find_span` on the answer block), else the option letter; None when not found."""
    from videorl.parse import final_text
    from videorl.parse.spans import find_span

    block = final_text(text)
    offset = text.find(block) if block else -1
    if offset < 0:
        return None
    if task in ("grounding", "grounded_qa"):
        found = find_span(block)
        if found is not None:
            return [offset + found.begin, offset + found.stop]
    if answer and len(answer) == 1:
        m = re.search(rf"(?<![A-Za-z]){re.escape(answer)}(?![A-Za-z])", block)
        if m:
            return [offset + m.start(), offset + m.end()]
    return None


def _run_entry(task: str, raw: dict[str, Any], scores: dict[str, Any]) -> dict[str, Any]:
    info = raw.get("predict") or {}
    clip0 = float(raw["clip"][0]) if raw.get("clip") else 0.0
    span = info.get("parsed_span_video")
    if span is None and scores.get("parsed_span") is not None:
        span = [scores["parsed_span"][0] + clip0, scores["parsed_span"][1] + clip0]
    iou = scores["mIoU"] / 100.0 if "mIoU" in scores else None
    correct_key = next((k for k in ("R1@0.5", "accuracy", "Acc@QA") if k in scores), None)
    parse = "error" if info.get("error") else ("fail" if scores.get("parse_fail", 0.0) >= 100.0 else "ok")
    text = str(raw.get("prediction") or "")
    return {"text": text, "hl": highlight(text, task, scores.get("parsed_answer")), "span": span,
            "answer": scores.get("parsed_answer"), "iou": iou,
            "correct": None if correct_key is None else scores[correct_key] >= 100.0, "correct_metric": correct_key,
            "parse": parse, "error": info.get("error")}


def _cache_index(frame_cache: str | os.PathLike | None) -> dict[Any, Path]:
    """Frame-cache entries by ``(resolved path, clip)`` and by ``(file name, clip)``."""
    index: dict[Any, Path] = {}
    if frame_cache is None:
        return index
    from videorl.video.cache import FrameCache

    for entry in FrameCache(frame_cache).entries():
        try:
            side = json.loads((entry / "meta.json").read_text())
            path = side["key_inputs"]["file"]["path"]
            clip = side["key_inputs"]["settings"].get("clip")
        except (OSError, ValueError, KeyError):
            continue
        clip_key = None if clip is None else (round(float(clip[0]), 6), round(float(clip[1]), 6))
        index.setdefault(("path", path, clip_key), entry)
        index.setdefault(("name", Path(path).name, clip_key), entry)
    return index


def _thumbs(entry: Path, out: Path, rel: str) -> list[dict[str, Any]]:
    """Write at most :data:`MAX_THUMBS` small JPEGs of a cache entry; ``[{src, t}]``."""
    import numpy as np
    from PIL import Image

    side = json.loads((entry / "meta.json").read_text())
    times = side["meta"]["timestamps"]
    step = max(1, -(-len(times) // MAX_THUMBS))
    keep = list(range(0, len(times), step))
    frames = np.load(entry / "frames.npy", mmap_mode="r") if side["format"] == "npy" else None
    (out / rel).mkdir(parents=True, exist_ok=True)
    result = []
    for k in keep:
        img = Image.fromarray(np.asarray(frames[k])) if frames is not None else \
            Image.open(entry / side["files"][k]).convert("RGB")
        img.thumbnail((320, 240))
        name = f"{rel}/{k:05d}.jpg"
        img.save(out / name, quality=80)
        result.append({"src": name, "t": float(times[k])})
    return result


def _media(raw: dict[str, Any], out: Path, video_dir: Any, cache: dict[Any, Path], n: int,
           made: dict[Any, Any]) -> dict[str, Any]:
    from types import SimpleNamespace

    from videorl.record import resolve_video

    rec = SimpleNamespace(video=str(raw["video"]))  # resolve_video reads only the path
    path = resolve_video(rec, video_dir)
    if path.is_file():
        return {"kind": "video", "src": Path(os.path.relpath(path, out.resolve())).as_posix()}
    clip = raw.get("clip")
    clip_key = None if not clip else (round(float(clip[0]), 6), round(float(clip[1]), 6))
    entry = cache.get(("path", str(path), clip_key)) or cache.get(("name", path.name, clip_key))
    if entry is None:
        return {"kind": "none", "reason": f"video not reachable: {path}"}
    if entry not in made:
        made[entry] = _thumbs(entry, out, f"frames/{len(made):06d}")
    return {"kind": "frames", "frames": made[entry], "reason": f"video not reachable: {path}; frames from {entry}"}


def collect(runs: Sequence[tuple[str, Sequence[tuple[str, dict[str, Any], dict[str, Any]]]]], out: Path, *,
            video_dir: Any = None, frame_cache: Any = None) -> dict[str, Any]:
    """The viewer's data: ``{"runs", "timeline", "samples": [...]}`` (module docstring)."""
    firsts: list[dict[str, tuple[str, dict[str, Any], dict[str, Any]]]] = []
    order: list[str] = []
    seen: set[str] = set()
    for _, rows in runs:
        first: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {}
        for row in rows:
            rid = str(row[1]["id"])
            k = int(row[1].get("sample_index") or 0)
            if rid not in first or k < int(first[rid][1].get("sample_index") or 0):
                first[rid] = row
            if rid not in seen:
                seen.add(rid)
                order.append(rid)
        firsts.append(first)
    cache = _cache_index(frame_cache)
    made: dict[Any, Any] = {}
    media: dict[Any, dict[str, Any]] = {}  # one lookup per (video, clip): 3,720 queries share 1,334 videos
    samples = []
    for n, rid in enumerate(order):
        task, raw, _ = next(f[rid] for f in firsts if rid in f)
        clip = raw.get("clip")
        t0, t1 = (float(clip[0]), float(clip[1])) if clip else (0.0, float(raw["duration"]))
        entries = [None if rid not in f else _run_entry(*f[rid]) for f in firsts]
        key = (str(raw.get("video")), None if not clip else (float(clip[0]), float(clip[1])))
        if key not in media:
            media[key] = _media(raw, out, video_dir, cache, n, made)
        samples.append({"id": rid, "task": task, "subtask": str((raw.get("meta") or {}).get("subtask") or ""),
                        "duration": t1 - t0, "t0": t0, "t1": t1, "query": str(raw.get("query") or ""),
                        "spans": raw.get("spans") or [], "answer": raw.get("answer"),
                        "options": raw.get("options") or [], "video": str(raw.get("video")),
                        "media": media[key], "runs": entries})
    return {"runs": [name for name, _ in runs], "timeline": TIMELINE, "gt_colour": GT_COLOUR,
            "run_colours": list(RUN_COLOURS), "samples": samples}


def table_columns(data: dict[str, Any]) -> dict[str, list[Any]]:
    """The DataTable's columns: one row per sample, per-run IoU / correct / parse, and deltas to run 1."""
    cols: dict[str, list[Any]] = {"row": [], "id": [], "task": [], "subtask": [], "duration": [], "query": []}
    nruns = len(data["runs"])
    for r in range(nruns):
        for key in (f"iou{r}", f"ok{r}", f"parse{r}", f"bucket{r}"):
            cols[key] = []
        if r:
            cols[f"delta{r}"] = []
    nan = float("nan")
    for n, s in enumerate(data["samples"]):
        cols["row"].append(n)
        cols["id"].append(s["id"])
        cols["task"].append(s["task"] + (f"/{s['subtask']}" if s["subtask"] else ""))
        cols["subtask"].append(s["subtask"])
        cols["duration"].append(round(s["duration"], 3))
        cols["query"].append(s["query"][:200])
        for r, e in enumerate(s["runs"]):
            cols[f"iou{r}"].append(nan if e is None or e["iou"] is None else e["iou"])
            cols[f"ok{r}"].append("" if e is None or e["correct"] is None else ("yes" if e["correct"] else "no"))
            cols[f"parse{r}"].append("missing" if e is None else e["parse"])
            cols[f"bucket{r}"].append("missing" if e is None else iou_bucket(e["iou"], e["parse"]))
            if r:
                cols[f"delta{r}"].append(_delta(s["runs"][0], e))
    return cols


def _delta(a: dict[str, Any] | None, b: dict[str, Any] | None) -> float:
    """Run b minus run a: IoU when both have one, else correctness (1 / 0); NaN when either is missing."""
    if a is None or b is None:
        return float("nan")
    if a["iou"] is not None and b["iou"] is not None:
        return round(b["iou"] - a["iou"], 6)
    if a["correct"] is not None and b["correct"] is not None:
        return float(b["correct"]) - float(a["correct"])
    return float("nan")


def build_viewer(runs: Sequence[tuple[str, Sequence[tuple[str, dict[str, Any], dict[str, Any]]]]],
                 out_dir: str | os.PathLike, *, video_dir: Any = None, frame_cache: Any = None,
                 title: str | None = None) -> Path:
    """Write the viewer folder; returns the path of ``index.html``."""
    try:
        from bokeh.embed import file_html
        from bokeh.models import (
            CDSView,
            ColumnDataSource,
            CustomJS,
            DataTable,
            IndexFilter,
            NumberFormatter,
            StringFormatter,
            TableColumn,
        )
        from bokeh.resources import INLINE
    except ImportError as err:  # pragma: no cover - depends on the install
        raise ImportError("videorl view needs Bokeh: pip install 'videorl[view]'") from err
    from videorl.io import atomic_write

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = collect(runs, out, video_dir=video_dir, frame_cache=frame_cache)
    cols = table_columns(data)
    source = ColumnDataSource(cols, name="samples")
    flt = IndexFilter(indices=list(range(len(data["samples"]))), name="filter")
    columns = [TableColumn(field="id", title="id", width=170),
               TableColumn(field="task", title="task", width=110),
               TableColumn(field="duration", title="duration (s)", width=80, formatter=NumberFormatter(format="0.0")),
               TableColumn(field="query", title="query", width=260)]
    for r, name in enumerate(data["runs"]):
        short = name if len(name) <= 14 else name[:13] + "…"
        columns += [TableColumn(field=f"iou{r}", title=f"IoU {short}", width=80,
                                formatter=NumberFormatter(format="0.000", nan_format="–")),
                    TableColumn(field=f"ok{r}", title=f"correct {short}", width=70),
                    TableColumn(field=f"parse{r}", title=f"parse {short}", width=60,
                                formatter=StringFormatter())]
        if r:
            columns.append(TableColumn(field=f"delta{r}", title=f"Δ {short}", width=70,
                                       formatter=NumberFormatter(format="+0.000", nan_format="–")))
    table = DataTable(source=source, view=CDSView(filter=flt), columns=columns, name="table", height=330,
                      sizing_mode="stretch_width", index_position=None, selectable=True, reorderable=False)
    source.selected.js_on_change("indices", CustomJS(code="if (window.videorlSelect) window.videorlSelect(cb_obj.indices);"))
    from importlib import resources

    template = resources.files("videorl.view").joinpath("page.html.jinja").read_text(encoding="utf-8")
    n = len(data["samples"])
    page = file_html(table, resources=INLINE, title=title or f"videorl view: {', '.join(data['runs'])}",
                     template=template, template_variables={
                         "runs": data["runs"], "n": n, "tasks": sorted({s["task"] for s in data["samples"]}),
                         "subtasks": sorted({s["subtask"] for s in data["samples"] if s["subtask"]}),
                         "buckets": ["none", *[b[2] for b in IOU_BUCKETS]], "heading": html.escape(
                             title or "videorl view")})
    with atomic_write(out / "data.js") as fh:
        fh.write("window.VIDEORL = ")
        fh.write(json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False))  # C encoder
        fh.write(";\n")
    with atomic_write(out / "index.html") as fh:
        fh.write(page)
    log.info("videorl view: %d samples of %d run(s) -> %s", n, len(data["runs"]), out / "index.html")
    return out / "index.html"

