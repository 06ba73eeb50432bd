"""``videorl easyr1``: helpers for EasyR1 recipes.

    worker.reward.reward_function=$(videorl easyr1 reward-path --with-function)
"""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("easyr1", help="helpers for EasyR1 recipes (reward-path)",
                              description="Helpers for EasyR1 recipes.")
    sub = p.add_subparsers(dest="easyr1_command", metavar="ACTION")
    rp = sub.add_parser("reward-path", help="print the absolute path of videorl's EasyR1 reward file",
                        description="Print the absolute path of the reward file EasyR1 loads by path "
                                    "(worker.reward.reward_function).")
    rp.add_argument("--with-function", action="store_true",
                    help="print PATH:compute_score, the form worker.reward.reward_function takes")
    rp.set_defaults(func=run_reward_path)
    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])


def run_reward_path(args: argparse.Namespace) -> int:
    from videorl.plugins.easyr1 import REWARD_FILE, reward_path

    if not REWARD_FILE.is_file():
        raise FileNotFoundError(f"videorl's EasyR1 reward file is missing from the installation: {REWARD_FILE}")
    print(reward_path(with_function=args.with_function))
    return 0
