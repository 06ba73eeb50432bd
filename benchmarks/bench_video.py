"""Benchmark: exact-time sampling vs the decode floor, qwen-vl-utils and the frame cache.

Usage: ``python benchmarks/bench_video.py [--runs 3] [--warm-runs 20]``

Clip: 60 s, 1280x720, 30 fps H.264 coded video (moving texture and grain for a realistic bitrate),
generated once into ``benchmarks/_out/``. Request: 2 fps (120 frames) resized to 252x448
(``max_pixels = 448*252``, factor 28). Measured in one run, median of several:

- ``videorl cold``: :func:`videorl.video.sample_frames` without cache (timeline + decode);
- ``decode floor``: plain PyAV, decode every frame, keep the wanted indices, ``to_ndarray(w, h)``;
- ``qwen-vl-utils``: ``fetch_video`` (decord backend; float32 output) when it imports;
- ``videorl warm``: :meth:`FrameCache.get_or_build` on a built npy entry.

Every frame returned is checked against the requested index via its frame code.
Targets: cold <= 1.15x the floor; warm >= 50x faster than qwen-vl-utils.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from videorl.io import write_json
from videorl.synth import make_video, read_frame_code
from videorl.video import sample_frames
from videorl.video.cache import FrameCache

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import row, write_result  # noqa: E402

OUT = Path(__file__).resolve().parent / "_out"
SETTINGS = {"fps": 2.0, "max_pixels": 448 * 252}


def clip_path() -> Path:
    path = OUT / "coded_60s_720p30.mp4"
    if not path.exists():
        t = time.time()
        make_video(path, duration=60, fps=30, size=(1280, 720), texture=True, crf=23, preset="veryfast")
        print(f"generated {path.name} ({path.stat().st_size / 1e6:.1f} MB) in {time.time() - t:.1f} s")
    return path


def timed(fn, runs: int) -> tuple[float, list[float], object]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times, out


def check(frames, indices) -> int:
    """Number of frames whose code is the requested index."""
    arr = np.asarray(frames)
    return sum(read_frame_code(f).index == i for f, i in zip(arr, indices, strict=True))


def floor_decode(path: Path, indices: list[int], height: int, width: int) -> np.ndarray:
    import av

    want = {i: k for k, i in enumerate(indices)}
    out = np.empty((len(indices), height, width, 3), np.uint8)
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        for n, frame in enumerate(c.decode(s)):
            k = want.get(n)
            if k is not None:
                out[k] = frame.to_ndarray(width=width, height=height, format="rgb24")
    return out


def qwen_fetch(path: Path):
    os.environ.setdefault("FORCE_QWENVL_VIDEO_READER", "decord")
    from qwen_vl_utils.vision_process import fetch_video

    video, meta = fetch_video({"video": str(path), **SETTINGS}, return_video_metadata=True)
    return video, meta


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="runs of each decoding method (median reported)")
    ap.add_argument("--warm-runs", type=int, default=20, help="runs of the cache read")
    args = ap.parse_args()
    path = clip_path()
    rows: dict[str, dict] = {}

    cold, cold_all, (frames, meta) = timed(lambda: sample_frames(path, **SETTINGS), args.runs)
    rows["videorl cold"] = {"median_s": cold, "runs_s": cold_all, "correct": check(frames, meta.frame_indices)}
    idx, h, w = meta.frame_indices, meta.height, meta.width

    fl, fl_all, fl_frames = timed(lambda: floor_decode(path, idx, h, w), args.runs)
    rows["decode floor (PyAV)"] = {"median_s": fl, "runs_s": fl_all, "correct": check(fl_frames, idx)}

    try:
        q, q_all, (qv, qmeta) = timed(lambda: qwen_fetch(path), args.runs)
        q_frames = qv.clamp(0, 255).round().byte().permute(0, 2, 3, 1).numpy()
        q_idx = [int(i) for i in qmeta["frames_indices"]]
        rows["qwen-vl-utils fetch_video"] = {"median_s": q, "runs_s": q_all, "correct": check(q_frames, q_idx),
                                             "size": list(q_frames.shape), "backend": qmeta.get("video_backend")}
    except Exception as err:  # report why instead of failing the whole benchmark
        q = None
        rows["qwen-vl-utils fetch_video"] = {"error": f"{type(err).__name__}: {err}"}

    with tempfile.TemporaryDirectory() as tmp:
        cache = FrameCache(tmp)
        cache.get_or_build(path, **SETTINGS)
        warm, warm_all, (wf, wm) = timed(lambda: cache.get_or_build(path, **SETTINGS), args.warm_runs)
        rows["videorl warm (npy cache)"] = {"median_s": warm, "runs_s": warm_all, "correct": check(wf, wm.frame_indices)}
        jcache = FrameCache(tmp, format="jpeg")
        jcache.get_or_build(path, **SETTINGS)
        jw, jw_all, (jf, jm) = timed(lambda: jcache.get_or_build(path, **SETTINGS), max(3, args.warm_runs // 4))
        rows["videorl warm (jpeg cache)"] = {"median_s": jw, "runs_s": jw_all, "correct": check(jf, jm.frame_indices)}

    ratios = {"cold / floor": cold / fl, "qwen-vl-utils / warm npy": (q / warm) if q else None,
              "qwen-vl-utils / cold": (q / cold) if q else None, "floor / warm npy": fl / warm}
    n = len(idx)
    print(f"\n60 s 1280x720 30 fps H.264 -> {n} frames at 2 fps, {w}x{h}; {os.cpu_count()} CPU cores")
    print(f"{'method':<28}{'median s':>10}{'frames ok':>11}")
    for name, r in rows.items():
        if "error" in r:
            print(f"{name:<28}{'failed':>10}   {r['error'][:80]}")
        else:
            print(f"{name:<28}{r['median_s']:>10.4f}{r['correct']:>6}/{n}")
    for k, v in ratios.items():
        print(f"{k:<28}{'' if v is None else f'{v:10.2f}x'}")
    targets = {"cold <= 1.15x floor": ratios["cold / floor"] <= 1.15,
               "warm >= 50x faster than qwen-vl-utils": None if q is None else ratios["qwen-vl-utils / warm npy"] >= 50}
    print("targets:", targets)
    write_json(OUT / "bench_video.json", {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                                      "python": platform.python_version()},
                                          "frames": n, "size": [h, w], "rows": rows, "ratios": ratios,
                                          "targets": targets})
    ok = rows["videorl cold"]["correct"]
    qtext = "qwen-vl-utils `fetch_video` failed" if q is None else f"qwen-vl-utils `fetch_video` {q:.3g} s"
    warm_x = "" if q is None else f": **{q / warm:.0f}×** faster than qwen-vl-utils"
    metrics = {"cold_s": cold, "floor_s": fl, "cold_over_floor": cold / fl, "warm_npy_s": warm, "warm_jpeg_s": jw,
               "frames_correct": float(ok), "frames": float(n)}
    if q is not None:
        metrics.update(qwen_vl_utils_s=q, qwen_over_warm=q / warm)
    write_result(__file__, [row(
        f"60 s 1280×720 30 fps H.264, {n} frames at 2 fps resized to {h}×{w}; every frame checked by its code "
        f"({ok}/{n})",
        f"videorl cold {cold:.3g} s vs plain PyAV decode floor {fl:.3g} s: **{cold / fl:.2f}×** the floor; {qtext}; "
        f"videorl warm (npy cache) {warm:.2g} s{warm_x} (JPEG cache {jw:.2g} s)",
        "cold ≤ 1.15× floor; warm ≥ 50×", **metrics)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
