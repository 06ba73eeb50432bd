"""Qwen2.5-VL: the text after a video is numbered as the released model was trained (largest video id + 1).

transformers 5.x starts it at the video's first id + max(h, w) / merge, which for a video whose time
ids run past its width gives the query ids the video's last patches hold.
:func:`videorl.video.qwen.restore_text_positions_after_vision` restores the released numbering
(vLLM's, and transformers 4.x's; ``tests/host_vllm.py`` compares with vLLM's own code).

Worked by hand: a coded 5 s video at 2 fps, 160x120 -> 10 frames of 112x168 -> grid t=5, h=8, w=12,
merged 4 x 6 tokens a frame, 120 video tokens. Time ids ``floor(k * 1.0 s * 2 tokens/s)`` = 0, 2, 4,
6, 8 (+ the video's first id); height ids 0..3, width 0..5. The largest id is start + 8, so the
text after the video resumes at start + 9 (transformers 5.x: start + 6).
"""

from __future__ import annotations

import pytest

pytest.importorskip("av")
torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from videorl.video import sample_frames  # noqa: E402
from videorl.video.qwen import restore_text_positions_after_vision  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from videorl.synth import make_video
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

    root = tmp_path_factory.mktemp("textpos")
    model_dir = build_tiny_qwen2_5_vl(root / "q25")
    videos = {d: make_video(root / f"v{d}.mp4", duration=d, fps=30, size=(160, 120)).path for d in (3, 5)}
    processor = AutoProcessor.from_pretrained(model_dir)
    processor.tokenizer.padding_side = "left"
    model = AutoModelForImageTextToText.from_pretrained(model_dir).eval()
    return processor, model, videos


def _inputs(processor, videos):
    from videorl.video.qwen import processor_video_kwargs

    msgs = [{"role": "user", "content": [{"type": "video"}, {"type": "text", "text": "when does it happen?"}]}]
    text = processor.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
    vids = [sample_frames(v, fps=2.0, min_pixels=56 * 56, max_pixels=160 * 120) for v in videos]
    return processor(text=[text] * len(vids), padding=True, return_tensors="pt",
                     **processor_video_kwargs(vids, "qwen2_5_vl"))


def _positions(model, inputs):
    kw = {k: inputs[k] for k in ("mm_token_type_ids", "video_grid_thw", "second_per_grid_ts", "attention_mask")}
    return model.model.get_rope_index(inputs["input_ids"], **kw)


def test_text_after_the_video_resumes_at_the_largest_id_plus_one(setup):
    processor, model, videos = setup
    inputs = _inputs(processor, [videos[5]])
    assert inputs["video_grid_thw"].tolist() == [[5, 8, 12]]
    ids = inputs["input_ids"][0].tolist()
    video_id = model.config.video_token_id
    first, last = ids.index(video_id), len(ids) - 1 - ids[::-1].index(video_id)
    before, _ = _positions(model, inputs)
    start = int(before[0, 0, first])
    assert start == first  # only text before the video
    patched = restore_text_positions_after_vision(model)
    assert patched == 1 and restore_text_positions_after_vision(model) == 0  # once
    after, deltas = _positions(model, inputs)
    video = after[:, 0, first:last + 1]
    assert torch.equal(video, before[:, 0, first:last + 1])  # video ids untouched
    assert sorted(set((video[0] - start).tolist())) == [0, 2, 4, 6, 8]  # the time ids
    assert int(video[1].max() - start) == 3 and int(video[2].max() - start) == 5
    tail = after[:, 0, last + 1:]
    n_tail = len(ids) - last - 1
    expected = torch.arange(start + 9, start + 9 + n_tail)
    assert all(torch.equal(tail[a], expected) for a in range(3))
    assert int(before[0, 0, last + 1]) <= start + 8  # what transformers 5.x gives: inside the video's ids
    assert deltas.tolist() == [[start + 9 + n_tail - len(ids)]]


