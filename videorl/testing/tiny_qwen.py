"""Tiny, randomly initialised Qwen2.5-VL and Qwen3-VL checkpoints built offline, for tests.

Each builder writes a folder that ``AutoProcessor.from_pretrained(dir)`` and
``AutoModelForImageTextToText.from_pretrained(dir)`` load without network access: a byte-level
BPE tokenizer trained here with the ``tokenizers`` library (vocabulary of a few hundred tokens plus
the Qwen special tokens), the real image/video processors of transformers, a chat template in the
Qwen style, and a 2-layer model (hidden size 64) whose configuration keeps the released time
settings (Qwen2.5-VL: ``tokens_per_second = 2``, mrope sections ``[2, 3, 3]`` of the 16-wide
rotary half; Qwen3-VL: patch 16, interleaved mrope). A build takes about a second; outputs are
random text. Needs torch, transformers (>= 5) and tokenizers.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
                  "<|image_pad|>", "<|video_pad|>"]
THINK_TOKENS = ["<think>", "</think>"]
"""Added tokens but *not* special, as in the released Qwen3 tokenizers: a decode with
``skip_special_tokens=True`` (EasyR1's reward input) keeps them."""

# The processor sizes of the released checkpoints (preprocessor_config.json / video_preprocessor_config.json).
RELEASED_SIZES = {
    "qwen2_5_vl": {"image": {"shortest_edge": 3136, "longest_edge": 12845056},
                   "video": {"shortest_edge": 3136, "longest_edge": 12845056}},
    "qwen3_vl": {"image": {"shortest_edge": 65536, "longest_edge": 16777216},
                 "video": {"shortest_edge": 4096, "longest_edge": 25165824}},
}
TINY_SIZES = {
    "qwen2_5_vl": {"image": {"shortest_edge": 28 * 28 * 4, "longest_edge": 28 * 28 * 1024},
                   "video": {"shortest_edge": 28 * 28 * 4, "longest_edge": 28 * 28 * 1024}},
    "qwen3_vl": {"image": {"shortest_edge": 32 * 32 * 4, "longest_edge": 32 * 32 * 1024},
                 "video": {"shortest_edge": 32 * 32 * 4, "longest_edge": 32 * 32 * 1024}},
}

CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if loop.first and message['role'] != 'system' -%}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}"
    "{%- endif -%}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{%- if message['content'] is string -%}{{ message['content'] }}"
    "{%- else -%}{%- for item in message['content'] -%}"
    "{%- if item['type'] == 'image' or 'image' in item -%}{{ '<|vision_start|><|image_pad|><|vision_end|>' }}"
    "{%- elif item['type'] == 'video' or 'video' in item -%}{{ '<|vision_start|><|video_pad|><|vision_end|>' }}"
    "{%- elif item['type'] == 'text' -%}{{ item['text'] }}"
    "{%- endif -%}{%- endfor -%}{%- endif -%}"
    "{{ '<|im_end|>\\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\\n' }}{%- endif -%}"
)

_CORPUS = [
    "The person opens the door and walks into the room.", "When does the man pick up the cup?",
    "Answer with the start and end time in seconds, for example 12.5 - 17.0.",
    "<0.5 seconds> <1.0 seconds> <2.5 seconds> <10.5 seconds> 0123456789 . - ; A B C D E",
    "Select the best answer to the following multiple-choice question based on the video.",
    "Think step by step inside <think> </think> then give the final answer.",
    "a red square appears; a green circle moves; the video shows a blue bar.",
]


def _tokenizer_class():
    """``Qwen2TokenizerFast`` (transformers 4.x; the Qwen processors accept only the Qwen2 tokenizers),
    which transformers 5.x keeps as an alias of ``Qwen2Tokenizer``."""
    try:
        from transformers import Qwen2TokenizerFast
    except ImportError:  # pragma: no cover - transformers without the alias
        from transformers import Qwen2Tokenizer as Qwen2TokenizerFast
    return Qwen2TokenizerFast


