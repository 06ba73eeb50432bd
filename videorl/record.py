"""The sample record: one JSONL schema used by every part of videorl.

A record is one question about one video. Converters (``videorl data prepare``) write records,
exporters turn them into host formats, lmms-eval tasks read them, rewards receive their targets and
``videorl score`` scores predictions made on them.

Time convention
---------------
``spans`` and ``clip`` are in float seconds counted from the first decoded frame of the video file
(``frame_index / average_fps``, see ``videorl.video``). When ``clip`` is set, the model sees only
that part of the video, and *model time* (what prompts state and what the model answers) is counted
from the clip's start: :meth:`SampleRecord.view_spans` and :meth:`SampleRecord.view_duration` give
the spans and duration on that clock, :meth:`SampleRecord.to_video_time` maps a predicted span back.

Example line::

    {"id": "charades_sta/test/0", "video": "3MSZA.mp4", "duration": 30.96, "task": "grounding",
     "query": "person turn a light on.", "spans": [[24.3, 30.4]], "options": [], "answer": null,
     "meta": {"dataset": "charades_sta"}, "schema_version": 1}
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

TASKS = ("grounding", "mcq", "grounded_qa", "open_qa", "caption")
"""Allowed values of ``task``.

- ``grounding``: find the span(s) of ``query``; needs ``spans``.
- ``mcq``: multiple choice; needs ``options`` (>= 2) and ``answer`` (a letter).
- ``grounded_qa``: multiple choice plus the span that supports the answer (NExT-GQA); needs both.
- ``open_qa``: free-form answer text in ``answer``.
- ``caption``: describe the video (or ``clip``); reference text in ``answer``.
"""

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# Fields a predictions file may add to a record (see ``videorl score``).
PREDICTION_FIELDS = ("prediction", "prediction_span", "prediction_answer")
# Fields ``videorl predict`` adds beside the prediction: which of K samples the line is (K lines share
# the record's id) and what the model was given and saw (see ``videorl.predict.core``).
PREDICT_FIELDS = ("sample_index", "predict")

# Spans may end past the duration by float noise only; larger overshoots are rejected here and must
# be clamped on purpose (and reported) by the converter that produced them.
SPAN_TOLERANCE = 1e-3


class RecordError(ValueError):
    """A record is invalid. The message names the file, the line and the field."""

    def __init__(self, message: str, *, path: str | os.PathLike | None = None, line: int | None = None,
                 field: str | None = None):
        self.path = None if path is None else str(path)
        self.line = line
        self.field = field
        self.reason = message
        if self.path is not None and line is not None:
            prefix = f"{self.path}:{line}"  # the file:line form editors and terminals link to
        elif self.path is not None:
            prefix = self.path
        elif line is not None:
            prefix = f"line {line}"
        else:
            prefix = ""
        fld = f"field '{field}': " if field else ""
        super().__init__(f"{prefix + ': ' if prefix else ''}{fld}{message}")

    def at(self, path: str | os.PathLike | None, line: int | None) -> RecordError:
        """The same error, placed at ``path``:``line``."""
        return RecordError(self.reason, path=path, line=line, field=self.field)


@dataclass
class SampleRecord:
    """One question about one video (see the module docstring for the time convention)."""

    id: str
    """Unique id within a data file, e.g. ``"charades_sta/test/17"``."""
    video: str
    """Path of the video file. Relative paths are resolved against a video folder
    (``--video-dir`` or ``VIDEORL_VIDEO_DIR``); see :func:`resolve_video`."""
    duration: float
    """Duration of the video file in seconds (> 0)."""
    task: str
    """One of :data:`TASKS`."""
    query: str = ""
    """The sentence to ground, or the question."""
    spans: list[list[float]] = field(default_factory=list)
    """Ground-truth spans ``[[start, end], ...]`` in video seconds, ``0 <= start < end <= duration``."""
    options: list[str] = field(default_factory=list)
    """Option texts for ``mcq`` / ``grounded_qa``, without letters; option i has letter ``LETTERS[i]``."""
    answer: str | None = None
    """The option letter for ``mcq`` / ``grounded_qa``; the reference text for ``open_qa`` / ``caption``."""
    clip: list[float] | None = None
    """Optional ``[start, end]`` trim in video seconds: the model sees only this part."""
    meta: dict[str, Any] = field(default_factory=dict)
    """Free-form extra information (dataset, split, original ids, question type, ...)."""
    schema_version: int = SCHEMA_VERSION
    """Version of this schema."""
    raw_spans: list[list[float]] | None = None
    """The ground-truth spans exactly as the annotation file gives them (video seconds), when they
    differ from ``spans`` (an end past the duration, a start below 0). Any finite numbers: unlike
    ``spans`` they are not checked against the duration. The official protocols
    (``videorl.scoring.official``) score against them; training and our default metrics use ``spans``.
    Absent (None) when the file's spans are the same as ``spans``."""

    # ------------------------------------------------------------------ views on model time
    @property
    def view_offset(self) -> float:
        """Seconds between video time and model time (the clip start, or 0)."""
        return float(self.clip[0]) if self.clip else 0.0

    @property
    def view_duration(self) -> float:
        """Duration of what the model sees, in seconds."""
        if self.clip:
            return float(self.clip[1]) - float(self.clip[0])
        return float(self.duration)

    def view_spans(self) -> list[list[float]]:
        """Ground-truth spans on the model's clock, cut to the clip when one is set."""
        if not self.clip:
            return [[float(s), float(e)] for s, e in self.spans]
        c0, c1 = float(self.clip[0]), float(self.clip[1])
        out = []
        for s, e in self.spans:
            s2, e2 = max(float(s), c0) - c0, min(float(e), c1) - c0
            if e2 > s2:
                out.append([s2, e2])
        return out

    def to_video_time(self, span: Sequence[float]) -> list[float]:
        """Map a span on the model's clock back to video seconds."""
        off = self.view_offset
        return [float(span[0]) + off, float(span[1]) + off]

    def answer_index(self) -> int | None:
        """Index of the correct option, or None when the task has no options."""
        if self.answer is None or not self.options:
            return None
        return LETTERS.index(self.answer)

    # ------------------------------------------------------------------ (de)serialisation
    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "video": self.video,
            "duration": self.duration,
            "task": self.task,
            "query": self.query,
            "spans": [list(map(float, s)) for s in self.spans],
            "options": list(self.options),
            "answer": self.answer,
        }
        if self.clip is not None:
            d["clip"] = [float(self.clip[0]), float(self.clip[1])]
        if self.raw_spans is not None:
            d["raw_spans"] = [[float(s), float(e)] for s, e in self.raw_spans]
        d["meta"] = dict(self.meta)
        d["schema_version"] = self.schema_version
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, allow_extra: Iterable[str] = ()) -> SampleRecord:
        """Build and validate a record. Raises :class:`RecordError` naming the field.

        ``allow_extra`` names additional top-level keys to accept and ignore (for example the
        prediction fields of a predictions file); any other unknown key is an error, so that a typo
        such as ``"span"`` for ``"spans"`` is never silently dropped.
        """
        if not isinstance(data, Mapping):
            raise RecordError(f"a record must be a JSON object, got {type(data).__name__}")
        known = {"id", "video", "duration", "task", "query", "spans", "options", "answer", "clip", "meta",
                 "schema_version", "raw_spans"}
        extra = set(data) - known - set(allow_extra)
        if extra:
            raise RecordError(f"unknown field(s) {sorted(extra)}; known fields are {sorted(known)}",
                              field=sorted(extra)[0])
        for req in ("id", "video", "duration", "task"):
            if req not in data:
                raise RecordError("is required", field=req)
        rec = cls(
            id=data["id"],
            video=data["video"],
            duration=data["duration"],
            task=data["task"],
            query=data.get("query", ""),
            spans=data.get("spans") or [],
            options=data.get("options") or [],
            answer=data.get("answer"),
            clip=data.get("clip"),
            meta=data.get("meta") if data.get("meta") is not None else {},
            schema_version=data.get("schema_version", SCHEMA_VERSION),
            raw_spans=data.get("raw_spans"),
        )
        rec.validate()
        return rec

    # ------------------------------------------------------------------ validation
    def validate(self) -> SampleRecord:
        """Check every field; normalise numbers to float. Returns self."""
        if not isinstance(self.id, str) or not self.id:
            raise RecordError(f"must be a non-empty string, got {self.id!r}", field="id")
        if not isinstance(self.video, str) or not self.video.strip():
            raise RecordError(f"must be a non-empty path string, got {self.video!r}", field="video")
        self.duration = _number(self.duration, "duration")
        if self.duration <= 0:
            raise RecordError(f"must be > 0 seconds, got {self.duration!r}", field="duration")
        if self.task not in TASKS:
            raise RecordError(f"must be one of {list(TASKS)}, got {self.task!r}", field="task")
        if not isinstance(self.query, str):
            raise RecordError(f"must be a string, got {type(self.query).__name__}", field="query")
        if self.schema_version != SCHEMA_VERSION:
            raise RecordError(f"unsupported schema version {self.schema_version!r} (this videorl reads "
                              f"{SCHEMA_VERSION})", field="schema_version")
        if not isinstance(self.meta, dict):
            raise RecordError(f"must be an object, got {type(self.meta).__name__}", field="meta")

        # spans
        if not isinstance(self.spans, (list, tuple)):
            raise RecordError(f"must be a list of [start, end], got {self.spans!r}", field="spans")
        spans = []
        for i, sp in enumerate(self.spans):
            spans.append(_span(sp, f"spans[{i}]", self.duration))
        self.spans = spans

        # raw_spans: as the annotation file gives them; only their shape is checked
        if self.raw_spans is not None:
            if not isinstance(self.raw_spans, (list, tuple)) or not self.raw_spans:
                raise RecordError(f"must be a non-empty list of [start, end] or null, got {self.raw_spans!r}",
                                  field="raw_spans")
            raw = []
            for i, sp in enumerate(self.raw_spans):
                if not isinstance(sp, (list, tuple)) or len(sp) != 2:
                    raise RecordError(f"must be [start, end], got {sp!r}", field=f"raw_spans[{i}]")
                raw.append([_number(sp[0], f"raw_spans[{i}]"), _number(sp[1], f"raw_spans[{i}]")])
            self.raw_spans = raw

        # clip
        if self.clip is not None:
            self.clip = _span(self.clip, "clip", self.duration)

        # options / answer
        if not isinstance(self.options, (list, tuple)) or not all(isinstance(o, str) for o in self.options):
            raise RecordError(f"must be a list of strings, got {self.options!r}", field="options")
        self.options = list(self.options)
        if len(self.options) > len(LETTERS):
            raise RecordError(f"at most {len(LETTERS)} options, got {len(self.options)}", field="options")
        if self.answer is not None and not isinstance(self.answer, str):
            raise RecordError(f"must be a string or null, got {self.answer!r}", field="answer")

        # per-task requirements
        if self.task in ("grounding", "grounded_qa") and not self.spans:
            raise RecordError(f"a {self.task} record needs at least one span", field="spans")
        if self.task in ("grounding", "grounded_qa") and self.clip is not None and not self.view_spans():
            raise RecordError(f"every span {self.spans} lies outside the clip {self.clip}: the model would see "
                              "none of the moment to find (widen the clip or drop the record)", field="spans")
        if self.task in ("grounding", "grounded_qa", "mcq", "open_qa") and not self.query.strip():
            raise RecordError(f"a {self.task} record needs a non-empty query", field="query")
        if self.task in ("mcq", "grounded_qa"):
            if len(self.options) < 2:
                raise RecordError(f"a {self.task} record needs at least 2 options, got {len(self.options)}",
                                  field="options")
            valid = LETTERS[: len(self.options)]
            if self.answer is None or self.answer not in valid:
                raise RecordError(f"must be one of the option letters {list(valid)}, got {self.answer!r}",
                                  field="answer")
        if self.task in ("open_qa", "caption") and (self.answer is None or not self.answer.strip()):
            raise RecordError(f"a {self.task} record needs the reference text in 'answer'", field="answer")
        return self


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RecordError(f"must be a number, got {value!r}", field=name)
    v = float(value)
    if not math.isfinite(v):
        raise RecordError(f"must be finite, got {value!r}", field=name)
    return v


