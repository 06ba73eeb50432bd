"""Runs that say when they failed and survive interruption: shared by ``predict``, ``frames build``, ``data export``.

- :func:`check_videos` runs **before** any model is loaded or frame decoded: it resolves every record's
  video with the one rule of :func:`videorl.record.resolve_video` (absolute paths as they are; relative
  ones against ``--video-dir``, else ``$VIDEORL_VIDEO_DIR``, else the current directory) and, when more
  files are missing than the failure budget allows, raises :class:`MissingVideos`, whose message states
  the rule as it applied here and the fix.
- :class:`FailureBudget` is ``--max-failures``: ``"0%"`` (the default: any failed row fails the run),
  ``"5%"`` of the rows, or a row count (``"12"``). The commands write every row, failed ones included,
  and then exit non-zero when the failures exceed it.
- :class:`PartialRun` is the append-only side file of ``predict``: finished rows are appended and
  flushed per batch to ``OUT.partial``; ``--resume`` reads it back (a line cut by ``kill -9`` is dropped),
  skips the finished rows, and the completed run is rewritten in input order and renamed to ``OUT``
  atomically, so an interrupted and resumed run leaves the same file as an uninterrupted one.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FailureBudget:
    """How many failed rows a run may have and still exit 0 (``--max-failures``)."""

    percent: float | None = 0.0
    count: int | None = None

    @classmethod
    def parse(cls, text: str | int | float | FailureBudget | None) -> FailureBudget:
        """``"5%"`` (percent of the rows), ``"12"`` (rows), ``None`` (the default, 0 %)."""
        if isinstance(text, FailureBudget):
            return text
        if text is None:
            return cls()
        s = str(text).strip()
        try:
            if s.endswith("%"):
                pct = float(s[:-1])
                if not 0 <= pct <= 100:
                    raise ValueError
                return cls(percent=pct)
            n = int(s)
            if n < 0:
                raise ValueError
            return cls(percent=None, count=n)
        except ValueError:
            raise ValueError(f"--max-failures must be a percent (e.g. 5%) or a row count (e.g. 12), got {text!r}"
                             ) from None

    def allows(self, failed: int, total: int) -> bool:
        if failed == 0:
            return True
        if self.count is not None:
            return failed <= self.count
        return total > 0 and 100.0 * failed / total <= float(self.percent or 0.0) + 1e-12

    def __str__(self) -> str:
        return str(self.count) if self.count is not None else f"{self.percent:g}%"


class MissingVideos(FileNotFoundError):
    """More video files are missing than ``--max-failures`` allows (raised before any model is loaded)."""


class TooManyFailures(RuntimeError):
    """The run wrote its rows but more of them failed than ``--max-failures`` allows."""


def resolution_rule(video_dir: str | os.PathLike | None) -> str:
    """How relative video paths were resolved in this run, in words."""
    env = os.environ.get("VIDEORL_VIDEO_DIR")
    if video_dir is not None:
        return f"relative video paths resolve against --video-dir ({video_dir})"
    if env:
        return f"relative video paths resolve against $VIDEORL_VIDEO_DIR ({env}), as no --video-dir was given"
    return (f"relative video paths resolve against --video-dir, else $VIDEORL_VIDEO_DIR; neither is set, so "
            f"against the current directory ({Path.cwd()})")


def check_videos(records: Iterable[Any], video_dir: str | os.PathLike | None, *, budget: FailureBudget | None = None,
                 what: str = "records", total: int | None = None) -> list[tuple[str, Path]]:
    """``(record id, resolved path)`` of every record whose video file is missing.

    Raises :class:`MissingVideos` (naming the files, the resolution rule and the fix) when they are
    more than ``budget`` allows of ``total`` rows (default: the number of records)."""
    from videorl.record import resolve_video

    recs = list(records)
    exists: dict[Path, bool] = {}
    missing: list[tuple[str, Path]] = []
    for rec in recs:
        path = resolve_video(rec, video_dir)
        if path not in exists:
            exists[path] = path.is_file()
        if not exists[path]:
            missing.append((rec.id, path))
    budget = budget or FailureBudget()
    if missing and not budget.allows(len(missing), len(recs) if total is None else total):
        raise MissingVideos(missing_message(missing, len(recs), video_dir, budget, what))
    if missing:
        log.warning("%d of %d %s have no video file (first: %s); they will fail (--max-failures %s)",
                    len(missing), len(recs), what, missing[0][1], budget)
    return missing


def missing_message(missing: Sequence[tuple[str, Path]], total: int, video_dir: str | os.PathLike | None,
                    budget: FailureBudget, what: str = "records") -> str:
    files = sorted({p for _, p in missing})
    lines = [f"{len(missing)} of {total} {what} have no video file ({len(files)} distinct files missing; "
             f"--max-failures {budget}), checked before loading anything:"]
    lines += [f"  {rid}: {path}" for rid, path in missing[:5]]
    if len(missing) > 5:
        lines.append(f"  ... and {len(missing) - 5} more")
    lines.append(f"Rule: {resolution_rule(video_dir)}; absolute paths are used as they are.")
    example = files[0].name
    lines.append(f"Fix: pass --video-dir FOLDER (the folder that holds {example}), or export "
                 f"VIDEORL_VIDEO_DIR=FOLDER; or allow failed rows with --max-failures (e.g. 5%).")
    return "\n".join(lines)


def failure_report(failed: Sequence[tuple[str, str]], total: int, budget: FailureBudget, output: Any) -> str:
    """The message of a run whose failures exceed the budget: counts, the first errors, where they are."""
    lines = [f"{len(failed)} of {total} rows failed (more than --max-failures {budget}); all rows are in {output}:"]
    lines += [f"  {rid}: {err}" for rid, err in failed[:5]]
    if len(failed) > 5:
        lines.append(f"  ... and {len(failed) - 5} more")
    return "\n".join(lines)


def row_key(row: dict[str, Any]) -> tuple[str, int]:
    return str(row["id"]), int(row.get("sample_index") or 0)


class PartialRun:
    """The append-only file of an unfinished ``predict`` run, ``OUT.partial`` (module docstring)."""

    def __init__(self, output: str | os.PathLike):
        self.output = Path(output)
        self.path = self.output.with_name(self.output.name + ".partial")
        self._fh: Any = None

    def load(self, resume: bool) -> list[dict[str, Any]]:
        """Rows finished by an earlier run (``resume``): those of ``OUT.partial``, else of a complete ``OUT``.

        Without ``resume`` an existing ``OUT.partial`` is an error (it holds an interrupted run's work)."""
        if not resume:
            if self.path.exists() and self.path.stat().st_size > 0:
                raise FileExistsError(f"{self.path} holds the rows of an interrupted run: pass --resume to continue "
                                      f"it, or delete it to start over")
            return []
        source = self.path if self.path.exists() else self.output if self.output.exists() else None
        if source is None:
            return []
        rows = read_rows_tolerant(source)
        log.info("videorl predict --resume: %d rows already in %s", len(rows), source)
        return rows

    def start(self, kept: Sequence[dict[str, Any]]) -> None:
        """Rewrite ``OUT.partial`` with the rows kept from the earlier run (atomically), then open it to append."""
        from videorl.io import write_jsonl

        write_jsonl(self.path, kept)
        self._fh = self.path.open("a", encoding="utf-8")

    def append(self, rows: Iterable[dict[str, Any]]) -> None:
        """Append finished rows and flush them to the disk (one call per batch)."""
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        if data:
            self._fh.write(data)
            self._fh.flush()
            os.fsync(self._fh.fileno())

    def finish(self, rows: Sequence[dict[str, Any]]) -> None:
        """Write the complete run (input order) to ``OUT`` atomically and remove ``OUT.partial``."""
        from videorl.io import write_jsonl

        self.close()
        write_jsonl(self.output, rows)
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def read_rows_tolerant(path: Path) -> list[dict[str, Any]]:
    """JSONL rows; a last line without its newline (cut by a kill) is dropped, any other bad line is an error."""
    from videorl.record import RecordError

    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    complete, tail = lines[:-1], lines[-1]
    if tail.strip():
        log.warning("%s: dropping its last line (%d bytes), cut short by an interruption", path, len(tail))
    rows = []
    for n, line in enumerate(complete, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise RecordError(f"not JSON ({err.msg}); cannot resume from this file", path=path, line=n) from None
        if not isinstance(obj, dict) or "id" not in obj:
            raise RecordError("not a prediction row; cannot resume from this file", path=path, line=n, field="id")
        rows.append(obj)
    return rows
