"""``videorl view RUN.jsonl [RUN2.jsonl ...] -o DIR``: a static HTML viewer of runs (docs/view.md).

Each file is scored per sample as ``videorl score`` scores it (the same reader as ``videorl compare``)
and written into one folder that opens from disk: ``DIR/index.html`` (no server, no CDN).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "view", help="a static HTML viewer of runs: each sample's video, spans, model text and scores",
        description="Write a folder with index.html that opens from disk (Bokeh's JavaScript inlined, no CDN): a "
                    "sortable, filterable table of every sample (IoU bucket, parse failure, duration, task, "
                    "subtask, free text), runs side by side with per-sample deltas, and per sample the video "
                    "(or frame-cache frames when the video is not reachable), ground truth and each run's span "
                    "on one timeline, and the model text with the parsed part highlighted. See docs/view.md.")
    p.add_argument("runs", nargs="+", type=Path, metavar="RUN.jsonl",
                   help="prediction files (predict output or score --per-sample output); the first is the baseline "
                        "of the deltas")
    p.add_argument("-o", "--out-dir", type=Path, required=True, help="output folder (index.html, data.js, frames/)")
    p.add_argument("--video-dir", default=None, help="folder for relative video paths (else $VIDEORL_VIDEO_DIR)")
    p.add_argument("--frame-cache", default=None, metavar="DIR",
                   help="frame cache to show frames from when a video is not reachable")
    p.add_argument("--protocol", choices=("videorl", "official"), default="videorl",
                   help="scorer protocol (as `videorl score --protocol`)")
    p.add_argument("--title", default=None, help="page title")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from videorl.cli.compare import _names, load_run
    from videorl.view.page import build_viewer

    names = _names(args.runs)
    runs = [(name, load_run(path, args.protocol)[0]) for name, path in zip(names, args.runs, strict=True)]
    index = build_viewer(runs, args.out_dir, video_dir=args.video_dir, frame_cache=args.frame_cache,
                         title=args.title)
    n = len({str(raw["id"]) for _, rows in runs for _, raw, _ in rows})
    print(f"{n} samples of {len(runs)} run(s) -> {index} (open it in a browser; no server needed)")
    return 0
