"""The parity harness itself (``benchmarks/bench_parity.py``, ``benchmarks/parity/_load.py``), without
the originals: the loader imports a file unchanged with stubs and leaves ``sys.modules``/``sys.path``
as they were; the driver reports a module whose checkout is missing as skipped and still writes JSON."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture()
def loader():
    return _module(ROOT / "benchmarks" / "parity" / "_load.py", "parity_load_under_test")


def test_load_module_with_stubs_and_relative_imports(tmp_path, loader):
    pkg = tmp_path / "rewards"
    pkg.mkdir()
    (pkg / "helper.py").write_text("SCALE = 3\n")
    (pkg / "main.py").write_text(
        "import sys, os\nimport heavy_lib\nfrom heavy_pkg.sub import thing\nfrom .helper import SCALE\n"
        "sys.path.append('/nonexistent-added-by-the-file')\n"
        "def score(x):\n    return thing(x) * SCALE\n")
    before_path = list(sys.path)
    mod = loader.load_module(tmp_path, "rewards/main.py", name="rewards.main",
                             stubs={"heavy_lib": loader.stub("heavy_lib"),
                                    "heavy_pkg.sub": loader.stub("heavy_pkg.sub", thing=lambda x: x + 1)})
    assert mod.score(1) == 6
    for name in ("heavy_lib", "heavy_pkg", "heavy_pkg.sub", "rewards", "rewards.main", "rewards.helper"):
        assert name not in sys.modules, name
    assert sys.path == before_path
    with pytest.raises(FileNotFoundError, match="rewards/missing.py"):
        loader.load_module(tmp_path, "rewards/missing.py")


def test_load_module_keeps_real_parents(tmp_path, loader):
    (tmp_path / "f.py").write_text("from json.fake_sub import VALUE\nimport json\nX = (VALUE, json.dumps(1))\n")
    import json as real_json

    mod = loader.load_module(tmp_path, "f.py", stubs={"json.fake_sub": loader.stub("json.fake_sub", VALUE=7)})
    assert mod.X == (7, "1") and sys.modules["json"] is real_json and "json.fake_sub" not in sys.modules


def test_driver_skips_missing_checkouts(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("VIDEORL_ORIGINALS", raising=False)
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    bench = _module(ROOT / "benchmarks" / "bench_parity.py", "bench_parity_under_test")
    rc = bench.main(["--only", "temporal_r1", "--no-install", "--n", "5", "--results-dir", str(tmp_path),
                     "--originals", str(tmp_path / "none")])
    assert rc == 0
    data = json.loads((tmp_path / "bench_parity.json").read_text())
    assert data["benchmark"] == "bench_parity.py"
    (row,) = data["rows"]
    assert row["module"] == "temporal_r1" and "no checkout for temporal_r1" in row["skipped"]


def test_rows_add_up_and_name_their_classes():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        bench = _module(ROOT / "benchmarks" / "bench_parity.py", "bench_parity_rows")
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    rows = bench.rows_for("m", {"r": {"method": "M", "n": 4, "agree": 3, "classes": {"c1": 1},
                                      "examples": {"c1": ["x"]}}})
    assert rows[0]["result"] == "75.00 % equal (3/4); differences: c1 1"
    assert rows[0]["metrics"] == {"n": 4.0, "agree": 3.0, "class:c1": 1.0}
    with pytest.raises(AssertionError, match="do not add up"):
        bench.rows_for("m", {"r": {"method": "M", "n": 5, "agree": 3, "classes": {"c1": 1}}})
