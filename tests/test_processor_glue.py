"""Qwen processor glue on tiny local checkpoints: the time the model sees equals the frame time.

Qwen2.5-VL: temporal M-RoPE ids from the model's own ``get_rope_index``; one id = 1 / tokens_per_second
seconds (0.5 s here). Qwen3-VL: the ``<t seconds>`` markers in the processed prompt.
"""

from __future__ import annotations

import pytest
from video_fixtures import coded  # noqa: F401

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from transformers import AutoModelForImageTextToText, AutoProcessor  # noqa: E402

from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl, build_tiny_qwen3_vl  # noqa: E402
from videorl.video import qwen as glue  # noqa: E402
from videorl.video import sample_frames  # noqa: E402

MSGS = [{"role": "user", "content": [{"type": "video"}, {"type": "text", "text": "When?"}]}]


@pytest.fixture(scope="module")
def q25(tmp_path_factory):
    d = build_tiny_qwen2_5_vl(tmp_path_factory.mktemp("q25"))
    return AutoProcessor.from_pretrained(d), AutoModelForImageTextToText.from_pretrained(d)


@pytest.fixture(scope="module")
def q3(tmp_path_factory):
    d = build_tiny_qwen3_vl(tmp_path_factory.mktemp("q3"))
    return AutoProcessor.from_pretrained(d), AutoModelForImageTextToText.from_pretrained(d)


def _inputs(processor, frames, meta, model):
    text = processor.apply_chat_template(MSGS, add_generation_prompt=True, tokenize=False)
    return processor(text=[text], return_tensors="pt", **glue.processor_video_kwargs([(frames, meta)], model))


def _video_time_ids(processor, model, inputs):
    pos, _ = model.model.get_rope_index(
        inputs["input_ids"], inputs["mm_token_type_ids"], video_grid_thw=inputs["video_grid_thw"],
        second_per_grid_ts=torch.as_tensor(inputs["second_per_grid_ts"]), attention_mask=inputs["attention_mask"])
    is_video = inputs["input_ids"][0] == processor.video_token_id
    ids = sorted(set(pos[0, 0][is_video].tolist()))
    return [i - ids[0] for i in ids]


@pytest.mark.parametrize(("name", "fps", "clip", "expect_seconds"), [
    # 30 fps, 2 fps: patches start at frames 0, 30, 60 -> 0, 1, 2 s -> ids 0, 2, 4 (0.5 s per id)
    ("cfr30", 2.0, None, [0.0, 1.0, 2.0]),
    # 1 fps on a clip from 0.5 s: frames 15, 45 -> one patch at model time 0 -> id 0
    ("cfr30", 1.0, [0.5, 2.6], [0.0]),
    # 4 fps: second_per_grid 0.5 -> ids 0, 1, 2, 3, 4, 5 (6 patches over 3 s)
    ("offset2", 4.0, None, [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]),
])
def test_qwen2_5_vl_time_ids_match_frame_times(q25, coded, name, fps, clip, expect_seconds):  # noqa: F811
    processor, model = q25
    frames, meta = sample_frames(coded[name].path, fps=fps, clip=clip, min_pixels=3136, max_pixels=56 * 84)
    inputs = _inputs(processor, frames, meta, "qwen2_5_vl")
    assert inputs["second_per_grid_ts"].tolist() == pytest.approx([2 / fps])
    assert inputs["video_grid_thw"].tolist() == [[len(frames) // 2, meta.height // 14, meta.width // 14]]
    tps = model.config.vision_config.tokens_per_second
    ids = _video_time_ids(processor, model, inputs)
    assert ids == glue.expected_qwen2_5_time_ids(meta, tokens_per_second=tps)
    assert [i / tps for i in ids] == pytest.approx(expect_seconds)
    # the patch's first frame really is at that model time (frame codes, not metadata)
    assert [i / tps for i in ids] == pytest.approx(meta.model_times()[::2], abs=1 / tps)


def test_qwen2_5_vl_without_metadata_is_wrong(q25, coded):  # noqa: F811
    # the trap the glue avoids: transformers 5.x assumes 24 fps -> second_per_grid 2/24
    processor, _ = q25
    frames, _ = sample_frames(coded["cfr30"].path, fps=2.0, min_pixels=3136, max_pixels=56 * 84)
    text = processor.apply_chat_template(MSGS, add_generation_prompt=True, tokenize=False)
    out = processor(text=[text], videos=[frames], do_resize=False, return_tensors="pt")
    assert out["second_per_grid_ts"].tolist() == pytest.approx([2 / 24])


@pytest.mark.parametrize(("name", "kw", "expect"), [
    # 29.97 fps, clip [0.6, 3.0] at 2 fps: frames 18, 33, 48, 63 -> model times 0, 15, 30, 45 frames / 29.97
    # = 0, 0.5005, 1.001, 1.5015 -> patch means 0.25025 -> "0.3", 1.25125 -> "1.3"
    ("ntsc", {"fps": 2.0, "clip": [0.6, 3.0]}, ["<0.3 seconds>", "<1.3 seconds>"]),
    # stream starting at 2 s, 1 fps: frames 0, 30, 60 -> drop the odd one -> 0, 1 s -> mean 0.5
    ("offset2", {"fps": 1.0}, ["<0.5 seconds>"]),
    # VFR, 4 fps, clip [1.0, 2.0]: frames at 1.0, 1.2583 (0.25 -> nearest 1.2583), 1.5, 1.7583 ->
    # model times 0, 0.2583, 0.5, 0.7583 -> means 0.129 -> "0.1", 0.629 -> "0.6"
    ("vfr", {"fps": 4.0, "clip": [1.0, 2.0]}, ["<0.1 seconds>", "<0.6 seconds>"]),
])
def test_qwen3_vl_prompt_times_match_frame_times(q3, coded, name, kw, expect):  # noqa: F811
    processor, _ = q3
    frames, meta = sample_frames(coded[name].path, patch_size=16, min_pixels=1024, max_pixels=64 * 96, **kw)
    inputs = _inputs(processor, frames, meta, "qwen3_vl")
    text = processor.tokenizer.decode(inputs["input_ids"][0])
    marks = [f"<{t:.1f} seconds>" for t in glue.parse_qwen3_timestamps(text)]
    assert marks == expect == glue.expected_qwen3_timestamps(meta)
    assert inputs["video_grid_thw"].tolist() == [[len(frames) // 2, meta.height // 16, meta.width // 16]]


def test_tiny_models_generate(q25, q3, coded):  # noqa: F811
    for (processor, model), fam, ps in ((q25, "qwen2_5_vl", 14), (q3, "qwen3_vl", 16)):
        frames, meta = sample_frames(coded["cfr30"].path, fps=1.0, patch_size=ps, min_pixels=1024,
                                     max_pixels=64 * 64)
        inputs = _inputs(processor, frames, meta, fam)
        with torch.no_grad():
            out = model.generate(**inputs, max_new_tokens=3, do_sample=False)
        new = out.shape[1] - inputs["input_ids"].shape[1]
        assert 1 <= new <= 3  # random weights: up to 3 tokens, fewer if <|im_end|> comes first
