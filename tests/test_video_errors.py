"""Bad video input ends in a VideoError naming the file and the problem, never a hang."""

from __future__ import annotations

import importlib.util

import pytest
from video_fixtures import coded  # noqa: F401

from videorl.video import ClipError, VideoDecodeError, VideoError, VideoNotFoundError, probe, sample_frames
from videorl.video.errors import VideoTimeoutError

SMALL = {"min_pixels": 3136, "max_pixels": 160 * 120}


def test_missing_file(tmp_path):
    p = tmp_path / "nope.mp4"
    with pytest.raises(VideoNotFoundError, match="nope.mp4: no such file") as err:
        sample_frames(p)
    assert isinstance(err.value, FileNotFoundError) and err.value.path == str(p)


def test_text_file_renamed_mp4(tmp_path):
    p = tmp_path / "notes.mp4"
    p.write_text("this is not a video\n" * 50)
    with pytest.raises(VideoDecodeError, match="notes.mp4: not a readable video"):
        probe(p)


def test_directory_is_not_a_video(tmp_path):
    with pytest.raises(VideoNotFoundError, match="not a regular file"):
        sample_frames(tmp_path)


@pytest.mark.parametrize("cut", ["head", "tail"])
def test_truncated_file(coded, tmp_path, cut):  # noqa: F811
    data = coded["cfr30"].path.read_bytes()
    p = tmp_path / "half.mp4"
    # mp4 keeps its index at the end: cutting the tail loses it; keeping only the tail loses the header
    p.write_bytes(data[: len(data) // 2] if cut == "head" else data[len(data) // 2:])
    with pytest.raises(VideoDecodeError, match="half.mp4"):
        sample_frames(p, **SMALL)


def test_corrupt_packets_do_not_pass_silently(coded, tmp_path):  # noqa: F811
    data = bytearray(coded["gop5"].path.read_bytes())
    # keep the container index but zero a third of the file from the middle: frames missing or undecodable
    a, b = len(data) // 3, 2 * len(data) // 3
    data[a:b] = bytes(b - a)
    p = tmp_path / "zeroed.mp4"
    p.write_bytes(bytes(data))
    with pytest.raises(VideoDecodeError, match="zeroed.mp4: corrupt or truncated stream"):
        sample_frames(p, fps=5, **SMALL)


@pytest.mark.parametrize(("clip", "match"), [
    ([2.0, 2.0], "is empty"),
    ([2.5, 1.0], "is empty"),
    ([3.5, 4.0], "starts outside the video"),
    ([-1.0, 1.0], "starts outside the video"),
    ([1.0, 3.5], "ends after the video"),
    (["a", 1], "clip must be"),
])
def test_bad_clips(coded, clip, match):  # noqa: F811
    with pytest.raises(ClipError, match=match) as err:
        sample_frames(coded["cfr30"].path, clip=clip, **SMALL)
    assert str(coded["cfr30"].path) in str(err.value)


def test_clip_end_rounding_is_clamped(coded):  # noqa: F811
    # 3.02 is within 0.05 s of the 3.0 s duration: clamped to 3.0; T = 2.0, 2.5 -> frames 60, 75
    _, meta = sample_frames(coded["cfr30"].path, fps=2, clip=[2.0, 3.02], **SMALL)
    assert meta.clip == [2.0, 3.0] and meta.frame_indices == [60, 75]


def test_bad_arguments(coded):  # noqa: F811
    v = coded["cfr30"].path
    with pytest.raises(ValueError, match="exactly one"):
        sample_frames(v, fps=2, nframes=4)
    with pytest.raises(ValueError, match="unknown backend"):
        sample_frames(v, backend="opencv")
    with pytest.raises(VideoError, match="cannot size frames"):
        sample_frames(v, patch_size=16, max_pixels=448 * 252)  # default Qwen3 floor 131072 > 112896


@pytest.mark.skipif(importlib.util.find_spec("decord") is None, reason="decord is not installed")
def test_decord_is_killed_after_timeout(coded, monkeypatch):  # noqa: F811
    # a hang cannot be provoked on demand; a limit shorter than the child's start-up proves the kill path
    monkeypatch.setenv("VIDEORL_DECODE_TIMEOUT", "0.001")
    with pytest.raises(VideoTimeoutError, match="did not finish"):
        sample_frames(coded["cfr30"].path, backend="decord", **SMALL)


@pytest.mark.skipif(importlib.util.find_spec("decord") is None, reason="decord is not installed")
def test_decord_never_sees_an_invalid_file(tmp_path):
    p = tmp_path / "junk.mp4"
    p.write_bytes(b"\x00" * 4096)
    with pytest.raises(VideoDecodeError, match="junk.mp4"):  # PyAV validates before decord runs
        sample_frames(p, backend="decord")
