"""``videorl lmms-eval``: the task folder for ``--include_path``, our task names, and a checked run.

- ``videorl lmms-eval tasks-dir`` prints the folder to pass as ``--include_path``;
- ``videorl lmms-eval list`` prints videorl's task and group names;
- ``videorl lmms-eval run ARGS...`` runs ``python -m lmms_eval ARGS...`` and then checks that a
  results file was written under ``--output_path``: lmms-eval 0.7.3 exits 0 when an evaluation
  fails, so this wrapper exits 1 instead when no new results file appeared.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import yaml


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("lmms-eval", help="helpers for lmms-eval (tasks-dir, list, run)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("tasks-dir", help="print the task folder to pass to lmms-eval --include_path")
    sub.add_parser("list", help="print videorl's lmms-eval task and group names")
    run = sub.add_parser("run", help="run lmms-eval and fail when it wrote no results file",
                         description="Runs `python -m lmms_eval ARGS...`; all arguments after `run` go to "
                                     "lmms-eval unchanged. --output_path is required.")
    run.add_argument("lmms_args", nargs=argparse.REMAINDER, help="arguments for lmms-eval (--model, --tasks, ...)")
    p.set_defaults(func=run_cmd)


def task_names() -> dict[str, Path]:
    """``{task or group name: yaml path}`` of videorl's task folder, read without lmms-eval."""
    from videorl.tasks import tasks_dir

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    out: dict[str, Path] = {}
    for path in sorted(tasks_dir().rglob("*.yaml")):
        cfg = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
        name = cfg.get("group") if isinstance(cfg.get("task"), list) else cfg.get("task")
        if isinstance(name, str):
            out[name] = path
    return out


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
        for name, path in task_names().items():
            print(f"{name}\t{path.relative_to(tasks_dir())}")
        return 0
    lmms_args = [a for a in args.lmms_args if a != "--"]
    out = _output_path(lmms_args)
    if out is None:
        print("videorl lmms-eval run: error: pass --output_path so the results file can be checked",
              file=sys.stderr)
        return 2
    start = time.time()
    rc = subprocess.call([sys.executable, "-m", "lmms_eval", *lmms_args])
    found = new_results(out, start)
    if rc != 0 or not found:
        print(f"videorl lmms-eval run: evaluation failed (exit status {rc}, "
              f"{'no results file under ' + str(out) if not found else 'results written'}); "
              "see the log above", file=sys.stderr)
        return rc or 1
    print("results:", *found, sep="\n  ")
    return 0
