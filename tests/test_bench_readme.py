"""The README's Performance table is the rendering of benchmarks/results/*.json, never typed in."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _renderer():
    spec = importlib.util.spec_from_file_location("render_readme", ROOT / "benchmarks" / "render_readme.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_readme_table_is_the_rendering():
    mod = _renderer()
    assert mod.block((ROOT / "README.md").read_text(encoding="utf-8")) == mod.render(), \
        "README's Performance table differs from benchmarks/results: run python benchmarks/render_readme.py"


def test_every_benchmark_writes_its_result_file():
    benches = sorted(p.stem for p in (ROOT / "benchmarks").glob("bench_*.py"))
    results = sorted(p.stem for p in (ROOT / "benchmarks" / "results").glob("*.json"))
    assert set(benches) <= set(results), f"benchmarks without a result file: {set(benches) - set(results)}"
    for name in results:
        data = json.loads((ROOT / "benchmarks" / "results" / f"{name}.json").read_text())
        assert data["benchmark"] == f"{name}.py"


def test_render_and_update(tmp_path):
    mod = _renderer()
    res = tmp_path / "results"
    res.mkdir()
    (res / "b_two.json").write_text(json.dumps({"benchmark": "b_two.py", "machine": "m", "date": "2026-01-02", "rows": [
        {"what": "w | x", "result": "r", "target": "—", "metrics": {"s": 1.5}}]}))
    (res / "a_one.json").write_text(json.dumps({"benchmark": "a_one.py", "machine": "m", "date": "2026-01-01", "rows": [
        {"what": "w1", "result": "**2.0×**", "target": "< 3", "metrics": {}}]}))
    text = mod.render(res)
    rows = text.splitlines()
    assert rows[2] == "| `a_one.py` | w1 | **2.0×** | < 3 |"  # sorted by file name
    assert rows[3] == "| `b_two.py` | w \\| x | r | — |"  # pipes escaped
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{mod.BEGIN}\nold\n{mod.END}\nrest\n")
    assert mod.update(readme, res) is True and mod.update(readme, res) is False
    assert mod.block(readme.read_text()) == text and readme.read_text().endswith(f"{mod.END}\nrest\n")
    (res / "c.json").write_text(json.dumps({"benchmark": "c.py", "rows": []}))
    with pytest.raises(mod.ResultError, match="c.json: needs the keys"):
        mod.render(res)


def test_parity_rows_get_their_own_table(tmp_path):
    mod = _renderer()
    res = tmp_path / "results"
    res.mkdir()
    (res / "bench_parity.json").write_text(json.dumps({"benchmark": "bench_parity.py", "machine": "m", "date": "d",
        "rows": [{"what": "parity M · r", "result": "x", "target": "t", "method": "M", "reward": "r",
                  "metrics": {"n": 4, "agree": 3, "class:c1": 1}},
                 {"what": "parity z", "result": "skipped: no checkout", "target": "t", "module": "z",
                  "skipped": "no checkout", "metrics": {}}]}))
    (res / "a.json").write_text(json.dumps({"benchmark": "a.py", "machine": "m", "date": "d", "rows": [
        {"what": "w", "result": "r", "target": "—", "metrics": {}}]}))
    lines = mod.render(res).splitlines()
    assert lines[2] == "| `a.py` | w | r | — |" and not any(ln.startswith("| `bench_parity.py`") for ln in lines)
    assert "| M | `r` | 75.00 % (3 / 4) | `c1` 1 |" in lines
    assert "| z | — | skipped: no checkout | |" in lines
