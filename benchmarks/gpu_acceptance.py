"""GPU acceptance run: Qwen2.5-VL-7B and Qwen3-VL-8B layouts (random bf16 weights), batch 1 and 8, the clock.

Usage (what ``benchmarks/gpu_acceptance.sh`` runs; about 5 minutes of an H100/H200)::

    python benchmarks/gpu_acceptance.py [--out benchmarks/results/gpu_acceptance.json] [--workers 4]
    python benchmarks/gpu_acceptance.py --dry-run      # CPU, tiny layouts, < 60 s (benchmarks/_out/)

For each layout of :data:`videorl.testing.qwen_configs.RELEASED` (no download: the config values are
written out there, the weights are random, built on the GPU in bf16):

1. ``bench_predict``'s measurement (:func:`bench_predict.measure`): coded 8 s 640x360 videos,
   32 frames of 448x252 each (2,304 video tokens), exactly 64 new tokens, decode **and processor**
   in ``--workers`` decode processes; batch 1 (``--videos-b1`` videos) and batch 8 (``--videos``);
   samples/s, the model's idle fraction after the first batch, frame wait;
2. the clock on the GPU: the batch the model gets (worker-made rows, padded, on the device) tells
   each video's sampler times: Qwen2.5-VL's temporal M-RoPE ids (the model's own ``get_rope_index``)
   equal :func:`~videorl.video.qwen.expected_qwen2_5_time_ids`, Qwen3-VL's ``<t seconds>`` markers
   equal :func:`~videorl.video.qwen.expected_qwen3_timestamps`; a mismatch fails the run;
3. vLLM when it imports (``load_format=dummy``: random weights, no files), batch 32 at once.

Writes one result file in the shared shape (``benchmarks/render_readme.py``), the rows labelled with
the GPU's name (``torch.cuda.get_device_name``). ``--dry-run`` does all of it on the CPU with the
layouts shrunk to the tiny model's sizes (tests/test_gpu_acceptance.py runs it).
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_predict  # noqa: E402

from videorl.io import write_json  # noqa: E402


def check_clock(engine: Any, sampling: Any, jobs: list[Any], workers: int) -> dict[str, float]:
    """Worker-made rows of ``jobs``, collated on the engine's device: the times they tell the model equal
    the sampler's (raises AssertionError otherwise). Returns the rows checked and, for Qwen2.5-VL, the
    largest gap between a patch's first frame time and its integer time id / tokens_per_second (the
    id's rounding, by design: ids are integers, 2 a second)."""
    from videorl.predict.decode import FramePrefetcher, video_key
    from videorl.video.qwen import (
        expected_qwen2_5_time_ids,
        expected_qwen3_timestamps,
        parse_qwen3_timestamps,
    )

    keys = [video_key(j.video, j.clip) for j in jobs]
    items = list(FramePrefetcher(sampling, keys, workers=workers, prepare=engine.row_inputs(),
                                 payloads=[engine.chat_text(j.prompt) for j in jobs]))
    errs = [it.error for it in items if it.error is not None]
    if errs:
        raise RuntimeError(f"clock check: decode failed: {errs[0]}")
    batch = engine.collate([it.inputs for it in items])
    worst = 0.0
    video_id = engine.model.config.video_token_id
    for i, it in enumerate(items):
        meta = it.meta
        if engine.family == "qwen2_5_vl":
            tps = engine.model.config.vision_config.tokens_per_second
            kw = {k: batch[k][i:i + 1] for k in ("mm_token_type_ids", "video_grid_thw", "second_per_grid_ts",
                                                  "attention_mask") if k in batch}
            pos, _ = engine.model.model.get_rope_index(batch["input_ids"][i:i + 1], **kw)
            ids = sorted(set(pos[0, 0][batch["input_ids"][i] == video_id].tolist()))
            told = [t - ids[0] for t in ids]
            want = expected_qwen2_5_time_ids(meta, tokens_per_second=tps)
            assert told == want, f"row {i}: M-RoPE time ids {told} != sampler's {want}"
            worst = max(worst, max(abs(t / tps - s) for t, s in zip(told, meta.model_times()[::2], strict=False)))
        else:
            text = engine.processor.tokenizer.decode(batch["input_ids"][i][batch["attention_mask"][i] > 0])
            told = parse_qwen3_timestamps(text)
            want = parse_qwen3_timestamps("".join(expected_qwen3_timestamps(meta)))
            assert told == want, f"row {i}: <t seconds> markers {told} != sampler's {want}"
    return {"clock_rows_checked": len(items), "clock_id_rounding_s": worst}


def run_vllm(directory: Path, jobs: list[Any], args: argparse.Namespace) -> dict[str, float] | str:
    """vLLM on the same layout with dummy (random) weights: samples/s of all jobs at once, or why not."""
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        return "vllm not importable"
    from videorl.predict.core import PredictOptions
    from videorl.predict.vllm import VllmEngine

    try:
        eng = VllmEngine(str(directory), dtype="bfloat16", load_format="dummy", max_model_len=8192,
                         gpu_memory_utilization=0.85, enforce_eager=args.dry_run)
        opts = PredictOptions(model=str(directory), backend="vllm", nframes=args.frames, fps=None,
                              max_pixels=args.pixels, max_new_tokens=args.new_tokens, batch_size=len(jobs),
                              workers=args.workers)
        eng.run(jobs[:2], opts)  # warm-up
        t0 = time.perf_counter()
        results, _ = eng.run(jobs, opts)
        wall = time.perf_counter() - t0
        del eng
        return {"samples_per_s": len(results) / wall}
    except Exception as err:  # noqa: BLE001 - reported in the result file, the HF rows still count
        return f"vllm failed: {type(err).__name__}: {err}"[:300]


