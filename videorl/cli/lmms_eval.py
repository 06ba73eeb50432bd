"""``videorl lmms-eval``: the task folder for ``--include_path``, our task names, and a checked run.

- ``videorl lmms-eval tasks-dir`` prints the folder to pass as ``--include_path``;
- ``videorl lmms-eval list`` prints videorl's task and group names;
- ``videorl lmms-eval list`` also shows, per task, whether its prepared data is there;
- ``videorl lmms-eval run ARGS...`` runs ``python -m lmms_eval ARGS...`` (every argument goes to
  lmms-eval as given, ``--model`` included). Before starting it checks that the prepared data of
  each videorl task in ``--tasks`` exists, and stops with the prepare command if not. Afterwards it
  checks that a results file was written under ``--output_path``: lmms-eval 0.7.3 exits 0 when an
  evaluation fails, so this wrapper exits 1 instead, with the reason on its last line.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from videorl.tasks.facts import task_data, task_names  # noqa: F401  (the task folder owns them)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("lmms-eval", help="helpers for lmms-eval (tasks-dir, list, run)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("tasks-dir", help="print the task folder to pass to lmms-eval --include_path")
    sub.add_parser("list", help="print videorl's lmms-eval task and group names, with their data status")
    run = sub.add_parser("run", help="run lmms-eval and fail when it wrote no results file",
                         description="Runs `python -m lmms_eval ARGS...`; all arguments after `run` go to "
                                     "lmms-eval unchanged (e.g. `videorl lmms-eval run --model videorl_qwen "
                                     "--model_args pretrained=... --tasks temporal_grounding_charades "
                                     "--output_path out`). --output_path is required.")
    run.add_argument("lmms_args", nargs=argparse.REMAINDER, help="arguments for lmms-eval (--model, --tasks, ...)")
    p.set_defaults(func=run_cmd)


def missing_data(tasks: list[str]) -> list[str]:
    """One message per (dataset, split) that a task in ``tasks`` needs and that is not prepared."""
    from videorl.paths import prepared_path
    from videorl.plugins.lmms_eval.docs import missing_message

    seen, out = set(), []
    for task in tasks:
        for _, dataset, split in task_data(task):
            if (dataset, split) not in seen and not prepared_path(dataset, split).is_file():
                seen.add((dataset, split))
                out.append(missing_message(dataset, split))
    return out


def _arg_value(args: list[str], flag: str) -> str | None:
    for i, a in enumerate(args):
        if a == flag and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(flag + "="):
            return a.split("=", 1)[1]
    return None


def _output_path(args: list[str]) -> Path | None:
    for i, a in enumerate(args):
        if a == "--output_path" and i + 1 < len(args):
            return Path(args[i + 1])
        if a.startswith("--output_path="):
            return Path(a.split("=", 1)[1])
    return None


def new_results(root: Path, since: float) -> list[Path]:
    """Results files (``*_results.json``) under ``root`` written at or after ``since``."""
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*results*.json") if p.stat().st_mtime >= since - 1)


def run_cmd(args: argparse.Namespace) -> int:
    from videorl.tasks import tasks_dir

    if args.action == "tasks-dir":
        print(tasks_dir())
        return 0
    if args.action == "list":
        from videorl.paths import prepared_path

        for name, path in task_names().items():
            needs = task_data(name)
            ready = sum(prepared_path(d, s).is_file() for _, d, s in needs)
            status = ("no prepared data needed" if not needs else
                      "data ready" if ready == len(needs) else f"data missing ({len(needs) - ready}/{len(needs)})")
            print(f"{name}\t{path.relative_to(tasks_dir())}\t{status}")
        return 0
    lmms_args = [a for a in args.lmms_args if a != "--"]
    out = _output_path(lmms_args)
    if out is None:
        print("videorl lmms-eval run: error: pass --output_path so the results file can be checked",
              file=sys.stderr)
        return 2
    tasks = [t.strip() for t in (_arg_value(lmms_args, "--tasks") or "").split(",") if t.strip()]
    missing = missing_data(tasks)
    if missing:
        print("\n".join(missing), file=sys.stderr)
        return 2
    start = time.time()
    rc = subprocess.call([sys.executable, "-m", "lmms_eval", *lmms_args])
    found = new_results(out, start)
    if rc != 0 or not found:
        print(f"videorl lmms-eval run: evaluation failed (lmms-eval exit status {rc}, "
              f"{'no results file under ' + str(out) if not found else 'results written'}); "
              "the cause is in the log above", file=sys.stderr)
        return rc or 1
    print("results:", *found, sep="\n  ")
    return 0
