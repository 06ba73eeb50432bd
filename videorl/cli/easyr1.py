"""``videorl easyr1``: helpers for EasyR1 recipes.

    worker.reward.reward_function=$(videorl easyr1 reward-path --with-function)
"""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("easyr1", help="helpers for EasyR1 recipes (reward-path, check, overlay)",
                              description="Helpers for EasyR1 recipes.")
    sub = p.add_subparsers(dest="easyr1_command", metavar="ACTION")
    rp = sub.add_parser("reward-path", help="print the absolute path of videorl's EasyR1 reward file",
                        description="Print the absolute path of the reward file EasyR1 loads by path "
                                    "(worker.reward.reward_function).")
    rp.add_argument("--with-function", action="store_true",
                    help="print PATH:compute_score, the form worker.reward.reward_function takes")
    rp.set_defaults(func=run_reward_path)
    ck = sub.add_parser("check", help="refuse inconsistent GRPO choices (reward vs data, export vs recipe, GPUs)",
                        description="Check an EasyR1 run before launching it: the reward preset pays a correct answer "
                                    "in the prompt style for every task of the export, the export matches the recipe "
                                    "(style, model, pixels, fps, frame lists), and the GPU count is one EasyR1 "
                                    "accepts. Exits 2 listing every problem.")
    ck.add_argument("--data", required=True, help="data.train_files (the export's parquet or jsonl)")
    ck.add_argument("--preset", required=True, help="the reward preset (worker.reward.reward_function_kwargs)")
    ck.add_argument("--style", required=True, help="the prompt style (format prompt) of the run")
    ck.add_argument("--config", default=None, help="the recipe's EasyR1 YAML")
    ck.add_argument("--model", default=None, choices=("qwen2_5_vl", "qwen3_vl"), help="the model family trained")
    ck.add_argument("--allow-path-videos", action="store_true",
                    help="accept an export of video paths (EasyR1's clock for them is off by up to ~1 s)")
    ck.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="EasyR1 overrides applied to the YAML")
    ck.set_defaults(func=run_check)
    ov = sub.add_parser("overlay", help="write the Qwen3-VL processor overlay EasyR1 needs for exact time",
                        description="Write a folder that links every file of a Qwen3-VL model and replaces its "
                                    "processor configs: frames are not sampled again, the image floor is the "
                                    "recipe's min_pixels, and metadata-less frames are dated as a 2 fps frame list "
                                    "(docs/clock.md). Use it as worker.actor.model.model_path with "
                                    "worker.actor.model.trust_remote_code=true.")
    ov.add_argument("model", help="Qwen3-VL model folder or hub id")
    ov.add_argument("--out", required=True, help="overlay folder (re-written)")
    ov.add_argument("--min-pixels", type=int, default=3136, help="the recipe's data.min_pixels (default 3136)")
    ov.set_defaults(func=run_overlay)
    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])


def run_reward_path(args: argparse.Namespace) -> int:
    from videorl.plugins.easyr1 import REWARD_FILE, reward_path

    if not REWARD_FILE.is_file():
        raise FileNotFoundError(f"videorl's EasyR1 reward file is missing from the installation: {REWARD_FILE}")
    print(reward_path(with_function=args.with_function))
    return 0


def run_check(args: argparse.Namespace) -> int:
    from videorl.plugins.easyr1.check import check

    problems = check(args.data, preset=args.preset, style=args.style, config=args.config, overrides=args.overrides,
                     model=args.model, allow_path_videos=args.allow_path_videos)
    for p in problems:
        print(f"error: {p}")
    if problems:
        return 2
    print(f"ok: preset {args.preset!r} pays every task of {args.data} in the {args.style!r} style; export and GPU "
          "settings agree with the recipe")
    return 0


def run_overlay(args: argparse.Namespace) -> int:
    from videorl.plugins.easyr1.qwen3_vl import build_overlay

    print(build_overlay(args.model, args.out, min_pixels=args.min_pixels))
    return 0
