"""Benchmark: the reference methods' data tools against plain decode / encode baselines, in one run.

Usage: ``python benchmarks/bench_data_tools.py [--runs 3]``

Clips (generated once into ``benchmarks/_out/``): coded H.264 videos with moving texture and grain
(a realistic bitrate), 640x360 at 30 fps: A is 30 s, B is 15 s. Medians of ``--runs``:

- **overlay**: :func:`videorl.data.overlay.apply_overlay` (timestamps + subtitles, one cue per
  second) on the frames of :func:`videorl.video.sample_frames` (2 fps, 60 frames, max_pixels
  448*252), against that sampler decode itself. Target: decode + overlay <= 1.5x the decode.
- **DarkEventInfer**: :func:`videorl.data.darkevent.mask_video` (a 10 s span of A) against a plain
  PyAV decode + encode of A with the same x264 settings. Target <= 1.5x.
- **MixVidQA**: :func:`videorl.data.mixvidqa.interleave` (B with the first 15 s of A) against a plain
  decode of both windows + encode of the same number of frames. Target <= 1.5x.

Outputs are checked by frame codes. Writes ``benchmarks/results/bench_data_tools.json``.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

from videorl.data.darkevent import mask_video
from videorl.data.mixvidqa import interleave
from videorl.data.overlay import apply_overlay
from videorl.data.reencode import DEFAULT_CRF, DEFAULT_PRESET
from videorl.io import write_json
from videorl.synth import make_video, read_frame_code
from videorl.video import sample_frames
from videorl.video.pyav_backend import decode, read_timeline

OUT = Path(__file__).resolve().parent / "_out"
RESULTS = Path(__file__).resolve().parent / "results" / "bench_data_tools.json"
MACHINE = "2-core x86-64 CPU VM, no GPU, Python 3.11"


def clip(name: str, duration: float) -> Path:
    path = OUT / f"coded_{name}_{int(duration)}s_360p30.mp4"
    if not path.exists():
        make_video(path, duration=duration, fps=30, size=(640, 360), texture=True, crf=23, preset="veryfast",
                   seed=len(name), events=[(0, 1000)] if name == "a" else [(999, 1000), (0, 1000)])
    return path


def timed(fn, runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def plain_reencode(sources: list[tuple[Path, float]], dst: Path) -> int:
    """Baseline: decode the first ``seconds`` of each source with PyAV and encode every frame (same x264 settings)."""
    import av

    n = 0
    with av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        stream.options = {"crf": str(DEFAULT_CRF), "preset": DEFAULT_PRESET}
        for path, seconds in sources:
            with av.open(str(path)) as src:
                vs = src.streams.video[0]
                vs.thread_type = "AUTO"
                for frame in src.decode(vs):
                    if float(frame.time) >= seconds - 1e-9:
                        break
                    frame.pts = n
                    frame.time_base = Fraction(1, 30)
                    frame.pict_type = av.video.frame.PictureType.NONE
                    out.mux(stream.encode(frame))
                    n += 1
        out.mux(stream.encode(None))
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    a, b = clip("a", 30), clip("b", 15)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        srt = tmp / "a.srt"
        srt.write_text("".join(f"{i + 1}\n00:00:{i:02d},000 --> 00:00:{i:02d},900\nline number {i} of the "
                               f"subtitles\n\n" for i in range(30)), encoding="utf-8")
        settings = {"fps": 2.0, "max_pixels": 448 * 252}
        t_dec, (frames, meta) = timed(lambda: sample_frames(a, **settings), args.runs)
        t_ov, stamped = timed(lambda: apply_overlay(frames, meta, f"absolute+subtitles:{srt}", subtitle_file=srt),
                              args.runs)
        assert stamped.shape == frames.shape and not np.array_equal(stamped, frames)
        r_ov = (t_dec + t_ov) / t_dec
        rows.append({"what": f"overlay: timestamps + subtitles on {len(frames)} sampled frames "
                             f"({meta.width}x{meta.height}) vs the sampler's decode of them",
                     "result": f"decode {t_dec * 1e3:.0f} ms, overlay {t_ov * 1e3:.0f} ms: decode + overlay = "
                               f"{r_ov:.2f}x the decode", "target": "<= 1.5x",
                     "metrics": {"decode_s": t_dec, "overlay_s": t_ov, "ratio": r_ov}})

        t_base, n = timed(lambda: plain_reencode([(a, 30.0)], tmp / "base.mp4"), args.runs)
        t_dark, res = timed(lambda: mask_video(a, tmp / "dark.mp4", (10.0, 20.0)), args.runs)
        tl = read_timeline(tmp / "dark.mp4")
        probe = [0, 299, 300, 599, 600, 899]
        got = decode(tmp / "dark.mp4", tl, np.array(probe), 90, 160)
        assert [read_frame_code(got[0]).index, read_frame_code(got[1]).index] == [0, 299]
        assert got[2].max() <= 24 and got[3].max() <= 24 and read_frame_code(got[4]).index == 600
        r_dark = t_dark / t_base
        rows.append({"what": f"DarkEventInfer: mask 10 s of a 30 s 640x360 30 fps clip ({res.frames} frames) vs "
                             "plain PyAV decode + encode of it",
                     "result": f"{t_dark:.2f} s vs {t_base:.2f} s: {r_dark:.2f}x", "target": "<= 1.5x",
                     "metrics": {"tool_s": t_dark, "baseline_s": t_base, "ratio": r_dark}})

        t_base2, n2 = timed(lambda: plain_reencode([(a, 15.0), (b, 15.0)], tmp / "base2.mp4"), args.runs)
        t_mix, facts = timed(lambda: interleave(a, b, tmp / "mix.mp4", window_a=(0.0, 15.0), seed=0), args.runs)
        assert facts["frames"] == n2
        tl = read_timeline(tmp / "mix.mp4")
        got = decode(tmp / "mix.mp4", tl, np.array([0, facts["frames"] - 1]), 90, 160)
        assert read_frame_code(got[0]).events_visible[0]
        r_mix = t_mix / t_base2
        rows.append({"what": f"MixVidQA: interleave two 15 s 640x360 30 fps windows ({facts['frames']} frames, "
                             f"{len(facts['chunks'])} chunks) vs plain decode + encode of the same frames",
                     "result": f"{t_mix:.2f} s vs {t_base2:.2f} s: {r_mix:.2f}x", "target": "<= 1.5x",
                     "metrics": {"tool_s": t_mix, "baseline_s": t_base2, "ratio": r_mix}})
    for r in rows:
        print(f"{r['what']}\n  {r['result']} (target {r['target']})")
    write_json(RESULTS, {"benchmark": "bench_data_tools.py", "machine": MACHINE,
                         "date": datetime.date.today().isoformat(), "rows": rows})
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
