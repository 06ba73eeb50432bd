"""``videorl report PER_SAMPLE.jsonl``: R@IoU curve, IoU histogram, mIoU by duration, parse failures."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "report", help="an evaluation report from `score --per-sample` output: PNG plots and HTML",
        description="Read the per-sample scores `videorl score --per-sample OUT.jsonl` writes and draw the R@IoU "
                    "curve, the IoU histogram and mIoU by duration bucket (matplotlib, `plot` extra), with an "
                    "index.html that lists the summary and the failures, each linked to the sample viewer (view/, when "
                    "the `view` extra is installed).")
    p.add_argument("per_sample", type=Path, help="JSONL written by `videorl score --per-sample`")
    p.add_argument("-o", "--out-dir", type=Path, default=None, help="output folder (default: <input>.report/)")
    p.add_argument("--examples", type=int, default=10, help="failures to list (default 10)")
    p.add_argument("--no-viewer", action="store_true",
                   help="do not build the sample viewer (view/, `videorl view`) the failures link to")
    p.add_argument("--video-dir", default=None, help="folder for relative video paths (the viewer's videos)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from videorl.plots.report import write_report
    from videorl.record import RecordError, iter_jsonl

    rows = []
    for n, obj in iter_jsonl(args.per_sample):
        if not isinstance(obj, dict) or not isinstance(obj.get("scores"), dict):
            raise RecordError("no per-sample scores: run `videorl score --per-sample` first", path=args.per_sample,
                              line=n, field="scores")
        rows.append(obj)
    if not rows:
        raise RecordError("no rows", path=args.per_sample)
    out = args.out_dir or args.per_sample.with_name(args.per_sample.name.removesuffix(".jsonl") + ".report")
    files = write_report(rows, out, examples=args.examples, viewer=not args.no_viewer, video_dir=args.video_dir,
                         name=args.per_sample.name.removesuffix(".jsonl"))
    print(f"{len(files)} files -> {out} (open {out / 'index.html'})")
    return 0
