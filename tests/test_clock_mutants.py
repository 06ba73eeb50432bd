"""Qwen2.5-VL is told the right time at *fractional* sampled rates (no host needed).

The tiny Qwen2.5-VL processor and model (transformers only) get our frames with
:func:`videorl.video.qwen.processor_video_kwargs`; the time the model is told for temporal patch ``k``
is ``k * second_per_grid_ts`` (what the processor returns, from our ``video_metadata``), and its
temporal M-RoPE ids, from the model's own ``get_rope_index``, are ``floor(k * second_per_grid *
tokens_per_second)`` (tokens_per_second = 2 in the tiny config: 0.5 s per id).

The values are worked out by hand from the sampling rule (targets ``k / fps`` from the clip start;
``nframes`` mode: fps = n / duration; an odd count drops its last frame; two frames per patch):

- a 30 s video, 16 frames: sampled fps 16/30, 3.75 s per patch, the last (8th) patch told 26.25 s
  (a floored or rounded fps tells 14.0 s or worse);
- 0.5 fps on a 10 s video: 5 targets, 4 kept, 4 s per patch: patches at 0 and 4 s;
- 1.5 fps on a 4 s video: 6 frames, 4/3 s per patch: 0, 1.333, 2.667 s;
- 8 frames of a 10.01 s NTSC video (300 frames at 30000/1001 fps): sampled fps 8 / 10.01,
  2.5025 s per patch: 0, 2.5025, 5.005, 7.5075 s.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("av")

from transformers import AutoModelForImageTextToText, AutoProcessor  # noqa: E402

from videorl.synth import make_video  # noqa: E402
from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl  # noqa: E402
from videorl.video import qwen as glue  # noqa: E402
from videorl.video import sample_frames  # noqa: E402

MSGS = [{"role": "user", "content": [{"type": "video"}, {"type": "text", "text": "When?"}]}]


@pytest.fixture(scope="module")
def q25(tmp_path_factory):
    d = build_tiny_qwen2_5_vl(tmp_path_factory.mktemp("q25"))
    return AutoProcessor.from_pretrained(d), AutoModelForImageTextToText.from_pretrained(d)


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    d = tmp_path_factory.mktemp("videos")
    return {"30s": make_video(d / "30s.mp4", duration=30, fps=2, size=(64, 48)).path,
            "10s": make_video(d / "10s.mp4", duration=10, fps=4, size=(64, 48)).path,
            "4s": make_video(d / "4s.mp4", duration=4, fps=6, size=(64, 48)).path,
            "ntsc": make_video(d / "ntsc.mp4", duration=10, fps=Fraction(30000, 1001), size=(64, 48)).path}


@pytest.mark.parametrize(("video", "sampling", "sampled_fps", "patch_seconds"), [
    ("30s", {"nframes": 16}, 16 / 30, [0.0, 3.75, 7.5, 11.25, 15.0, 18.75, 22.5, 26.25]),
    ("10s", {"fps": 0.5}, 0.5, [0.0, 4.0]),
    ("4s", {"fps": 1.5}, 1.5, [0.0, 4 / 3, 8 / 3]),
    ("ntsc", {"nframes": 8}, 8 / 10.01, [0.0, 2.5025, 5.005, 7.5075]),
])
def test_qwen2_5_vl_told_times_at_fractional_fps(q25, videos, video, sampling, sampled_fps, patch_seconds):
    processor, model = q25
    frames, meta = sample_frames(videos[video], min_pixels=3136, max_pixels=3136, **sampling)
    assert meta.sampled_fps == pytest.approx(sampled_fps, rel=1e-9)
    assert len(frames) == 2 * len(patch_seconds)
    text = processor.apply_chat_template(MSGS, add_generation_prompt=True, tokenize=False)
    inputs = processor(text=[text], return_tensors="pt", **glue.processor_video_kwargs([(frames, meta)],
                                                                                       "qwen2_5_vl"))
    spg = float(torch.as_tensor(inputs["second_per_grid_ts"])[0])
    told = [k * spg for k in range(len(patch_seconds))]
    assert told == pytest.approx(patch_seconds, abs=1e-6)  # e.g. the 30 s video's last patch: 26.25 s
    # the patch's first frame really is at that time on the model clock (nearest frame: within 1/native fps)
    assert told == pytest.approx(meta.model_times()[::2], abs=1 / meta.native_fps)
    # and the model's own M-RoPE time ids are those times at tokens_per_second
    tps = model.config.vision_config.tokens_per_second
    pos, _ = model.model.get_rope_index(
        inputs["input_ids"], inputs["mm_token_type_ids"], video_grid_thw=inputs["video_grid_thw"],
        second_per_grid_ts=torch.as_tensor(inputs["second_per_grid_ts"]), attention_mask=inputs["attention_mask"])
    is_video = inputs["input_ids"][0] == processor.video_token_id
    ids = sorted(set(pos[0, 0][is_video].tolist()))
    assert [i - ids[0] for i in ids] == [int(s * tps + 1e-9) for s in patch_seconds]
    assert [i - ids[0] for i in ids] == glue.expected_qwen2_5_time_ids(meta, tokens_per_second=tps)


def test_unknown_model_families_are_refused_not_given_qwen2_5_time():
    """Only the families whose clock videorl knows get metadata: anything else raises (kills ``==`` -> ``<=``
    in ``family_of`` and ``video_metadata``: "llava" sorts before "qwen2_5_vl")."""
    from videorl.video.meta import VideoMeta

    for other in ("llava", "llava_onevision", "internvl", "qwen2_vl"):
        with pytest.raises(ValueError, match="unsupported model_type"):
            glue.family_of(other)
    meta = VideoMeta(native_fps=2.0, total_frames=4, duration=2.0, frame_indices=[0, 1, 2, 3],
                     timestamps=[0.0, 0.5, 1.0, 1.5], sampled_fps=2.0, clip=None, height=56, width=56,
                     backend="pyav", vfr=False, path="v.mp4", sampler_version=1)
    for other in ("llava", "internvl", "qwen3_vl_moe", "qwen_omni"):  # families sort before and after qwen3_vl
        with pytest.raises(ValueError, match="unknown model family"):
            glue.video_metadata(meta, other)


def test_text_position_wrapper_also_fixes_positional_calls(q25, videos):
    """``get_rope_index(input_ids, mm_token_type_ids, ...)`` with the types passed by position gets the
    released text positions too (the same ids as the keyword call)."""
    processor, model = q25
    frames, meta = sample_frames(videos["30s"], nframes=16, min_pixels=3136, max_pixels=3136)
    text = processor.apply_chat_template(MSGS, add_generation_prompt=True, tokenize=False)
    inputs = processor(text=[text], return_tensors="pt", **glue.processor_video_kwargs([(frames, meta)],
                                                                                       "qwen2_5_vl"))
    kw = {"video_grid_thw": inputs["video_grid_thw"], "attention_mask": inputs["attention_mask"],
          "second_per_grid_ts": torch.as_tensor(inputs["second_per_grid_ts"])}
    before, _ = model.model.get_rope_index(inputs["input_ids"], inputs["mm_token_type_ids"], **kw)
    glue.restore_text_positions_after_vision(model)
    by_name, _ = model.model.get_rope_index(inputs["input_ids"], mm_token_type_ids=inputs["mm_token_type_ids"], **kw)
    by_position, _ = model.model.get_rope_index(inputs["input_ids"], inputs["mm_token_type_ids"], **kw)
    assert torch.equal(by_position, by_name)
    # every argument by position: the types are still the first one after the ids
    all_positional, _ = model.model.get_rope_index(inputs["input_ids"], inputs["mm_token_type_ids"], None,
                                                   kw["video_grid_thw"], kw["second_per_grid_ts"],
                                                   kw["attention_mask"])
    assert torch.equal(all_positional, by_name)
    assert not torch.equal(by_name, before)  # the 30 s video's time ids (up to 52) run past its 2 x 2 grid


def test_qwen3_vl_metadata_of_a_variable_rate_video_is_a_millisecond_clock():
    """VFR frames at 0.25, 1.5, 2.375, 3.25 s (synth's pattern at 2 fps): Qwen3-VL is given fps 1000 and
    indices 0, 1250, 2125, 3000, so ``index / fps`` is each frame's model time to the millisecond."""
    from videorl.video.meta import VideoMeta

    meta = VideoMeta(native_fps=2.0, total_frames=12, duration=6.0, frame_indices=[1, 3, 5, 7],
                     timestamps=[0.25, 1.5, 2.375, 3.25], sampled_fps=1.0, clip=[0.5, 4.6], height=56, width=56,
                     backend="pyav", vfr=True, path="v.mp4", sampler_version=1)
    md = glue.video_metadata(meta, "qwen3_vl")
    assert md["fps"] == 1000.0 and md["frames_indices"] == [0, 1250, 2125, 3000]
    assert [i / md["fps"] for i in md["frames_indices"]] == meta.model_times() == [0.0, 1.25, 2.125, 3.0]


def _meta(timestamps, sampled_fps):
    from videorl.video.meta import VideoMeta

    n = len(timestamps)
    return VideoMeta(native_fps=sampled_fps, total_frames=n, duration=n / sampled_fps, frame_indices=list(range(n)),
                     timestamps=list(timestamps), sampled_fps=sampled_fps, clip=None, height=56, width=56,
                     backend="pyav", vfr=False, path="v.mp4", sampler_version=1)


def test_qwen3_markers_of_an_odd_frame_count_repeat_the_last_frame():
    """Qwen3-VL pads an odd frame count with the last frame: frames at 0, 1, 2 s make patches (0, 1) and (2, 2),
    printed at their means 0.5 and 2.0 s."""
    assert glue.expected_qwen3_timestamps(_meta([0.0, 1.0, 2.0], 1.0)) == ["<0.5 seconds>", "<2.0 seconds>"]


def test_qwen2_5_time_ids_default_to_the_released_two_tokens_per_second():
    """Qwen2.5-VL as released: tokens_per_second = 2. 8 frames at 2 fps: 1 s per patch, ids 0, 2, 4, 6."""
    assert glue.expected_qwen2_5_time_ids(_meta([k / 2 for k in range(8)], 2.0)) == [0, 2, 4, 6]


def test_qwen2_5_metadata_and_processor_flags_by_hand():
    """8 frames sampled at 2 fps: Qwen2.5-VL gets fps 2, indices 0..7 of 8 frames and the clip's 4 s on the model
    clock; the processor is told not to sample or resize again (the frames are the sampler's, already sized)."""
    meta = _meta([k / 2 for k in range(8)], 2.0)
    md = glue.qwen2_5_vl_metadata(meta)
    assert md == {"total_num_frames": 8, "fps": 2.0, "frames_indices": list(range(8)), "width": 56, "height": 56,
                  "duration": 4.0}
    kw = glue.processor_video_kwargs([(None, meta)], "qwen2_5_vl")
    assert kw["do_sample_frames"] is False and kw["do_resize"] is False and kw["video_metadata"] == [md]
