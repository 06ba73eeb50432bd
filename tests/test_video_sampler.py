"""Exact-time sampling on coded videos, for every installed backend, plus the size rules."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from video_fixtures import coded  # noqa: F401

from videorl.synth import read_frame_code
from videorl.video import probe, sample_frames
from videorl.video.sizing import even_count, nearest_frames, smart_resize, target_times, video_frame_size

SMALL = {"min_pixels": 28 * 28 * 4, "max_pixels": 160 * 120}  # 320x240 -> 112x140 (factor 28)


def _backends():
    out = [pytest.param("pyav")]
    for name, module in (("decord", "decord"), ("torchcodec", "torchcodec")):
        ok = importlib.util.find_spec(module) is not None
        if ok and name == "torchcodec":
            try:
                import torchcodec.decoders  # noqa: F401
            except Exception as err:  # a CUDA-only wheel on CPU torch fails at import
                ok, why = False, f"torchcodec does not load: {err}"
        else:
            why = f"{module} is not installed"
        out.append(pytest.param(name, marks=() if ok else pytest.mark.skip(reason=why)))
    return out


BACKENDS = _backends()


def _check_codes(frames, meta):
    assert [read_frame_code(f).index for f in frames] == meta.frame_indices


@pytest.mark.parametrize("backend", BACKENDS)
def test_fps_sampling_30fps(coded, backend):  # noqa: F811
    # 3 s at 30 fps, 3 fps: T_k = k/3 for k = 0..8 -> frame 10k; 9 is odd -> the last is dropped
    frames, meta = sample_frames(coded["cfr30"].path, fps=3, backend=backend, **SMALL)
    assert meta.frame_indices == [0, 10, 20, 30, 40, 50, 60, 70]
    assert meta.timestamps == pytest.approx([k / 3 for k in range(8)], abs=1e-6)
    assert meta.sampled_fps == 3 and meta.native_fps == 30 and meta.total_frames == 90 and meta.duration == 3
    assert frames.shape == (8, 112, 140, 3) and frames.dtype == np.uint8
    assert (meta.height, meta.width, meta.backend) == (112, 140, backend)
    _check_codes(frames, meta)


@pytest.mark.parametrize("backend", BACKENDS)
def test_ntsc_clip_and_nframes(coded, backend):  # noqa: F811
    v = coded["ntsc"].path  # 90 frames at 30000/1001 fps
    # fps 2 over [0, 3.003): T = 0, 0.5, ..., 3.0 (7 targets, drop 1); round(k * 0.5 * 29.97):
    # 14.985 -> 15, 29.97 -> 30, 44.955 -> 45, 59.94 -> 60, 74.925 -> 75
    frames, meta = sample_frames(v, fps=2, backend=backend, **SMALL)
    assert meta.frame_indices == [0, 15, 30, 45, 60, 75]
    assert meta.timestamps == pytest.approx([i * 1001 / 30000 for i in meta.frame_indices], abs=1e-6)
    _check_codes(frames, meta)
    # clip [1.02, 2.5] at 2 fps: T = 1.02, 1.52, 2.02 -> 3 is odd -> keep 2; 1.02*29.97 = 30.57 -> 31,
    # 1.52*29.97 = 45.55 -> 46
    frames, meta = sample_frames(v, fps=2, clip=[1.02, 2.5], backend=backend, **SMALL)
    assert meta.frame_indices == [31, 46] and meta.clip == [1.02, 2.5]
    assert meta.model_times() == pytest.approx([0.0, 15 * 1001 / 30000], abs=1e-6)
    _check_codes(frames, meta)
    # nframes 4 over 3.003 s: spacing 0.75075 s = 22.5 frames exactly -> 0, 22.5 (tie -> 22), 45, 67.5 (-> 67)
    frames, meta = sample_frames(v, nframes=4, backend=backend, **SMALL)
    assert meta.frame_indices == [0, 22, 45, 67]
    assert meta.sampled_fps == pytest.approx(4 / 3.003)
    _check_codes(frames, meta)


@pytest.mark.parametrize("backend", BACKENDS)
def test_stream_starting_at_2s_counts_from_first_frame(coded, backend):  # noqa: F811
    info = probe(coded["offset2"].path)
    assert info.stream_start == 2.0 and info.frames == 90 and info.duration == 3.0
    frames, meta = sample_frames(coded["offset2"].path, fps=2, clip=[1.0, 2.0], backend=backend, **SMALL)
    assert meta.frame_indices == [30, 45] and meta.timestamps == [1.0, 1.5]
    _check_codes(frames, meta)


@pytest.mark.parametrize("backend", BACKENDS)
def test_vfr_nearest_by_pts(coded, backend):  # noqa: F811
    v = coded["vfr"]
    frames, meta = sample_frames(v.path, fps=4, backend=backend, **SMALL)
    assert meta.vfr
    # by hand: at 30 fps the pattern repeats every 0.1 s with frames at +0, +1/60, +7/120 s; T = 0.25 lies
    # between frame 7 (0.2167) and 8 (0.2583): 8 is nearer
    assert meta.frame_indices[1] == 8
    # brute force over the generator's own times (no searchsorted)
    targets = [k / 4 for k in range(len(meta.frame_indices))]
    expect = [min(range(v.n_frames), key=lambda i, t=t: (abs(v.times[i] - t), i)) for t in targets]
    assert meta.frame_indices == expect
    assert meta.timestamps == pytest.approx([v.times[i] for i in expect], abs=1e-4)
    _check_codes(frames, meta)


@pytest.mark.parametrize("backend", BACKENDS[1:])
def test_backends_agree_with_pyav(coded, backend):  # noqa: F811
    for name in ("gop5", "offset2"):
        ref, ref_meta = sample_frames(coded[name].path, fps=5, clip=[0.5, 2.9], **SMALL)
        got, meta = sample_frames(coded[name].path, fps=5, clip=[0.5, 2.9], backend=backend, **SMALL)
        assert meta.frame_indices == ref_meta.frame_indices and meta.timestamps == ref_meta.timestamps
        assert got.shape == ref.shape
        # same frames; the resize filters differ a little (swscale vs decoder-side / PIL)
        assert np.abs(got.astype(int) - ref.astype(int)).mean() < 12


def test_gop_seek_and_duplicates(coded):  # noqa: F811
    v = coded["gop5"].path  # 25 fps, keyframe every 5 frames; clip start > 1 s triggers a seek
    frames, meta = sample_frames(v, fps=4, clip=[2.0, 3.0], **SMALL)
    assert meta.frame_indices == [50, 56, 62, 69]  # 2.0, 2.25 (56.25), 2.5 (62.5 -> 62), 2.75 (68.75)
    _check_codes(frames, meta)
    # fps above the native rate: targets share frames (0, 0.02, 0.04 s ... at 50 fps -> frames 0,0/1,1, ...)
    frames, meta = sample_frames(v, fps=50, clip=[0.0, 0.16], **SMALL)
    assert len(meta.frame_indices) == 8 and meta.frame_indices == sorted(meta.frame_indices)
    _check_codes(frames, meta)


SIZES = [
    # (height, width, patch, min_pixels, max_pixels, nframes) -> (h, w), worked out in the comments
    # 720x1280, f=28, max 448*252: beta = sqrt(921600/112896) = 2.857 -> 252.0, 448.0 -> 252x448
    ((720, 1280, 14, None, 448 * 252, 120), (252, 448)),
    # default f=28: ceiling min(768*784, 128000*784*0.9/120*2) = 602112 -> beta 1.2372 -> 581.9->560, 1034.6->1008
    ((720, 1280, 14, None, None, 120), (560, 1008)),
    # default f=32: 786432 -> beta 1.0825 -> 665.1 -> 640, 1182.4 -> 1152
    ((720, 1280, 16, None, None, 120), (640, 1152)),
    # f=32, max 448*252, min 4096: beta 2.857 -> 252 -> 224, 448 -> 448
    ((720, 1280, 16, 4096, 448 * 252, 120), (224, 448)),
    # 240x320, f=28, min 3136, max 19200: rounded 252x308 too big; beta 2 -> 120 -> 112, 160 -> 140
    ((240, 320, 14, 3136, 160 * 120, 8), (112, 140)),
    # tiny 100x100 below min 128*784: beta = sqrt(100352/10000) = 3.168 -> 316.8 -> 336 (ceil to 28)
    ((100, 100, 14, None, None, 8), (336, 336)),
    # total_pixels budget: 1000 frames, 128000*784*0.9 / 1000 * 2 = 180633.6 per frame -> beta 2.2588 ->
    # 720/beta = 318.8 -> 308, 1280/beta = 566.7 -> 560 (floor to 28)
    ((720, 1280, 14, None, None, 1000), (308, 560)),
    # 113x100 below the default min 128*784 = 100352: beta = sqrt(100352 / 11300) = 2.98005 -> 336.75 / 28 =
    # 12.03 -> 13 * 28 = 364, 298.0 / 28 = 10.64 -> 308 (a floor of 127 tokens would give 12.0 -> 336)
    ((113, 100, 14, None, None, 8), (364, 308)),
    # 10000 frames: the budget 90316800 / 10000 * 2 = 18063.4 is under int(1.05 * 100352) = 105369, which wins:
    # beta = sqrt(921600 / 105369) = 2.9575 -> 720 / beta = 243.4 -> 224, 1280 / beta = 432.8 -> 420
    ((720, 1280, 14, None, None, 10000), (224, 420)),
    # the 768-token ceiling: 1020x1000, 8 frames, max 768 * 784 = 602112: beta = sqrt(1020000 / 602112) = 1.30155
    # -> 783.7 / 28 = 27.99 -> 756, 768.3 / 28 = 27.44 -> 756 (769 tokens would give 28.007 -> 784)
    ((1020, 1000, 14, None, None, 8), (756, 756)),
    # the total budget: 400 frames, 90316800 / 400 * 2 = 451584: beta = sqrt(921600 / 451584) = 10/7 exactly ->
    # 720 * 0.7 = 504 = 18 * 28, 1280 * 0.7 = 896 = 32 * 28 (a budget of 127999 tokens would give 476 x 868)
    ((720, 1280, 14, None, None, 400), (504, 896)),
    # the 128-token floor from the other side: 112x100, beta = sqrt(100352 / 11200) = 2.99333 -> 335.25 / 28 =
    # 11.97 -> 336, 299.3 / 28 = 10.69 -> 308 (129 tokens: 12.02 -> 364)
    ((112, 100, 14, None, None, 8), (336, 308)),
    # the 768-token ceiling from the other side: 1021x1000, beta = sqrt(1021000 / 602112) = 1.30218 -> 784.06 / 28
    # = 28.002 -> 784, 767.9 / 28 = 27.43 -> 756 (767 tokens: 27.98 -> 756 x 756)
    ((1021, 1000, 14, None, None, 8), (784, 756)),
    # 2000 frames: 90316800 / 2000 * 2 = 90316.8 < int(1.05 * 100352) = 105369: beta = sqrt(128000 / 105369) =
    # 1.10218 -> 90.7 -> 84, 1161.3 / 28 = 41.48 -> 1148 (min_pixels + 1 instead of x 1.05 would give 1120)
    ((100, 1280, 14, None, None, 2000), (84, 1148)),
]


@pytest.mark.parametrize(("args", "expect"), SIZES)
def test_frame_size_table(args, expect):
    h, w, patch, lo, hi, n = args
    assert video_frame_size(h, w, n, patch_size=patch, min_pixels=lo, max_pixels=hi) == expect


def test_size_and_target_edges():
    assert video_frame_size(height=720, width=1280, nframes=120) == (560, 1008)  # by keyword, as in SIZES[1]
    t, rate = target_times(0.0, 10.0, nframes=1)  # one frame asked: rounded up to the even 2, at 0 and 5 s
    assert t.tolist() == [0.0, 5.0] and rate == 0.2
    with pytest.raises(ValueError, match="nframes must be >= 1"):
        target_times(0.0, 10.0, nframes=0)
    for fps in (-1.0, -0.5):
        with pytest.raises(ValueError, match="fps must be > 0"):
            target_times(0.0, 10.0, fps=fps)
    # one frame with a total budget of 200000: ceiling min(602112, 200000 / 1 * 2) = 400000, beta = sqrt(921600 /
    # 400000) = 1.51789 -> 474.3 / 28 = 16.94 -> 448, 843.3 / 28 = 30.1 -> 840; 0 frames count as 1
    assert video_frame_size(720, 1280, 1, total_pixels=200000) == (448, 840)
    assert video_frame_size(720, 1280, 0) == video_frame_size(720, 1280, 1) == (560, 1008)
    with pytest.raises(ValueError, match="aspect ratio"):  # 5614 / 28 = 200.5: over 200, not rounded down to it
        smart_resize(28, 5614, 28, 3136, 28 * 5628)
    # 29x56, factor 28, max 1568: rounded 28x56 = 1568 pixels is not over the maximum (qwen-vl-utils: strict >)
    assert smart_resize(29, 56, 28, 784, 1568) == (28, 56)
    assert smart_resize(1, 28, 28, 784, 1568) == (28, 28)  # a 1-pixel side is still a frame: one patch
    for h in (0, -5):
        with pytest.raises(ValueError, match="frame size must be positive"):
            smart_resize(h, 28, 28, 784, 1568)
    # 7 frames asked: 3.5 pairs rounded half up to 4, so 8 frames 10 / 8 = 1.25 s apart
    t, rate = target_times(clip_start=0.0, clip_end=10.0, nframes=7)
    assert t.tolist() == [k * 1.25 for k in range(8)] and rate == 0.8
    assert even_count(np.array([7])).tolist() == [7, 7]  # a single frame is one patch of itself
    assert even_count(np.array([1, 4, 9])).tolist() == [1, 4]  # an odd count drops its last frame
    t, rate = target_times(5.0, 5.0, fps=2.0)  # an empty clip still gets its start frame
    assert t.tolist() == [5.0] and rate == 2.0


def test_qwen3_budget_conflict_raises():
    with pytest.raises(ValueError, match="below min_pixels"):
        video_frame_size(720, 1280, 120, patch_size=16, max_pixels=448 * 252)


def test_aspect_ratio_limit_is_qwen_vl_utils_strict_200():
    """qwen-vl-utils refuses ``max / min > 200`` (MAX_RATIO): a frame exactly 200 times wider than high is
    sized, one 201 times wider is refused (kills ``>`` -> ``>=`` and ``200`` -> ``199`` in sizing.py)."""
    # 28 x 5600: ratio 200, a whole number of 28-pixel patches each way, within the pixel bounds -> unchanged
    assert smart_resize(28, 5600, 28, 3136, 28 * 5600) == (28, 5600)
    with pytest.raises(ValueError, match="aspect ratio"):
        smart_resize(28, 5628, 28, 3136, 28 * 5628)  # ratio 201


def _qwen_smart_resize():
    try:
        from qwen_vl_utils.vision_process import smart_resize as ref
    except Exception as err:  # needs a torchvision that loads
        pytest.skip(f"qwen-vl-utils not importable: {err}")
    return ref


@settings(max_examples=200, deadline=None)
@given(h=st.integers(16, 2000), w=st.integers(16, 2000), factor=st.sampled_from([28, 32]),
       lo_tokens=st.integers(4, 256), extra=st.integers(0, 2000))
def test_smart_resize_matches_qwen_vl_utils(h, w, factor, lo_tokens, extra):
    ref = _qwen_smart_resize()
    lo, hi = lo_tokens * factor * factor, (lo_tokens + extra) * factor * factor
    expect = ref(h, w, factor, lo, hi)
    assume(min(expect) > 0)  # qwen-vl-utils can floor a thin side to 0; we keep at least one factor
    assert smart_resize(h, w, factor, lo, hi) == expect


@settings(max_examples=200, deadline=None)
@given(n=st.integers(2, 3000), fps=st.sampled_from([24.0, 25.0, 30.0, 30000 / 1001, 60.0]),
       rate=st.floats(0.1, 8.0), c0=st.floats(0, 10))
def test_targets_are_exact_and_nearest(n, fps, rate, c0):
    times = np.arange(n) / fps
    dur = n / fps
    if c0 >= dur:
        return
    t, r = target_times(c0, dur, fps=rate)
    assert r == rate and np.allclose(np.diff(t), 1 / rate) and t[-1] < dur
    idx = nearest_frames(times, t)
    # each chosen frame is within half a frame period of its target; a target after the last frame's
    # start (inside its display period) takes the last frame
    inside = t <= times[-1]
    assert np.all(np.abs(times[idx] - t)[inside] <= 0.5 / fps + 1e-9)
    assert np.all(idx[~inside] == n - 1)
