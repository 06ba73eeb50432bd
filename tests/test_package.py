"""Packaging: `import videorl` stays light, the wheel carries the files hosts read at run time, and
a plain `pip install .` into a clean virtual environment gives a working `videorl score`."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

HEAVY = {"torch", "torchvision", "transformers", "av", "decord", "torchcodec", "lmms_eval", "pandas",
         "pyarrow", "cv2", "matplotlib", "datasets", "qwen_vl_utils", "PIL"}
LIGHT_MODULES = ["videorl", "videorl.record", "videorl.io", "videorl.paths", "videorl.prompts", "videorl.target",
                 "videorl.parse", "videorl.scoring", "videorl.rewards", "videorl.cli"]


def test_import_videorl_is_light():
    present = [m for m in LIGHT_MODULES if importlib.util.find_spec(m) is not None]
    code = (
        "import importlib, sys, json\n"
        f"for m in {present!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT)
    loaded = set(json.loads(out.stdout))
    assert not (loaded & HEAVY), f"importing {present} pulled in heavy modules: {sorted(loaded & HEAVY)}"
    # `import videorl` alone loads nothing beyond the standard library
    out = subprocess.run([sys.executable, "-c", "import sys; import videorl; "
                          "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
                          "{'numpy','yaml','tqdm','jinja2'})))".replace("json.dumps", "__import__('json').dumps")],
                         check=True, capture_output=True, text=True, cwd=ROOT)
    assert json.loads(out.stdout) == []


def test_cli_help_is_fast_and_lists_commands():
    out = subprocess.run([sys.executable, "-m", "videorl", "--help"], check=True, capture_output=True, text=True,
                         cwd=ROOT)
    assert "score" in out.stdout
    assert subprocess.run([sys.executable, "-m", "videorl", "--version"], capture_output=True, text=True,
                          cwd=ROOT).stdout.startswith("videorl ")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True, text=True)
    (whl,) = out.glob("videorl-*.whl")
    return whl


@pytest.mark.slow
def test_wheel_carries_runtime_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    # every non-Python file under videorl/ in the source tree (YAML, Jinja, JSON, reward files) ships
    wanted = {p.relative_to(ROOT).as_posix() for p in (ROOT / "videorl").rglob("*")
              if p.is_file() and p.suffix in {".yaml", ".jinja", ".json", ".jsonl", ".txt"}
              or p.name == "_default_template_yaml"}
    wanted = {w for w in wanted if "__pycache__" not in w}
    missing = sorted(wanted - names)
    assert not missing, f"wheel lacks runtime files: {missing}"
    assert "videorl/cli/__init__.py" in names
    # Python files that hosts load by path, not by import: they must ship too.
    by_path = ["videorl/plugins/easyr1/reward.py"] + [
        p.relative_to(ROOT).as_posix() for p in (ROOT / "videorl" / "tasks").rglob("utils.py")]
    assert len(by_path) > 1
    assert not sorted(set(by_path) - names), f"wheel lacks files hosts load by path: {sorted(set(by_path) - names)}"
    eps = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(eps).decode()
    assert "[console_scripts]" in text and "videorl = videorl.cli:main" in text
    assert "[lmms_eval.models]" in text


@pytest.mark.slow
def test_clean_venv_install_and_score(wheel, tmp_path):
    """`pip install .` into a clean venv (core dependencies only) and `videorl score --json`."""
    example = ROOT / "examples" / "predictions.jsonl"
    if not example.exists():
        pytest.skip("examples/predictions.jsonl not written yet")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = venv / "bin" / "pip"
    r = subprocess.run([str(pip), "install", "-q", str(wheel)], capture_output=True, text=True)
    if r.returncode != 0 and "No matching distribution" in r.stderr + r.stdout:
        pytest.skip(f"package index unreachable: {r.stderr[-300:]}")
    assert r.returncode == 0, r.stderr
    out = subprocess.run([str(venv / "bin" / "videorl"), "score", "--json", str(example)], capture_output=True,
                         text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert "grounding" in result and "mIoU" in result["grounding"]
