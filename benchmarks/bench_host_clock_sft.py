"""Benchmark: the clock and frame size LLaMA-Factory 0.9.5's own SFT data path gives, per LF path and model.

Usage: ``python benchmarks/bench_host_clock_sft.py`` (builds or reuses the LLaMA-Factory host
environment of tests/host_llamafactory.py; a few minutes when cached).

Clips (coded, 320x240, so every frame's index is read back from what the vision tower gets):
a Charades-like 30.96 s and an ActivityNet-like 119.5 s video, both at 29.97 fps (mp4 and webm).
Each goes through `videorl data export llamafactory` in two ways and then through LLaMA-Factory's
own converter, ``mm_plugin`` and collator with the model's ``get_rope_index``
(:mod:`videorl.testing.lf_clock`), with the SFT recipes' video settings (2 fps, 3136..50176 px,
``video_maxlen`` 240) and tiny Qwen2.5-VL / Qwen3-VL models with the released processor sizes:

- ``path videos`` (``--path-videos``, the baseline): LLaMA-Factory samples the file itself;
- ``frame lists`` (the default): videorl's sampler picks the frames, LLaMA-Factory keeps them.

Per row: max |true - told| over the temporal patches (tests/lf_clock_cases.py: Qwen2.5-VL compares
the M-RoPE time with the patch's first frame, Qwen3-VL the ``<t seconds>`` marker with the rounded
mean of its two frames), the largest difference from what videorl's glue tells the model in RL and
evaluation for the same clip (and whether the frames are the ones RL and evaluation see), and the frame-size error (pixels of height and width against the
sampler's size for that model). Writes ``benchmarks/results/bench_host_clock_sft.json``.
"""

from __future__ import annotations

import datetime
import json
import platform
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from host_llamafactory import LLAMAFACTORY, lf_environ  # noqa: E402
from lf_clock_cases import MODELS, Case, clock_error, eval_told, lf_config, true_times, write_records  # noqa: E402

from videorl.data.export_llamafactory import PATCH_SIZE, export_llamafactory  # noqa: E402
from videorl.io import write_json  # noqa: E402
from videorl.synth import make_video  # noqa: E402
from videorl.video import sample_frames  # noqa: E402

NTSC = Fraction(30000, 1001)
CLIPS = [("Charades-like 30.96 s mp4", "charades.mp4", 30.96), ("ActivityNet-like 119.5 s webm", "anet.webm", 119.5)]
RESULT = ROOT / "benchmarks" / "results" / "bench_host_clock_sft.json"


def main() -> int:
    t0 = time.time()
    env = LLAMAFACTORY.ensure()
    print(f"LLaMA-Factory environment: {env.root} ({time.time() - t0:.0f} s)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-lf-clock-") as tmp:
        tmp = Path(tmp)
        cases = []
        for _, fname, dur in CLIPS:
            opts = {"deadline": "realtime", "cpu-used": "8"} if fname.endswith("webm") else {"preset": "ultrafast"}
            v = make_video(tmp / fname, duration=dur, fps=NTSC, size=(320, 240),
                           codec="libvpx-vp9" if fname.endswith("webm") else "h264", options=opts)
            cases.append(Case(fname, v))
        records = write_records(cases, tmp / "clock.jsonl")
        env.script("import sys; from videorl.testing import tiny_qwen as t; "
                   "[getattr(t, 'build_tiny_' + m)(sys.argv[1] + '/' + m, released_sizes=True) for m in sys.argv[2:]]",
                   str(tmp / "tiny"), *MODELS, env=lf_environ(env))
        runs, configs = [], []
        for model in MODELS:
            for path_name, path_videos in (("path videos", True), ("frame lists", False)):
                data = tmp / f"{model}_{path_videos}"
                export_llamafactory(records, data, name="clock", style="direct", model=model,
                                    path_videos=path_videos)
                configs.append(lf_config(tmp / f"{model}_{path_videos}.yaml", model_dir=tmp / "tiny" / model,
                                         data_dir=data, dataset="clock", model=model, out_dir=tmp / "out",
                                         cutoff_len=32768))
                runs.append((model, path_name, path_videos))
        out = tmp / "probe.json"
        env.run(["-m", "videorl.testing.lf_clock", out, *configs], env=lf_environ(env), timeout=3600)
        probed = [r["samples"] for r in json.loads(out.read_text())["runs"]]
        for (model, path_name, path_videos), samples in zip(runs, probed, strict=True):
            for (label, _, _), case, s in zip(CLIPS, cases, samples, strict=True):
                _, meta = sample_frames(case.video.path, fps=2.0, min_pixels=3136, max_pixels=50176,
                                        patch_size=PATCH_SIZE[model])
                err = clock_error(model, case.video, s)
                ev = eval_told(model, meta)
                n = min(len(ev), len(s["told"]))
                vs_eval = max(abs(a - b) for a, b in zip(ev[:n], s["told"][:n], strict=True))
                size_err = max(abs(s["size"][0] - meta.height), abs(s["size"][1] - meta.width))
                span = true_times(case.video, s["frames"])[-1]
                n_told = len(s["told"])
                same = s["frames"] == meta.frame_indices
                patches = "" if len(ev) == n_told else f" ({n_told} patches, RL/eval {len(ev)})"
                rows.append({
                    "what": f"LLaMA-Factory {path_name}, {model}, {label}",
                    "result": (f"max |true - told| {err:.3f} s; frames {'=' if same else '!='} RL/eval frames, "
                               f"told vs RL/eval glue {vs_eval:.3f} s{patches}; "
                               f"frames {s['size'][0]}x{s['size'][1]} vs sampler {meta.height}x{meta.width}; "
                               f"{len(s['frames'])} frames to {span:.1f} s"),
                    "target": "0.000 s (Qwen3-VL: marker = rounded true mean), 0 px" if not path_videos else "—",
                    "metrics": {"max_err_s": round(err, 4), "vs_eval_s": round(vs_eval, 4), "same_frames": float(same),
                                "size_err_px": size_err, "frames": len(s["frames"]),
                                "patches_told": n_told, "patches_eval": len(ev)},
                })
                print(f"{rows[-1]['what']}: {rows[-1]['result']}")
    write_json(RESULT, {"benchmark": "bench_host_clock_sft.py",
                        "machine": f"2-core x86-64 CPU VM, no GPU, Python {platform.python_version()}",
                        "date": datetime.date.today().isoformat(), "rows": rows})
    print(f"wrote {RESULT} ({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
