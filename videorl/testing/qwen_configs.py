"""The released 7B/8B Qwen-VL layouts as config dicts, random-weight engines of them, and memory arithmetic.

``RELEASED`` holds the architecture values of the released ``config.json`` files of
Qwen/Qwen2.5-VL-7B-Instruct and Qwen/Qwen3-VL-8B-Instruct (layer counts, widths, heads, vision
tower, rope settings), written out here so the GPU acceptance run (``benchmarks/gpu_acceptance.sh``)
builds models of the real size with random bf16 weights and needs no download. The tokenizer is the
tiny one of :mod:`videorl.testing.tiny_qwen` (its special-token ids go into the config): the compute
per token is the released model's, the text is random.

:func:`memory_estimate` is the memory guidance of docs/predict.md (formula there and below); it is
checked against the tiny models on CPU (tests/test_gpu_acceptance.py): the video token count against
the processor's grid, the KV cache against the cache tensors ``generate`` really holds, the weights
against the parameter count.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

RELEASED: dict[str, dict[str, Any]] = {
    "qwen2_5_vl_7b": {
        "architectures": ["Qwen2_5_VLForConditionalGeneration"], "model_type": "qwen2_5_vl",
        "attention_dropout": 0.0, "hidden_act": "silu", "hidden_size": 3584, "intermediate_size": 18944,
        "initializer_range": 0.02, "max_position_embeddings": 128000, "max_window_layers": 28,
        "num_attention_heads": 28, "num_hidden_layers": 28, "num_key_value_heads": 4, "rms_norm_eps": 1e-06,
        "rope_theta": 1000000.0, "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]},
        "sliding_window": 32768, "tie_word_embeddings": False, "use_cache": True, "use_sliding_window": False,
        "vocab_size": 152064, "torch_dtype": "bfloat16",
        "vision_config": {"depth": 32, "hidden_act": "silu", "hidden_size": 1280, "intermediate_size": 3420,
                          "num_heads": 16, "in_chans": 3, "out_hidden_size": 3584, "patch_size": 14,
                          "spatial_merge_size": 2, "spatial_patch_size": 14, "temporal_patch_size": 2,
                          "tokens_per_second": 2, "window_size": 112, "fullatt_block_indexes": [7, 15, 23, 31]},
    },
    "qwen3_vl_8b": {
        "architectures": ["Qwen3VLForConditionalGeneration"], "model_type": "qwen3_vl", "tie_word_embeddings": False,
        "text_config": {
            "model_type": "qwen3_vl_text", "attention_bias": False, "attention_dropout": 0.0, "head_dim": 128,
            "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 12288,
            "max_position_embeddings": 262144, "num_attention_heads": 32, "num_hidden_layers": 36,
            "num_key_value_heads": 8, "rms_norm_eps": 1e-06, "rope_theta": 5000000,
            "rope_scaling": {"rope_type": "default", "mrope_section": [24, 20, 20], "mrope_interleaved": True},
            "use_cache": True, "vocab_size": 151936, "dtype": "bfloat16"},
        "vision_config": {"model_type": "qwen3_vl", "deepstack_visual_indexes": [8, 16, 24], "depth": 27,
                          "hidden_act": "gelu_pytorch_tanh", "hidden_size": 1152, "in_channels": 3,
                          "initializer_range": 0.02, "intermediate_size": 4304, "num_heads": 16,
                          "num_position_embeddings": 2304, "out_hidden_size": 4096, "patch_size": 16,
                          "spatial_merge_size": 2, "temporal_patch_size": 2},
    },
}
FAMILY = {"qwen2_5_vl_7b": "qwen2_5_vl", "qwen3_vl_8b": "qwen3_vl"}
LABEL = {"qwen2_5_vl_7b": "Qwen2.5-VL-7B", "qwen3_vl_8b": "Qwen3-VL-8B"}


def text_config(config: dict[str, Any]) -> dict[str, Any]:
    """The text settings (top level for Qwen2.5-VL, ``text_config`` for Qwen3-VL)."""
    return config.get("text_config", config)


def shrink(config: dict[str, Any]) -> dict[str, Any]:
    """The same layout at the tiny model's sizes (2 text layers of width 64, a 2-block vision tower):
    what ``gpu_acceptance.sh --dry-run`` runs on a CPU."""
    cfg = copy.deepcopy(config)
    text = text_config(cfg)
    head = 16
    text.update(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                num_key_value_heads=2, max_position_embeddings=32768)
    if "head_dim" in text:
        text["head_dim"] = head
    text["rope_scaling"]["mrope_section"] = [head // 8, 3 * head // 16, 3 * head // 16]
    if "max_window_layers" in text:
        text["max_window_layers"] = 2
    vis = cfg["vision_config"]
    vis.update(depth=2, hidden_size=32, intermediate_size=64, num_heads=2, out_hidden_size=64)
    if "fullatt_block_indexes" in vis:
        vis.update(fullatt_block_indexes=[1], window_size=56)
    if "deepstack_visual_indexes" in vis:
        vis.update(deepstack_visual_indexes=[1], num_position_embeddings=64)
    return cfg


def write_checkpoint_dir(name: str, directory: str | os.PathLike, *, tiny: bool = False) -> Path:
    """A folder with ``config.json`` (the released layout of ``name``, or :func:`shrink` of it) and
    the tiny tokenizer's processor, and **no weights**: :class:`~videorl.predict.hf.QwenEngine` with
    ``random_weights=True`` builds the model from it on the device."""
    from videorl.testing import tiny_qwen

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    build = tiny_qwen.build_tiny_qwen2_5_vl if FAMILY[name] == "qwen2_5_vl" else tiny_qwen.build_tiny_qwen3_vl
    build(out / "_tiny", released_sizes=True)  # the processor (and the tokenizer's ids) of the tiny builder
    from transformers import AutoProcessor

    AutoProcessor.from_pretrained(out / "_tiny").save_pretrained(out)
    tiny_cfg = json.loads((out / "_tiny" / "config.json").read_text())
    cfg = copy.deepcopy(RELEASED[name])
    if tiny:
        cfg = shrink(cfg)
    for key in ("image_token_id", "video_token_id", "vision_start_token_id", "vision_end_token_id",
                "eos_token_id", "pad_token_id", "bos_token_id"):
        if key in tiny_cfg:
            cfg[key] = tiny_cfg[key]
    if "text_config" in cfg:
        for key in ("bos_token_id", "eos_token_id"):
            cfg["text_config"][key] = text_config(tiny_cfg)[key]
    (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    gen = {"eos_token_id": text_config(tiny_cfg)["eos_token_id"], "pad_token_id": tiny_cfg.get("pad_token_id")}
    (out / "generation_config.json").write_text(json.dumps(gen) + "\n")
    return out


def video_tokens_per_frame(config: dict[str, Any], height: int, width: int) -> float:
    """LLM tokens per frame of ``height x width`` (multiples of patch x merge): ``(H / (p m)) (W / (p m))``
    per temporal patch of ``temporal_patch_size`` frames."""
    vis = config["vision_config"]
    unit = vis["patch_size"] * vis["spatial_merge_size"]
    if height % unit or width % unit:
        raise ValueError(f"{height}x{width} is not a multiple of {unit} (patch x merge)")
    return (height // unit) * (width // unit) / vis["temporal_patch_size"]


def kv_bytes_per_token(config: dict[str, Any], dtype_bytes: int = 2) -> int:
    """KV cache per token: ``2 (K and V) x layers x kv_heads x head_dim x bytes``."""
    t = text_config(config)
    head_dim = t.get("head_dim") or t["hidden_size"] // t["num_attention_heads"]
    return 2 * t["num_hidden_layers"] * t["num_key_value_heads"] * head_dim * dtype_bytes


def memory_estimate(config: dict[str, Any], *, frames: int, height: int, width: int, batch: int,
                    new_tokens: int = 64, prompt_tokens: int = 64, dtype_bytes: int = 2) -> dict[str, float]:
    """Memory of one batch beside the weights (bytes), for ``frames`` frames of ``height x width``.

    - ``video_tokens`` = frames x :func:`video_tokens_per_frame`; ``seq`` = video + prompt + new tokens;
    - ``kv_cache`` = batch x seq x :func:`kv_bytes_per_token`;
    - ``text_activations`` (prefill, the largest live set of one decoder layer with sdpa / flash
      attention and the logits of the last token only): batch x (seq - new) x (2 intermediate +
      4 hidden) x bytes, plus batch x vocab x 4 (float32 logits);
    - ``vision_activations``: the vision tower runs once over all patches of the batch
      (4 patches per LLM token): batch x 4 video_tokens x (2 vision intermediate + 4 vision hidden) x bytes;
    - ``peak`` = kv_cache + max(text, vision) activations (the tower finishes before the decoder starts).
    """
    t, vis = text_config(config), config["vision_config"]
    video = frames * video_tokens_per_frame(config, height, width)
    seq = video + prompt_tokens + new_tokens
    merge = vis["spatial_merge_size"] ** 2
    kv = batch * seq * kv_bytes_per_token(config, dtype_bytes)
    text_act = batch * (seq - new_tokens) * (2 * t["intermediate_size"] + 4 * t["hidden_size"]) * dtype_bytes \
        + batch * t["vocab_size"] * 4
    vis_act = batch * merge * video * (2 * vis["intermediate_size"] + 4 * vis["hidden_size"]) * dtype_bytes
    return {"video_tokens": video, "seq": seq, "kv_cache": kv, "text_activations": text_act,
            "vision_activations": vis_act, "peak": kv + max(text_act, vis_act)}


def weight_bytes(config: dict[str, Any], dtype_bytes: int = 2) -> int:
    """Parameter count x bytes, counted on a model built on the meta device (no memory)."""
    import torch
    from transformers import AutoConfig, AutoModelForImageTextToText

    cfg = AutoConfig.for_model(**copy.deepcopy(config))
    with torch.device("meta"):
        model = AutoModelForImageTextToText.from_config(cfg)
    return sum(p.numel() for p in model.parameters()) * dtype_bytes


def memory_table(frames_list: tuple[int, ...] = (32, 128, 512), batches: tuple[int, ...] = (1, 8),
                 height: int = 252, width: int = 448) -> list[dict[str, Any]]:
    """Rows of docs/predict.md's memory table (GiB) for both released layouts."""
    rows = []
    gib = 1024 ** 3
    for name, cfg in RELEASED.items():
        h = height - height % (cfg["vision_config"]["patch_size"] * 2)
        w = width - width % (cfg["vision_config"]["patch_size"] * 2)
        for frames in frames_list:
            for batch in batches:
                m = memory_estimate(cfg, frames=frames, height=h, width=w, batch=batch)
                rows.append({"model": LABEL[name], "frames": frames, "size": f"{w}x{h}", "batch": batch,
                             "tokens_per_frame": video_tokens_per_frame(cfg, h, w),
                             "video_tokens": m["video_tokens"], "kv_gib": m["kv_cache"] / gib,
                             "act_gib": max(m["text_activations"], m["vision_activations"]) / gib,
                             "peak_gib": m["peak"] / gib})
    return rows


