"""Video-MTR relevant frames on the real NExT-GQA test annotations (../shared/data) with coded stand-in
videos (1 fps, frame i shows code i, as tests/test_data_tools_real.py): records over 64 s included.

- ``relevant_sample_frames`` index the env's own pool: the pool frames the env decodes (truth read off
  the pixels: the frame code is the second) inside the GT spans;
- ``video_mtr_relevant_sample_frames`` equal Video-MTR's rule worked out in exact fractions here
  (qwen-vl-utils: n = even floor of min(max(duration, 4), 64, frames); index round((frames - 1) i / (n - 1)),
  ties to even; frame i relevant when index / fps lies in a span). The parity module runs the
  original's own sampler on the same records' durations and spans.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hostenv import require_shared

pytest.importorskip("av")

N_VIDEOS = 12
pytestmark = pytest.mark.shared


def _records():
    from videorl.data.prepare import nextgqa

    base = require_shared("data", "nextgqa")
    col = nextgqa.convert(base / "test.csv", base / "gsub_test.json", map_path=base / "map_vid_vidorID.json")
    long_ = [r for r in col.records if r.duration > 64 and r.spans]
    short = [r for r in col.records if r.duration <= 64 and r.spans]
    videos: list[str] = []
    for r in long_[:40] + short[:40]:
        if r.video not in videos and len(videos) < N_VIDEOS and (
                sum(1 for v in videos if v in {x.video for x in long_}) < N_VIDEOS // 2 or r.duration <= 64):
            videos.append(r.video)
    return [r for r in long_ + short if r.video in videos]


def _mtr_rule(total: int, fps: float, spans) -> list[int]:
    n = math.floor(min(max(total / fps, 4), 64, total) / 2) * 2
    idx = [round(Fraction(total - 1) * i / (n - 1)) for i in range(n)]  # round(): ties to even, like torch
    return [i for i, f in enumerate(idx) if any(s <= f / fps <= e for s, e in spans)]


def test_relevant_frames_on_real_nextgqa(tmp_path):
    from videorl.cli import main
    from videorl.envs.video_mtr import MTRConfig, VideoMTREnv
    from videorl.io import write_jsonl
    from videorl.record import load_records
    from videorl.synth import make_video, read_frame_code

    recs = _records()
    assert any(r.duration > 64 for r in recs) and any(r.duration <= 64 for r in recs)
    for video, dur in {r.video: r.duration for r in recs}.items():
        make_video(tmp_path / "videos" / video, duration=math.ceil(dur), fps=1, size=(96, 64), crf=18,
                   preset="ultrafast")
    write_jsonl(tmp_path / "recs.jsonl", recs)
    assert main(["data", "relevant-frames", str(tmp_path / "recs.jsonl"), "--video-dir", str(tmp_path / "videos"),
                 "--out", str(tmp_path / "out.jsonl")]) == 0
    out = load_records(tmp_path / "out.jsonl")
    assert len(out) == len(recs)
    env = VideoMTREnv(MTRConfig(), video_dir=tmp_path / "videos")
    seen = set()
    for r in out:
        st = r.meta["relevant_frames_setting"]
        assert (st["fps"], st["max_frames"], st["pool"]) == (1.0, 64, "video_mtr")
        if r.video in seen:
            continue
        seen.add(r.video)
        env.reset(r)
        secs = [read_frame_code(f).index for f in env.frames]  # 1 fps stand-in: the code is the second
        assert len(secs) == st["num_frames"] == min(math.ceil(r.duration), 64)
        assert secs == [round(t) for t in env.times]  # the times the env prints are the frames it shows
        assert r.meta["relevant_sample_frames"] == [k for k, t in enumerate(env.times)
                                                    if any(s - 1e-6 <= t <= e + 1e-6 for s, e in r.spans)]
        total = math.ceil(r.duration)
        assert r.meta["video_mtr_relevant_sample_frames"] == _mtr_rule(total, 1.0, r.spans), r.id
    assert len(seen) == N_VIDEOS
