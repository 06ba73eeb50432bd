"""Video-R1 / Video-MTR JSON (a list of items) to records.

An item: ``problem`` (or ``query``, Video-MTR's fallback), ``problem_type`` (``multiple choice``,
``numerical``, ``free-form``, ``OCR``, ``regression``), ``options`` (``["A. ...", ...]``),
``solution`` (``<answer>B</answer>``), ``path`` (Video-R1 style ``./...``; a leading ``./`` and
``./Evaluation/`` are removed, as Video-MTR does) or ``vid`` (QVHighlights: ``videos/<vid>.mp4``),
optional ``data_type`` (``image`` items are skipped), ``problem_id``, ``data_source``,
``relevant_sample_frames``.

Record: ``mcq`` when there are options (letters stripped from the option texts), else ``open_qa``.
``meta`` keeps ``problem_type``, ``problem_id``, ``data_source``, ``path``/``vid`` and Video-MTR's own
``relevant_sample_frames`` as ``video_mtr_relevant_sample_frames`` (they index Video-MTR's
``linspace`` frames, the same field ``videorl data relevant-frames`` writes; the export writes it back as
``relevant_sample_frames``).
``duration`` is read from the video (``--video-dir``).
"""

from __future__ import annotations

import os
import posixpath
from typing import Any

from videorl.data.importers.common import Context, answer_letter, convert_items, need, strip_letter
from videorl.data.prepare.common import Collector
from videorl.parse import answer_block
from videorl.record import LETTERS, RecordError, SampleRecord

DATASET = "video_r1"


def video_path(item: dict[str, Any]) -> str:
    if isinstance(item.get("path"), str) and item["path"].strip():
        p = item["path"].strip()
        # Video-MTR's rule: cut "./Evaluation" when the path starts with it, else the first character
        if p.startswith("./Evaluation"):
            p = p[len("./Evaluation"):]
        elif p.startswith("."):
            p = p[1:]
        return posixpath.normpath(p.lstrip("/"))
    if isinstance(item.get("vid"), str) and item["vid"].strip():
        return f"videos/{item['vid'].strip()}.mp4"
    raise RecordError("needs 'path' or 'vid'", field="path")


def convert(path: str | os.PathLike, *, split: str = "train", video_dir: str | os.PathLike | None = None,
            skip_invalid: bool = False) -> Collector:
    return convert_items(path, DATASET, split, video_dir, skip_invalid, _one)


def _one(ctx: Context, n: int, item: Any) -> SampleRecord:
    problem = item.get("problem") if isinstance(item, dict) and item.get("problem") else need(item, "query")
    if not isinstance(problem, str):
        raise RecordError(f"must be a string, got {problem!r}", field="problem")
    solution = need(item, "solution")
    video = video_path(item)
    options = item.get("options") or []
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise RecordError(f"must be a list of strings, got {options!r}", field="options")
    answer = answer_block(solution)
    meta = {**ctx.meta(), **{k: item[k] for k in ("problem_type", "problem_id", "data_source", "path", "vid")
                             if k in item}}
    if "relevant_sample_frames" in item:
        meta["video_mtr_relevant_sample_frames"] = item["relevant_sample_frames"]
    if problem != problem.strip():  # kept for the way back: Video-R1 puts "Options:" right after it
        meta["problem"] = problem
    pid = item.get("problem_id")
    common = {"id": f"{DATASET}/{ctx.split}/{pid if pid is not None else n}", "video": video,
              "duration": ctx.durations.get(video), "meta": meta}
    if not options:
        if not answer:
            raise RecordError("is empty", field="solution")
        return SampleRecord(task="open_qa", query=problem.strip(), answer=answer, **common)
    letter = answer_letter(answer, len(options))
    if letter is None:
        raise RecordError(f"the answer {answer!r} is not one of the option letters "
                          f"{list(LETTERS[:len(options)])}", field="solution")
    return SampleRecord(task="mcq", query=problem.strip(), options=[strip_letter(o, i) for i, o in enumerate(options)],
                        answer=letter, **common)


RELEVANT_FRAMES_COMMAND = "videorl data relevant-frames RECORDS.jsonl --video-dir VIDEOS --out RECORDS.rf.jsonl"
"""The command that writes ``meta.video_mtr_relevant_sample_frames`` (named in the export's error)."""

