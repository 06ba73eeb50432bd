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
``linspace`` frames; ``videorl data relevant-frames`` computes ours into ``relevant_sample_frames``).
``duration`` is read from the video (``--video-dir``).
"""

from __future__ import annotations

import os
from typing import Any

from videorl.data.importers.common import Context, answer_letter, convert_items, need, strip_letter
from videorl.data.prepare.common import Collector
from videorl.parse import answer_block
from videorl.record import LETTERS, RecordError, SampleRecord

DATASET = "video_r1"


def video_path(item: dict[str, Any]) -> str:
    if isinstance(item.get("path"), str) and item["path"].strip():
        p = item["path"].strip()
        for prefix in ("./Evaluation/", "./"):
            if p.startswith(prefix):
                p = p[len(prefix):]
                break
        return p
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


def export_item(rec: SampleRecord) -> dict[str, Any]:
    """A Video-R1 / Video-MTR item; ``relevant_sample_frames`` is ours when computed, else the
    imported one."""
    m = rec.meta
    out: dict[str, Any] = {"problem_id": m.get("problem_id", rec.id), "problem": rec.query,
                           "problem_type": m.get("problem_type", "multiple choice" if rec.options else "free-form"),
                           "options": [f"{LETTERS[i]}. {o}" for i, o in enumerate(rec.options)],
                           "solution": f"<answer>{rec.answer}</answer>"}
    if "vid" in m and "path" not in m:
        out["vid"] = m["vid"]
    else:
        out["path"] = m.get("path", rec.video)
    if "data_source" in m:
        out["data_source"] = m["data_source"]
    rsf = m.get("relevant_sample_frames", m.get("video_mtr_relevant_sample_frames"))
    if rsf is not None:
        out["relevant_sample_frames"] = rsf
    return out
