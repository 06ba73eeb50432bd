"""``videorl demo``: synthetic videos -> lmms-eval (oracle and a tiny local Qwen2.5-VL) -> metrics."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("demo", help="end-to-end demo: synthetic videos -> lmms-eval -> metrics",
                              description="Makes the synthetic grounding set under $VIDEORL_DATA_DIR/synthetic, "
                                          "runs lmms-eval on it with the oracle backend and a tiny randomly "
                                          "initialised Qwen2.5-VL built locally (no download), prints the metrics.")
    p.add_argument("--out", type=Path, default=Path("videorl-demo"),
                   help="folder for the result files and the tiny model (default: ./videorl-demo)")
    p.add_argument("--oracle-only", action="store_true", help="skip the tiny Qwen2.5-VL run")
    p.add_argument("--mtr", action="store_true", help="instead, play Video-MTR multi-turn episodes (scripted and "
                                                       "tiny Qwen2.5-VL): turns, retrieved segments, rewards")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "mtr", False):
        from videorl.demo_mtr import run_mtr_demo
        from videorl.envs.rollout import format_episode

        logs = run_mtr_demo(args.out, tiny_model=not args.oracle_only)
        print("\n\n".join(f"[{lg['policy']}] " + format_episode(lg) for lg in logs))
        print(f"\nepisode logs: {args.out.resolve() / 'mtr_episodes.jsonl'}")
        return 0 if logs[0]["success"] else 1
    from videorl.demo import format_table, run_demo

    start = time.time()
    models = ("videorl_oracle",) if args.oracle_only else ("videorl_oracle", "videorl_qwen")
    table = run_demo(args.out, models=models)
    print(format_table(table))
    print(f"\nresult files ({time.time() - start:.0f} s):")
    for model in table:
        folder = args.out.resolve() / model
        print(f"  {model}: {folder / 'results.json'}  {folder / 'samples.jsonl'}")
    oracle = table.get("videorl_oracle", {}).get("mIoU")
    if oracle is not None and abs(oracle - 100.0) > 1e-6:
        print(f"warning: the oracle scored mIoU {oracle:.2f}, not 100: a frame or clock is wrong")
        return 1
    return 0
