"""What LLaMA-Factory's own SFT data path tells a Qwen model about time, read back from its batches.

Run with the Python of a LLaMA-Factory environment (``llamafactory`` importable) and videorl on
``PYTHONPATH``. It parses a LLaMA-Factory training config the way ``llamafactory-cli train`` does
(``get_train_args``), then runs LLaMA-Factory's own pipeline: ``load_tokenizer`` (which patches the
processor with ``video_fps`` / ``video_max_pixels`` ...), ``get_template_and_fix_tokenizer``,
``get_dataset`` (the dataset converter and the template's ``mm_plugin.process_messages``),
``load_model`` and ``SFTDataCollatorWith4DAttentionMask`` (``mm_plugin.get_mm_inputs`` and the
model's ``get_rope_index``). For every training sample it then reports, from the collated batch:

- ``frames``: the frame index coded in each frame of ``pixel_values_videos`` (un-patchified and
  un-normalised, then read with :func:`videorl.synth.read_frame_code`);
- ``size``: the frame height and width the vision tower sees (``video_grid_thw`` x patch size);
- ``told``: the time told for each temporal patch. Qwen2.5-VL: its temporal M-RoPE id minus the
  first one, divided by ``tokens_per_second`` (seconds since the first frame); Qwen3-VL: the
  ``<t seconds>`` markers in the prompt;
- ``video_tokens`` / ``video_features``: ``<|video_pad|>`` tokens in ``input_ids`` and vision
  features the tower will produce (rows of ``pixel_values_videos`` / merge_size^2).

Usage (writes ``{"runs": [<one object with a samples list per config>]}`` to OUT.json; LLaMA-Factory
logs go to the console). Several configs run in one process (imports once); ``key=value`` arguments
override the config before them::

    python -m videorl.testing.lf_clock OUT.json CONFIG.yaml [key=value ...] [CONFIG2.yaml [key=value ...] ...]
"""

from __future__ import annotations

import re
import sys
from typing import Any

import numpy as np

_MARK = re.compile(r"<(\d+(?:\.\d+)?) seconds>")


def unpatchify(pixel_values: np.ndarray, grid_thw: tuple[int, int, int], *, patch_size: int,
               merge_size: int, temporal_patch_size: int = 2, channels: int = 3) -> np.ndarray:
    """Invert the Qwen2-VL / Qwen3-VL video patch layout: ``[T, C, H, W]`` float frames.

    The processors flatten ``[T, C, H, W]`` as ``(t, tp, C, h/m, m, p, w/m, m, p)`` permuted to
    ``(t, h/m, w/m, m, m, C, tp, p, p)``; this is the inverse permutation.
    """
    t, h, w = grid_thw
    m, p, tp = merge_size, patch_size, temporal_patch_size
    x = pixel_values.reshape(t, h // m, w // m, m, m, channels, tp, p, p)
    x = x.transpose(0, 6, 5, 1, 3, 7, 2, 4, 8)
    return x.reshape(t * tp, channels, h * p, w * p)


def to_uint8(frames: np.ndarray, mean: list[float], std: list[float]) -> np.ndarray:
    """Undo the processor's rescale (1/255) and normalisation: uint8 ``[T, H, W, 3]``."""
    x = frames * np.asarray(std, dtype=np.float64)[None, :, None, None] + \
        np.asarray(mean, dtype=np.float64)[None, :, None, None]
    return np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8).transpose(0, 2, 3, 1)


