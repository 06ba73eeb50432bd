"""Render the README's Performance table from the benchmarks' result files.

Every benchmark writes ``benchmarks/results/<name>.json`` (see ``_results.py``); this script renders
all of them, sorted by file name, between ``<!-- bench:begin -->`` and ``<!-- bench:end -->`` in
README.md. A test (tests/test_bench_readme.py) fails when the README differs from the rendering,
so the figures in the README are always the benchmarks' own.

    python benchmarks/render_readme.py           # rewrite the README block
    python benchmarks/render_readme.py --check   # exit 1 when the README is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
RESULTS = HERE / "results"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
KEYS = ("benchmark", "machine", "date", "rows")
ROW_KEYS = ("what", "result", "target", "metrics")


class ResultError(ValueError):
    """A result file does not have the shared shape."""


def load(results_dir: Path = RESULTS) -> list[dict[str, Any]]:
    """Every ``*.json`` result file, sorted by file name, checked for the shared shape."""
    out = []
    for path in sorted(results_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ResultError(f"{path}: malformed JSON ({exc.msg}, line {exc.lineno})") from None
        if not isinstance(data, dict) or any(k not in data for k in KEYS):
            raise ResultError(f"{path}: needs the keys {list(KEYS)}")
        if not isinstance(data["rows"], list) or not data["rows"]:
            raise ResultError(f"{path}: 'rows' must be a non-empty list")
        for i, row in enumerate(data["rows"]):
            if not isinstance(row, dict) or any(k not in row for k in ROW_KEYS):
                raise ResultError(f"{path}: rows[{i}] needs the keys {list(ROW_KEYS)}")
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in row["metrics"].values()):
                raise ResultError(f"{path}: rows[{i}].metrics must map names to numbers")
        out.append(data)
    return out


def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


PARITY = "bench_parity.py"


def _parity_table(data: dict[str, Any]) -> list[str]:
    """``bench_parity.py``'s rows as method × reward -> agreement (its own table)."""
    lines = ["| method | reward | agreement with the released code | documented differences |",
             "| --- | --- | --- | --- |"]
    for row in data["rows"]:
        if "skipped" in row:
            lines.append(f"| {_cell(row.get('module', row['what']))} | — | {_cell(row['result'])} | |")
            continue
        m = row["metrics"]
        n, agree = int(m.get("n", 0)), int(m.get("agree", 0))
        pct = "100 %" if n and agree == n else f"{100.0 * agree / n:.2f} %" if n else "—"
        classes = ", ".join(f"`{k[6:]}` {int(v):,}" for k, v in sorted(m.items()) if k.startswith("class:")) or "none"
        lines.append(f"| {_cell(row.get('method', ''))} | `{_cell(row.get('reward', row['what']))}` | "
                     f"{pct} ({agree:,} / {n:,}) | {_cell(classes)} |")
    return lines


def render(results_dir: Path = RESULTS) -> str:
    """The Markdown between the markers (without them): the table, then where and when it was measured.

    ``bench_parity.py``'s rows get their own table (method × reward -> agreement %) after the main one."""
    files = load(results_dir)
    lines = ["| benchmark | what | result | target |", "| --- | --- | --- | --- |"]
    for data in files:
        if data["benchmark"] == PARITY:
            continue
        for row in data["rows"]:
            lines.append(f"| `{_cell(data['benchmark'])}` | {_cell(row['what'])} | {_cell(row['result'])} | "
                         f"{_cell(row['target'])} |")
    for data in files:
        if data["benchmark"] == PARITY:
            lines += ["", "Faithful mode beside each method's own released reward code (`benchmarks/bench_parity.py`, "
                          "seeded corpus plus real model outputs; classes: docs/rewards.md):", ""]
            lines += _parity_table(data)
    seen: dict[str, list[str]] = {}
    for data in files:
        seen.setdefault(f"{data['machine']}", []).append(f"`{data['benchmark']}` {data['date']}")
    where = "; ".join(f"{machine}: {', '.join(runs)}" for machine, runs in seen.items())
    lines += ["", f"Rendered by `benchmarks/render_readme.py` from `benchmarks/results/*.json` ({where})."]
    return "\n".join(lines)


def block(readme_text: str) -> str:
    """The README's current text between the markers (stripped)."""
    try:
        start = readme_text.index(BEGIN) + len(BEGIN)
        stop = readme_text.index(END, start)
    except ValueError:
        raise ResultError(f"README has no {BEGIN} ... {END} block") from None
    return readme_text[start:stop].strip()


def update(readme: Path = README, results_dir: Path = RESULTS) -> bool:
    """Rewrite the block in ``readme``; True when it changed."""
    text = readme.read_text(encoding="utf-8")
    new = render(results_dir)
    if block(text) == new:
        return False
    start = text.index(BEGIN) + len(BEGIN)
    stop = text.index(END, start)
    from videorl.io import atomic_write

    with atomic_write(readme) as fh:
        fh.write(text[:start] + "\n" + new + "\n" + text[stop:])
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check; exit 1 when README.md is out of date")
    args = ap.parse_args(argv)
    if args.check:
        ok = block(README.read_text(encoding="utf-8")) == render()
        print("README performance table is up to date" if ok else
              "README performance table differs from benchmarks/results: run python benchmarks/render_readme.py")
        return 0 if ok else 1
    print("README.md updated" if update() else "README.md already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
