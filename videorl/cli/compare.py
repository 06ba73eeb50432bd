"""``videorl compare A.jsonl B.jsonl [C.jsonl ...]``: is B better than A, beyond the noise of the samples?

Each file is scored per sample exactly as ``videorl score`` scores it (predictions from ``videorl predict``,
or ``score --per-sample`` output, whose stored scores are checked against the re-scoring); the paired
statistics live in :mod:`videorl.scoring.compare`. With more than two files, each is compared with the
first. Runs that differ in more than the model (prompts, sampling settings, ground truth, scorer
protocol) are refused, naming the difference, unless ``--allow KIND``; ids only one run has are a warning.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ALLOWABLE = ("prompt", "sampling", "ground_truth", "protocol", "ids")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    from videorl.scoring.compare import CI_METHODS

    p = subparsers.add_parser(
        "compare", help="paired comparison of runs: metric deltas with bootstrap CIs, exact McNemar tests",
        description="Compare runs on the ids they share: the delta of every metric (per task and meta.subtask) "
                    "with a paired-bootstrap confidence interval (scipy, fixed seed) and, for binary metrics, an "
                    "exact McNemar test. Refuses runs that differ in prompts, sampling settings, ground truth or "
                    "scorer protocol (naming the difference) unless --allow. See docs/view.md.")
    p.add_argument("runs", nargs="+", type=Path, metavar="RUN.jsonl",
                   help="two or more prediction files (predict output or score --per-sample output); the first is "
                        "the baseline")
    p.add_argument("--protocol", choices=("videorl", "official"), default="videorl",
                   help="scorer protocol applied to every run (as `videorl score --protocol`)")
    p.add_argument("--confidence", type=float, default=0.95, help="confidence level of the intervals (default 0.95)")
    p.add_argument("--resamples", type=int, default=9999, help="bootstrap resamples (default 9999)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0: the same inputs, the same CI)")
    p.add_argument("--ci-method", choices=CI_METHODS, default="BCa", help="bootstrap interval (default BCa)")
    p.add_argument("--allow", action="append", default=[], choices=ALLOWABLE, metavar="KIND",
                   help=f"compare anyway when the runs differ in KIND (repeatable): {', '.join(ALLOWABLE)}")
    p.add_argument("--json", action="store_true", help="print the comparisons as JSON")
    p.add_argument("--plot", type=Path, default=None, metavar="OUT.png",
                   help="draw the per-sample deltas of each task's headline metric (`plot` extra)")
    p.set_defaults(func=run)
    return p


def load_run(path: Path, protocol: str) -> tuple[list[tuple[str, dict[str, Any], dict[str, Any]]],
                                                 dict[str, dict[str, Any]]]:
    """``(rows scored as `videorl score` scores them, {id#sample_index: stored scores})``."""
    from videorl.cli.score import score_file
    from videorl.record import RecordError, iter_jsonl

    stored: dict[str, dict[str, Any]] = {}
    has_scores = False
    for _, obj in iter_jsonl(path):
        if isinstance(obj, dict) and isinstance(obj.get("scores"), dict):
            has_scores = True
            stored[f"{obj.get('id')}#{obj.get('sample_index') or 0}"] = obj["scores"]
    if not has_scores:
        return score_file(path, protocol=protocol, show_progress=False), stored
    # `score --per-sample` output: score the same lines without their stored scores (line numbers kept)
    with tempfile.TemporaryDirectory(prefix="videorl-compare-") as tmp:
        copy = Path(tmp) / path.name
        with open(path, encoding="utf-8") as src, open(copy, "w", encoding="utf-8") as dst:
            for line in src:
                if line.strip():
                    obj = json.loads(line)
                    obj.pop("scores", None)
                    line = json.dumps(obj, ensure_ascii=False) + "\n"
                dst.write(line)
        try:
            rows = score_file(copy, protocol=protocol, show_progress=False)
        except RecordError as err:
            raise err.at(path, err.line) from None
    return rows, stored


def run(args: argparse.Namespace) -> int:
    from videorl.scoring.compare import Run, compare_runs, format_table, protocol_difference

    if len(args.runs) < 2:
        raise ValueError("give at least two runs to compare (the first is the baseline)")
    names = _names(args.runs)
    loaded = [(name, *load_run(path, args.protocol)) for name, path in zip(names, args.runs, strict=True)]
    base_name, base_rows, base_stored = loaded[0]
    comparisons, refused = [], []
    for name, rows, stored in loaded[1:]:
        cmp = compare_runs(Run(base_name, base_rows), Run(name, rows), confidence=args.confidence,
                           n_resamples=args.resamples, seed=args.seed, method=args.ci_method)
        for n, r, s in ((base_name, base_rows, base_stored), (name, rows, stored)):
            diff = protocol_difference(n, s, r, args.protocol)
            if diff is not None:
                cmp.differences.append(diff)
        for d in cmp.differences:
            allowed = d.kind in args.allow or not d.fatal
            if d.kind == "ids" and cmp.shared == 0:
                allowed = False
            print(f"videorl compare: {'warning' if allowed else 'error'}: {base_name} vs {name}: {d.message}"
                  + ("" if allowed else f" (pass --allow {d.kind} to compare anyway)"), file=sys.stderr)
            if not allowed:
                refused.append(d)
        comparisons.append(cmp)
    if refused:
        return 2
    if args.json:
        print(json.dumps({"comparisons": [c.to_dict() for c in comparisons]}, indent=2))
    else:
        for cmp in comparisons:
            print(f"{cmp.b} vs {cmp.a}: {cmp.shared} shared ids; delta = {cmp.b} - {cmp.a} (points), "
                  f"{cmp.method} bootstrap, {cmp.n_resamples} resamples, seed {cmp.seed}; McNemar p (A-only/B-only)")
            print(format_table(cmp))
            print()
    if args.plot is not None:
        from videorl.plots.common import save_png
        from videorl.plots.compare import delta_figure

        save_png(delta_figure(comparisons), args.plot)
        print(f"per-sample deltas -> {args.plot}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _names(paths: list[Path]) -> list[str]:
    """Short distinct names for the runs: file stems, made unique with their parent folder."""
    stems = [p.name.removesuffix(".jsonl") for p in paths]
    if len(set(stems)) < len(stems):
        stems = [f"{p.parent.name}/{s}" if stems.count(s) > 1 else s for p, s in zip(paths, stems, strict=True)]
    if len(set(stems)) < len(stems):  # the same file twice, or the same folder names: number them
        stems = [f"{s} ({k + 1})" for k, s in enumerate(stems)]
    return stems