def probe(args: list[str]) -> dict[str, Any]:
    """Run LLaMA-Factory's SFT data path on ``args`` (``CONFIG.yaml [key=value ...]``); see the module docstring."""
    import torch
    from llamafactory.data import (
        SFTDataCollatorWith4DAttentionMask,
        get_dataset,
        get_template_and_fix_tokenizer,
    )
    from llamafactory.extras.constants import IGNORE_INDEX
    from llamafactory.hparams import get_train_args
    from llamafactory.model import load_model, load_tokenizer

    from videorl.synth import FrameCodeError, read_frame_code

    argv, sys.argv = sys.argv, [sys.argv[0], *args]  # parsed exactly as `llamafactory-cli train CONFIG ...`
    try:
        model_args, data_args, training_args, finetuning_args, _ = get_train_args()
    finally:
        sys.argv = argv
    tokenizer_module = load_tokenizer(model_args)
    tokenizer, processor = tokenizer_module["tokenizer"], tokenizer_module["processor"]
    template = get_template_and_fix_tokenizer(tokenizer, data_args)
    dataset = get_dataset(template, model_args, data_args, training_args, stage="sft", **tokenizer_module)
    model = load_model(tokenizer, model_args, finetuning_args, is_trainable=False)
    collator = SFTDataCollatorWith4DAttentionMask(
        template=template, model=model, pad_to_multiple_of=8, label_pad_token_id=IGNORE_INDEX,
        block_diag_attn=model_args.block_diag_attn, neat_packing=data_args.neat_packing,
        attn_implementation=getattr(model.config, "_attn_implementation", None),
        compute_dtype=model_args.compute_dtype, **tokenizer_module)

    vp = processor.video_processor
    patch, merge, tps_patch = vp.patch_size, vp.merge_size, vp.temporal_patch_size
    video_id = tokenizer.convert_tokens_to_ids("<|video_pad|>")
    tokens_per_second = getattr(model.config.vision_config, "tokens_per_second", None)
    qwen3 = "qwen3" in model.config.model_type
    train = dataset["train_dataset"]
    samples = []
    for i in range(len(train)):
        batch = collator([train[i]])
        ids = batch["input_ids"][0]
        grid = [int(v) for v in batch["video_grid_thw"][0].tolist()]
        pix = batch["pixel_values_videos"].to(torch.float64).numpy()
        frames = to_uint8(unpatchify(pix, tuple(grid), patch_size=patch, merge_size=merge,
                                     temporal_patch_size=tps_patch), vp.image_mean, vp.image_std)
        codes: list[int | None] = []
        for fr in frames:
            try:
                codes.append(read_frame_code(fr).index)
            except FrameCodeError:
                codes.append(None)
        is_video = ids == video_id
        per_patch = grid[1] * grid[2] // (merge * merge)
        rec: dict[str, Any] = {
            "index": i, "frames": codes, "grid_thw": grid, "size": [grid[1] * patch, grid[2] * patch],
            "video_tokens": int(is_video.sum()), "video_features": int(pix.shape[0] // (merge * merge)),
        }
        if qwen3:
            text = tokenizer.decode(ids[batch["attention_mask"][0].bool()])
            rec["told"] = [float(m) for m in _MARK.findall(text)]
            rec["markers"] = [f"<{m} seconds>" for m in _MARK.findall(text)]
        else:
            t_ids = batch["position_ids"][0, 0][is_video].tolist()
            firsts = t_ids[::per_patch]
            rec["time_ids"] = [int(v - firsts[0]) for v in firsts]
            rec["told"] = [(v - firsts[0]) / tokens_per_second for v in firsts]
            rec["tokens_per_second"] = tokens_per_second
            if "second_per_grid_ts" in batch:
                rec["second_per_grid_ts"] = [float(v) for v in torch.as_tensor(batch["second_per_grid_ts"]).tolist()]
        samples.append(rec)
    return {"model_type": model.config.model_type, "video_fps": model_args.video_fps,
            "patch_size": patch, "samples": samples}


def split_runs(args: list[str]) -> list[list[str]]:
    """``[CONFIG.yaml, key=value, ..., CONFIG2.yaml, ...]`` -> one argument list per config."""
    runs: list[list[str]] = []
    for a in args:
        if a.endswith((".yaml", ".yml", ".json")) or not runs:
            runs.append([a])
        else:
            runs[-1].append(a)
    return runs


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    from videorl.io import write_json

    write_json(argv[0], {"runs": [probe(run) for run in split_runs(argv[1:])]})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
