"""Helpers shared by the dataset converters: error policy, span clamping, text cleaning, video lookup.

Error policy
------------
A converter raises :class:`~videorl.record.RecordError` (file, line, field, reason) for every
malformed input item. :class:`Collector` either re-raises it (the default: the command stops with
exit status 2 and writes nothing) or, with ``skip_invalid``, records it in the report and goes on.

Clamping
--------
Annotation spans that end after the video's duration are cut to the duration, spans that start
below 0 are cut to 0, and every cut is listed in the report (``clamped``). A span that *starts* at
or after the duration, ends at or before 0, or has ``end <= start`` is not repairable and is rejected.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from videorl.data.report import PrepareReport
from videorl.io import write_jsonl
from videorl.record import RecordError, SampleRecord

_NEWLINES = re.compile(r"\s*[\r\n]+\s*")


class Collector:
    """Applies the error policy (raise, or skip and report) and collects the records."""

    def __init__(self, report: PrepareReport, *, skip_invalid: bool = False):
        self.report = report
        self.skip_invalid = skip_invalid
        self.records: list[SampleRecord] = []
        self._ids: dict[str, str] = {}

    def fail(self, err: RecordError) -> None:
        """Raise ``err``, or (with ``skip_invalid``) list it in the report."""
        if not self.skip_invalid:
            raise err
        self.report.reject(err)

    def add(self, record: SampleRecord, where: str) -> None:
        """Validate ``record`` with the schema and keep it; ids must be unique within the output."""
        record.validate()
        if record.id in self._ids:
            raise RecordError(f"duplicate id {record.id!r} (first from {self._ids[record.id]})", field="id")
        self._ids[record.id] = where
        self.records.append(record)


def parse_seconds(text: object, field: str) -> float:
    """A finite number of seconds from a JSON number or a numeric string."""
    if isinstance(text, bool):
        raise RecordError(f"must be a number of seconds, got {text!r}", field=field)
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise RecordError(f"must be a number of seconds, got {text!r}", field=field) from None
    if not math.isfinite(value):
        raise RecordError(f"must be finite, got {text!r}", field=field)
    return value


def check_span(span: object, duration: float, *, field: str) -> list[float]:
    """``[start, end]`` as floats, checked: ``start < end``, ``end > 0`` and ``start < duration``.

    A start below 0 and an end past the duration are *not* errors here: :func:`clamp_span` cuts
    them (NExT-GQA test has 36 spans starting at -0.1 or -0.2 s).
    """
    if not isinstance(span, (list, tuple)) or len(span) != 2:
        raise RecordError(f"must be [start, end], got {span!r}", field=field)
    s, e = parse_seconds(span[0], field), parse_seconds(span[1], field)
    if e <= 0:
        raise RecordError(f"ends at or before 0, got {list(span)!r}", field=field)
    if not e > s:
        raise RecordError(f"end must be greater than start, got {list(span)!r}", field=field)
    if s >= duration:
        raise RecordError(f"starts at or after the video's duration ({duration} s), got {list(span)!r}",
                          field=field)
    return [s, e]


def clamp_span(span: list[float], duration: float, *, rec_id: str, where: str, field: str,
               report: PrepareReport) -> list[float]:
    """``[max(start, 0), min(end, duration)]``; each cut is listed in ``report.clamped``."""
    s, e = span
    if 0 <= s and e <= duration:
        return [s, e]
    after = [max(s, 0.0), min(e, duration)]
    report.clamped.append({"id": rec_id, "where": where, "field": field, "before": [s, e],
                           "after": after, "duration": duration})
    return after


def clean_text(text: object, field: str) -> tuple[str, bool]:
    """Strip a sentence and turn each internal run of line breaks (with the spaces around it) into one
    space. Returns ``(clean, changed)``; an empty result is an error."""
    if not isinstance(text, str):
        raise RecordError(f"must be a string, got {text!r}", field=field)
    clean = _NEWLINES.sub(" ", text.strip())
    if not clean:
        raise RecordError(f"is empty, got {text!r}", field=field)
    return clean, clean != text


def option_letter(answer: str, options: Sequence[str]) -> tuple[int, list[int]]:
    """Index of the first option equal to ``answer`` (exact match) and all matching indices.

    Raises RecordError (field ``answer``) when no option matches.
    """
    hits = [i for i, opt in enumerate(options) if opt == answer]
    if not hits:
        raise RecordError(f"answer text {answer!r} matches none of the options {list(options)!r}",
                          field="answer")
    return hits[0], hits


class VideoLocator:
    """Finds video files under an optional folder, trying several names and extensions.

    Records always store a path *relative* to the video folder (see docs/data.md); the folder is
    only used to check that the files exist and to choose between candidate names.
    """

    def __init__(self, video_dir: str | os.PathLike | None, exts: Sequence[str] = (".mp4",)):
        self.video_dir = Path(video_dir).expanduser() if video_dir is not None else None
        self.exts = [e if e.startswith(".") or not e else f".{e}" for e in exts] or [""]
        self._cache: dict[tuple[str, ...], tuple[str, bool]] = {}
        self.missing: list[dict[str, object]] = []

    def names(self, stems: Iterable[str]) -> list[str]:
        return [f"{stem}{ext}" for stem in stems for ext in self.exts]

    def find(self, stems: Sequence[str]) -> str:
        """The first candidate ``<stem><ext>`` that exists (the first candidate when none does, or
        when no folder was given). A missing video is recorded once."""
        key = tuple(stems)
        hit = self._cache.get(key)
        if hit is not None:
            return hit[0]
        candidates = self.names(stems)
        found = candidates[0]
        ok = True
        if self.video_dir is not None:
            ok = False
            for cand in candidates:
                if (self.video_dir / cand).exists():
                    found, ok = cand, True
                    break
            if not ok:
                self.missing.append({"video": candidates[0], "looked_for": candidates})
        self._cache[key] = (found, ok)
        return found

    def exists(self, stems: Sequence[str]) -> bool:
        self.find(stems)
        return self._cache[tuple(stems)][1]


def write_outputs(collector: Collector, out: str | os.PathLike, report_out: str | os.PathLike) -> PrepareReport:
    """Write the records and then the report, each atomically. Returns the report."""
    report = collector.report
    report.records = len(collector.records)
    report.output = str(out)
    write_jsonl(out, collector.records)
    report.write(report_out)
    return report


def read_text(path: str | os.PathLike) -> str:
    """A UTF-8 annotation file's text; a missing or non-UTF-8 file raises RecordError naming it."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RecordError("file not found", path=p) from None
    except UnicodeDecodeError as exc:
        raise RecordError(f"not UTF-8 text ({exc.reason})", path=p) from None


def load_json(path: str | os.PathLike) -> tuple[object, str]:
    """Parsed JSON and its text; malformed JSON raises RecordError with the line."""
    p = Path(path)
    text = read_text(p)
    try:
        return json.loads(text), text
    except json.JSONDecodeError as exc:
        raise RecordError(f"malformed JSON ({exc.msg} at column {exc.colno})", path=p, line=exc.lineno) from None


def key_lines(text: str, keys: Sequence[str]) -> dict[str, int]:
    """1-based line of each top-level key's first occurrence (``"key":``), for error messages.

    Single-line files give line 1 for every key; keys not found (escaped spellings) also get 1.
    """
    if text.count("\n") <= 1:
        return {}
    out: dict[str, int] = {}
    pos, line = 0, 1
    for k in keys:
        i = text.find(json.dumps(k, ensure_ascii=False), pos)
        if i < 0:
            continue
        line += text.count("\n", pos, i)
        out[k] = line
        pos = i
    return out
