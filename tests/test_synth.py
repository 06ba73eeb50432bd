"""Coded synthetic videos: the code survives H.264 and downscaling; times and events are as scripted."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from video_fixtures import coded  # noqa: F401

from videorl.synth import FrameCodeError, draw_frame, encode_bits, frame_times, read_frame_code


def _decode_all(path, width=None, height=None):
    with av.open(str(path)) as c:
        return [f.to_ndarray(width=width, height=height, format="rgb24") for f in c.decode(video=0)]


@pytest.mark.parametrize("name", ["cfr30", "ntsc", "offset2", "vfr", "gop5"])
@pytest.mark.parametrize("scale", [1, 8])
def test_every_frame_reads_back_after_h264_and_resize(coded, name, scale):  # noqa: F811
    v = coded[name]
    w, h = v.size[0] // scale, v.size[1] // scale
    frames = _decode_all(v.path, w, h)
    assert len(frames) == v.n_frames
    codes = [read_frame_code(f) for f in frames]
    assert [c.index for c in codes] == list(range(v.n_frames))
    assert all(c.events_visible[: len(v.events)] == v.visible(i) for i, c in enumerate(codes))


def test_events_by_hand(coded):  # noqa: F811
    v = coded["cfr30"]  # events (0.5, 1.5) and (1.0, 2.0) at 30 fps
    # frame 14 = 0.467 s: none; 15 = 0.5 s: first; 30 = 1.0 s: both; 44 = 1.467 s: both; 45 = 1.5 s: second only
    expect = {14: (False, False), 15: (True, False), 30: (True, True), 44: (True, True), 45: (False, True),
              60: (False, False)}
    frames = _decode_all(v.path)
    for i, vis in expect.items():
        assert read_frame_code(frames[i]).events_visible[:2] == vis


def test_stream_start_and_rates(coded):  # noqa: F811
    with av.open(str(coded["offset2"].path)) as c:
        assert float(c.streams.video[0].start_time * c.streams.video[0].time_base) == 2.0
    with av.open(str(coded["ntsc"].path)) as c:
        assert c.streams.video[0].average_rate == Fraction(30000, 1001)
        assert c.streams.video[0].frames == 90  # round(3.003 * 29.97) = 90


def test_vfr_times():
    # durations cycle 0.5, 1.25, 1.25 frame periods: at 10 fps 0, 0.05, 0.175, 0.3, 0.35, ...
    assert [float(t) for t in frame_times(5, Fraction(10), vfr=True)] == [0.0, 0.05, 0.175, 0.3, 0.35]


@settings(max_examples=40, deadline=None)
@given(index=st.integers(0, 65535), events=st.lists(st.booleans(), max_size=8),
       size=st.sampled_from([(320, 240), (640, 360), (256, 192)]), div=st.sampled_from([1, 2, 3, 5, 8]))
def test_code_roundtrip_resized(index, events, size, div):
    img = draw_frame(index, events, *size)
    small = np.asarray(Image.fromarray(img).resize((size[0] // div, size[1] // div), Image.BICUBIC))
    code = read_frame_code(small)
    assert code.index == index
    assert code.events_visible == tuple(events) + (False,) * (8 - len(events))


def test_unreadable_frames_raise():
    with pytest.raises(FrameCodeError):
        read_frame_code(np.full((240, 320, 3), 128, np.uint8))
    bits = encode_bits(5, [])
    assert bits[0] == 1 and bits[-1] == 0 and sum(bits[1:17]) == 2
    with pytest.raises(ValueError):
        encode_bits(70000, [])