def test_padded_batch_rows_are_numbered_as_alone_and_the_forward_uses_it(setup):
    processor, model, videos = setup
    restore_text_positions_after_vision(model)
    batch = _inputs(processor, [videos[3], videos[5]])
    pos, deltas = _positions(model, batch)
    for row, d in enumerate((3, 5)):
        alone = _inputs(processor, [videos[d]])
        p1, d1 = _positions(model, alone)
        keep = batch["attention_mask"][row].bool()
        assert torch.equal(pos[:, row, keep], p1[:, 0]), d
        assert int(deltas[row]) == int(d1[0]), d
    # the model's own forward and generate take these ids: capture them at the rotary embedding
    seen = []
    rotary = model.model.language_model.rotary_emb
    forward = rotary.forward

    def capture(x, position_ids, *a, **k):
        seen.append(position_ids.clone())
        return forward(x, position_ids, *a, **k)

    rotary.forward = capture
    try:
        with torch.inference_mode():
            model.generate(**batch, max_new_tokens=2, do_sample=False)
    finally:
        rotary.forward = forward
    prefill, step = seen[0], seen[1]
    assert torch.equal(prefill[-3:, 1], pos[:, 1])  # [text, t, h, w] positions; the 3D ones are ours
    # the first new token continues right after the prompt's last id, in every row
    assert torch.equal(step[-3:, :, 0], pos[:, :, -1] + 1)


def test_a_row_that_ends_with_its_video_is_left_as_it_is(setup):
    """Nothing follows the video: the released numbering and transformers' agree, the wrapper changes nothing,
    and the next id (rope delta) is the video's largest id + 1: start + 9 for the 5 s video."""
    processor, model, videos = setup
    full = _inputs(processor, [videos[5]])
    ids = full["input_ids"][0].tolist()
    video_id = model.config.video_token_id
    cut = len(ids) - ids[::-1].index(video_id)  # up to the last video token
    inputs = {k: full[k][:, :cut] for k in ("input_ids", "mm_token_type_ids", "attention_mask")}
    inputs.update(video_grid_thw=full["video_grid_thw"], second_per_grid_ts=full["second_per_grid_ts"])
    restore_text_positions_after_vision(model)
    pos, deltas = _positions(model, inputs)
    first = ids.index(video_id)
    assert int(pos[0, 0, first]) == first and int(pos.max()) == first + 8
    assert deltas.tolist() == [[first + 9 - cut]]


def test_text_after_the_video_at_either_parity_of_its_start(setup):
    """The block scan steps one token at a time: a video starting at an odd or an even index, its text resumes at
    the largest id + 1 (start + 9 for the 5 s video) right from its first token."""
    processor, model, videos = setup
    restore_text_positions_after_vision(model)
    from videorl.video.qwen import processor_video_kwargs

    video_id = model.config.video_token_id
    frames = [sample_frames(videos[5], fps=2.0, min_pixels=56 * 56, max_pixels=160 * 120)]
    parities = set()
    for prefix in ("", "a", "a b", "a b c"):
        content = ([{"type": "text", "text": prefix}] if prefix else []) + [
            {"type": "video"}, {"type": "text", "text": "when does it happen?"}]
        text = processor.apply_chat_template([{"role": "user", "content": content}], add_generation_prompt=True,
                                             tokenize=False)
        inputs = processor(text=[text], return_tensors="pt", **processor_video_kwargs(frames, "qwen2_5_vl"))
        ids = inputs["input_ids"][0].tolist()
        first, last = ids.index(video_id), len(ids) - 1 - ids[::-1].index(video_id)
        pos, _ = _positions(model, inputs)
        assert int(pos[0, 0, first]) == first
        tail = pos[:, 0, last + 1:]
        assert all(torch.equal(tail[a], torch.arange(first + 9, first + 9 + tail.shape[1])) for a in range(3))
        parities.add(first % 2)
    assert parities == {0, 1}


def test_a_gap_of_one_id_is_closed_too(setup):
    """3 s at 2 fps, frames 84x112 (grid 3 x 4 merged): time ids 0, 2, 4, so the largest id is start + 4 and the
    text resumes at start + 5; transformers 5.x resumes at start + max(3, 4) = start + 4, one id short."""
    processor, model, videos = setup
    restore_text_positions_after_vision(model)
    from videorl.video.qwen import processor_video_kwargs

    frames = [sample_frames(videos[3], fps=2.0, min_pixels=56 * 56, max_pixels=9500)]
    assert (frames[0][1].height, frames[0][1].width) == (84, 112)
    msgs = [{"role": "user", "content": [{"type": "video"}, {"type": "text", "text": "when does it happen?"}]}]
    text = processor.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
    inputs = processor(text=[text], return_tensors="pt", **processor_video_kwargs(frames, "qwen2_5_vl"))
    ids = inputs["input_ids"][0].tolist()
    video_id = model.config.video_token_id
    first, last = ids.index(video_id), len(ids) - 1 - ids[::-1].index(video_id)
    pos, _ = _positions(model, inputs)
    assert int(pos[0, 0, first]) == first and int(pos[:, 0, first:last + 1].max()) == first + 4
    assert int(pos[:, 0, last + 1].min()) == int(pos[:, 0, last + 1].max()) == first + 5
