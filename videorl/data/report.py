"""The validation report written beside every prepared file.

A report says what happened to every input line: how many records were written, which lines were
rejected and why (``file:line: reason``), which spans were clamped to the duration (before and
after), which videos were not found on disk, which answers were ambiguous, plus dataset-specific
counts in ``counts``. It is JSON (``<split>.report.json``) and has a short human summary.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videorl.io import write_json
from videorl.record import RecordError

REPORT_VERSION = 1

# The summary prints at most this many examples per list; the JSON keeps them all.
SUMMARY_EXAMPLES = 5


@dataclass
class PrepareReport:
    """What a preparation did. Every list entry is a small JSON-ready dict."""

    dataset: str
    split: str
    sources: dict[str, str] = field(default_factory=dict)
    """Input files by role (``annotations``, ``durations``, ...), as given."""
    video_dir: str | None = None
    """The folder videos were looked up in (``--video-dir``), stored as an absolute path so the
    lmms-eval tasks can find the videos from any working directory; None when not checked."""
    records: int = 0
    """Records written."""
    rejected: list[dict[str, Any]] = field(default_factory=list)
    """``{"where": "file:line", "field": ..., "reason": ...}`` for each skipped input item."""
    clamped: list[dict[str, Any]] = field(default_factory=list)
    """``{"id", "where", "field", "before", "after", "duration"}`` for each span or clip cut to the duration."""
    missing_videos: list[dict[str, Any]] = field(default_factory=list)
    """``{"video", "looked_for"}`` for each distinct video not found under ``video_dir``."""
    ambiguous: list[dict[str, Any]] = field(default_factory=list)
    """``{"id", "where", "answer", "letters", "kept"}`` for answers whose text matches several options."""
    counts: dict[str, int] = field(default_factory=dict)
    """Dataset-specific counters (videos, questions with several spans, stripped sentences, ...)."""
    output: str | None = None

    def __post_init__(self) -> None:
        if self.video_dir is not None:
            self.video_dir = str(Path(os.path.expanduser(self.video_dir)).resolve())

    # ------------------------------------------------------------------ recording
    def reject(self, err: RecordError) -> None:
        where = f"{err.path}:{err.line}" if err.path is not None and err.line is not None else (err.path or "")
        self.rejected.append({"where": where, "field": err.field, "reason": err.reason, "message": str(err)})

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    # ------------------------------------------------------------------ output
    def to_dict(self) -> dict[str, Any]:
        return {
            "report_version": REPORT_VERSION,
            "dataset": self.dataset,
            "split": self.split,
            "sources": dict(self.sources),
            "video_dir": self.video_dir,
            "output": self.output,
            "records": self.records,
            "rejected_count": len(self.rejected),
            "clamped_count": len(self.clamped),
            "missing_videos_count": len(self.missing_videos),
            "ambiguous_count": len(self.ambiguous),
            "counts": dict(sorted(self.counts.items())),
            "rejected": self.rejected,
            "clamped": self.clamped,
            "missing_videos": self.missing_videos,
            "ambiguous": self.ambiguous,
        }

    def write(self, path: str | os.PathLike) -> None:
        write_json(path, self.to_dict())

    def summary(self) -> str:
        """A few lines for the terminal: totals, then up to five examples of each problem."""
        lines = [f"{self.dataset}/{self.split}: {self.records} records written"
                 + (f" to {self.output}" if self.output else "")]
        if self.counts:
            lines.append("  " + ", ".join(f"{k}={v}" for k, v in sorted(self.counts.items())))
        for title, items, fmt in (
            ("rejected", self.rejected, lambda r: r["message"]),
            ("spans clamped to [0, duration]", self.clamped,
             lambda c: f"{c['where']}: {c['id']} {c['field']} {c['before']} -> {c['after']} "
                       f"(duration {c['duration']})"),
            ("videos missing on disk", self.missing_videos, lambda m: f"{m['video']} (looked for {m['looked_for']})"),
            ("ambiguous answers (first match kept)", self.ambiguous,
             lambda a: f"{a['where']}: {a['id']} answer {a['answer']!r} matches options {a['letters']}, "
                       f"kept {a['kept']}"),
        ):
            if items:
                lines.append(f"  {len(items)} {title}:")
                lines.extend(f"    {fmt(x)}" for x in items[:SUMMARY_EXAMPLES])
                if len(items) > SUMMARY_EXAMPLES:
                    lines.append(f"    ... {len(items) - SUMMARY_EXAMPLES} more in the report")
        return "\n".join(lines)