def _small_videos(root: Path, n: int) -> list[Path]:
    """Dry run: short coded 160x120 videos of three lengths (fast to make and to decode)."""
    from videorl.synth import make_video

    paths = [root / f"v{i}.mp4" for i in range(n)]
    for i, path in enumerate(paths):
        make_video(path, duration=3 + i % 3, fps=8, size=(160, 120))
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dry-run", action="store_true", help="CPU, layouts shrunk to the tiny sizes, few videos")
    ap.add_argument("--out", default=None, help="result file (default: benchmarks/results/gpu_acceptance.json; "
                    "with --dry-run benchmarks/_out/gpu_acceptance_dry.json, never rendered into the README)")
    ap.add_argument("--workers", type=int, default=4, help="decode + processor worker processes")
    ap.add_argument("--videos", type=int, default=32, help="videos of the batch-8 run (and vLLM)")
    ap.add_argument("--videos-b1", type=int, default=12, help="videos of the batch-1 run")
    ap.add_argument("--models", default="qwen2_5_vl_7b,qwen3_vl_8b")
    ap.add_argument("--no-vllm", action="store_true")
    args = ap.parse_args(argv)
    args.frames, args.new_tokens, args.pixels = 32, 64, 448 * 252
    if args.out is None:
        args.out = str(bench_predict.OUT / "gpu_acceptance_dry.json" if args.dry_run
                       else bench_predict.RESULTS / "gpu_acceptance.json")
    import torch

    from videorl.predict.hf import QwenEngine
    from videorl.predict.run import GenJob
    from videorl.testing.qwen_configs import LABEL, write_checkpoint_dir

    if args.dry_run:
        args.frames, args.new_tokens, args.pixels = 8, 4, 160 * 112
        args.videos, args.videos_b1, args.workers = min(args.videos, 8), min(args.videos_b1, 2), min(args.workers, 1)
        device, gpu = "cpu", f"CPU dry run ({platform.machine()}, tiny layouts)"
    else:
        if not torch.cuda.is_available():
            print("no CUDA device: run with --dry-run on a CPU", file=sys.stderr)
            return 2
        device, gpu = "cuda", torch.cuda.get_device_name(0)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="videorl_gpu_acc_") as tmp:
        paths = bench_predict.videos(max(args.videos, args.videos_b1)) if not args.dry_run else _small_videos(
            Path(tmp), max(args.videos, args.videos_b1))
        for name in args.models.split(","):
            directory = write_checkpoint_dir(name, Path(tmp) / name, tiny=args.dry_run)
            t0 = time.perf_counter()
            engine = QwenEngine(str(directory), device=device, dtype="auto", random_weights=True)
            build_s = time.perf_counter() - t0
            engine.model.generation_config.min_new_tokens = args.new_tokens
            sampling = engine.sampling(fps=None, nframes=args.frames, max_pixels=args.pixels)
            jobs = [GenJob(prompt=f"Find the moment: event {i}.", video=str(p), max_new_tokens=args.new_tokens)
                    for i, p in enumerate(paths)]
            clock = check_clock(engine, sampling, jobs[:8], args.workers)
            bench_predict.measure(engine, sampling, jobs[:2], 2, 0, False)  # warm-up
            label = f"{LABEL[name]} layout, random bf16 weights" if not args.dry_run else f"{LABEL[name]} layout, tiny"
            setup = (f"{label}, {args.frames} frames {args.pixels} px, {args.new_tokens} new tokens, "
                     f"{args.workers} decode+processor workers")
            for bs, n in ((1, args.videos_b1), (8, args.videos)):
                m, _, _ = bench_predict.measure(engine, sampling, jobs[:n], bs, args.workers, True)
                mem = torch.cuda.max_memory_allocated() / 1024 ** 3 if device == "cuda" else 0.0
                rows.append({
                    "what": f"GPU acceptance on {gpu}: HF batch {bs} ({setup})",
                    "result": f"{m['samples_per_s']:.2f} samples/s; model idle after the first batch "
                              f"{100 * m['idle_after_first']:.0f}%; frame wait {100 * m['wait_fraction']:.1f}%; "
                              f"clock: {clock['clock_rows_checked']} rows, times equal the sampler's",
                    "target": ">= 2.2 samples/s at batch 8 with idle < 10% (Qwen2.5-VL-7B, H200)" if bs == 8 else "—",
                    "metrics": {"samples_per_s": m["samples_per_s"], "idle_after_first": m["idle_after_first"],
                                "wait_fraction": m["wait_fraction"], "batch": bs, "build_s": build_s,
                                "max_memory_gib": mem, **clock}})
                print(rows[-1]["what"], "->", rows[-1]["result"], flush=True)
            del engine
            if device == "cuda":
                torch.cuda.empty_cache()
            if not args.no_vllm:
                got = run_vllm(directory, jobs[:args.videos], args)
                rows.append({"what": f"GPU acceptance on {gpu}: vLLM, all {args.videos} at once ({setup})",
                             "result": f"{got['samples_per_s']:.2f} samples/s" if isinstance(got, dict) else got,
                             "target": ">= 8 samples/s (Qwen2.5-VL-7B, H200)",
                             "metrics": got if isinstance(got, dict) else {}})
                print(rows[-1]["what"], "->", rows[-1]["result"], flush=True)
    write_json(args.out, {"benchmark": "gpu_acceptance.py", "machine": gpu, "date": time.strftime("%Y-%m-%d"),
                          "rows": rows})
    print(f"-> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
