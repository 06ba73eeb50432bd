"""Write a benchmark's result file, ``benchmarks/results/<bench_name>.json`` (atomic).

Every benchmark calls :func:`write_result` at the end of a run; ``benchmarks/render_readme.py``
renders all result files into the README's Performance table. Shape::

    {"benchmark": "bench_x.py", "machine": "2-core x86-64 CPU VM, no GPU, Python 3.11",
     "date": "YYYY-MM-DD",
     "rows": [{"what": ..., "result": ..., "target": ..., "metrics": {"name": float, ...}}]}

``result`` is text made from the measured figures (never typed in); ``metrics`` holds the raw
numbers. Set ``VIDEORL_BENCH_MACHINE`` to describe the machine when the automatic description
(core count, architecture, GPU or not, Python version) is not enough.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> str:
    """E.g. ``"2-core x86-64 CPU VM, no GPU, Python 3.11"``."""
    env = os.environ.get("VIDEORL_BENCH_MACHINE")
    if env:
        return env
    arch = {"x86_64": "x86-64", "AMD64": "x86-64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    vm = ""
    try:
        vm = " VM" if "hypervisor" in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace") else ""
    except OSError:
        pass
    gpu = "GPU" if shutil.which("nvidia-smi") else "no GPU"
    return f"{os.cpu_count()}-core {arch} CPU{vm}, {gpu}, Python {sys.version_info.major}.{sys.version_info.minor}"


def row(what: str, result: str, target: str = "—", **metrics: float) -> dict[str, Any]:
    """One table row; ``metrics`` are the raw figures (floats)."""
    return {"what": what, "result": result, "target": target,
            "metrics": {k: float(v) for k, v in metrics.items()}}


def write_result(script: str, rows: list[dict[str, Any]], *, results_dir: Path | None = None) -> Path:
    """Write ``<results_dir>/<script stem>.json`` atomically and return its path."""
    from videorl.io import write_json

    name = Path(script).name
    out = (results_dir or RESULTS) / f"{Path(name).stem}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(out, {"benchmark": name, "machine": machine(), "date": _dt.date.today().isoformat(), "rows": rows})
    print(f"results: {out}")
    return out
