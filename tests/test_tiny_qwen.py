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
        # the released Qwen3-VL checkpoints normalise images and videos alike: mean 0.5, std 0.5
        for sub in (proc.image_processor, proc.video_processor):
            assert list(sub.image_mean) == [0.5] * 3 and list(sub.image_std) == [0.5] * 3, type(sub).__name__
    else:  # Qwen2.5-VL: CLIP's mean and std for both, as released
        for sub in (proc.image_processor, proc.video_processor):
            assert [round(x, 8) for x in sub.image_mean] == [0.48145466, 0.4578275, 0.40821073]
            assert [round(x, 8) for x in sub.image_std] == [0.26862954, 0.26130258, 0.27577711]


def test_normalisation_mismatch_is_detected(tmp_path):
    """A checkpoint whose image and video pixels are normalised differently is named, field by field;
    the released layouts (both families) are not."""
    from transformers import AutoProcessor

    from videorl.predict.vllm import normalisation_mismatch

    for build in (build_tiny_qwen2_5_vl, build_tiny_qwen3_vl):
        assert normalisation_mismatch(AutoProcessor.from_pretrained(build(tmp_path / build.__name__))) == {}
    odd = AutoProcessor.from_pretrained(build_tiny_qwen3_vl(tmp_path / "odd", image_norm=(0.48, 0.27)))
    diff = normalisation_mismatch(odd)
    assert set(diff) == {"image_mean", "image_std"}
    assert diff["image_mean"] == ([0.48] * 3, [0.5] * 3) and diff["image_std"] == ([0.27] * 3, [0.5] * 3)
