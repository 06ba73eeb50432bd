"""Each data tool from the CLI on the first 20 videos of each real annotation file in ../shared/data,
with coded synthetic videos (videorl.synth, 1 fps, the records' durations) standing in for the real ones;
outputs checked by frame codes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("av")

from videorl.cli import main  # noqa: E402
from videorl.io import write_jsonl  # noqa: E402
from videorl.record import load_records  # noqa: E402
from videorl.synth import make_video, read_frame_code  # noqa: E402
from videorl.video.pyav_backend import decode, read_timeline  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
N_VIDEOS = 20
STAND_IN_FPS = 1
pytestmark = pytest.mark.shared


def _need(*parts: str) -> Path:
    p = DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"real annotation file {p} is not present (see shared/data/README.md)")
    return p


def _records(name):
    from videorl.data.prepare import activitynet_captions, charades_sta, nextgqa

    if name == "charades_sta":
        col = charades_sta.convert(_need(name, "charades_sta_test.txt"), _need(name, "charades.json"))
    elif name == "activitynet_captions":
        col = activitynet_captions.convert(_need(name, "val_1.json"))
    else:
        col = nextgqa.convert(_need(name, "test.csv"), _need(name, "gsub_test.json"),
                              map_path=_need(name, "map_vid_vidorID.json"))
    videos: list[str] = []
    out = []
    for r in col.records:
        if r.video not in videos:
            if len(videos) == N_VIDEOS:
                continue
            videos.append(r.video)
        out.append(r)
    return out


@pytest.fixture(scope="module", params=["charades_sta", "activitynet_captions", "nextgqa"])
def real(request, tmp_path_factory):
    """(records file, video folder, records) for the first 20 videos, with coded stand-in videos."""
    d = tmp_path_factory.mktemp(request.param)
    recs = _records(request.param)
    durations = {}
    for r in recs:
        durations.setdefault(r.video, r.duration)
    for video, dur in durations.items():
        make_video(d / "videos" / video, duration=math.ceil(dur), fps=STAND_IN_FPS, size=(128, 96), crf=18,
                   preset="ultrafast")
    write_jsonl(d / "records.jsonl", recs)
    return request.param, d / "records.jsonl", d / "videos", recs


def _codes(path):
    tl = read_timeline(path)
    frames = decode(path, tl, np.arange(tl.info.frames), tl.info.height, tl.info.width)
    out = []
    for f in frames:
        out.append(None if f.max() <= 24 else read_frame_code(f))
    return out


def test_darkevent_on_real_annotations(real, tmp_path):
    name, recs_path, vids, recs = real
    assert main(["data", "darkevent", str(recs_path), "--video-dir", str(vids), "--out", str(tmp_path),
                 "--preset", "ultrafast"]) == 0
    out = load_records(tmp_path / "darkevent.jsonl")
    if name == "nextgqa":  # grounded QA: no event sentence to hide
        assert not out and len(json.loads((tmp_path / "darkevent.report.json").read_text())["skipped"]) == len(recs)
        return
    assert len(out) == len(recs)
    seen_videos = set()
    for r in out:  # one masked video per source video is decoded and checked frame by frame
        if r.meta["source_video"] in seen_videos:
            continue
        seen_videos.add(r.meta["source_video"])
        s, e = r.meta["masked_span"]
        codes = _codes(tmp_path / r.video)
        for i, c in enumerate(codes):  # stand-in frame i at i s, shown until i + 1 s
            assert (c is None) == (i < e and i + 1 > s), (r.id, i)
            if c is not None:
                assert c.index == i
    assert len(seen_videos) == N_VIDEOS


def test_mixvidqa_on_real_annotations(real, tmp_path):
    name, recs_path, vids, recs = real
    assert main(["data", "mixvidqa", str(recs_path), "--video-dir", str(vids), "--out", str(tmp_path),
                 "--limit-videos", "6"]) == 0
    out = load_records(tmp_path / "mixvidqa.jsonl")
    assert out
    for r in out[:3]:
        codes = _codes(tmp_path / r.video)
        chunks = r.meta["chunks"]
        for j, c in enumerate(codes):
            from videorl.data.mixvidqa import source_of_frame, source_time

            src, t = source_time(chunks, j / STAND_IN_FPS, r.meta["fps"])
            assert c.index == round(t * STAND_IN_FPS), (r.id, j, src, t)
            assert source_of_frame(chunks, j)["source"] == src
        assert r.task == ("mcq" if name == "nextgqa" else "open_qa")


def test_relevant_frames_on_real_annotations(real, tmp_path):
    from videorl.video import sample_frames

    name, recs_path, vids, recs = real
    out_path = tmp_path / "rel.jsonl"
    assert main(["data", "relevant-frames", str(recs_path), "--video-dir", str(vids), "--nframes", "16",
                 "--out", str(out_path)]) == 0
    out = load_records(out_path)
    assert len(out) == len(recs)
    checked = set()
    for r in out:
        if r.video in checked:
            continue
        checked.add(r.video)
        frames, meta = sample_frames(vids / r.video, nframes=16, clip=r.clip, max_pixels=128 * 96, min_pixels=3136)
        times = [float(read_frame_code(f).index) / STAND_IN_FPS for f in frames]  # truth from the pixels
        want = [k for k, t in enumerate(times) if any(s - 1e-6 <= t <= e + 1e-6 for s, e in r.spans)]
        assert r.meta["relevant_sample_frames"] == want


def test_overlay_and_select_on_real_annotations(real, tmp_path):
    from PIL import Image

    from videorl.data.overlay import apply_overlay
    from videorl.video import sample_frames

    name, recs_path, vids, recs = real
    one_per_video = list({r.video: r for r in reversed(recs)}.values())[::-1]
    write_jsonl(tmp_path / "one.jsonl", one_per_video)
    assert main(["data", "overlay", str(tmp_path / "one.jsonl"), "--video-dir", str(vids), "--frames-cache",
                 str(tmp_path / "cache"), "--fps", "0.25", "--max-pixels", str(128 * 96), "--min-pixels", "3136", "--out",
                 str(tmp_path / "ov.jsonl")]) == 0
    rows = [json.loads(x) for x in (tmp_path / "ov.jsonl").read_text().splitlines()]
    assert len(rows) == N_VIDEOS
    for row, rec in list(zip(rows, one_per_video, strict=True))[:4]:
        raw, meta = sample_frames(vids / rec.video, fps=0.25, clip=rec.clip, max_pixels=128 * 96, min_pixels=3136)
        assert row["times"] == [read_frame_code(f).index / STAND_IN_FPS for f in raw]
        ref = apply_overlay(raw, meta, "absolute")
        for k in (0, len(raw) - 1):
            Image.fromarray(ref[k]).save(tmp_path / "ref.jpg", quality=90)
            assert np.array_equal(np.asarray(Image.open(row["frames"][k])), np.asarray(Image.open(tmp_path / "ref.jpg")))

    # selection: 4 tries per record whose rewards (IoU or accuracy) are known by construction
    preds = []
    for r in recs:
        if r.task == "grounding":
            s, e = r.spans[0]
            tries = [f"{s} - {e}", f"{s} - {e}", "<answer>no</answer>", "<answer>no</answer>"]  # IoU 1, 1, 0, 0
        else:
            tries = [r.answer, r.answer, r.answer, r.answer]  # always right: variance 0
        preds += [{**r.to_dict(), "prediction": t, "sample_index": k} for k, t in enumerate(tries)]
    write_jsonl(tmp_path / "preds.jsonl", preds)
    reward = "iou" if name != "nextgqa" else "accuracy"
    assert main(["data", "select", str(tmp_path / "preds.jsonl"), "--out", str(tmp_path / "sel.jsonl"),
                 "--tau", "0.2", "--reward", reward]) == 0
    rep = json.loads((tmp_path / "sel.report.json").read_text())
    if name == "nextgqa":
        assert rep["selected"] == 0 and rep["always_solved"] == len(recs)
    else:  # [1, 1, 0, 0]: variance 0.25 > 0.2 for every record
        assert rep["selected"] == len(recs) and all(p["variance"] == 0.25 for p in rep["per_sample"])
    assert (tmp_path / "sel.variance.png").stat().st_size > 2000
