"""``videorl demo``: synthetic videos -> lmms-eval (oracle and a tiny local Qwen2.5-VL) -> metrics."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("demo", help="end-to-end demo: synthetic videos -> lmms-eval -> metrics",
                              description="Makes the synthetic grounding set under $VIDEORL_DATA_DIR/synthetic "
                                          "(verified by checksum, rebuilt when damaged), runs lmms-eval on it with "
                                          "the oracle backend and a tiny randomly initialised Qwen2.5-VL built "
                                          "locally (no download), prints the metrics. About a minute on 2 CPU cores.")
    p.add_argument("--out", type=Path, default=None,
                   help="folder for the result files and the tiny model (default: $VIDEORL_DATA_DIR/demo, "
                        "i.e. ~/.cache/videorl/demo)")
    p.add_argument("--oracle-only", action="store_true", help="skip the tiny Qwen2.5-VL run")
    p.add_argument("--force", action="store_true", help="rebuild the synthetic set and the tiny model")
    p.add_argument("--mtr", action="store_true", help="instead, play Video-MTR multi-turn episodes (scripted and "
                                                       "tiny Qwen2.5-VL): turns, retrieved segments, rewards")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from videorl.demo import default_out, format_table, quiet, run_demo, verdict
    from videorl.doctor import eval_ready

    if getattr(args, "mtr", False):
        from videorl.demo_mtr import format_demo, run_mtr_demo

        out = args.out if args.out is not None else default_out()
        logs = run_mtr_demo(out, tiny_model=not args.oracle_only)
        print(format_demo(logs))
        print(f"\nepisode logs: {out.resolve() / 'mtr_episodes.jsonl'}")
        return 0 if logs[0]["success"] else 1

    problems = eval_ready()
    if problems:
        for check in problems:
            print(check.line(), file=sys.stderr)
        print("videorl demo: this environment cannot run lmms-eval; fix the above (videorl doctor shows all "
              "checks)", file=sys.stderr)
        return 1
    quiet()
    start = time.time()
    out = args.out if args.out is not None else default_out()
    models = ("videorl_oracle",) if args.oracle_only else ("videorl_oracle", "videorl_qwen")
    table = run_demo(out, models=models, force=args.force)
    print(format_table(table))
    print(f"\nresult files ({time.time() - start:.0f} s):")
    for model in table:
        folder = out.resolve() / model
        print(f"  {model}: {folder / 'results.json'}  {folder / 'samples.jsonl'}")
    problem = verdict(table)
    if problem:
        print(f"videorl demo: {problem}")
        return 1
    return 0
