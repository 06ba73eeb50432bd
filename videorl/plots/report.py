"""An evaluation report from ``videorl score --per-sample`` output: PNG plots and a small HTML page.

For every row with a temporal score (``grounding`` and ``grounded_qa``: ``scores.mIoU``):

- ``recall_curve.png``: R1@t for t from 0 to 1, the share of samples whose parsed span has IoU >= t
  (a sample whose span could not be read never counts), with R1@0.3/0.5/0.7 marked;
- ``iou_hist.png``: the IoU of the samples with a parsed span, ten bins of 0.1;
- ``miou_by_duration.png``: mIoU (failures count as 0, like the metric) by the duration the model
  saw, in buckets 0-15, 15-30, 30-60, 60-120, 120+ s, with the count over each bar;
- ``index.html``: the summary table of every task (:func:`videorl.scoring.summary.summarize`), the plots,
  and up to ``examples`` parse failures (id, query, the model's text).
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from videorl.plots.common import new_figure, save_png

BUCKETS = (0.0, 15.0, 30.0, 60.0, 120.0, float("inf"))


def view_duration(row: dict[str, Any]) -> float:
    clip = row.get("clip")
    return float(clip[1]) - float(clip[0]) if clip else float(row["duration"])


def temporal_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if "mIoU" in (r.get("scores") or {})]


def recall_curve(ious: Sequence[float | None], thresholds: Sequence[float]) -> list[float]:
    """Percent of samples with a parsed span (``iou`` not None) and IoU >= t, for each t."""
    n = len(ious)
    return [100.0 * sum(1 for v in ious if v is not None and v >= t - 1e-12) / n if n else 0.0 for t in thresholds]


def duration_buckets(rows: Sequence[dict[str, Any]]) -> list[tuple[str, int, float]]:
    """``(label, count, mIoU percent)`` per duration bucket that has samples."""
    out = []
    for lo, hi in zip(BUCKETS[:-1], BUCKETS[1:], strict=True):
        sel = [r["scores"]["mIoU"] for r in rows if lo <= view_duration(r) < hi]
        if sel:
            label = f"{lo:g}+ s" if hi == float("inf") else f"{lo:g}-{hi:g} s"
            out.append((label, len(sel), sum(sel) / len(sel)))
    return out


def write_report(rows: Sequence[dict[str, Any]], out_dir: str | os.PathLike, *, examples: int = 10) -> list[Path]:
    """Write the plots and ``index.html`` into ``out_dir``; returns the files written."""
    from videorl.io import atomic_write
    from videorl.scoring.summary import summarize

    out = Path(out_dir)
    temporal = temporal_rows(rows)
    written: list[Path] = []
    ious = [None if r["scores"].get("parse_fail", 0) >= 100 else r["scores"]["mIoU"] / 100 for r in temporal]
    if temporal:
        ts = [i / 100 for i in range(101)]
        fig = new_figure(5, 3.5)
        ax = fig.add_axes((0.14, 0.15, 0.8, 0.75))
        ax.plot(ts, recall_curve(ious, ts), color="#1f77b4")
        marks = [0.3, 0.5, 0.7]
        ax.scatter(marks, recall_curve(ious, marks), color="#d62728", zorder=3)
        for t, v in zip(marks, recall_curve(ious, marks), strict=True):
            ax.annotate(f"R1@{t}: {v:.1f}", (t, v), textcoords="offset points", xytext=(4, 4), fontsize=7)
        ax.set(xlim=(0, 1), ylim=(0, 100), xlabel="IoU threshold", ylabel="R1 (%)",
               title=f"R1@IoU ({len(temporal)} samples)")
        written.append(out / "recall_curve.png")
        save_png(fig, written[-1])

        fig = new_figure(5, 3.5)
        ax = fig.add_axes((0.14, 0.15, 0.8, 0.75))
        ax.hist([v for v in ious if v is not None], bins=[i / 10 for i in range(11)], color="#2ca02c",
                edgecolor="white")
        ax.set(xlim=(0, 1), xlabel="IoU", ylabel="samples",
               title=f"IoU of parsed spans ({sum(v is not None for v in ious)} of {len(ious)})")
        written.append(out / "iou_hist.png")
        save_png(fig, written[-1])

        buckets = duration_buckets(temporal)
        fig = new_figure(5, 3.5)
        ax = fig.add_axes((0.14, 0.15, 0.8, 0.75))
        ax.bar(range(len(buckets)), [b[2] for b in buckets], color="#9467bd")
        for i, (_, n, v) in enumerate(buckets):
            ax.annotate(f"n={n}", (i, v), textcoords="offset points", xytext=(0, 3), ha="center", fontsize=7)
        ax.set_xticks(range(len(buckets)), [b[0] for b in buckets], fontsize=8)
        ax.set(ylim=(0, 100), ylabel="mIoU (%)", xlabel="duration the model saw", title="mIoU by duration")
        written.append(out / "miou_by_duration.png")
        save_png(fig, written[-1])

    summary = summarize([(r["task"], r, r["scores"]) for r in rows])
    table = "".join(
        f"<tr><td>{html.escape(task)}</td>" + "".join(
            f"<td>{html.escape(k)}: {'n/a' if v is None else v}</td>" for k, v in entry.items()) + "</tr>"
        for task, entry in summary.items())
    fails = [r for r in rows if (r.get("scores") or {}).get("parse_fail", 0) >= 100][:examples]
    fail_html = "".join(
        f"<tr><td>{html.escape(str(r['id']))}</td><td>{html.escape(r.get('query', ''))}</td>"
        f"<td><pre>{html.escape(str(r.get('prediction', '')))}</pre></td></tr>" for r in fails)
    imgs = "".join(f'<img src="{p.name}" alt="{p.stem}">' for p in written)
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>videorl report</title></head><body>"
            f"<h1>videorl report</h1><table border='1'>{table}</table><h2>Plots</h2>{imgs}"
            f"<h2>Parse failures (first {len(fails)})</h2>"
            f"<table border='1'><tr><th>id</th><th>query</th><th>model output</th></tr>{fail_html}</table>"
            f"</body></html>\n")
    with atomic_write(out / "index.html") as fh:
        fh.write(page)
    written.append(out / "index.html")
    return written