TYPE_OF_TASK = {"mcq": "multiple choice", "grounded_qa": "multiple choice", "open_qa": "free-form",
                "caption": "free-form"}
"""``problem_type`` of a record without one in ``meta`` (keys of Video-R1's per-type answer instruction)."""


def upstream_path(rec: SampleRecord) -> str:
    """The ``path`` both upstreams read: ``./`` + the record's video path (relative to the video folder).

    Video-R1's trainer opens ``<cwd>/Video-R1-data + path[1:]`` and Video-MTR's environment
    ``data_root + path[1:]`` (``./Evaluation`` is cut instead when the path starts with it), so the
    first character is always dropped: a path without ``./`` would lose its first letter. With the
    video folder as their data root, both open the record's own video. (An imported
    ``./Evaluation/...`` path is not written back: the importer removed that prefix, as Video-MTR
    does, and Video-R1's trainer would not remove it.) A video under a folder whose name starts with
    ``Evaluation`` is written ``././Evaluation...``: Video-MTR would cut ``./Evaluation`` from
    ``./Evaluation...``; this way both open ``<root>/./Evaluation...``, the record's video.
    """
    p = rec.video
    if p.startswith("/") or (len(p) > 1 and p[1] == ":"):
        raise RecordError(f"the video path {p!r} is absolute; Video-R1 and Video-MTR join the path to their data "
                          "root, so give records with paths relative to the video folder", field="video")
    p = "./" + posixpath.normpath(p)
    return "./" + p if p.startswith("./Evaluation") else p


def consistent_ids(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Make ``problem_id`` one JSON type across a file: all strings when the items mix numbers
    (imported ids) and strings (our ids). Video-R1 loads the file with ``datasets``, whose JSON
    reader stops at a column that changes type."""
    kinds = {type(it.get("problem_id")) for it in items}
    if len(kinds) > 1:
        for it in items:
            it["problem_id"] = str(it["problem_id"])
    return items


def export_item(rec: SampleRecord, *, require_relevant_frames: bool = True) -> dict[str, Any]:
    """A Video-R1 / Video-MTR item (both upstreams' dataset code loads it, see docs/data.md).

    ``data_type`` is ``"video"``, ``path`` starts with ``./`` (:func:`upstream_path`; a ``vid`` is
    kept beside it). ``relevant_sample_frames`` is Video-MTR's own linspace-index rule,
    ``meta.video_mtr_relevant_sample_frames`` (written by ``videorl data relevant-frames``, or
    imported from a Video-MTR file); without it the record is an error naming that command, unless
    ``require_relevant_frames`` is False (Video-R1 does not read the field; Video-MTR's frame
    reward is 0 without it).
    """
    if rec.answer is None or rec.task == "grounding":
        raise RecordError(f"a {rec.task!r} record has no answer; Video-R1 items are questions with an answer "
                          "(mcq, grounded_qa, open_qa, caption)", field="task")
    m = rec.meta
    ptype = m.get("problem_type") or TYPE_OF_TASK[rec.task]
    problem = m["problem"] if isinstance(m.get("problem"), str) and m["problem"].strip() == rec.query else rec.query
    out: dict[str, Any] = {"problem_id": m.get("problem_id", rec.id), "problem": problem,
                           "data_type": "video", "problem_type": ptype,
                           "options": [f"{LETTERS[i]}. {o}" for i, o in enumerate(rec.options)],
                           "solution": f"<answer>{rec.answer}</answer>", "path": upstream_path(rec)}
    if "vid" in m:
        out["vid"] = m["vid"]
    if "data_source" in m:
        out["data_source"] = m["data_source"]
    rsf = m.get("video_mtr_relevant_sample_frames")
    if rsf is not None:
        if not isinstance(rsf, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in rsf):
            raise RecordError(f"must be a list of frame indices, got {rsf!r}", field="meta.video_mtr_relevant_sample_frames")
        out["relevant_sample_frames"] = rsf
    elif require_relevant_frames:
        raise RecordError(f"record {rec.id!r} has no meta.video_mtr_relevant_sample_frames (Video-MTR's own "
                          f"linspace frame indices); make them with `{RELEVANT_FRAMES_COMMAND}` first, or pass "
                          "--without-relevant-frames (Video-R1 does not read them)",
                          field="meta.video_mtr_relevant_sample_frames")
    return out
