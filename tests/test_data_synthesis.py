"""DarkEventInfer masking and MixVidQA interleaving, proven by frame codes on coded videos."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

pytest.importorskip("av")

from videorl.cli import main  # noqa: E402
from videorl.data.darkevent import mask_video, masked_indices  # noqa: E402
from videorl.data.mixvidqa import interleave, plan_chunks, source_of_frame, source_time  # noqa: E402
from videorl.io import write_jsonl  # noqa: E402
from videorl.record import SampleRecord, load_records  # noqa: E402
from videorl.synth import FrameCodeError, make_video, read_frame_code  # noqa: E402
from videorl.video.pyav_backend import decode, read_timeline  # noqa: E402


def all_frames(path):
    tl = read_timeline(path)
    return tl, decode(path, tl, np.arange(tl.info.frames), tl.info.height, tl.info.width)


def is_black(frame) -> bool:
    return int(frame.max()) <= 24


@pytest.mark.parametrize("kind", ["cfr", "offset_vfr"])
def test_darkevent_masks_exactly_the_span_and_keeps_time(tmp_path, kind):
    if kind == "cfr":
        v = make_video(tmp_path / "v.mp4", duration=3, fps=10, size=(160, 120))
    else:  # a stream starting at 1 s with variable frame durations
        v = make_video(tmp_path / "v.mp4", duration=3, fps=10, size=(160, 120), start_offset=1.0, vfr=True)
    span = (0.95, 1.9)
    res = mask_video(v.path, tmp_path / "dark.mp4", span)
    src, out = read_timeline(v.path), read_timeline(tmp_path / "dark.mp4")
    # same frames at the same presentation times: frame times, rate and start kept; the duration too
    # (the last frame's display time is the muxer's: the previous gap, exact for a constant rate)
    assert out.pts == src.pts and out.time_base == src.time_base and out.info.stream_start == src.info.stream_start
    assert np.array_equal(out.times, src.times)
    last_gap = src.times[-1] - src.times[-2]
    assert abs(out.info.duration - src.info.duration) <= (0 if kind == "cfr" else last_gap)
    _, frames = all_frames(tmp_path / "dark.mp4")
    black = []
    for i, fr in enumerate(frames):
        if is_black(fr):
            black.append(i)
            with pytest.raises(FrameCodeError):
                read_frame_code(fr)
        else:
            assert read_frame_code(fr).index == i  # untouched frames keep their own code
    # independent truth: frame i is shown over [t_i, t_{i+1}); black iff that overlaps (0.95, 1.9)
    times = v.times + [v.duration]
    expect = [i for i in range(v.n_frames) if times[i] < 1.9 and times[i + 1] > 0.95]
    assert black == expect == res.masked
    if kind == "cfr":
        assert expect == list(range(9, 19))  # 0.9 (shown until 1.0) ... 1.8 (until 1.9)


def test_masked_indices_edges():
    t = [0.0, 0.5, 1.0, 1.5]
    assert masked_indices(t, 2.0, (0.5, 1.0)) == [1]  # touching ends do not count
    assert masked_indices(t, 2.0, (0.0, 2.0)) == [0, 1, 2, 3]
    assert masked_indices(t, 2.0, (1.6, 1.7)) == [3]


def test_darkevent_bad_span_and_video(tmp_path):
    from videorl.video import ClipError, VideoError

    v = make_video(tmp_path / "v.mp4", duration=2, fps=10, size=(160, 120))
    with pytest.raises(ClipError, match="outside the video"):
        mask_video(v.path, tmp_path / "o.mp4", (2.5, 3.0))
    (tmp_path / "bad.mp4").write_bytes(b"not a video")
    with pytest.raises(VideoError, match="bad.mp4"):
        mask_video(tmp_path / "bad.mp4", tmp_path / "o.mp4", (0, 1))
    assert not (tmp_path / "o.mp4").exists() and not list(tmp_path.glob(".o.*"))


def test_plan_chunks_alternate_within_bounds():
    ch = plan_chunks((0.0, 10.0), (5.0, 15.0), Fraction(10), seed=1)
    assert [c.source for c in ch[:4]] == ["a", "b", "a", "b"]
    assert all(1.5 - 1e-9 <= c.out[1] - c.out[0] <= 2.0 + 1e-9 for c in ch[:-2])
    for k in "ab":  # each window is played once, in order, without gaps
        mine = [c for c in ch if c.source == k]
        assert mine[0].src[0] == (0.0 if k == "a" else 5.0)
        assert all(abs(x.src[1] - y.src[0]) < 1e-9 for x, y in zip(mine, mine[1:], strict=False))
        assert abs(mine[-1].src[1] - (10.0 if k == "a" else 15.0)) < 1e-9
    assert ch == plan_chunks((0.0, 10.0), (5.0, 15.0), Fraction(10), seed=1)  # seeded
    assert ch != plan_chunks((0.0, 10.0), (5.0, 15.0), Fraction(10), seed=2)


def test_mixvidqa_chunk_map_by_frame_codes(tmp_path):
    # A: 10 fps 160x120, event 0 always on; B: 15 fps 192x144, event 1 always on.
    a = make_video(tmp_path / "a.mp4", duration=6, fps=10, size=(160, 120), events=[(0, 100)])
    b = make_video(tmp_path / "b.mp4", duration=5, fps=15, size=(192, 144), events=[(99, 100), (0, 100)])
    facts = interleave(a.path, b.path, tmp_path / "mix.mp4", window_a=(1.0, 5.0), seed=3)
    assert facts["fps"] == [10, 1] and facts["size"] == [160, 120]  # the lower rate, the smaller frame
    tl, frames = all_frames(tmp_path / "mix.mp4")
    assert tl.info.frames == facts["frames"] == 40 + 50  # 4 s of A + 5 s of B at 10 fps
    for j, fr in enumerate(frames):
        code = read_frame_code(fr)
        got = "a" if code.events_visible[0] else "b"
        src, t_src = source_time(facts["chunks"], j / 10)
        vid = a if src == "a" else b
        d = np.abs(np.asarray(vid.times) - t_src)
        assert got == src and d[code.index] <= d.min() + 1e-6, (j, got, code.index, src, t_src)


def test_mixvidqa_boundary_frames_at_ntsc_rate(tmp_path):
    # 29.97 fps (30000/1001): chunk boundaries are not whole milliseconds. Every first and last frame of
    # every chunk must show the source the map names, looked up by frame index and by time with the fps.
    ntsc = Fraction(30000, 1001)
    a = make_video(tmp_path / "a.mp4", duration=4, fps=ntsc, size=(160, 120), events=[(0, 100)])
    b = make_video(tmp_path / "b.mp4", duration=4, fps=ntsc, size=(160, 120))
    facts = interleave(a.path, b.path, tmp_path / "mix.mp4", seed=5)
    assert facts["fps"] == [30000, 1001]
    tl, frames = all_frames(tmp_path / "mix.mp4")
    boundary = sorted({j for c in facts["chunks"] for j in (c["out_frames"][0], c["out_frames"][1] - 1)})
    assert len(boundary) >= 2 * len(facts["chunks"]) - 1 and boundary[-1] == facts["frames"] - 1 == tl.info.frames - 1
    for j in boundary:
        got = "a" if read_frame_code(frames[j]).events_visible[0] else "b"
        assert source_of_frame(facts["chunks"], j)["source"] == got, j
        assert source_time(facts["chunks"], float(j / ntsc), facts["fps"])[0] == got, j
        assert source_time(facts["chunks"], float(j / ntsc) + 0.5 / 29.97, facts["fps"])[0] == got, j


def test_mixvidqa_rounded_seconds_misname_boundaries_frame_indices_do_not():
    # The map's seconds are rounded to 6 decimals; at 30000/1001 some chunk starts round up past the
    # frame time, so a lookup by seconds alone names the previous chunk's source (the reported bug).
    fps = Fraction(30000, 1001)
    chunks = [c.to_dict() for c in plan_chunks((0.0, 900.0), (0.0, 900.0), fps, seed=0)]
    starts = [c["out_frames"][0] for c in chunks[1:]]
    by_seconds = [j for j, c in zip(starts, chunks[1:], strict=True) if source_time(chunks, float(j / fps))[0] != c["source"]]
    assert by_seconds  # the seconds-only lookup fails somewhere on this map
    for j, c in zip(starts, chunks[1:], strict=True):
        assert source_of_frame(chunks, j)["source"] == c["source"]
        assert source_time(chunks, float(j / fps), [30000, 1001])[0] == c["source"]


def _grounding_set(tmp_path, n_videos=3):
    recs = []
    for k in range(n_videos):
        v = make_video(tmp_path / "videos" / f"v{k}.mp4", duration=4, fps=10, size=(160, 120), events=[(0, 100)] * (k % 2))
        recs.append(SampleRecord(id=f"g/{k}", video=f"v{k}.mp4", duration=v.duration, task="grounding",
                                 query=f"event number {k}.", spans=[[1.0 + 0.1 * k, 2.5]]))
    recs.append(SampleRecord(id="q/0", video="v0.mp4", duration=4.0, task="mcq", query="what?",
                             options=["x", "y"], answer="B"))
    write_jsonl(tmp_path / "recs.jsonl", recs)
    return tmp_path / "recs.jsonl"


def test_cli_darkevent_and_mixvidqa_end_to_end(tmp_path, capsys):
    recs = _grounding_set(tmp_path)
    vids = str(tmp_path / "videos")
    assert main(["data", "darkevent", str(recs), "--video-dir", vids, "--out", str(tmp_path / "de")]) == 0
    out = load_records(tmp_path / "de" / "darkevent.jsonl")
    rep = json.loads((tmp_path / "de" / "darkevent.report.json").read_text())
    assert len(out) == 3 and rep["skipped"][0]["id"] == "q/0"  # the MCQ has no event sentence
    r = out[1]
    assert r.task == "open_qa" and r.answer == "event number 1." and r.spans == [[1.1, 2.5]]
    assert r.query.startswith("Part of this video, from 1.1 to 2.5 seconds")
    assert r.meta["masked_frames"] == [11, 24] and r.meta["problem_type"] == "DarkEventInfer"
    tl, frames = all_frames(tmp_path / "de" / r.video)
    assert [i for i, f in enumerate(frames) if is_black(f)] == list(range(11, 25))
    # re-run: the videos are reused, the records are the same
    mtime = (tmp_path / "de" / r.video).stat().st_mtime_ns
    assert main(["data", "darkevent", str(recs), "--video-dir", vids, "--out", str(tmp_path / "de")]) == 0
    assert (tmp_path / "de" / r.video).stat().st_mtime_ns == mtime
    assert load_records(tmp_path / "de" / "darkevent.jsonl") == out

    assert main(["data", "mixvidqa", str(recs), "--video-dir", vids, "--out", str(tmp_path / "mx"),
                 "--seed", "1"]) == 0
    mixed = load_records(tmp_path / "mx" / "mixvidqa.jsonl")
    assert len(mixed) == 2  # 4 records, each pair from two different videos
    for m in mixed:
        src = m.meta["sources"][m.meta["target_source"]]
        assert ("first" if m.meta["target_source"] == "a" else "second") in m.query
        assert m.task in ("open_qa", "mcq")
        tl = read_timeline(tmp_path / "mx" / m.video)
        assert abs(tl.info.duration - m.duration) < 1e-6
        assert src["id"] in m.id

    # a missing video names the records file and line
    write_jsonl(tmp_path / "bad.jsonl", [SampleRecord(id="b", video="nope.mp4", duration=3, task="grounding",
                                                      query="x", spans=[[0, 1]])])
    capsys.readouterr()
    assert main(["data", "darkevent", str(tmp_path / "bad.jsonl"), "--video-dir", vids, "--out",
                 str(tmp_path / "x")]) == 2
    assert "bad.jsonl:1: field 'video'" in capsys.readouterr().err
    # a span past the real video's end (the record claims 9 s; the file has 4 s)
    write_jsonl(tmp_path / "late.jsonl", [SampleRecord(id="l", video="v0.mp4", duration=9, task="grounding",
                                                       query="x", spans=[[5, 6]])])
    assert main(["data", "darkevent", str(tmp_path / "late.jsonl"), "--video-dir", vids, "--out",
                 str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "late.jsonl:1: field 'spans'" in err and "outside the video" in err
