"""VersaVid-R1 / VidBridge-R1 JSONL to records.

A line: ``problem`` (the question), ``solution`` (an answer block ``<answer>...</answer>``),
``problem_type`` (``MCQA``, ``DarkEventInfer``, ``MixVidQA`` or ``caption``), ``video`` (a path;
the README says its root must be edited) or ``image`` (skipped and counted: records are videos).

Record: ``MCQA`` -> ``mcq`` (options from the problem's ``A. ...`` lines; the answer letter is the
first letter of the solution, as the reward reads it); ``DarkEventInfer`` / ``MixVidQA`` ->
``open_qa``; ``caption`` -> ``caption`` (reference in ``answer``, the problem as ``query``).
``meta.problem_type`` keeps the original type (the VersaVid rewards dispatch on it). ``duration``
is read from the video (``--video-dir``).
"""

from __future__ import annotations

import os
from typing import Any

from videorl.data.importers.common import Context, answer_letter, convert_items, need, split_options
from videorl.data.prepare.common import Collector
from videorl.parse import answer_block
from videorl.record import LETTERS, RecordError, SampleRecord

DATASET = "versavid"
TYPES = {"MCQA": "mcq", "DarkEventInfer": "open_qa", "MixVidQA": "open_qa", "caption": "caption"}


def convert(path: str | os.PathLike, *, split: str = "train", video_dir: str | os.PathLike | None = None,
            skip_invalid: bool = False) -> Collector:
    # counted once per item, by its problem_type (MCQA, DarkEventInfer, MixVidQA, caption)
    return convert_items(path, DATASET, split, video_dir, skip_invalid, _one,
                         count_key=lambda r: r.meta["problem_type"])


def _one(ctx: Context, n: int, item: Any) -> SampleRecord:
    problem, solution = need(item, "problem"), need(item, "solution")
    ptype = need(item, "problem_type")
    if ptype not in TYPES:
        raise RecordError(f"must be one of {sorted(TYPES)}, got {ptype!r}", field="problem_type")
    video = need(item, "video")
    answer = answer_block(solution)
    if not answer:
        raise RecordError("is empty", field="solution")
    common = {"id": f"{DATASET}/{ctx.split}/{n}", "video": video, "duration": ctx.durations.get(video),
              "meta": {**ctx.meta(), "problem_type": ptype}}
    if TYPES[ptype] != "mcq":
        return SampleRecord(task=TYPES[ptype], query=problem.strip(), answer=answer, **common)
    query, options = split_options(problem)
    if not options:
        raise RecordError("an MCQA problem needs option lines 'A. ...'", field="problem")
    letter = answer_letter(answer, len(options))
    if letter is None:
        raise RecordError(f"the answer {answer!r} is not one of the option letters "
                          f"{list(LETTERS[:len(options)])}", field="solution")
    return SampleRecord(task="mcq", query=query, options=options, answer=letter, **common)


def export_item(rec: SampleRecord) -> dict[str, Any]:
    """A VersaVid-R1 line. The problem type is the record's ``meta.problem_type`` when it has one
    (DarkEventInfer and MixVidQA records from ``videorl data darkevent / mixvidqa`` do)."""
    ptype = rec.meta.get("problem_type") or {"mcq": "MCQA", "caption": "caption"}.get(rec.task)
    if ptype not in TYPES:
        raise RecordError(f"task {rec.task!r} has no VersaVid problem type (give meta.problem_type)", field="task")
    problem = rec.query + "".join(f"\n{LETTERS[i]}. {o}" for i, o in enumerate(rec.options))
    return {"problem": problem, "solution": f"<answer>{rec.answer}</answer>", "problem_type": ptype,
            "video": rec.video}