def _span(value: Any, name: str, duration: float) -> list[float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise RecordError(f"must be [start, end], got {value!r}", field=name)
    s, e = _number(value[0], name), _number(value[1], name)
    if s < 0:
        raise RecordError(f"start must be >= 0, got {value!r}", field=name)
    if not e > s:
        raise RecordError(f"end must be greater than start, got {value!r}", field=name)
    if s >= duration:
        raise RecordError(f"starts at or after the duration ({duration}), got {value!r}", field=name)
    if e > duration + SPAN_TOLERANCE:
        raise RecordError(f"ends after the duration ({duration}) by {e - duration:.3f} s, got {value!r}; "
                          "clamp it when preparing the data", field=name)
    return [s, min(e, duration)]


# ---------------------------------------------------------------------- JSONL reading
def _parse_line(raw: str, path: Path, n: int) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise RecordError(f"malformed JSON ({exc.msg} at column {exc.colno})", path=path, line=n) from None


def iter_jsonl(path: str | os.PathLike) -> Iterator[tuple[int, Any]]:
    """Yield ``(line_number, parsed_json)`` for each non-blank line; bad JSON raises RecordError."""
    p = Path(path)
    for n, raw in _lines(p):
        yield n, _parse_line(raw, p, n)


def _lines(p: Path) -> Iterator[tuple[int, str]]:
    try:
        fh = p.open("r", encoding="utf-8")
    except FileNotFoundError:
        raise RecordError("file not found", path=p) from None
    except IsADirectoryError:
        raise RecordError("is a directory, not a JSONL file", path=p) from None
    with fh:
        n = 0
        while True:
            try:
                raw = fh.readline()
            except UnicodeDecodeError as exc:
                raise RecordError(f"not UTF-8 text ({exc.reason})", path=p, line=n + 1) from None
            if not raw:
                return
            n += 1
            if raw.strip():
                yield n, raw


def read_records(path: str | os.PathLike, *, allow_extra: Iterable[str] = (), skip_invalid: bool = False,
                 errors: list[RecordError] | None = None,
                 transform: Callable[[Any], Any] | None = None) -> Iterator[tuple[int, SampleRecord, dict]]:
    """Yield ``(line_number, record, raw_dict)`` for each line of a JSONL file of records.

    Invalid lines (bad JSON, bad fields, duplicate ids) raise :class:`RecordError` with file, line
    and field, unless ``skip_invalid`` is set: then they are appended to ``errors`` (when given) and
    skipped. ``transform`` (optional) rewrites each parsed line before it is validated (e.g.
    :func:`videorl.scoring.official.as_raw_spans`); ``raw_dict`` is the line as written.
    """
    p = Path(path)
    allow = tuple(allow_extra)
    seen: dict[tuple[str, Any], int] = {}
    for n, raw in _lines(p):
        try:
            obj = _parse_line(raw, p, n)
            rec = SampleRecord.from_dict(obj if transform is None else transform(obj), allow_extra=allow)
            # K samples of one record (``videorl predict --num-samples K``) share its id
            key = (rec.id, obj.get("sample_index"))
            if key in seen:
                which = "" if key[1] is None else f" with sample_index {key[1]!r}"
                raise RecordError(f"duplicate id {rec.id!r}{which} (first on line {seen[key]})", field="id")
        except RecordError as err:
            err = err.at(p, n)
            if not skip_invalid:
                raise err from None
            if errors is not None:
                errors.append(err)
            continue
        seen[key] = n
        yield n, rec, obj


def load_records(path: str | os.PathLike, **kwargs: Any) -> list[SampleRecord]:
    """All records of a JSONL file (see :func:`read_records`)."""
    return [rec for _, rec, _ in read_records(path, **kwargs)]


def resolve_video(record: SampleRecord, video_dir: str | os.PathLike | None = None) -> Path:
    """Absolute path of a record's video: absolute paths as they are, relative ones joined to
    ``video_dir``, else to ``$VIDEORL_VIDEO_DIR``, else to the current directory."""
    p = Path(os.path.expanduser(record.video))
    if p.is_absolute():
        return p
    root = video_dir if video_dir is not None else os.environ.get("VIDEORL_VIDEO_DIR")
    return (Path(root).expanduser() / p).resolve() if root else p.resolve()
