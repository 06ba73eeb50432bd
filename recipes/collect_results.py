"""Collect lmms-eval results files into one markdown table, and fail loudly when any is missing.

Usage::

    python3 recipes/collect_results.py OUTPUT_DIR --tasks temporal_grounding_charades,nextgqa \
        [--since EPOCH_SECONDS] [--out OUTPUT_DIR/results.md]

lmms-eval 0.7.3 writes ``<output_path>/<model>/<date>_results.json`` and exits 0 even when an
evaluation failed, so a launcher's exit status proves nothing. This script reads every
``*_results.json`` under OUTPUT_DIR (only those modified at or after ``--since``, so stale files of
an earlier run do not count), takes for each task the newest file that has it (in ``results`` or
``groups``), and prints one row per task: the number of evaluated samples and every numeric metric.
Metric keys ``name,filter`` are shown as ``name`` when the filter is ``none``, else ``name (filter)``;
``alias``, ``*_stderr`` and non-numeric values (e.g. lmms-eval's ``submission`` placeholders) are left
out. Exit status 1, with a message naming what is missing, when no results file is found, when an
expected task is absent, or when a task has no numeric metric; 2 on unreadable JSON.

``--suite videorl_video_r2_suite`` (or ``videorl_video_mtr_suite``) prints instead the table in the
layout of the method's README: one column per benchmark in the method's order (Video-R2: the five
generic, then the six reasoning benchmarks, then their averages), one row per metric (accuracy in
percent; TAC and VAS when the run had a judge), ``-`` for a benchmark the folder has no result for.
The benchmark numbers are :func:`videorl.tasks.suite.headline_value` (a group without its own score,
such as MVBench, is the mean of its subtasks).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any


class CollectError(Exception):
    """A results file or task is missing or unusable; the message says which."""


def find_results(root: Path, since: float = 0.0) -> list[Path]:
    """``*_results.json`` files under ``root`` modified at or after ``since``, oldest first."""
    files = [p for p in root.rglob("*_results.json") if p.is_file() and p.stat().st_mtime >= since]
    return sorted(files, key=lambda p: (p.stat().st_mtime, str(p)))


def metric_name(key: str) -> str:
    name, _, flt = key.partition(",")
    return name if flt in ("", "none") else f"{name} ({flt})"


def numeric_metrics(entry: dict[str, Any]) -> dict[str, float]:
    """The numeric metrics of one task entry (see module docstring for what is dropped)."""
    out: dict[str, float] = {}
    for key, value in entry.items():
        name = key.partition(",")[0]
        if name == "alias" or name.endswith("_stderr") or isinstance(value, bool):
            continue
        if isinstance(value, (int, float)) and math.isfinite(value):
            out[metric_name(key)] = float(value)
    return out


def collect(files: list[Path], tasks: list[str]) -> dict[str, dict[str, Any]]:
    """``task -> {"metrics": {...}, "n": int | None, "file": Path, "model": str}``; raises CollectError."""
    if not files:
        raise CollectError("no lmms-eval results file (*_results.json) found: the evaluation failed "
                           "(lmms-eval exits 0 on failure; see its log above)")
    found: dict[str, dict[str, Any]] = {}
    for path in files:  # oldest first, so a newer file overrides an older one
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise CollectError(f"{path}: unreadable results JSON: {err}") from err
        config = data.get("config") or {}
        model = str(config.get("model_args") or config.get("model") or data.get("model_name") or "")
        n_samples = data.get("n-samples") or {}
        for section in ("groups", "results"):
            for task, entry in (data.get(section) or {}).items():
                if not isinstance(entry, dict):
                    continue
                n = (n_samples.get(task) or {}).get("effective")
                found[task] = {"metrics": numeric_metrics(entry), "n": n, "file": path, "model": model}
    missing = [t for t in tasks if t not in found]
    if missing:
        raise CollectError(f"no results for task(s) {', '.join(missing)} in {len(files)} results file(s) "
                           f"({', '.join(str(f) for f in files)}): that evaluation failed")
    empty = [t for t in tasks if not found[t]["metrics"]]
    if empty:
        raise CollectError(f"task(s) {', '.join(empty)} have no numeric metric in "
                           f"{', '.join(str(found[t]['file']) for t in empty)}")
    return {t: found[t] for t in (tasks or sorted(found))}


def fmt(value: float) -> str:
    return f"{value:.4g}"


def markdown(rows: dict[str, dict[str, Any]]) -> str:
    """One row per task; columns: task, n, then every metric seen (first-seen order), '-' where absent."""
    columns: list[str] = []
    for row in rows.values():
        columns += [m for m in row["metrics"] if m not in columns]
    models = sorted({row["model"] for row in rows.values() if row["model"]})
    lines = [f"model: {m}" for m in models] + [""] if models else []
    lines.append("| task | n | " + " | ".join(columns) + " |")
    lines.append("|---|---:|" + "---:|" * len(columns))
    for task, row in rows.items():
        cells = [fmt(row["metrics"][c]) if c in row["metrics"] else "-" for c in columns]
        n = "-" if row["n"] is None else str(row["n"])
        lines.append(f"| {task} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_text(path: Path, text: str) -> None:
    try:
        from videorl.io import atomic_write
    except ImportError:  # the collector also works without videorl: write then rename
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text)
        tmp.replace(path)
        return
    with atomic_write(path, "w") as f:
        f.write(text)


def merged_results(files: list[Path]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """All ``results`` entries of ``files`` (newer files win) and the models that wrote them."""
    merged: dict[str, dict[str, Any]] = {}
    models: list[str] = []
    for path in files:
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise CollectError(f"{path}: unreadable results JSON: {err}") from err
        config = data.get("config") or {}
        model = str(config.get("model_args") or config.get("model") or data.get("model_name") or "")
        if model and model not in models:
            models.append(model)
        for section in ("groups", "results"):
            merged.update({k: v for k, v in (data.get(section) or {}).items() if isinstance(v, dict)})
    return merged, models


def suite_table(results: dict[str, dict[str, Any]], suite: str, models: list[str] | None = None) -> str:
    """The method's README table of ``suite`` from merged lmms-eval ``results`` (see the module docstring)."""
    from videorl.tasks.suite import BENCHES, GENERIC, JUDGED_METRICS, SUITES, headline_value

    if suite not in SUITES:
        raise CollectError(f"unknown suite {suite!r}; known: {', '.join(SUITES)}")
    keys = list(SUITES[suite])
    rows: dict[str, dict[str, float | None]] = {}
    for metric in (None, *JUDGED_METRICS):
        row = {k: headline_value(BENCHES[k], results, metric) for k in keys}
        if metric is None or any(v is not None for v in row.values()):
            rows["accuracy" if metric is None else metric.upper().replace("_STRICT", " strict")] = row

    def avg(row: dict[str, float | None], which: list[str]) -> float | None:
        vals = [row[k] for k in which if row.get(k) is not None]
        return sum(vals) / len(vals) if len(vals) == len(which) and vals else None

    columns = [BENCHES[k].title for k in keys]
    groups: list[tuple[str, list[str]]] = []
    if suite == "videorl_video_r2_suite":
        groups = [("Reasoning avg", [k for k in keys if k not in GENERIC]), ("Overall avg", keys)]
    else:
        groups = [("Avg", keys)]
    lines = [f"model: {m}" for m in (models or [])] + ([""] if models else [])
    lines.append("| metric | " + " | ".join(columns + [g for g, _ in groups]) + " |")
    lines.append("|---|" + "---:|" * (len(columns) + len(groups)))
    for name, row in rows.items():
        cells = [row[k] for k in keys] + [avg(row, which) for _, which in groups]
        lines.append(f"| {name} | " + " | ".join("-" if v is None else f"{v:.1f}" for v in cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output_dir", type=Path, help="lmms-eval --output_path of the run")
    parser.add_argument("--tasks", default="", help="comma-separated task or group names that must all have results")
    parser.add_argument("--since", type=float, default=0.0,
                        help="only results files modified at or after this Unix time (the launch time)")
    parser.add_argument("--out", type=Path, help="also write the markdown table here (atomically)")
    parser.add_argument("--suite", help="print the method's README table of this suite (videorl_video_r2_suite, "
                                        "videorl_video_mtr_suite) instead of one row per task")
    args = parser.parse_args(argv)
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    if not args.output_dir.is_dir():
        print(f"collect_results: error: {args.output_dir} is not a directory: the evaluation wrote nothing",
              file=sys.stderr)
        return 1
    try:
        if args.suite:
            files = find_results(args.output_dir, args.since)
            if not files:
                raise CollectError("no lmms-eval results file (*_results.json) found: the evaluation failed")
            results, models = merged_results(files)
            table = suite_table(results, args.suite, models)
        else:
            table = markdown(collect(find_results(args.output_dir, args.since), tasks))
    except CollectError as err:
        print(f"collect_results: error: {err}", file=sys.stderr)
        return 2 if "unreadable" in str(err) else 1
    print(table, end="")
    if args.out:
        write_text(args.out, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
