"""PyAV decode that skips unwanted non-reference frames: the same pixels, fewer frames decoded.

A coded H.264 file from x264 ``veryfast`` has B-frames (non-reference ones among them). Every index
set (spread, a run at the start, one at the end, the very last frame, all frames) must decode to the
same bytes with the skip on and off, with frame threads and on one thread, and each frame must carry
its own index code. With a spread set the decoder returns fewer frames than the full pass. Should the
skipping ever lose a wanted frame, the full decode runs again (``retried``).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("av")


@pytest.fixture(scope="module")
def bframes(tmp_path_factory):
    from videorl.synth import make_video

    path = tmp_path_factory.mktemp("skip") / "b.mp4"
    make_video(path, duration=4, fps=30, size=(320, 240), texture=True, crf=23, preset="veryfast")
    return path


@pytest.fixture
def threads():
    from videorl.video import pyav_backend

    before = pyav_backend.THREAD_TYPE
    yield pyav_backend.set_decode_threads
    pyav_backend.set_decode_threads(before)


INDEX_SETS = {"spread": list(range(0, 120, 15)), "start": [0, 1, 2, 3], "tail": list(range(100, 120)),
              "last": [119], "odd": [5, 7, 33, 34, 35, 91], "all": list(range(120))}


@pytest.mark.parametrize("thread_type", ["AUTO", "NONE"])
def test_skip_gives_the_same_frames(bframes, threads, thread_type):
    import av

    from videorl.synth import read_frame_code
    from videorl.video.pyav_backend import decode, read_timeline

    threads(thread_type)
    tl = read_timeline(bframes)
    assert tl.info.codec == "h264" and tl.info.frames == 120
    with av.open(str(bframes)) as c:  # plain PyAV: every frame, each converted on its own
        plain = np.stack([f.to_ndarray(width=140, height=112, format="rgb24") for f in c.decode(video=0)])
    for name, idx in INDEX_SETS.items():
        idx = np.array(idx)
        on, off = {}, {}
        a = decode(bframes, tl, idx, 112, 140, stats=on)
        b = decode(bframes, tl, idx, 112, 140, skip_unwanted=False, stats=off)
        assert np.array_equal(a, b) and np.array_equal(a, plain[idx]), name
        assert [read_frame_code(f).index for f in a] == idx.tolist(), name
        assert on["skipping"] and not on["retried"] and not off["skipping"], name
        if name == "spread":  # 0..105: the full pass returns 106 frames, the skip leaves B-frames out
            assert off["frames"] == 106 and on["frames"] < 0.9 * off["frames"], (on, off)


def test_bframes_are_really_there(bframes):
    """The fixture must hold non-reference B-frames, or the test above proves nothing."""
    import av

    with av.open(str(bframes)) as c:
        kinds = [int(f.pict_type) for f in c.decode(video=0)]
    assert kinds.count(3) > 20  # AV_PICTURE_TYPE_B


def test_a_lost_frame_falls_back_to_the_full_decode(bframes, monkeypatch):
    from videorl.video import pyav_backend
    from videorl.video.errors import VideoDecodeError

    real = pyav_backend._decode
    calls = []

    def lossy(path, timeline, indices, height, width, threads, skip, stats):
        calls.append(skip)
        if skip:  # a decoder that dropped a wanted frame
            raise VideoDecodeError(path, "decoded 3 of 4 requested frames: truncated or corrupt stream")
        return real(path, timeline, indices, height, width, threads, skip, stats)

    monkeypatch.setattr(pyav_backend, "_decode", lossy)
    tl = pyav_backend.read_timeline(bframes)
    stats = {}
    out = pyav_backend.decode(bframes, tl, np.array([0, 10, 20, 30]), 112, 140, stats=stats)
    assert calls == [True, False] and stats["retried"] and out.shape == (4, 112, 140, 3)


def test_thread_type_is_checked():
    from videorl.video.pyav_backend import set_decode_threads

    with pytest.raises(ValueError, match="thread_type"):
        set_decode_threads("MANY")


def test_full_decode_switch(bframes, monkeypatch):
    """``VIDEORL_DECODE_FULL=1`` turns the skip off (every frame up to the last wanted one is decoded), with
    the same pixels; an explicit ``skip_unwanted`` still wins."""
    from videorl.video.pyav_backend import decode, full_decode, read_timeline

    tl = read_timeline(bframes)
    idx = np.array(INDEX_SETS["spread"])
    on, full, forced = {}, {}, {}
    a = decode(bframes, tl, idx, 112, 140, stats=on)
    monkeypatch.setenv("VIDEORL_DECODE_FULL", "1")
    assert full_decode()
    b = decode(bframes, tl, idx, 112, 140, stats=full)
    c = decode(bframes, tl, idx, 112, 140, skip_unwanted=True, stats=forced)
    assert np.array_equal(a, b) and np.array_equal(a, c)
    assert on["skipping"] and not full["skipping"] and forced["skipping"]
    assert full["frames"] == 106 and on["frames"] < 106  # 0..105 decoded in full; fewer with the skip
    monkeypatch.setenv("VIDEORL_DECODE_FULL", "0")
    assert not full_decode()
