"""An evaluation report from ``videorl score --per-sample`` output: PNG plots and a small HTML page.

For every row with a temporal score (``grounding`` and ``grounded_qa``: ``scores.mIoU``):

- ``recall_curve.png``: R1@t for t from 0 to 1, the share of samples whose parsed span has IoU >= t
  (a sample whose span could not be read never counts), with R1@0.3/0.5/0.7 marked;
- ``iou_hist.png``: the IoU of the samples with a parsed span, ten bins of 0.1;
- ``miou_by_duration.png``: mIoU (failures count as 0, like the metric) by the duration the model
  saw, in buckets 0-15, 15-30, 30-60, 60-120, 120+ s, with the count over each bar;
- ``index.html``: the summary table of every task (:func:`videorl.scoring.summary.summarize`; numbers with
  2 decimals, counts as integers), the plots, and up to ``examples`` failures (parse failures and rows
  whose video could not be used: id, query, the model's text or the error), each id linking to the
  sample in the viewer;
- ``view/``: the ``videorl view`` folder of these rows (:mod:`videorl.view`; when Bokeh is installed,
  the ``view`` extra), which the failures link to (``view/index.html#sample=<id>``).
"""

from __future__ import annotations

import html
import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from videorl.plots.common import new_figure, save_png

log = logging.getLogger(__name__)
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


def fmt_number(value: Any, name: str = "") -> str:
    """A table cell: counts as integers, metrics with 2 decimals, ``n/a`` for an undefined metric."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if name == "count" or isinstance(value, int):
        return f"{int(value):,}"
    return f"{float(value):.2f}"


def _is_failure(row: dict[str, Any]) -> bool:
    return (row.get("scores") or {}).get("parse_fail", 0) >= 100 or bool((row.get("predict") or {}).get("error"))


CSS = """body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#222;max-width:1100px;margin:16px auto;
padding:0 16px}h1{font-size:22px}h2{font-size:17px;margin-top:24px}table{border-collapse:collapse;margin:8px 0}
th,td{border:1px solid #ddd;padding:4px 8px;vertical-align:top}th{background:#f3f3f3;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}pre{white-space:pre-wrap;margin:0;max-width:560px}
img{max-width:100%;margin:4px 8px 4px 0;border:1px solid #eee}.err{color:#b00}"""


def write_report(rows: Sequence[dict[str, Any]], out_dir: str | os.PathLike, *, examples: int = 10,
                 viewer: bool = True, video_dir: str | os.PathLike | None = None,
                 name: str = "run") -> list[Path]:
    """Write the plots, ``index.html`` and (``viewer``, when Bokeh is installed) ``view/`` into ``out_dir``;
    returns the files written."""
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
    tables = []
    for task, entry in summary.items():
        names = ["count", *[k for k in entry if k != "count"]]
        tables.append("<table><tr><th>task</th>" + "".join(f"<th>{html.escape(k)}</th>" for k in names) + "</tr>"
                      f"<tr><td>{html.escape(task)}</td>" + "".join(
                          f"<td class='num'>{fmt_number(entry[k], k)}</td>" for k in names) + "</tr></table>")
    view_index = None
    if viewer:
        try:
            import bokeh  # noqa: F401
        except ImportError:
            log.info("videorl report: no viewer (pip install 'videorl[view]' for one)")
        else:
            from videorl.view.page import build_viewer

            view_index = build_viewer([(name, [(r["task"], r, r["scores"]) for r in rows])], out / "view",
                                      video_dir=video_dir, title=f"videorl view: {name}")
            written.append(view_index)
    all_fails = [r for r in rows if _is_failure(r)]
    fails = all_fails[:examples]

    def link(rid: str) -> str:
        text = html.escape(rid)
        if view_index is None:
            return text
        return f"<a href='view/index.html#sample={quote(rid, safe='')}'>{text}</a>"

    fail_html = "".join(
        f"<tr><td>{link(str(r['id']))}</td><td>{html.escape(str(r.get('query', '')))}</td><td>"
        + (f"<span class='err'>{html.escape(str(r['predict']['error']))}</span>"
           if (r.get("predict") or {}).get("error") else f"<pre>{html.escape(str(r.get('prediction', '')))}</pre>")
        + "</td></tr>" for r in fails)
    imgs = "".join(f'<img src="{p.name}" alt="{p.stem}">' for p in written if p.suffix == ".png")
    viewer_line = ("<p>Browse every sample (video, spans, model text): <a href='view/index.html'>the viewer</a>.</p>"
                   if view_index is not None else "")
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>videorl report</title><style>{CSS}</style>"
            f"</head><body><h1>videorl report</h1><p>{len(rows):,} rows.</p>{viewer_line}{''.join(tables)}"
            f"<h2>Plots</h2>{imgs}<h2>Failures ({len(fails)} of {len(all_fails):,} shown)</h2>"
            f"<table><tr><th>id</th><th>query</th><th>model output or error</th></tr>{fail_html}</table>"
            f"</body></html>\n")
    with atomic_write(out / "index.html") as fh:
        fh.write(page)
    written.append(out / "index.html")
    return written
