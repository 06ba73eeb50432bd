"""``videorl predict``: run a Qwen-VL checkpoint on records (or one video and a query), time-exact.

Writes prediction rows (see :mod:`videorl.predict.core`) that ``videorl score`` reads; K samples
per record with ``--num-samples K --temperature T`` (K lines with the record's id and a
``sample_index``), which ``videorl data select`` consumes.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    from videorl.predict.core import BACKENDS
    from videorl.prompts import STYLES

    p = subparsers.add_parser(
        "predict", help="run a Qwen-VL model on records or a video + query; writes predictions for `score`",
        description="Time-exact inference with the sampler, processor glue and prompts of training and "
                    "evaluation. Batched generation with video decode in worker processes ahead of the model; "
                    "--ray runs the same pipeline on a Ray cluster. See docs/predict.md.")
    p.add_argument("records", nargs="?", type=Path, default=None, help="JSONL file of sample records")
    p.add_argument("--model", required=True, help="a local checkpoint folder or a hub id (Qwen2.5-VL / Qwen3-VL)")
    p.add_argument("--video", type=Path, default=None, help="one video (with --query) instead of a records file")
    p.add_argument("--query", default=None, help="what to find in --video (a grounding query)")
    p.add_argument("-o", "--output", type=Path, default=None,
                   help="predictions JSONL (default: <records>.pred.jsonl, or stdout for --video)")
    p.add_argument("--backend", choices=BACKENDS, default="hf", help="hf (transformers, default) or vllm")
    p.add_argument("--style", choices=STYLES, default="direct", help="prompt style (as the lmms-eval tasks)")
    p.add_argument("--num-samples", type=int, default=1, metavar="K", help="samples per record (needs --temperature)")
    p.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (default); > 0 samples, seeded per row")
    p.add_argument("--seed", type=int, default=0, help="base seed of the per-row sampling seeds")
    p.add_argument("--max-new-tokens", type=int, default=128)
    p.add_argument("--batch-size", type=int, default=8, help="rows per generate call (default 8)")
    p.add_argument("--workers", type=int, default=1,
                   help="decode worker processes ahead of the model (0 = decode inline; default 1)")
    p.add_argument("--device", default="cpu", help="torch device for --backend hf (cuda, cuda:1, cpu)")
    p.add_argument("--dtype", default="auto", help="auto (bfloat16 on CUDA, float32 on CPU), bfloat16, float32")
    p.add_argument("--fps", type=float, default=2.0, help="frames per second sampled (default 2.0)")
    p.add_argument("--nframes", type=int, default=None, help="a fixed frame count instead of --fps")
    p.add_argument("--min-pixels", type=int, default=56 * 56)
    p.add_argument("--max-pixels", type=int, default=448 * 252)
    p.add_argument("--total-pixels", type=int, default=None)
    p.add_argument("--frame-cache", default=None, help="frame cache folder (decode once across runs)")
    p.add_argument("--video-dir", default=None, help="folder for relative video paths (else $VIDEORL_VIDEO_DIR)")
    p.add_argument("--system-prompt", default=None)
    p.add_argument("--tensor-parallel-size", type=int, default=1, help="vllm: GPUs per model copy")
    p.add_argument("--vllm-arg", action="append", default=[], metavar="KEY=VALUE", type=_key_value,
                   help="vllm: a further vllm.LLM argument, VALUE read as JSON when it parses (repeatable; "
                        "e.g. --vllm-arg max_model_len=32768 --vllm-arg enforce_eager=true)")
    p.add_argument("--ray", action="store_true", help="run on Ray Data (decode tasks + one model actor per GPU)")
    p.add_argument("--ray-address", default=None, help="Ray cluster address (default: start or join a local one)")
    p.add_argument("--ray-actors", type=int, default=None, help="model actors (default: one per GPU, else 1)")
    p.add_argument("--timings", type=Path, default=None, metavar="OUT.json",
                   help="write where the time went (decode / processor / generate spans, idle fraction)")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run: keep the rows OUT.partial (or OUT) already holds, redo failed "
                        "ones, predict the rest (rows are appended and flushed per batch; OUT appears when done)")
    p.add_argument("--max-failures", default="0%", metavar="PCT%|N",
                   help="exit non-zero (after writing every row) when more rows fail than this: a percent of the "
                        "rows (5%%) or a count (12); also checked for missing videos before the model loads "
                        "(default 0%%)")
    p.add_argument("--plot", type=Path, default=None, metavar="DIR",
                   help="also draw timeline plots of the predictions (`plot` extra) into DIR")
    p.set_defaults(func=run)
    return p


def _key_value(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with VALUE read as JSON (numbers, true/false, lists, objects) or kept as text."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key.strip(), json.loads(value)
    except json.JSONDecodeError:
        return key.strip(), value


def run(args: argparse.Namespace) -> int:
    from videorl.io import write_json
    from videorl.predict.core import predict
    from videorl.predict.guard import FailureBudget, MissingVideos, TooManyFailures

    if args.records is None and args.video is None:
        raise ValueError("give a records JSONL file, or --video and --query")
    if args.records is not None and args.video is not None:
        raise ValueError("give a records file or --video, not both")
    output = args.output
    if output is None and args.records is not None:
        output = args.records.with_name(args.records.name.removesuffix(".jsonl") + ".pred.jsonl")
    options = dict(backend=args.backend, style=args.style, num_samples=args.num_samples,
                   temperature=args.temperature, seed=args.seed, max_new_tokens=args.max_new_tokens,
                   batch_size=args.batch_size, workers=args.workers, device=args.device, dtype=args.dtype,
                   fps=None if args.nframes else args.fps, nframes=args.nframes, min_pixels=args.min_pixels,
                   max_pixels=args.max_pixels, total_pixels=args.total_pixels, frame_cache=args.frame_cache,
                   system_prompt=args.system_prompt, video_dir=args.video_dir,
                   tensor_parallel_size=args.tensor_parallel_size)
    if args.vllm_arg:
        if args.backend != "vllm":
            raise ValueError("--vllm-arg needs --backend vllm")
        options["vllm_kwargs"] = dict(args.vllm_arg)
    if args.ray:
        options.update(ray_address=args.ray_address, ray_actors=args.ray_actors)
    budget = FailureBudget.parse(args.max_failures)
    if args.resume and output is None:
        raise ValueError("--resume needs an output file (-o)")
    try:
        rows, timings = predict(args.model, args.records, video=args.video, query=args.query, output=output,
                                ray=args.ray, return_timings=True, resume=args.resume, max_failures=budget,
                                **options)
    except (MissingVideos, FileExistsError) as err:  # before the model loads: nothing written
        print(f"videorl predict: error: {err}", file=sys.stderr)
        return 2
    except TooManyFailures as err:  # every row is written, then the run reports failure
        print(f"videorl predict: error: {err}", file=sys.stderr)
        return 1
    failed = sum(1 for r in rows if (r.get("predict") or {}).get("error"))
    if output is None:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    else:
        print(f"{len(rows)} predictions -> {output}" + (f" ({failed} failed, within --max-failures {budget})"
                                                       if failed else ""))
    if args.timings is not None:
        write_json(args.timings, timings.to_dict())
        print(f"timings -> {args.timings} (model idle {100 * timings.idle_fraction:.0f}% of {timings.wall:.1f} s)")
    if args.plot is not None:
        from videorl.plots.timeline import plot_rows

        paths = plot_rows(rows, args.plot, video_dir=args.video_dir)
        print(f"{len(paths)} timeline plot(s) -> {args.plot}")
    return 0
