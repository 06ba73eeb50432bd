"""``videorl plot timeline PREDICTIONS.jsonl``: sampled frames, ground truth and predictions on one time axis."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("plot", help="draw pictures: a timeline of sampled frames, ground truth and predictions",
                              description="Pictures from videorl outputs (matplotlib, the `plot` extra).")
    sub = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    t = sub.add_parser("timeline", help="frames on the time axis with ground-truth spans and predictions as bars",
                       description="One panel per record (its K samples as K bars), from `videorl predict` output "
                                   "(or `score --per-sample` output of it).")
    t.add_argument("predictions", type=Path, help="JSONL of prediction rows")
    t.add_argument("-o", "--out-dir", type=Path, required=True, help="folder for timeline_NNNN.png")
    t.add_argument("--id", action="append", default=None, help="only this record id (repeatable)")
    t.add_argument("--per-page", type=int, default=1, help="records per picture (default 1)")
    t.add_argument("--limit", type=int, default=20, help="at most this many records (default 20)")
    t.add_argument("--video-dir", default=None, help="folder for relative video paths")
    t.add_argument("--no-frames", action="store_true", help="bars only (no decode)")
    t.set_defaults(func=run_timeline)
    return p


def run_timeline(args: argparse.Namespace) -> int:
    from videorl.plots.timeline import group_rows, plot_rows
    from videorl.record import iter_jsonl

    rows = [obj for _, obj in iter_jsonl(args.predictions)]
    if args.id:
        rows = [r for r in rows if str(r.get("id")) in set(args.id)]
    groups = group_rows(rows)[: args.limit]
    if not groups:
        raise ValueError(f"{args.predictions}: no rows to plot" + (f" with id {args.id}" if args.id else ""))
    paths = plot_rows([r for g in groups for r in g], args.out_dir, per_page=args.per_page,
                      video_dir=args.video_dir, with_frames=not args.no_frames)
    print(f"{len(paths)} picture(s) -> {args.out_dir}")
    return 0
