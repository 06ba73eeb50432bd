"""EasyR1's rollout side of the clock, with vLLM 0.11's own input processing (run in the rollout host venv).

EasyR1's GRPO generates with vLLM and trains with the HF model. For each coded video this runs, per row
of the batch EasyR1's dataset collates (:func:`videorl.testing.easyr1_clock.dataset_batch`, frame-list
exports), what EasyR1's ``vLLMRollout.generate_sequences`` hands to vLLM:

1. ``vllm_rollout_spmd._process_multi_modal_data`` on the row's ``multi_modal_data`` (qwen-vl-utils'
   ``process_video``, with ``return_video_metadata`` for a ``Qwen3VLProcessor`` as the rollout sets it);
2. vLLM's ``InputPreprocessor.preprocess`` on ``{"prompt_token_ids": raw_prompt_ids,
   "multi_modal_data": ...}`` (what ``LLM.generate`` runs on each input before the model): the expanded
   prompt token ids and the processed ``pixel_values_videos`` / ``video_grid_thw``;
3. vLLM's ``MRotaryEmbedding.get_input_positions_tensor`` on those ids (the positions its model runner
   uses).

It reports, per video, against EasyR1's training side (the same batch: the actor's ``input_ids`` and
``position_ids`` from EasyR1's ``get_rope_index``, and the frames EasyR1's ``process_video`` returned):
the frame codes read back from vLLM's pixel values, the prompt ids, Qwen3-VL's ``<t seconds>`` markers
(with the true patch times) and the M-RoPE positions.

Usage (prints one JSON object)::

    python -m videorl.testing.easyr1_rollout --model qwen3_vl --work DIR
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from videorl.testing.easyr1_clock import MAX_PIXELS, MIN_PIXELS, _codes, _spy, dataset_batch

# (duration s, fps) and variants: constant rate, NTSC, variable rate, and a clipped record
VIDEOS = [(6.0, 30.0), (6.006, 30000 / 1001), (6.0, 30.0), (9.0, 25.0)]
VARIANTS = [{}, {}, {"vfr": True}, {"clip": [2.3, 7.1]}]


def _vllm_frames(pixel_values: Any, grid: list[int], video_processor: Any) -> list[int]:
    """Frame codes read back from vLLM's processed ``pixel_values_videos``."""
    from videorl.synth import read_frame_code
    from videorl.testing.lf_clock import to_uint8, unpatchify

    pv = np.asarray(pixel_values.detach().float().cpu().numpy(), dtype=np.float64)
    frames = unpatchify(pv, tuple(grid), patch_size=int(video_processor.patch_size),
                        merge_size=int(video_processor.merge_size),
                        temporal_patch_size=int(video_processor.temporal_patch_size))
    images = to_uint8(frames, list(video_processor.image_mean), list(video_processor.image_std))
    return [read_frame_code(f).index for f in images]


def measure_rollout(model: str, work: Path, *, size: tuple[int, int] = (320, 180)) -> dict[str, Any]:
    got = dataset_batch(model, VIDEOS, work, size=size, variants=VARIANTS)  # first: see its comment on PyAV
    import torch
    import verl.workers.rollout.vllm_rollout_spmd as rollout  # EasyR1's rollout module, on the real vLLM
    import vllm
    from vllm.config import ModelConfig
    from vllm.engine.arg_utils import EngineArgs
    from vllm.inputs.preprocess import InputPreprocessor
    from vllm.model_executor.layers.rotary_embedding import MRotaryEmbedding
    from vllm.transformers_utils.tokenizer import get_tokenizer

    from videorl.video.qwen import parse_qwen3_timestamps

    seen_rollout: list = []
    _spy(rollout, seen_rollout)
    return_metadata = "Qwen3VLProcessor" in type(got.processor).__name__  # as vLLMRollout.__init__ sets it
    config = ModelConfig(model=str(got.model_dir), trust_remote_code=got.trust, dtype="float32",
                         max_model_len=4096)
    pre = InputPreprocessor(config, get_tokenizer(str(got.model_dir), trust_remote_code=got.trust))
    hf_config = config.hf_config
    video_processor = got.processor.video_processor
    batch = got.batch
    rows = []
    for i, sv in enumerate(got.synth):
        mm = rollout._process_multi_modal_data(batch["multi_modal_data"][i], MIN_PIXELS, MAX_PIXELS, 2.0,
                                               return_video_metadata=return_metadata)
        out = pre.preprocess({"prompt_token_ids": list(batch["raw_prompt_ids"][i]), "multi_modal_data": mm})
        ids = list(out["prompt_token_ids"])
        data = out["mm_kwargs"].get_data()
        grid = [int(x) for x in torch.as_tensor(data["video_grid_thw"]).reshape(-1, 3)[0]]
        spg = data.get("second_per_grid_ts")
        spg_list = [float(x) for x in torch.as_tensor(spg).reshape(-1)] if spg is not None else []
        vllm_pos, _ = MRotaryEmbedding.get_input_positions_tensor(
            input_tokens=ids, hf_config=hf_config, image_grid_thw=[], video_grid_thw=[grid],
            second_per_grid_ts=spg_list)
        mask = batch["attention_mask"][i] == 1
        actor_ids = batch["input_ids"][i][mask].tolist()
        actor_pos = batch["position_ids"][i][:, mask]
        actor_pos = actor_pos[-3:]  # (t, h, w) rows (EasyR1 puts a text row first for Qwen3-VL)
        actor_codes = _codes(got.seen[i])
        rollout_codes = _codes(seen_rollout[i])
        vllm_codes = _vllm_frames(data["pixel_values_videos"], grid, video_processor)
        row = {
            "video": f"{sv.duration:g} s @ {float(sv.fps):.3f} fps" + (" vfr" if VARIANTS[i].get("vfr") else "")
                     + (f" clip {VARIANTS[i]['clip']}" if VARIANTS[i].get("clip") else ""),
            "frames": len(actor_codes), "grid": grid,
            "frames_equal": vllm_codes == actor_codes, "rollout_frames_equal": rollout_codes == actor_codes,
            "vllm_codes": vllm_codes, "actor_codes": actor_codes,
            "prompt_equal": ids == actor_ids, "prompt_tokens": [len(ids), len(actor_ids)],
            "positions_equal": bool(torch.equal(torch.as_tensor(vllm_pos).long(), actor_pos.long())),
            "second_per_grid_ts": spg_list,
        }
        if model == "qwen3_vl":
            row["vllm_markers"] = parse_qwen3_timestamps(got.tokenizer.decode(ids))
            row["actor_markers"] = parse_qwen3_timestamps(got.tokenizer.decode(actor_ids))
        rows.append(row)
    return {"model": model, "vllm": vllm.__version__, "overlay": bool(got.trust),
            "device_normalize_setting": "mm_device_do_normalize" in {f.name for f in dataclasses.fields(EngineArgs)},
            "rows": rows}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=("qwen2_5_vl", "qwen3_vl"), required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args(argv)
    json.dump(measure_rollout(args.model, Path(args.work)), sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
