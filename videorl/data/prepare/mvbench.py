"""MVBench (HF dataset ``OpenGVLab/MVBench``): 20 multiple-choice subtasks to ``mcq`` records.

Layout of a downloaded snapshot (``--root``), as the dataset card and the official evaluation
notebook (``video_chat2/mvbench.ipynb`` in OpenGVLab/Ask-Anything) use it::

    ROOT/json/<subtask>.json      [{"video", "question", "candidates", "answer", ["start", "end"]}, ...]
    ROOT/video/<prefix>/<video>   a video file, or (Episodic Reasoning) a folder of JPEG frames

:data:`SUBTASKS` is the official table (subtask -> json file, video prefix folder, data type,
whether the item's ``start``/``end`` bound is used). Videos are also looked up under
``ROOT/<prefix>`` when ``ROOT/video`` does not exist.

Records (one file, ``mvbench/test.jsonl``):

- ``id`` = ``mvbench/<subtask key>/<index in the json list>``; ``meta.subtask`` = the key
  (json file stem, e.g. ``action_sequence``), ``meta.subtask_name`` = the official name;
- ``options`` = ``candidates``; ``answer`` = letter of the candidate equal to ``answer`` (exact
  match, as the official notebook does; several equal candidates: the first is kept and the
  record is listed as ambiguous);
- ``video`` = ``<prefix>/<video>``, relative to ``ROOT/video`` (pass that as ``--video-dir`` /
  ``VIDEORL_VIDEO_DIR`` to consumers);
- ``duration``: probed from the file with PyAV (frames / average fps, else the stream or
  container duration); for frame folders (``data_type`` ``frame``) the number of ``*.jpg`` files
  divided by :data:`FRAME_FOLDER_FPS` (3: the folders are ``tvqa/frames_fps3_hq``, and the
  notebook reads them with ``fps=3``); GIFs are probed like videos;
- ``clip`` = ``[start, end]`` for the five bound subtasks, clamped to the duration (reported).

A video that is missing or cannot be probed leaves the item without a duration: it is rejected
(error, or skipped and reported with ``skip_invalid``), and listed under ``missing_videos``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from tqdm import tqdm

from videorl.data.prepare.common import (
    Collector,
    clamp_span,
    clean_text,
    load_json,
    option_letter,
    parse_seconds,
)
from videorl.data.report import PrepareReport
from videorl.record import LETTERS, RecordError, SampleRecord

DATASET = "mvbench"
FRAME_FOLDER_FPS = 3.0


class Subtask(NamedTuple):
    name: str
    json_file: str
    prefix: str
    data_type: str  # "video" | "frame" | "gif"
    bound: bool

    @property
    def key(self) -> str:
        return self.json_file.removesuffix(".json")


# The official table (name, json file, video prefix, data type, uses start/end).
SUBTASKS: tuple[Subtask, ...] = tuple(Subtask(*row) for row in (
    ("Action Sequence", "action_sequence.json", "star/Charades_v1_480", "video", True),
    ("Action Prediction", "action_prediction.json", "star/Charades_v1_480", "video", True),
    ("Action Antonym", "action_antonym.json", "ssv2_video", "video", False),
    ("Fine-grained Action", "fine_grained_action.json", "Moments_in_Time_Raw/videos", "video", False),
    ("Unexpected Action", "unexpected_action.json", "FunQA_test/test", "video", False),
    ("Object Existence", "object_existence.json", "clevrer/video_validation", "video", False),
    ("Object Interaction", "object_interaction.json", "star/Charades_v1_480", "video", True),
    ("Object Shuffle", "object_shuffle.json", "perception/videos", "video", False),
    ("Moving Direction", "moving_direction.json", "clevrer/video_validation", "video", False),
    ("Action Localization", "action_localization.json", "sta/sta_video", "video", True),
    ("Scene Transition", "scene_transition.json", "scene_qa/video", "video", False),
    ("Action Count", "action_count.json", "perception/videos", "video", False),
    ("Moving Count", "moving_count.json", "clevrer/video_validation", "video", False),
    ("Moving Attribute", "moving_attribute.json", "clevrer/video_validation", "video", False),
    ("State Change", "state_change.json", "perception/videos", "video", False),
    ("Fine-grained Pose", "fine_grained_pose.json", "nturgbd", "video", False),
    ("Character Order", "character_order.json", "perception/videos", "video", False),
    ("Egocentric Navigation", "egocentric_navigation.json", "vlnqa", "video", False),
    ("Episodic Reasoning", "episodic_reasoning.json", "tvqa/frames_fps3_hq", "frame", True),
    ("Counterfactual Inference", "counterfactual_inference.json", "clevrer/video_validation", "video", False),
))
SUBTASK_KEYS = tuple(s.key for s in SUBTASKS)


def probe_duration(path: str | os.PathLike) -> float:
    """Duration in seconds of a video file: ``frames / average_fps`` when the stream states both,
    else the stream duration, else the container duration. Raises RecordError when unreadable."""
    import av  # heavy: imported only when MVBench is prepared

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise RecordError(f"{path} has no video stream", field="video")
            st = container.streams.video[0]
            if st.frames and st.average_rate:
                return float(st.frames / st.average_rate)
            if st.duration and st.time_base:
                return float(st.duration * st.time_base)
            if container.duration:
                return container.duration / 1_000_000
            # Last resort: count decoded frames.
            n = sum(1 for _ in container.decode(st))
            rate = st.average_rate or st.guessed_rate
            if n and rate:
                return float(n / rate)
    except RecordError:
        raise
    except Exception as exc:  # PyAV raises many types (InvalidDataError, OSError, ...)
        raise RecordError(f"cannot read video {path}: {exc}", field="video") from None
    raise RecordError(f"cannot tell the duration of {path}", field="video")


def frame_folder_duration(path: Path) -> float:
    n = sum(1 for p in path.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    if n == 0:
        raise RecordError(f"frame folder {path} holds no .jpg frames", field="video")
    return n / FRAME_FOLDER_FPS


def convert(root: str | os.PathLike, *, subtasks: Iterable[str] | None = None, split: str = "test",
            skip_invalid: bool = False) -> Collector:
    """Read an MVBench snapshot into records (see the module docstring)."""
    base = Path(root).expanduser()
    if not (base / "json").is_dir():
        raise RecordError("no json/ folder: expected an OpenGVLab/MVBench snapshot", path=base)
    video_root = base / "video" if (base / "video").is_dir() else base
    wanted = list(SUBTASK_KEYS if subtasks is None else subtasks)
    unknown = [k for k in wanted if k not in SUBTASK_KEYS]
    if unknown:
        raise ValueError(f"unknown MVBench subtask(s) {unknown}; known: {list(SUBTASK_KEYS)}")
    report = PrepareReport(DATASET, split, sources={"root": str(root)}, video_dir=str(video_root))
    col = Collector(report, skip_invalid=skip_invalid)
    durations: dict[str, float | RecordError] = {}
    for sub in SUBTASKS:
        if sub.key not in wanted:
            continue
        path = base / "json" / sub.json_file
        if not path.exists():
            col.fail(RecordError("subtask file not found", path=path))
            report.count("subtask_files_missing")
            continue
        items, text = load_json(path)
        if not isinstance(items, list):
            raise RecordError("must be a JSON list of questions", path=path, line=1)
        lines = _item_lines(text, len(items))
        before = len(col.records)
        for i, item in enumerate(tqdm(items, desc=f"mvbench {sub.key}", unit="q", leave=False, disable=None)):
            line = lines[i] if i < len(lines) else 1
            try:
                rec = _record(sub, i, item, video_root, durations, report, f"{path}:{line}")
                col.add(rec, f"{path}:{line}")
            except RecordError as err:
                col.fail(err.at(path, line))
        report.counts[f"subtask.{sub.key}"] = len(col.records) - before
    report.counts["videos"] = len({r.video for r in col.records})
    report.records = len(col.records)
    return col


def _item_lines(text: str, n: int) -> list[int]:
    """Line of each list item: the line of its ``"video":`` key in pretty-printed files. Single-line
    files, or files where the count does not match (odd spellings), give [] (line 1 is used)."""
    if text.count("\n") <= 1:
        return []
    out, pos, line = [], 0, 1
    while True:
        i = text.find('"video":', pos)
        if i < 0:
            break
        line += text.count("\n", pos, i)
        out.append(line)
        pos = i + 1
    return out if len(out) == n else []


def _record(sub: Subtask, i: int, item: object, video_root: Path, durations: dict[str, float | RecordError],
            report: PrepareReport, where: str) -> SampleRecord:
    if not isinstance(item, dict):
        raise RecordError(f"must be an object, got {type(item).__name__}", field=f"[{i}]")
    for name in ("video", "question", "candidates", "answer"):
        if name not in item:
            raise RecordError("is required", field=name)
    if not isinstance(item["video"], str) or not item["video"].strip():
        raise RecordError(f"must be a file name, got {item['video']!r}", field="video")
    question, _ = clean_text(item["question"], "question")
    cands = item["candidates"]
    if not isinstance(cands, list) or len(cands) < 2 or not all(isinstance(c, str) for c in cands):
        raise RecordError(f"must be a list of at least 2 strings, got {cands!r}", field="candidates")
    if not isinstance(item["answer"], str):
        raise RecordError(f"must be the text of a candidate, got {item['answer']!r}", field="answer")
    first, hits = option_letter(item["answer"], cands)
    rec_id = f"{DATASET}/{sub.key}/{i}"
    video = f"{sub.prefix}/{item['video']}"
    duration = _duration(video_root / video, sub.data_type, durations, report, video)
    meta: dict[str, object] = {"dataset": DATASET, "subtask": sub.key, "subtask_name": sub.name,
                               "data_type": sub.data_type, "index": i, "answer_text": item["answer"]}
    if sub.data_type == "frame":
        meta["frame_fps"] = FRAME_FOLDER_FPS
    if len(hits) > 1:
        letters = [LETTERS[h] for h in hits]
        meta["ambiguous_letters"] = letters
        report.ambiguous.append({"id": rec_id, "where": where, "answer": item["answer"], "letters": letters,
                                 "kept": LETTERS[first]})
    clip = None
    if sub.bound:
        if "start" not in item or "end" not in item:
            raise RecordError(f"subtask {sub.name!r} needs 'start' and 'end'", field="start")
        s, e = parse_seconds(item["start"], "start"), parse_seconds(item["end"], "end")
        if not e > s or e <= 0 or s >= duration:
            raise RecordError(f"bound [{s}, {e}] is empty or outside the video (duration {duration:.3f} s)",
                              field="start")
        clip = clamp_span([s, e], duration, rec_id=rec_id, where=where, field="clip", report=report)
        if clip != [s, e]:
            meta["clip_original"] = [s, e]
    return SampleRecord(id=rec_id, video=video, duration=duration, task="mcq", query=question, options=list(cands),
                        answer=LETTERS[first], clip=clip, meta=meta)


def _duration(path: Path, data_type: str, cache: dict[str, float | RecordError], report: PrepareReport,
              video: str) -> float:
    key = str(path)
    if key not in cache:
        try:
            if not path.exists():
                report.missing_videos.append({"video": video, "looked_for": [key]})
                raise RecordError(f"video not found: {path} (its duration is needed)", field="video")
            cache[key] = frame_folder_duration(path) if data_type == "frame" else probe_duration(path)
        except RecordError as err:
            cache[key] = err
    got = cache[key]
    if isinstance(got, RecordError):
        raise got
    return got