def measured_peak_cpu(batch: int, frames: int = 16, height: int = 252, width: int = 448) -> dict[str, float]:
    """One prefill forward (``use_cache``, last-token logits) of a small Qwen2.5-VL layout (text width 256,
    MLP 2048, vision width 128, float32) on the CPU: the process's peak RSS during the forward above
    its RSS before it (Linux: the peak is reset through ``/proc/self/clear_refs``), beside
    :func:`memory_estimate` of the same inputs."""
    import torch
    from transformers import AutoConfig, AutoModelForImageTextToText

    torch.set_num_threads(1)
    cfg = shrink(RELEASED["qwen2_5_vl_7b"])
    cfg.update(hidden_size=256, intermediate_size=2048, vocab_size=1024, num_attention_heads=16,
               image_token_id=1000, video_token_id=1001, vision_start_token_id=1002, vision_end_token_id=1003)
    cfg["vision_config"].update(hidden_size=128, intermediate_size=1024, out_hidden_size=256)
    torch.manual_seed(0)
    model = AutoModelForImageTextToText.from_config(AutoConfig.for_model(**cfg)).eval()
    video = int(frames * video_tokens_per_frame(cfg, height, width))
    ids = torch.cat([torch.full((batch, 1), 1002), torch.full((batch, video), 1001), torch.full((batch, 1), 1003),
                     torch.randint(0, 900, (batch, 62))], 1)
    grid = torch.tensor([[frames // 2, height // 14, width // 14]] * batch)
    pixels = torch.randn(int(grid.prod(-1).sum()), 3 * 2 * 14 * 14)
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset the peak RSS (VmHWM) to the current RSS
    before = _status_kib("VmRSS") * 1024
    with torch.inference_mode():
        model(input_ids=ids, attention_mask=torch.ones_like(ids), pixel_values_videos=pixels, video_grid_thw=grid,
              mm_token_type_ids=(ids == 1001).long() * 2, second_per_grid_ts=torch.ones(batch), use_cache=True,
              logits_to_keep=1)
    measured = _status_kib("VmHWM") * 1024 - before
    est = memory_estimate(cfg, frames=frames, height=height, width=width, batch=batch, new_tokens=0,
                          prompt_tokens=64, dtype_bytes=4)
    return {"measured": float(measured), **est}


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field + ":"))


def memory_markdown() -> str:
    """docs/predict.md's memory table (a test checks the page holds exactly this)."""
    gib = 1024 ** 3
    weights = {LABEL[n]: weight_bytes(cfg) / gib for n, cfg in RELEASED.items()}
    lines = ["| model (bf16 weights) | frames (size) | tokens / frame | video tokens | batch | KV cache GiB | "
             "activations GiB | peak beside the weights GiB |", "|---|---|---|---|---|---|---|---|"]
    for r in memory_table():
        lines.append(f"| {r['model']} ({weights[r['model']]:.1f} GiB) | {r['frames']} ({r['size']}) | "
                     f"{r['tokens_per_frame']:g} | {r['video_tokens']:,.0f} | {r['batch']} | {r['kv_gib']:.2f} | "
                     f"{r['act_gib']:.2f} | {r['peak_gib']:.2f} |")
    return "\n".join(lines)
