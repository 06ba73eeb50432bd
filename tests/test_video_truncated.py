"""Truncated and short videos are refused, never sampled or cached on a shortened clock.

A half-downloaded *faststart* mp4 keeps its header (``moov`` first, declaring all frames) while only
the first frames can be demuxed; a truncated *non-faststart* mp4 loses its ``moov`` (at the end) and
cannot be opened at all; a truncated Matroska/WebM file keeps its declared duration. In every case
the sampler and ``videorl frames build`` must say so, naming the file and both durations.
"""

from __future__ import annotations

import json

import av
import pytest

from videorl.cli import main as cli_main
from videorl.synth import make_video
from videorl.video import sample_frames
from videorl.video.cache import FrameCache
from videorl.video.errors import VideoDecodeError, VideoTruncatedError
from videorl.video.sampler import check_complete, probe, truncation_tolerance

FPS, DURATION = 10, 8.0


def _faststart(src, dst) -> None:
    """Remux ``src`` with the ``moov`` box moved to the front (what web downloads usually are)."""
    with av.open(str(src)) as i, av.open(str(dst), "w", options={"movflags": "faststart"}) as o:
        s = i.streams.video[0]
        out = o.add_stream_from_template(s)
        for packet in i.demux(s):
            if packet.dts is not None:
                packet.stream = out
                o.mux(packet)


def _truncate(src, dst, keep: float = 0.5) -> None:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * keep)])


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    d = tmp_path_factory.mktemp("trunc")
    make_video(d / "plain.mp4", duration=DURATION, fps=FPS, size=(160, 120))
    _faststart(d / "plain.mp4", d / "fast.mp4")
    make_video(d / "v.webm", duration=DURATION, fps=FPS, size=(160, 120), codec="libvpx-vp9")
    _truncate(d / "plain.mp4", d / "cut_plain.mp4")
    _truncate(d / "fast.mp4", d / "cut_fast.mp4")
    _truncate(d / "v.webm", d / "cut.webm")
    return d


def test_faststart_mp4_cut_in_half_is_refused_naming_both_durations(videos):
    info = probe(videos / "cut_fast.mp4")
    assert info.declared_duration == pytest.approx(DURATION)
    assert info.duration < DURATION / 2 + 0.5  # only the first half demuxes
    with pytest.raises(VideoTruncatedError) as exc:
        sample_frames(videos / "cut_fast.mp4", fps=2)
    msg = str(exc.value)
    assert "cut_fast.mp4" in msg and f"{info.duration:.3f} s" in msg and "declares 8.000 s" in msg


def test_non_faststart_mp4_cut_in_half_cannot_be_opened(videos):
    with pytest.raises(VideoDecodeError, match="cut_plain.mp4: not a readable video"):
        sample_frames(videos / "cut_plain.mp4", fps=2)


def test_webm_cut_in_half_is_refused(videos):
    with pytest.raises(VideoTruncatedError, match="declares 8.000 s"):
        sample_frames(videos / "cut.webm", fps=2)


def test_whole_files_pass_and_the_record_duration_is_checked(videos):
    for name in ("plain.mp4", "fast.mp4", "v.webm"):
        frames, meta = sample_frames(videos / name, fps=2, expected_duration=DURATION)
        assert len(frames) == 16 and meta.duration == pytest.approx(DURATION)
    # tolerance: max(2 frame intervals, 0.25 s) = max(0.2, 0.25) = 0.25 s at 10 fps
    info = probe(videos / "plain.mp4")
    assert truncation_tolerance(info) == pytest.approx(0.25)
    check_complete(info, DURATION + 0.25)  # exactly at the tolerance: accepted
    with pytest.raises(VideoTruncatedError, match="the record says 8.300 s"):
        check_complete(info, DURATION + 0.3)
    check_complete(info, DURATION + 0.3, on_truncated="warn")  # opt-out logs instead


def test_cache_never_keeps_a_short_video_and_checks_hits(videos, tmp_path):
    cache = FrameCache(tmp_path / "c")
    with pytest.raises(VideoTruncatedError):
        cache.get_or_build(videos / "cut_fast.mp4", fps=2.0)
    assert cache.entries() == []
    cache.get_or_build(videos / "plain.mp4", fps=2.0)  # cached for an 8 s record ...
    with pytest.raises(VideoTruncatedError, match="the record says 12.000 s"):
        cache.get_or_build(videos / "plain.mp4", fps=2.0, expected_duration=12.0)  # ... refused for a 12 s one


def test_frames_build_reports_each_truncated_file_once(videos, tmp_path, capsys):
    recs = tmp_path / "recs.jsonl"
    rows = [("plain.mp4", DURATION), ("cut_fast.mp4", DURATION), ("plain.mp4", 12.0)]
    recs.write_text("".join(json.dumps({"id": f"r{i}", "video": v, "duration": d, "task": "grounding",
                                        "query": "q", "spans": [[0.5, 1.0]]}) + "\n"
                            for i, (v, d) in enumerate(rows)))
    args = ["frames", "build", str(recs), "--cache-dir", str(tmp_path / "c"), "--video-dir", str(videos),
            "--fps", "2"]
    assert cli_main(args) == 1
    out = capsys.readouterr()
    report = json.loads((tmp_path / "c" / "build_report.json").read_text())
    # plain.mp4 is one job (same video, no clip) checked against its longest record (12 s): refused too
    assert (report["videos"], report["built"], report["failed"]) == (2, 0, 2)
    assert all("truncated video" in f["error"] for f in report["failures"])
    printed = out.out + out.err
    assert printed.count("cut_fast.mp4: truncated video") == 1
    assert FrameCache(tmp_path / "c").entries() == []
