"""``videorl doctor``: check this environment (versions, decoders, lmms-eval tasks, GPUs, prepared data,
optionally the EasyR1 / LLaMA-Factory environments) and print the fix for each problem.

Exit status 0 when nothing would break a run (warnings allowed), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("doctor", help="check this environment and print the fix for each problem",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="do not import lmms-eval to list its tasks (seconds faster)")
    p.add_argument("--easyr1-python", type=Path, metavar="PYTHON",
                   help="also check the EasyR1 environment of this interpreter against its pins")
    p.add_argument("--llamafactory-python", type=Path, metavar="PYTHON",
                   help="also check the LLaMA-Factory environment of this interpreter against its pins")
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from videorl.doctor import format_report, run_checks

    hosts = {h: str(p) for h, p in (("easyr1", args.easyr1_python), ("llamafactory", args.llamafactory_python)) if p}
    checks = run_checks(quick=args.quick, hosts=hosts)
    if args.json:
        print(json.dumps([c.as_dict() for c in checks], indent=1))
    else:
        print(format_report(checks))
    return 1 if any(c.status == "fail" for c in checks) else 0
