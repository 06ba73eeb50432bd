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

import os
from pathlib import Path

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
                  "<|image_pad|>", "<|video_pad|>", "<think>", "</think>"]

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


def build_tokenizer(vocab_size: int = 512):
    """A byte-level BPE tokenizer (``PreTrainedTokenizerFast``) with the Qwen special tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(_CORPUS * 4, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                   unk_token=None, model_max_length=32768)
    fast.chat_template = CHAT_TEMPLATE
    return fast


def _ids(tokenizer) -> dict[str, int]:
    conv = tokenizer.convert_tokens_to_ids
    return {"image_token_id": conv("<|image_pad|>"), "video_token_id": conv("<|video_pad|>"),
            "vision_start_token_id": conv("<|vision_start|>"), "vision_end_token_id": conv("<|vision_end|>")}


def _save(model, processor, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    processor.save_pretrained(out)
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.save_pretrained(out)
    return out


def build_tiny_qwen2_5_vl(directory: str | os.PathLike, *, seed: int = 0) -> Path:
    """Save a tiny Qwen2.5-VL (tokenizer, processor, model) under ``directory`` and return it."""
    import torch
    from transformers import (
        Qwen2_5_VLConfig,
        Qwen2_5_VLForConditionalGeneration,
        Qwen2_5_VLProcessor,
        Qwen2VLImageProcessor,
        Qwen2VLVideoProcessor,
    )

    torch.manual_seed(seed)
    tokenizer = build_tokenizer()
    ids = _ids(tokenizer)
    pix = {"min_pixels": 28 * 28 * 4, "max_pixels": 28 * 28 * 1024}
    processor = Qwen2_5_VLProcessor(
        image_processor=Qwen2VLImageProcessor(size={"shortest_edge": pix["min_pixels"], "longest_edge": pix["max_pixels"]}),
        video_processor=Qwen2VLVideoProcessor(size={"shortest_edge": pix["min_pixels"], "longest_edge": pix["max_pixels"]}),
        tokenizer=tokenizer, chat_template=CHAT_TEMPLATE)
    config = Qwen2_5_VLConfig(
        text_config={"vocab_size": len(tokenizer), "hidden_size": 64, "intermediate_size": 128,
                     "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                     "max_position_embeddings": 4096, "rope_parameters": {
                         "rope_type": "default", "mrope_section": [2, 3, 3], "rope_theta": 1000000.0},
                     "bos_token_id": tokenizer.convert_tokens_to_ids("<|endoftext|>"),
                     "eos_token_id": tokenizer.eos_token_id, "pad_token_id": tokenizer.pad_token_id},
        vision_config={"depth": 2, "hidden_size": 32, "intermediate_size": 64, "num_heads": 2,
                       "out_hidden_size": 64, "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2,
                       "tokens_per_second": 2, "window_size": 56, "fullatt_block_indexes": [1]},
        **ids)
    model = Qwen2_5_VLForConditionalGeneration(config).eval()
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return _save(model, processor, Path(directory))


def build_tiny_qwen3_vl(directory: str | os.PathLike, *, seed: int = 0) -> Path:
    """Save a tiny Qwen3-VL (tokenizer, processor, model) under ``directory`` and return it."""
    import torch
    from transformers import (
        Qwen2VLImageProcessor,
        Qwen3VLConfig,
        Qwen3VLForConditionalGeneration,
        Qwen3VLProcessor,
        Qwen3VLVideoProcessor,
    )

    torch.manual_seed(seed)
    tokenizer = build_tokenizer()
    ids = _ids(tokenizer)
    size = {"shortest_edge": 32 * 32 * 4, "longest_edge": 32 * 32 * 1024}
    processor = Qwen3VLProcessor(
        image_processor=Qwen2VLImageProcessor(patch_size=16, size=size),
        video_processor=Qwen3VLVideoProcessor(size=size),
        tokenizer=tokenizer, chat_template=CHAT_TEMPLATE)
    config = Qwen3VLConfig(
        text_config={"vocab_size": len(tokenizer), "hidden_size": 64, "intermediate_size": 128,
                     "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
                     "max_position_embeddings": 4096, "rope_parameters": {
                         "rope_type": "default", "mrope_section": [2, 3, 3], "mrope_interleaved": True,
                         "rope_theta": 5000000.0},
                     "bos_token_id": tokenizer.convert_tokens_to_ids("<|endoftext|>"),
                     "eos_token_id": tokenizer.eos_token_id, "pad_token_id": tokenizer.pad_token_id},
        vision_config={"depth": 2, "hidden_size": 32, "intermediate_size": 64, "num_heads": 2,
                       "out_hidden_size": 64, "patch_size": 16, "spatial_merge_size": 2, "temporal_patch_size": 2,
                       "num_position_embeddings": 64, "deepstack_visual_indexes": [1]},
        **ids)
    model = Qwen3VLForConditionalGeneration(config).eval()
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return _save(model, processor, Path(directory))
