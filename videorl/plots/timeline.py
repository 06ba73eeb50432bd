"""Timeline picture: the sampled frames on the time axis, ground-truth spans and predictions as bars.

One panel per sample record (a page of panels for several): the top strip shows the frames the
model saw (thumbnails re-sampled at the row's exact frame times, with the row's sampler settings),
each drawn at its video second; below, the ground truth (green) and each prediction (one bar per
sample index, orange) on the same axis, in video seconds. The axis spans the whole video, or the
clip the model saw.

The layout is fixed (no tight layout), so a time maps to a known pixel column: in a figure ``W``
pixels wide, second ``t`` of an axis from ``t0`` to ``t1`` is at ``W * (LEFT + WIDTH * (t - t0) / (t1 - t0))``
(the tests read the PNG back and check the bars there).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from videorl.plots.common import new_figure, save_png

LEFT, WIDTH = 0.08, 0.88
STRIP = (0.58, 0.90)
"""The frame strip's bottom and top, as fractions of a panel's height (its title goes above)."""
BARS = (0.2, 0.55)
"""The bars' bottom and top (tick labels and the x-label go below)."""
PANEL_INCHES = 2.2
DPI = 100
GT_COLOUR = "#2ca02c"
PRED_COLOUR = "#ff7f0e"


def axis_range(row: dict[str, Any]) -> tuple[float, float]:
    """The seconds the panel's axis spans: the clip, else the whole video."""
    clip = row.get("clip")
    return (float(clip[0]), float(clip[1])) if clip else (0.0, float(row["duration"]))


def thumbnails(row: dict[str, Any], video_dir: str | os.PathLike | None = None, max_pixels: int = 64 * 48) -> Any:
    """Small copies of the frames the row's model saw: the same sampler, settings and times, fewer pixels."""
    from videorl.record import SampleRecord, resolve_video
    from videorl.video import sample_frames

    info = row.get("predict") or {}
    settings = info.get("sampling") or {}
    rec = SampleRecord.from_dict(row, allow_extra=("prediction", "sample_index", "predict", "scores",
                                                   "prediction_span", "prediction_answer"))
    frames, meta = sample_frames(resolve_video(rec, video_dir), fps=settings.get("fps"), nframes=settings.get("nframes"),
                                 clip=rec.clip, min_pixels=28 * 28, max_pixels=max_pixels)
    expected = info.get("frame_times")
    if expected and [round(t, 4) for t in meta.timestamps] != [round(t, 4) for t in expected]:
        raise ValueError(f"{rec.id}: re-sampled frame times {meta.timestamps} differ from the row's {expected}")
    return frames, meta.timestamps


def _panel(fig: Any, bottom: float, height: float, rows: list[dict[str, Any]], frames: Any) -> None:
    first = rows[0]
    t0, t1 = axis_range(first)
    # fixed layout: the strip's title stays inside the panel's top and the bars' tick labels and x-label
    # inside its bottom (no clipping at the figure's edges, no overlap with the next panel)
    strip = fig.add_axes((LEFT, bottom + STRIP[0] * height, WIDTH, (STRIP[1] - STRIP[0]) * height))
    strip.set_xlim(t0, t1)
    strip.set_ylim(0, 1)
    strip.set_axis_off()
    strip.set_title(f"{first['id']}: {first.get('query', '')[:90]}", fontsize=8, loc="left")
    if frames is not None:
        images, times = frames
        width = (t1 - t0) / max(len(times), 1)
        for img, t in zip(images, times, strict=True):
            strip.imshow(img, extent=(t, min(t + width, t1), 0, 1), aspect="auto", interpolation="nearest")
        strip.set_xlim(t0, t1)
    bars = fig.add_axes((LEFT, bottom + BARS[0] * height, WIDTH, (BARS[1] - BARS[0]) * height))
    bars.set_xlim(t0, t1)
    labels = ["truth"]
    for s, e in first.get("spans") or []:
        bars.broken_barh([(s, e - s)], (0.1, 0.8), facecolors=GT_COLOUR)
    for k, row in enumerate(sorted(rows, key=lambda r: r.get("sample_index", 0)), start=1):
        span = (row.get("predict") or {}).get("parsed_span_video")
        if span is not None:
            bars.broken_barh([(span[0], span[1] - span[0])], (k + 0.1, 0.8), facecolors=PRED_COLOUR)
        labels.append(f"pred {row.get('sample_index', 0)}" if span is not None else
                      f"pred {row.get('sample_index', 0)} (none)")
    bars.set_ylim(0, len(labels))
    bars.set_yticks([i + 0.5 for i in range(len(labels))], labels, fontsize=7)
    bars.invert_yaxis()
    bars.tick_params(axis="x", labelsize=7)
    bars.set_xlabel("video seconds", fontsize=7)


def timeline_figure(groups: Sequence[list[dict[str, Any]]], *, video_dir: str | os.PathLike | None = None,
                    width_inches: float = 10.0, with_frames: bool = True) -> Any:
    """A page: one panel per group (the K rows of one record id), top to bottom."""
    n = len(groups)
    fig = new_figure(width_inches, PANEL_INCHES * n, DPI)
    for i, rows in enumerate(groups):
        frames = thumbnails(rows[0], video_dir) if with_frames else None
        _panel(fig, 1 - (i + 1) / n, 1 / n, rows, frames)
    return fig


def group_rows(rows: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Rows grouped by record id, in first-appearance order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(str(row["id"]), []).append(row)
    return list(groups.values())


def plot_rows(rows: Sequence[dict[str, Any]], out_dir: str | os.PathLike, *, per_page: int = 1,
              video_dir: str | os.PathLike | None = None, with_frames: bool = True) -> list[Path]:
    """Write ``timeline_<n>.png`` pages of ``per_page`` records each; returns the paths."""
    groups = group_rows(rows)
    paths = []
    for page, start in enumerate(range(0, len(groups), per_page)):
        fig = timeline_figure(groups[start:start + per_page], video_dir=video_dir, with_frames=with_frames)
        path = Path(out_dir) / f"timeline_{page:04d}.png"
        save_png(fig, path)
        paths.append(path)
    return paths
