"""Benchmark: the clock and frame size EasyR1's *own* video path gives, per path, on coded videos.

Usage: ``python benchmarks/bench_host_clock.py [--no-write]`` (needs ``../shared/hosts/easyr1``; builds
or reuses the EasyR1 host environment of the test tier, tests/host_easyr1.py).

Videos: a Charades-like 30.96 s clip at 29.97 fps and an ActivityNet-like 119.5 s clip at 30 fps
(320x180, every frame carries its index). Each goes through ``videorl data export easyr1`` and then
EasyR1's ``RLHFDataset`` -> ``FSDPWorker._process_multi_modal_inputs`` -> ``get_rope_index`` /
the Qwen3-VL prompt -> ``_get_input_embeds`` with a tiny model (videorl.testing.easyr1_clock).
Paths, in one run:

- ``Qwen2.5-VL, video path`` (the baseline: what EasyR1 does with a plain video path);
- ``Qwen2.5-VL, frame list`` (``--frames-cache``, the recipes' default);
- ``Qwen3-VL, video path, released processor`` (baseline) and ``Qwen3-VL, frame list + overlay``.

Figures: max |true - told| over the temporal patches (true: the frame codes read back from what
qwen-vl-utils handed the processor; told: M-RoPE time ids x 0.5 s, or the ``<t seconds>`` text), and
the frame-size error: the size the model sees against the size the recipe asked for (the exported
frames, or for a path our sampler's size at the recipe's budget), largest side error in percent.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from host_easyr1 import EASYR1, EASYR1_SRC, PRELUDE  # noqa: E402

from videorl.io import write_json  # noqa: E402
from videorl.video.sizing import video_frame_size  # noqa: E402

VIDEOS = {"Charades-like 30.96 s @ 29.97 fps": [30.96, 29.97], "ActivityNet-like 119.5 s @ 30 fps": [119.5, 30.0]}
PATHS = [("Qwen2.5-VL, video path (baseline)", "qwen2_5_vl", {"paths": True}),
         ("Qwen2.5-VL, frame list", "qwen2_5_vl", {}),
         ("Qwen3-VL, video path, released processor (baseline)", "qwen3_vl", {"paths": True, "processor_overlay": False}),
         ("Qwen3-VL, frame list + processor overlay", "qwen3_vl", {})]
SCRIPT = """
import json, sys
from pathlib import Path
from videorl.testing.easyr1_clock import measure
work, spec = Path(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps([measure(model, spec["videos"], work / str(i), **kw) for i, (model, kw) in enumerate(spec["runs"])]))
"""


def size_error(row: dict, model: str) -> float:
    """Largest side error (%) of the size the model saw against the size the recipe asked for."""
    want = row["export_hw"]
    if want is None:  # a path: the recipe's budget applied to the source, as our sampler sizes it
        patch = 14 if model == "qwen2_5_vl" else 16
        want = video_frame_size(*row["source_hw"], row["frames"], patch_size=patch, min_pixels=3136, max_pixels=50176)
    got = row["model_hw"]
    return 100 * max(abs(g - w) / w for g, w in zip(got, want, strict=True))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-write", action="store_true", help="print only; do not write benchmarks/results/")
    args = ap.parse_args()
    if not EASYR1_SRC.is_dir():
        print(f"{EASYR1_SRC} is absent: this benchmark runs EasyR1's own code", file=sys.stderr)
        return 2
    env = EASYR1.ensure()
    spec = {"videos": list(VIDEOS.values()), "runs": [[m, kw] for _, m, kw in PATHS]}
    with tempfile.TemporaryDirectory() as tmp:
        r = env.script(PRELUDE + SCRIPT, tmp, json.dumps(spec), timeout=3600, env={"OMP_NUM_THREADS": "2"})
    results = json.loads(r.stdout.strip().splitlines()[-1])
    out_rows = []
    print(f"{'EasyR1 path':58s} {'video':36s} {'max|true-told| s':>17s} {'mean s':>7s} {'size err %':>10s}  features")
    for (label, model, _), res in zip(PATHS, results, strict=True):
        for (vname, _), row in zip(VIDEOS.items(), res["rows"], strict=True):
            serr = size_error(row, model)
            feats = "= tokens" if row["embed_error"] is None else "CRASH: " + row["embed_error"][:48]
            print(f"{label:58s} {vname:36s} {row['max_abs_err_s']:17.3f} {row['mean_abs_err_s']:7.3f} "
                  f"{serr:10.1f}  {feats}")
            out_rows.append({
                "what": f"EasyR1 clock, {label}, {vname}",
                "result": (f"max |true - told| {row['max_abs_err_s']:.3f} s (mean {row['mean_abs_err_s']:.3f}), "
                           f"frame size {row['model_hw'][0]}x{row['model_hw'][1]} ({serr:.1f}% off the recipe's), "
                           + ("video features = tokens" if row["embed_error"] is None else "forward crashes")),
                "target": "0.000 s (Qwen2.5-VL at a frame-exact rate; <= half a frame otherwise; Qwen3-VL: the "
                          "0.1 s print step), 0% size error" if "baseline" not in label else "—",
                "metrics": {"max_abs_err_s": row["max_abs_err_s"], "mean_abs_err_s": row["mean_abs_err_s"],
                            "size_err_pct": round(serr, 2), "features_match": float(row["embed_error"] is None)}})
    if not args.no_write:
        write_json(ROOT / "benchmarks" / "results" / "bench_host_clock.json",
                   {"benchmark": "bench_host_clock.py", "machine": f"2-core x86-64 CPU VM, no GPU, Python "
                    f"{platform.python_version()}", "date": datetime.date.today().isoformat(), "rows": out_rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
