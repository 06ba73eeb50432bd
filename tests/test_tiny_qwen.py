"""videorl.testing.tiny_qwen on the dev venv's transformers (5.x); tests/test_host_easyr1.py repeats the
checks on transformers 4.57.1 (the EasyR1 / LLaMA-Factory pin)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("transformers")
pytest.importorskip("torch")

from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl, build_tiny_qwen3_vl  # noqa: E402


@pytest.mark.parametrize(("build", "model_type"), [(build_tiny_qwen2_5_vl, "qwen2_5_vl"),
                                                   (build_tiny_qwen3_vl, "qwen3_vl")])
def test_tiny_checkpoint_is_laid_out_and_reloads_like_the_released_one(tmp_path, build, model_type):
    from transformers import AutoConfig, AutoProcessor

    d = build(tmp_path / "m", released_sizes=True)
    raw = json.loads((d / "config.json").read_text())
    assert raw["model_type"] == model_type
    # Qwen2.5-VL keeps its text settings at the top level (no text_config), Qwen3-VL nests them
    assert ("text_config" in raw) == (model_type == "qwen3_vl")
    assert AutoConfig.from_pretrained(d).model_type == model_type
    proc = AutoProcessor.from_pretrained(d)
    tok = proc.tokenizer
    assert type(tok).__name__.startswith("Qwen2Tokenizer")
    # think tags are ordinary added tokens, as released: a skip_special_tokens decode keeps them
    ids = tok("<think>a</think><answer>B</answer><|im_end|>", add_special_tokens=False)["input_ids"]
    assert tok.decode(ids, skip_special_tokens=True) == "<think>a</think><answer>B</answer>"
    if model_type == "qwen3_vl":
        assert proc.image_processor.size["shortest_edge"] == 65536
        assert proc.video_processor.size["shortest_edge"] == 4096
        assert proc.video_processor.do_sample_frames is True
