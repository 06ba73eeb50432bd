"""The reward target: what a reward needs to know about one sample, as a small JSON object.

EasyR1 passes a reward function only ``response``, ``response_length`` and ``ground_truth`` (the
dataset's answer column), so everything a reward needs travels in that column. ``videorl data
export easyr1`` writes :func:`make_target` as a JSON string there; verl gets the same object as
``ground_truth`` and TRL as a dataset column. Rewards read it back with :func:`parse_target`.

Fields (times on the model's clock, in seconds; see ``videorl.record``)::

    {"v": 1, "id": "charades_sta/test/0", "task": "grounding", "duration": 30.96,
     "spans": [[24.3, 30.4]], "options": [], "answer": null}
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from videorl.record import LETTERS, TASKS, SampleRecord

TARGET_VERSION = 1


class TargetError(ValueError):
    """A reward target is malformed: a configuration error in the data, not a model failure."""


@dataclass(frozen=True)
class Target:
    task: str
    duration: float
    spans: tuple[tuple[float, float], ...] = ()
    options: tuple[str, ...] = ()
    answer: str | None = None
    id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"v": TARGET_VERSION, "id": self.id, "task": self.task, "duration": self.duration,
                             "spans": [list(s) for s in self.spans], "options": list(self.options),
                             "answer": self.answer}
        d.update(self.extra)
        return d


def make_target(record: SampleRecord) -> dict[str, Any]:
    """The target of a record, on the model's clock (clip-relative when the record has a clip)."""
    return Target(task=record.task, duration=record.view_duration,
                  spans=tuple((s, e) for s, e in record.view_spans()), options=tuple(record.options),
                  answer=record.answer, id=record.id).to_dict()


def dumps_target(record: SampleRecord) -> str:
    return json.dumps(make_target(record), ensure_ascii=False, separators=(",", ":"))


def parse_target(obj: Any) -> Target:
    """Read a target from a JSON string, a dict, or a 1-element sequence/array holding one.

    Raises :class:`TargetError` with the reason when it is malformed.
    """
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):
        obj = obj.tolist()  # numpy scalars/arrays as they arrive from EasyR1's object columns
    if isinstance(obj, bytes):
        obj = obj.decode("utf-8", errors="replace")
    if isinstance(obj, str):
        try:
            obj = json.loads(obj)
        except json.JSONDecodeError as exc:
            snippet = obj[:80] + ("..." if len(obj) > 80 else "")
            raise TargetError(f"ground truth is not videorl target JSON ({exc.msg}): {snippet!r}") from None
    if type(obj) is not dict and isinstance(obj, Sequence) and not isinstance(obj, (str, Mapping)) and len(obj) == 1:
        return parse_target(obj[0])
    if type(obj) is not dict and not isinstance(obj, Mapping):
        raise TargetError(f"ground truth must be a JSON object, got {type(obj).__name__}")
    task = obj.get("task")
    if task not in TASKS:
        raise TargetError(f"target 'task' must be one of {list(TASKS)}, got {task!r}")
    duration = obj.get("duration")
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not math.isfinite(duration) \
            or duration <= 0:
        raise TargetError(f"target 'duration' must be a positive number, got {duration!r}")
    spans = []
    for sp in obj.get("spans") or []:
        # type() checks first: the usual JSON lists of floats skip the slower abstract-class checks
        if not (type(sp) is list and len(sp) == 2 and type(sp[0]) is float and type(sp[1]) is float):
            if (not isinstance(sp, Sequence) or len(sp) != 2
                    or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in sp)):
                raise TargetError(f"target span must be [start, end] numbers, got {sp!r}")
        s, e = float(sp[0]), float(sp[1])
        if not (math.isfinite(s) and math.isfinite(e)) or s < 0 or e <= s:
            raise TargetError(f"target span must satisfy 0 <= start < end, got {sp!r}")
        spans.append((s, e))
    options = obj.get("options") or []
    if type(options) is not list and not isinstance(options, Sequence) or not all(isinstance(o, str) for o in options):
        raise TargetError(f"target 'options' must be a list of strings, got {options!r}")
    answer = obj.get("answer")
    if answer is not None and not isinstance(answer, str):
        raise TargetError(f"target 'answer' must be a string or null, got {answer!r}")
    if task in ("grounding", "grounded_qa") and not spans:
        raise TargetError(f"a {task} target needs at least one span")
    if task in ("mcq", "grounded_qa") and (answer is None or answer not in LETTERS[: len(options)]):
        raise TargetError(f"a {task} target needs 'answer' to be one of the option letters "
                          f"{list(LETTERS[: len(options)])}, got {answer!r}")
    known = {"v", "id", "task", "duration", "spans", "options", "answer"}
    extra = {k: v for k, v in obj.items() if k not in known}
    return Target(task=task, duration=float(duration), spans=tuple(spans), options=tuple(options),
                  answer=answer, id=obj.get("id"), extra=extra)
