"""Benchmark: batched prediction with decode overlapped behind generation vs decode inline.

Usage: ``python benchmarks/bench_predict.py [--videos 64] [--new-tokens 128] [--threads 1]``

Setup (CPU stand-in for the H200 measurement of issue 15): the tiny random Qwen2.5-VL of
``videorl.testing.tiny_qwen`` (torch on ``--threads`` threads, the model's share of the machine),
``--videos`` distinct coded 640x360 30 fps videos of 8 s (generated once into ``benchmarks/_out/``),
2 fps at 448x252 (16 frames, 1,152 video tokens a sample), exactly ``--new-tokens`` new tokens
(greedy; ``min_new_tokens`` = ``max_new_tokens``): on two cores one decode worker then decodes a
video a little faster than the model (processor + generate) consumes it, the regime where decode
can be hidden at all (on the H200 of issue 15 one worker could not keep up with batch 8: use several).
Four runs in one process, same model:

- ``batch 1, inline``: what ``videorl_qwen`` did before batching;
- ``batch 8, inline``: batched generation, decode in the model's process (``workers = 0``);
- ``batch 8, overlapped``: batched generation, one decode worker process ahead of the model, the
  processor in the model loop (issue 15's engine, ``in_workers=False``);
- ``batch 8, processor in workers``: the same with the processor in the decode workers
  (``--prep-workers``, default 2): the loop only pads and generates (issue 27);
- ``batch 8, overlapped as filed``: the overlapped run as it was when issue 27 was filed, side by side:
  ``VIDEORL_DECODE_FULL=1`` (every frame decoded, frame-threaded worker; same pixels), processor in the loop.

Reported per run: samples/s, CPU seconds per sample by stage (``time.process_time`` in the workers,
``time.thread_time`` of the model loop's thread: robust to other people's load, unlike wall time) and
the roofline they imply (:func:`cpu_split`), the decode / processor / generate split (seconds per sample), the
model's idle fraction (share of wall time not generating: waiting for frames or in the processor),
the idle fraction after the first batch started (what the workers can hide), and the frame-wait fraction (share of wall time after the first batch started that the model loop
waited for frames: the decode not hidden). Target: batch 8 overlapped beats batch 8 inline, and its
decode is hidden (frame wait after the first batch under 10% of wall time; before the first batch
nothing can hide it).
Writes ``benchmarks/results/bench_predict.json`` (see docs/predict.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from videorl.io import write_json
from videorl.synth import make_video

OUT = Path(__file__).resolve().parent / "_out"
RESULTS = Path(__file__).resolve().parent / "results"


def videos(n: int) -> list[Path]:
    paths = []
    for i in range(n):
        path = OUT / f"predict_{i:02d}_8s_360p30.mp4"
        if not path.exists():
            make_video(path, duration=8, fps=30, size=(640, 360), texture=True, crf=23, preset="veryfast")
        paths.append(path)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--videos", type=int, default=64)
    ap.add_argument("--new-tokens", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the model's share of the CPU)")
    ap.add_argument("--prep-workers", type=int, default=2,
                    help="decode workers of the processor-in-workers run (2: on two cores one worker leaves the "
                         "model loop's spare CPU unused; a third process also wins CPU share on a loaded machine)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run the batch-8 modes (overlapped, processor in workers, inline) this many times, "
                         "alternating (load drift on a shared machine hits all); the ratios reported are medians")
    ap.add_argument("--model", choices=("qwen2_5_vl", "qwen3_vl"), default="qwen2_5_vl", help="tiny model family")
    args = ap.parse_args()

    import torch

    from videorl.predict.hf import QwenEngine
    from videorl.predict.run import GenJob, generate_jobs
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl, build_tiny_qwen3_vl

    torch.set_num_threads(args.threads)
    paths = videos(args.videos)
    model_dir = (build_tiny_qwen2_5_vl(OUT / "tiny_q25") if args.model == "qwen2_5_vl"
                 else build_tiny_qwen3_vl(OUT / "tiny_q3"))
    engine = QwenEngine(str(model_dir))
    engine.model.generation_config.min_new_tokens = args.new_tokens  # exactly N new tokens, like the GPU setup
    sampling = engine.sampling(fps=2.0, max_pixels=448 * 252)
    jobs = [GenJob(prompt=f"Find the moment: event {i}.", video=str(p), max_new_tokens=args.new_tokens)
            for i, p in enumerate(paths)]
    generate_jobs(engine, sampling, jobs[:2], batch_size=2, workers=0, progress=False)  # warm-up

    runs = {}
    texts = {}
    for name, bs, workers, prep in (("batch 1, inline", 1, 0, False), ("batch 8, inline", 8, 0, False),
                                    ("batch 8, overlapped", 8, 1, False),
                                    ("batch 8, processor in workers", 8, args.prep_workers, True)):
        runs[name], texts[name], t = measure(engine, sampling, jobs, bs, workers, prep)
        n = len(jobs)
        wall = t.wall
        print(f"{name:22s} {n / wall:6.2f} samples/s  decode {t.decode / n:.3f}  processor {t.processor / n:.3f}  "
              f"generate {t.generate / n:.3f}  wait {t.wait / n:.3f}  worker processor {t.prepare / n:.3f} s/sample  "
              f"model idle {100 * t.idle_fraction:.0f}% ({100 * _idle_after_first(t):.0f}% after batch 1)  "
              f"frame wait after batch 1 {100 * t.wait_fraction:.1f}% (first {t.first_wait:.2f} s)", flush=True)
        print(f"{'':22s} {cpu_line(runs[name])}", flush=True)
    filed = [measure(engine, sampling, jobs, 8, 1, False, full_decode=True)]
    print(f"{'batch 8, overlapped as filed':22s} {filed[0][0]['samples_per_s']:6.2f} samples/s  "
          f"{cpu_line(filed[0][0])}", flush=True)
    texts["batch 8, overlapped as filed"] = filed[0][1]
    filed = [filed[0][0]]
    pairs = [(runs["batch 8, overlapped"], runs["batch 8, processor in workers"])]
    inlines = [runs["batch 8, inline"]]
    for _ in range(args.repeat - 1):
        a, _, _ = measure(engine, sampling, jobs, 8, 1, False)
        b, _, _ = measure(engine, sampling, jobs, 8, args.prep_workers, True)
        filed.append(measure(engine, sampling, jobs, 8, 1, False, full_decode=True)[0])
        pairs.append((a, b))
        inlines.append(measure(engine, sampling, jobs, 8, 0, False)[0])  # row 2's ratio, per repeat too
        print(f"repeat: overlapped {a['samples_per_s']:.2f}, processor in workers {b['samples_per_s']:.2f} samples/s "
              f"(idle after batch 1 {100 * a['idle_after_first']:.0f}% vs {100 * b['idle_after_first']:.0f}%)\n"
              f"  overlapped {cpu_line(a)}\n  in workers {cpu_line(b)}", flush=True)
    assert texts["batch 8, inline"] == texts["batch 8, overlapped"], "overlap changed the output"
    assert texts["batch 8, inline"] == texts["batch 8, processor in workers"], "worker processor changed the output"
    assert texts["batch 8, inline"] == texts["batch 8, overlapped as filed"], "the decode skip changed the output"
    filed_ratios = [b["samples_per_s"] / f["samples_per_s"] for (_, b), f in zip(pairs, filed, strict=True)]
    speed_filed = _median(filed_ratios)
    idle_filed = _median([f["idle_after_first"] for f in filed])
    cpu_filed = {k: _median([f[k] for f in filed]) for k in filed[0] if k.startswith(("cpu_", "bound_"))}
    base, inl, ovl = runs["batch 1, inline"], runs["batch 8, inline"], runs["batch 8, overlapped"]
    wrk = runs["batch 8, processor in workers"]
    ratios = [b["samples_per_s"] / a["samples_per_s"] for a, b in pairs]
    speed_wrk = _median(ratios)
    idle_wrk = _median([b["idle_after_first"] for _, b in pairs])
    idle_ovl = _median([a["idle_after_first"] for a, _ in pairs])
    cpu_ovl = {k: _median([a[k] for a, _ in pairs]) for k in pairs[0][0] if k.startswith(("cpu_", "bound_"))}
    cpu_wrk = {k: _median([b[k] for _, b in pairs]) for k in pairs[0][1] if k.startswith(("cpu_", "bound_"))}
    roofs = [a["bound_s_per_sample"] / b["bound_s_per_sample"] for a, b in pairs]
    roof = _median(roofs)  # per pair, like the measured ratio (the load drifts between pairs)
    idle_each = ", ".join(f"{100 * b['idle_after_first']:.0f}%" for _, b in pairs)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    ovl_ratios = [a["samples_per_s"] / i["samples_per_s"] for (a, _), i in zip(pairs, inlines, strict=True)]
    speed_ovl = _median(ovl_ratios)
    speed_b8 = inl["samples_per_s"] / base["samples_per_s"]
    print(f"batch 8 overlapped / batch 8 inline: {speed_ovl:.2f}x; batch 8 inline / batch 1: {speed_b8:.2f}x; "
          f"processor in workers / overlapped: {speed_wrk:.2f}x")

    def split(r: dict) -> str:
        return (f"decode {r['decode_s_per_sample']:.3f} + processor {r['processor_s_per_sample']:.3f} + generate "
                f"{r['generate_s_per_sample']:.3f} s/sample, model idle {100 * r['idle_fraction']:.0f}%, waiting for "
                f"frames after the first batch {100 * r['wait_fraction']:.1f}% (before it {r['first_wait_s']:.1f} s)")

    family = "Qwen2.5-VL" if args.model == "qwen2_5_vl" else "Qwen3-VL"
    setup = (f"tiny {family}, {args.threads} torch thread(s), {len(jobs)} videos 8 s 640x360 -> 16 frames "
             f"448x252, {args.new_tokens} new tokens")
    rows = [
        {"what": f"predict batch 8, processor in the decode workers ({args.prep_workers}) vs in the model loop "
                 f"(decode overlapped, 1 worker) ({setup})",
         "result": f"{speed_wrk:.2f}x samples/s (median of {len(ratios)} alternating pairs, each "
                   f"{', '.join(f'{r:.2f}x' for r in ratios)}; first pair {wrk['samples_per_s']:.2f} vs "
                   f"{ovl['samples_per_s']:.2f}); model idle after the first batch {100 * idle_wrk:.0f}% vs "
                   f"{100 * idle_ovl:.0f}% (medians; each {idle_each}); CPU s/sample (medians): workers decode {cpu_wrk['cpu_decode']:.3f} + processor "
                   f"{cpu_wrk['cpu_prepare']:.3f}, loop pad {cpu_wrk['cpu_pad_or_processor']:.3f} + generate "
                   f"{cpu_wrk['cpu_generate']:.3f}, model process {cpu_wrk['cpu_loop_process']:.3f}; overlapped: "
                   f"decode {cpu_ovl['cpu_decode']:.3f}, loop processor {cpu_ovl['cpu_pad_or_processor']:.3f} + generate "
                   f"{cpu_ovl['cpu_generate']:.3f}; roofline on {_cores()} cores {cpu_wrk['bound_s_per_sample']:.3f} vs "
                   f"{cpu_ovl['bound_s_per_sample']:.3f} s/sample (median of the pairs' ratios {roof:.2f}x, each "
                   f"{', '.join(f'{r:.2f}x' for r in roofs)}); load average {load:.1f} at the end; "
                   "outputs identical (asserted)",
         "target": ">= 1.3x samples/s; model idle after the first batch < 10%",
         "metrics": {"speedup_workers_vs_overlapped": speed_wrk, "speedup_workers_min": min(ratios),
                     "speedup_workers_max": max(ratios), "idle_after_first_workers": idle_wrk,
                     "idle_after_first_overlapped": idle_ovl, "samples_per_s_workers": wrk["samples_per_s"],
                     "roofline_speedup": roof, "load_average_end": load,
                     **{f"workers_{k}": v for k, v in cpu_wrk.items()},
                     **{f"overlapped_{k}": v for k, v in cpu_ovl.items()}}},
        {"what": f"predict batch 8, processor in the decode workers ({args.prep_workers}) vs the overlapped run as "
                 f"issue 27 found it (every frame decoded, frame-threaded worker, processor in the model loop; "
                 f"VIDEORL_DECODE_FULL=1) ({setup})",
         "result": f"{speed_filed:.2f}x samples/s (median of {len(filed_ratios)} runs, each run of the new engine "
                   f"against the as-filed run of its round: {', '.join(f'{r:.2f}x' for r in filed_ratios)}); model "
                   f"idle after the first batch {100 * idle_wrk:.0f}% vs {100 * idle_filed:.0f}% (medians); as filed: "
                   f"decode {cpu_filed['cpu_decode']:.3f}, loop processor {cpu_filed['cpu_pad_or_processor']:.3f} + "
                   f"generate {cpu_filed['cpu_generate']:.3f} CPU s/sample; outputs identical (asserted)",
         "target": ">= 1.3x samples/s; model idle after the first batch < 10%",
         "metrics": {"speedup_workers_vs_filed": speed_filed, "speedup_workers_vs_filed_min": min(filed_ratios),
                     "speedup_workers_vs_filed_max": max(filed_ratios), "idle_after_first_filed": idle_filed,
                     **{f"filed_{k}": v for k, v in cpu_filed.items()}}},
        {"what": f"predict batch 8, decode overlapped (1 worker) vs inline ({setup})",
         "result": f"{speed_ovl:.2f}x samples/s (median of {len(ovl_ratios)} runs each, each "
                   f"{', '.join(f'{r:.2f}x' for r in ovl_ratios)}; first {ovl['samples_per_s']:.2f} vs "
                   f"{inl['samples_per_s']:.2f}); first overlapped: {split(ovl)}; first inline: {split(inl)}",
         "target": "overlapped > inline; frame wait after the first batch < 10% (decode hidden); "
                   "idle < 10% on an H200 (not measured: no GPU)",
         "metrics": {"speedup_overlap_vs_inline": speed_ovl, "idle_fraction_overlapped": ovl["idle_fraction"],
                     "idle_fraction_inline": inl["idle_fraction"], "wait_fraction_overlapped": ovl["wait_fraction"],
                     "wait_fraction_inline": inl["wait_fraction"],
                     "samples_per_s_overlapped": ovl["samples_per_s"], "samples_per_s_inline": inl["samples_per_s"]}},
        {"what": f"predict batch 8 vs batch 1, both decode inline ({setup})",
         "result": f"{speed_b8:.2f}x samples/s ({inl['samples_per_s']:.2f} vs {base['samples_per_s']:.2f}); "
                   f"batch 1: {split(base)}",
         "target": "—",
         "metrics": {"speedup_batch8_vs_batch1": speed_b8, "samples_per_s_batch1": base["samples_per_s"]}},
    ]
    write_json(RESULTS / "bench_predict.json", {
        "benchmark": "bench_predict.py",
        "machine": f"{_cores()}-core {platform.machine()} CPU VM, no GPU, Python {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d", time.gmtime()), "rows": rows})
    print(f"-> {RESULTS / 'bench_predict.json'}")


def measure(engine, sampling, jobs, batch_size: int, workers: int, in_workers: bool, full_decode: bool = False):
    """One timed :func:`~videorl.predict.run.generate_jobs` run: ``(metrics, texts, Timings)``;
    ``full_decode``: with ``VIDEORL_DECODE_FULL=1`` (the decode as it was before issue 27)."""
    from videorl.predict.run import generate_jobs

    before = os.environ.get("VIDEORL_DECODE_FULL")
    if full_decode:
        os.environ["VIDEORL_DECODE_FULL"] = "1"
    try:
        t0 = time.perf_counter()
        results, t = generate_jobs(engine, sampling, jobs, batch_size=batch_size, workers=workers, progress=False,
                                   in_workers=in_workers)
        wall = time.perf_counter() - t0
    finally:
        if before is None:
            os.environ.pop("VIDEORL_DECODE_FULL", None)
        else:
            os.environ["VIDEORL_DECODE_FULL"] = before
    n = len(jobs)
    return ({"samples_per_s": n / wall, "decode_s_per_sample": t.decode / n,
             "processor_s_per_sample": t.processor / n, "generate_s_per_sample": t.generate / n,
             "wait_s_per_sample": t.wait / n, "idle_fraction": t.idle_fraction, "first_wait_s": t.first_wait,
             "wait_fraction": t.wait_fraction, "wall_s": wall, "prepare_s_per_sample": t.prepare / n,
             "idle_after_first": _idle_after_first(t), **cpu_split(t, workers)}, [r.text for r in results], t)


def cpu_split(t, workers: int) -> dict:
    """CPU seconds per sample by stage, and the roofline they imply on this machine's cores.

    ``worker_cpu``: decode + processor in the worker processes (0 inline: the loop's process did them);
    ``loop_cpu``: the model's whole process; ``loop_thread``: the loop thread's processor/padding +
    generate (the serial path); ``bound``: the wall seconds per sample no schedule can beat,
    max(total CPU / cores, loop thread, worker CPU / workers)."""
    n = max(t.rows, 1)
    worker = (t.decode_cpu + t.prepare_cpu) / n if workers > 0 else 0.0
    loop = t.loop_cpu / n
    thread = (t.processor_cpu + t.generate_cpu) / n
    bound = max((worker + loop) / _cores(), thread, worker / workers if workers else 0.0)
    return {"cpu_decode": t.decode_cpu / n, "cpu_prepare": t.prepare_cpu / n, "cpu_pad_or_processor": t.processor_cpu / n,
            "cpu_generate": t.generate_cpu / n, "cpu_loop_process": loop, "cpu_workers": worker,
            "cpu_total": worker + loop, "bound_s_per_sample": bound}


def cpu_line(r: dict) -> str:
    return (f"CPU s/sample: decode {r['cpu_decode']:.3f} + worker processor {r['cpu_prepare']:.3f} | loop thread: "
            f"processor/pad {r['cpu_pad_or_processor']:.3f} + generate {r['cpu_generate']:.3f} | loop process "
            f"{r['cpu_loop_process']:.3f} | total {r['cpu_total']:.3f} -> bound {r['bound_s_per_sample']:.3f} s/sample "
            f"({1 / r['bound_s_per_sample']:.2f} samples/s), measured {1 / r['samples_per_s']:.3f}")


def _median(values: list[float]) -> float:
    v = sorted(values)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


def _idle_after_first(t) -> float:
    """Share of the wall time after the first batch started that the model was not generating."""
    span = t.wall - t.first_wait
    return max(span - t.generate, 0.0) / span if span > 0 else 0.0


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


if __name__ == "__main__":
    main()