def build_tokenizer(vocab_size: int = 512):
    """A byte-level BPE Qwen2 tokenizer with the Qwen special tokens and non-special think tags."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(_CORPUS * 4, trainer=trainer)
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in THINK_TOKENS])
    fast = _tokenizer_class()(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                              unk_token=None, bos_token=None, model_max_length=32768)
    fast.chat_template = CHAT_TEMPLATE
    return fast


def _ids(tokenizer) -> dict[str, int]:
    conv = tokenizer.convert_tokens_to_ids
    return {"image_token_id": conv("<|image_pad|>"), "video_token_id": conv("<|video_pad|>"),
            "vision_start_token_id": conv("<|vision_start|>"), "vision_end_token_id": conv("<|vision_end|>")}


def _sizes(model: str, released: bool) -> dict[str, dict[str, int]]:
    return (RELEASED_SIZES if released else TINY_SIZES)[model]


def _save(config: dict, processor, out: Path, seed: int) -> Path:
    """Write the released-layout ``config.json``, then the model built from it and the processor.

    The model is built by ``from_pretrained`` of that very file, and the file is written again after
    ``save_pretrained`` (whose layout depends on the transformers version), so the checkpoint
    reloads as the released one does on transformers 4.57 and 5.x alike.
    """
    import torch
    from transformers import AutoConfig, AutoModelForImageTextToText

    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(config, indent=2) + "\n"
    (out / "config.json").write_text(text)
    torch.manual_seed(seed)
    model = AutoModelForImageTextToText.from_config(AutoConfig.from_pretrained(out)).eval()
    model.generation_config.eos_token_id = config["eos_token_id"]
    model.generation_config.pad_token_id = config["pad_token_id"]
    model.save_pretrained(out)
    (out / "config.json").write_text(text)
    processor.save_pretrained(out)
    return out


def _token_config(tokenizer) -> dict[str, int]:
    return {"bos_token_id": tokenizer.convert_tokens_to_ids("<|endoftext|>"), "eos_token_id": tokenizer.eos_token_id,
            "pad_token_id": tokenizer.pad_token_id, **_ids(tokenizer)}


def _mrope_section(head_dim: int) -> list[int]:
    """Temporal / height / width rotary split of ``head_dim / 2`` in the released ratio (16, 24, 24 of 64)."""
    if head_dim % 16:
        raise ValueError(f"head_dim must be a multiple of 16, got {head_dim}")
    return [head_dim // 8, 3 * head_dim // 16, 3 * head_dim // 16]


def build_tiny_qwen2_5_vl(directory: str | os.PathLike, *, seed: int = 0, released_sizes: bool = False,
                          head_dim: int = 16) -> Path:
    """Save a tiny Qwen2.5-VL (tokenizer, processor, model) under ``directory`` and return it.

    ``config.json`` has the layout of the released Qwen2.5-VL checkpoints (text settings at the top
    level, ``rope_scaling`` ``{"type": "mrope", ...}``, model type ``qwen2_5_vl``).
    ``released_sizes`` gives the processors the released pixel bounds (3136 .. 12845056).
    ``head_dim`` (a multiple of 16) sets the text attention's head size over a hidden size of 64
    (vLLM's CPU attention needs 32 or more).
    """
    from transformers import Qwen2_5_VLProcessor, Qwen2VLImageProcessor, Qwen2VLVideoProcessor

    tokenizer = build_tokenizer()
    sz = _sizes("qwen2_5_vl", released_sizes)
    processor = Qwen2_5_VLProcessor(
        image_processor=Qwen2VLImageProcessor(size=sz["image"], min_pixels=sz["image"]["shortest_edge"],
                                              max_pixels=sz["image"]["longest_edge"]),
        video_processor=Qwen2VLVideoProcessor(size=sz["video"], min_pixels=sz["video"]["shortest_edge"],
                                              max_pixels=sz["video"]["longest_edge"]),
        tokenizer=tokenizer, chat_template=CHAT_TEMPLATE)
    config = {
        "architectures": ["Qwen2_5_VLForConditionalGeneration"], "model_type": "qwen2_5_vl",
        "attention_dropout": 0.0, "hidden_act": "silu", "hidden_size": 64, "intermediate_size": 128,
        "initializer_range": 0.02, "max_position_embeddings": 4096, "max_window_layers": 2,
        "num_attention_heads": 64 // head_dim, "num_hidden_layers": 2,
        "num_key_value_heads": min(2, 64 // head_dim), "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
        "rope_scaling": {"type": "mrope", "mrope_section": _mrope_section(head_dim)},
        "sliding_window": 4096, "tie_word_embeddings": False, "use_cache": True, "use_sliding_window": False,
        "vocab_size": len(tokenizer), "torch_dtype": "float32", **_token_config(tokenizer),
        "vision_config": {"depth": 2, "hidden_act": "silu", "hidden_size": 32, "intermediate_size": 64,
                          "num_heads": 2, "in_chans": 3, "out_hidden_size": 64, "patch_size": 14,
                          "spatial_merge_size": 2, "spatial_patch_size": 14, "temporal_patch_size": 2,
                          "tokens_per_second": 2, "window_size": 56, "fullatt_block_indexes": [1]},
    }
    return _save(config, processor, Path(directory), seed)


def build_tiny_qwen3_vl(directory: str | os.PathLike, *, seed: int = 0, released_sizes: bool = False,
                        head_dim: int = 16, image_norm: tuple[float, float] = (0.5, 0.5)) -> Path:
    """Save a tiny Qwen3-VL (tokenizer, processor, model) under ``directory`` and return it.

    ``config.json`` has the layout of the released Qwen3-VL checkpoints (``text_config`` with
    ``rope_scaling`` ``{"rope_type": "default", "mrope_interleaved": true, ...}``).
    ``released_sizes`` gives the processors the released bounds: images 65536 .. 16777216 pixels,
    videos 4096 .. 25165824 (over all frames); the video processor samples frames itself
    (``do_sample_frames`` true, 2 fps), as released. ``head_dim`` (a multiple of 16) sets the text
    attention's head size (vLLM's CPU attention needs 32 or more).

    Pixels are normalised as released: mean 0.5 and std 0.5 per channel, for images and videos alike.
    ``image_norm`` sets the image processor's (mean, std) alone, to build a checkpoint whose image and
    video normalisation differ (vLLM 0.32 normalises video pixels on the device with the *image*
    settings; :func:`videorl.predict.vllm.normalisation_mismatch` detects such a checkpoint).
    """
    from transformers import Qwen2VLImageProcessor, Qwen3VLProcessor, Qwen3VLVideoProcessor

    tokenizer = build_tokenizer()
    sz = _sizes("qwen3_vl", released_sizes)
    processor = Qwen3VLProcessor(
        image_processor=Qwen2VLImageProcessor(patch_size=16, size=sz["image"], min_pixels=sz["image"]["shortest_edge"],
                                              max_pixels=sz["image"]["longest_edge"],
                                              image_mean=[float(image_norm[0])] * 3, image_std=[float(image_norm[1])] * 3),
        video_processor=Qwen3VLVideoProcessor(size=sz["video"], do_sample_frames=True,
                                              image_mean=[0.5] * 3, image_std=[0.5] * 3),
        tokenizer=tokenizer, chat_template=CHAT_TEMPLATE)
    tok = _token_config(tokenizer)
    config = {
        "architectures": ["Qwen3VLForConditionalGeneration"], "model_type": "qwen3_vl",
        "tie_word_embeddings": False, **{k: v for k, v in tok.items() if k.endswith("token_id") and "vision" in k
                                        or k in ("image_token_id", "video_token_id")},
        "text_config": {
            "model_type": "qwen3_vl_text", "attention_bias": False, "attention_dropout": 0.0,
            "bos_token_id": tok["bos_token_id"], "eos_token_id": tok["eos_token_id"], "head_dim": head_dim,
            "hidden_act": "silu", "hidden_size": 64, "initializer_range": 0.02, "intermediate_size": 128,
            "max_position_embeddings": 4096, "num_attention_heads": 4, "num_hidden_layers": 2,
            "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 5000000,
            "rope_scaling": {"rope_type": "default", "mrope_section": _mrope_section(head_dim),
                             "mrope_interleaved": True},
            "use_cache": True, "vocab_size": len(tokenizer), "dtype": "float32"},
        "vision_config": {"model_type": "qwen3_vl", "deepstack_visual_indexes": [1], "depth": 2,
                          "hidden_act": "gelu_pytorch_tanh", "hidden_size": 32, "in_channels": 3,
                          "initializer_range": 0.02, "intermediate_size": 64, "num_heads": 2,
                          "num_position_embeddings": 64, "out_hidden_size": 64, "patch_size": 16,
                          "spatial_merge_size": 2, "temporal_patch_size": 2},
        "eos_token_id": tok["eos_token_id"], "pad_token_id": tok["pad_token_id"],
    }
    return _save(config, processor, Path(directory), seed)
