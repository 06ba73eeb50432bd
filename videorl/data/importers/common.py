"""What the method-format importers share: items with line numbers, durations, option lines.

Every importer raises :class:`~videorl.record.RecordError` naming the file, the line of the item
(the line its JSON object starts on) and the field, through the same :class:`Collector` as the
dataset converters (``--skip-invalid`` lists them in the report instead).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from videorl.data.prepare.common import Collector, read_text
from videorl.data.report import PrepareReport
from videorl.record import LETTERS, RecordError, SampleRecord

_OPTION_LINE = re.compile(r"^\s*\(?([A-Z])[.):]\s+(.+?)\s*$")


def json_items(path: str | os.PathLike) -> Iterator[tuple[int, Any]]:
    """``(line, item)`` of a JSON array file or of a JSONL file (one object per line)."""
    p = Path(path)
    text = read_text(p)
    stripped = text.lstrip()
    dec = json.JSONDecoder()
    if stripped.startswith("["):
        pos = text.index("[") + 1
        while True:
            while pos < len(text) and text[pos] in " \t\r\n,":
                pos += 1
            if pos >= len(text):
                raise RecordError("unterminated JSON array", path=p, line=text.count("\n") + 1)
            if text[pos] == "]":
                return
            line = text.count("\n", 0, pos) + 1
            try:
                item, pos = dec.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise RecordError(f"malformed JSON ({exc.msg})", path=p, line=exc.lineno) from None
            yield line, item
    else:
        for n, raw in enumerate(text.splitlines(), 1):
            if not raw.strip():
                continue
            try:
                yield n, json.loads(raw)
            except json.JSONDecodeError as exc:
                raise RecordError(f"malformed JSON ({exc.msg} at column {exc.colno})", path=p, line=n) from None


def need(item: Any, key: str, kind: type | tuple[type, ...] = str) -> Any:
    """``item[key]``, which must exist and be of ``kind`` (a non-empty string for ``str``)."""
    if not isinstance(item, dict):
        raise RecordError(f"an item must be a JSON object, got {type(item).__name__}")
    if key not in item:
        raise RecordError("is required", field=key)
    val = item[key]
    if isinstance(val, bool) or not isinstance(val, kind) or (kind is str and not val.strip()):
        raise RecordError(f"must be {'a non-empty string' if kind is str else kind}, got {val!r}", field=key)
    return val


class Durations:
    """Video durations: probed from the files under ``video_dir`` (demux only), cached."""

    def __init__(self, video_dir: str | os.PathLike | None):
        self.video_dir = None if video_dir is None else Path(video_dir).expanduser()
        self._cache: dict[str, float] = {}

    def get(self, video: str) -> float:
        if video in self._cache:
            return self._cache[video]
        if self.video_dir is None and not Path(video).is_absolute():
            raise RecordError("this format has no duration: give --video-dir so it is read from the video file",
                              field="video")
        from videorl.video import VideoError, probe

        path = Path(video) if Path(video).is_absolute() else self.video_dir / video
        try:
            d = probe(path).duration
        except VideoError as err:
            raise RecordError(f"cannot read the duration: {err}", field="video") from None
        self._cache[video] = d
        return d


def split_options(text: str) -> tuple[str, list[str]]:
    """A question with ``A. ...`` option lines: (the text without them, option texts). Options must
    be consecutive letters from A; otherwise ``(text, [])``."""
    keep, opts = [], []
    for ln in text.split("\n"):
        m = _OPTION_LINE.match(ln)
        if m and m.group(1) == LETTERS[len(opts)]:
            opts.append(m.group(2))
        else:
            keep.append(ln)
    if len(opts) < 2:
        return text.strip(), []
    return "\n".join(keep).strip(), opts


def strip_letter(option: str, index: int) -> str:
    """``"B. dog"`` -> ``"dog"`` (Video-R1 options carry their letter); text without one is kept."""
    m = _OPTION_LINE.match(option)
    return m.group(2) if m and m.group(1) == LETTERS[index] else option.strip()


def answer_letter(answer: str, n_options: int) -> str | None:
    """The letter an answer text starts with (``"B"``, ``"B."``, ``"(B) dog"``), if valid."""
    m = re.match(r"^\s*\(?([A-Z])(?:[.):]|\s|$)", answer)
    if m and m.group(1) in LETTERS[:n_options]:
        return m.group(1)
    return None


def clock_seconds(text: str, field: str) -> float:
    """``"MM:SS"`` / ``"HH:MM:SS"`` (fractions allowed) to seconds."""
    from videorl.parse import parse_time

    if not re.fullmatch(r"\s*\d+(:\d{1,2}){1,2}(\.\d+)?\s*", text):
        raise RecordError(f"time must be MM:SS or HH:MM:SS, got {text!r}", field=field)
    val = parse_time(text.strip())
    if val is None:
        raise RecordError(f"time must be MM:SS or HH:MM:SS with fields < 60, got {text!r}", field=field)
    return val


def fmt_clock(seconds: float) -> str:
    """Seconds to ``MM:SS`` (``HH:MM:SS`` from an hour), whole seconds rounded."""
    s = int(round(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


@dataclass
class Context:
    """What an item converter gets besides the item: names, the report and the durations."""

    dataset: str
    split: str
    report: PrepareReport
    durations: Durations | None
    where: str = ""
    """``file:line`` of the current item (for report entries)."""

    def meta(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "split": self.split}


def convert_items(path: str | os.PathLike, dataset: str, split: str, video_dir: str | os.PathLike | None,
                  skip_invalid: bool, one: Callable[[Context, int, Any], SampleRecord], *,
                  probe: bool = True, count_key: Callable[[SampleRecord], str] = lambda r: r.task) -> Collector:
    """Run ``one(context, index, item)`` over the items of ``path`` with the converters' error policy.

    Image items (``image`` and no ``video``, or ``data_type: image``) are skipped and counted
    (``image_items_skipped``); each record's task is counted. ``probe``: durations are read from
    the videos (``Durations``); without it ``context.durations`` is only set when ``video_dir`` is.
    ``count_key``: the report counter of each written record (its task by default; VersaVid counts
    its problem type), so each item is counted once, and only when written.
    """
    report = PrepareReport(dataset, split, sources={"annotations": str(path)},
                           video_dir=None if video_dir is None else str(video_dir))
    col = Collector(report, skip_invalid=skip_invalid)
    ctx = Context(dataset, split, report, Durations(video_dir) if probe or video_dir is not None else None)
    for n, (line, item) in enumerate(json_items(path)):
        ctx.where = f"{path}:{line}"
        try:
            if isinstance(item, dict) and (("video" not in item and "image" in item) or item.get("data_type") == "image"):
                report.count("image_items_skipped")
                continue
            rec = one(ctx, n, item)
            col.add(rec, f"{path}:{line}")
            report.count(count_key(rec))
        except RecordError as err:
            col.fail(err.at(path, line))
    return col
