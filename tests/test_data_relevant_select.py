"""Video-MTR relevant frames (by frame codes) and Temporal-R1 variance-aware selection (known variances)."""

from __future__ import annotations

import json
import math

import pytest

from videorl.cli import main
from videorl.data.select import choose, read_groups, run_selection, score_groups
from videorl.io import write_jsonl
from videorl.record import RecordError, SampleRecord, load_records

# ---------------------------------------------------------------------- relevant frames


@pytest.mark.parametrize("setting", [{"fps": 2.0}, {"nframes": 8}, {"fps": 3.0, "clip": [0.7, 3.9]}, {}])
def test_relevant_frames_are_the_sampled_frames_inside_the_span(tmp_path, setting):
    pytest.importorskip("av")
    from videorl.data.relevant_frames import annotate, sampled_frame_times
    from videorl.envs.video_mtr import MTRConfig, pool_frames
    from videorl.synth import make_video, read_frame_code
    from videorl.video import sample_frames

    # event 0 is visible exactly over the GT span, so "inside the span" is read off the pixels
    v = make_video(tmp_path / "v.mp4", duration=4.4, fps=10, size=(160, 120), events=[(1.2, 2.65)])
    clip = setting.get("clip")
    rec = SampleRecord(id="r", video="v.mp4", duration=v.duration, task="grounding", query="q",
                       spans=[[1.2, 2.6]], clip=clip)  # last frame of the event: 2.6
    if "nframes" in setting:  # the old fixed-count sampling: the sampler's frames, even count
        idx, times = sampled_frame_times(v.path, nframes=setting["nframes"], clip=clip)
        frames, meta = sample_frames(v.path, nframes=setting["nframes"], clip=clip)
        assert idx == meta.frame_indices and times == meta.timestamps  # no decode, same frames
    else:  # the env's pool, decoded by the env's own function
        frames, _, _ = pool_frames(v.path, rec, MTRConfig(fps=setting.get("fps", 1.0)))
    out = annotate(rec, v.path, fps=setting.get("fps"), nframes=setting.get("nframes"))
    truth = [k for k, f in enumerate(frames) if read_frame_code(f).events_visible[0]]
    assert out.meta["relevant_sample_frames"] == truth and truth
    st = out.meta["relevant_frames_setting"]
    assert st["num_frames"] == len(frames) and st["clip"] == clip and st["nframes"] == setting.get("nframes")
    if setting == {"fps": 2.0}:
        assert truth == [3, 4, 5] and len(frames) == 9  # samples at 1.5, 2.0, 2.5 s; 0 … 4.0 s all kept
        assert st["fps"] == 2.0 and st["max_frames"] == 64
    if not setting:
        assert truth == [2] and len(frames) == 5  # 1 fps: 0 … 4 s; only 2.0 lies in [1.2, 2.6]


def test_relevant_frames_last_second_and_long_videos(tmp_path):
    """A 41 s video: the pool has 41 frames and second 40 is relevant; a 100 s video: 64 frames
    100/64 s apart. Both with Video-MTR's own indices (worked by hand from its linspace rule)."""
    pytest.importorskip("av")
    from videorl.data.relevant_frames import annotate, video_mtr_pool_indices
    from videorl.envs.video_mtr import MTRConfig, VideoMTREnv
    from videorl.synth import make_video, read_frame_code

    v = make_video(tmp_path / "a.mp4", duration=41, fps=10, size=(160, 120))
    rec = SampleRecord(id="a", video="a.mp4", duration=41.0, task="mcq", query="q", options=["x", "y"], answer="A",
                       spans=[[39.5, 41.0]])
    out = annotate(rec, v.path)
    assert out.meta["relevant_sample_frames"] == [40]  # pool times 0, 1, …, 40
    # the original: 40 frames (floored to even), round(409 * i / 39): i = 36 -> 377.54 -> 378, 38 -> 399 (39.9 s), 39 -> 409
    assert video_mtr_pool_indices(410, 10.0)[36:] == [378, 388, 399, 409]
    assert out.meta["video_mtr_relevant_sample_frames"] == [38, 39]
    env = VideoMTREnv(MTRConfig(), video_dir=tmp_path)
    env.reset(out)
    res = env.step("<think>t</think><retrieve>39, 40</retrieve>")
    assert res.observation.times == [39.0, 40.0] and res.info["iou"] == pytest.approx(0.5)
    assert [read_frame_code(f).index for f in res.observation.frames] == [390, 400]

    make_video(tmp_path / "b.mp4", duration=100, fps=4, size=(160, 120))
    rec = SampleRecord(id="b", video="b.mp4", duration=100.0, task="grounding", query="q", spans=[[50.0, 53.2]])
    out = annotate(rec, tmp_path / "b.mp4")
    # 64 frames at k * 100 / 64 = 1.5625 k s: 50.0 (k = 32), 51.5625, 53.125 (k = 34)
    assert out.meta["relevant_sample_frames"] == [32, 33, 34]
    assert out.meta["relevant_frames_setting"]["num_frames"] == 64
    # the original: 64 frames, round(399 * i / 63) / 4 s: i = 32 -> 203 (50.75 s), 33 -> 209 (52.25 s)
    assert out.meta["video_mtr_relevant_sample_frames"] == [32, 33]
    with pytest.raises(ValueError, match="even"):
        annotate(rec, tmp_path / "b.mp4", max_frames=63)


def test_relevant_frames_cli_and_errors(tmp_path, capsys):
    pytest.importorskip("av")
    from videorl.synth import make_video

    make_video(tmp_path / "v.mp4", duration=3, fps=10, size=(160, 120))
    write_jsonl(tmp_path / "r.jsonl", [
        SampleRecord(id="a", video="v.mp4", duration=3.0, task="grounding", query="q", spans=[[0.0, 1.0], [2.0, 2.4]]),
        SampleRecord(id="b", video="v.mp4", duration=3.0, task="mcq", query="q", options=["x", "y"], answer="A"),
    ])
    assert main(["data", "relevant-frames", str(tmp_path / "r.jsonl"), "--video-dir", str(tmp_path),
                 "--nframes", "6", "--out", str(tmp_path / "o.jsonl")]) == 0
    (rec,) = load_records(tmp_path / "o.jsonl")
    # 6 frames over 3 s: 0.0, 0.5, 1.0, 1.5, 2.0, 2.5 -> inside [0, 1] or [2, 2.4]: 0, 1, 2, 4
    assert rec.meta["relevant_sample_frames"] == [0, 1, 2, 4]
    rep = json.loads((tmp_path / "o.report.json").read_text())
    assert rep["skipped"][0]["id"] == "b"
    write_jsonl(tmp_path / "bad.jsonl", [SampleRecord(id="a", video="gone.mp4", duration=3.0, task="grounding",
                                                      query="q", spans=[[0.0, 1.0]])])
    capsys.readouterr()
    assert main(["data", "relevant-frames", str(tmp_path / "bad.jsonl"), "--video-dir", str(tmp_path),
                 "--out", str(tmp_path / "o2.jsonl")]) == 2
    assert "bad.jsonl:1: field 'video'" in capsys.readouterr().err


# ---------------------------------------------------------------------- selection

GROUND = {"id": "g1", "video": "v.mp4", "duration": 10.0, "task": "grounding", "query": "q", "spans": [[2.0, 6.0]]}
MCQ = {"id": "m1", "video": "v.mp4", "duration": 10.0, "task": "mcq", "query": "q", "options": ["x", "y"], "answer": "B"}


def _r1(ans: str) -> str:
    return f"<think>looking</think><answer>{ans}</answer>"


def predictions(path):
    rows = []
    # g1, reward "iou": "2 - 6" IoU 1; "4 - 8": |[4,6]| / |[2,8]| = 2/6; "0 - 1": 0; "0 - 1": 0
    #   mean = (1 + 1/3) / 4 = 1/3; variance = ((2/3)^2 + 0^2 + 2 * (1/3)^2) / 4 = (4/9 + 2/9) / 4 = 1/6
    for k, p in enumerate(["2 - 6", "4 - 8", "0 - 1", "0 - 1"]):
        rows.append({**GROUND, "prediction": p, "sample_index": k})
    # g2: always exact -> variance 0, always solved; g3: never overlapping -> variance 0, never solved
    for k in range(4):
        rows.append({**GROUND, "id": "g2", "prediction": "2 - 6", "sample_index": k})
        rows.append({**GROUND, "id": "g3", "prediction": "8 - 9", "sample_index": k})
    write_jsonl(path, rows)
    return path


def test_select_reproduces_known_variances(tmp_path):
    groups = read_groups([predictions(tmp_path / "p.jsonl")])
    assert [g.record.id for g in groups] == ["g1", "g2", "g3"] and all(len(g.responses) == 4 for g in groups)
    score_groups(groups, "iou", show_progress=False)
    g1, g2, g3 = groups
    assert math.isclose(g1.mean, 1 / 3) and math.isclose(g1.variance, 1 / 6)
    assert g2.variance == 0 and g2.mean == 1 and g3.variance == 0 and g3.mean == 0
    kept, cut = choose(groups, tau=0.1)
    assert [g.record.id for g in kept] == ["g1"] and cut == 0.1
    kept, cut = choose(groups, top_fraction=0.5)  # ceil(1.5) = 2: g1, then g2 (first of the tied zeros)
    assert [g.record.id for g in kept] == ["g1", "g2"] and cut == 0


def test_select_with_the_training_preset_and_cli(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    rows = []
    # default preset on MCQ = 0.9 * accuracy + 0.1 * format; every try is well formatted:
    #   2 right, 2 wrong -> rewards [1, 1, 0.1, 0.1]: mean 0.55, variance 0.45^2 = 0.2025
    for k, a in enumerate("BBAA"):
        rows.append({**MCQ, "prediction": _r1(a), "sample_index": k})
    for k in range(4):
        rows.append({**MCQ, "id": "m2", "prediction": _r1("B"), "sample_index": k})
    write_jsonl(tmp_path / "p.jsonl", rows)
    assert main(["data", "select", str(tmp_path / "p.jsonl"), "--out", str(tmp_path / "sel.jsonl"),
                 "--tau", "0.01"]) == 0
    rep = json.loads((tmp_path / "sel.report.json").read_text())
    per = {p["id"]: p for p in rep["per_sample"]}
    assert math.isclose(per["m1"]["mean"], 0.55) and math.isclose(per["m1"]["variance"], 0.2025)
    assert per["m2"]["variance"] == 0 and rep["always_solved_ids"] == ["m2"] and rep["never_solved"] == 0
    assert [r.id for r in load_records(tmp_path / "sel.jsonl")] == ["m1"]
    png = (tmp_path / "sel.variance.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 2000


def test_select_reads_lmms_eval_sample_logs(tmp_path):
    rec = SampleRecord.from_dict(GROUND)
    line = {"doc_id": 0, "doc": {"id": "g1", "video": "/x/v.mp4", "record": rec.to_json()}, "target": "2.0 - 6.0",
            "resps": [["2 - 6", "4 - 8", "0 - 1", "0 - 1"]], "filtered_resps": ["2 - 6"]}
    write_jsonl(tmp_path / "samples.jsonl", [line])
    (g,) = read_groups([tmp_path / "samples.jsonl"])
    score_groups([g], "iou", show_progress=False)
    assert math.isclose(g.variance, 1 / 6)


def test_select_errors_name_the_line(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [{**GROUND, "prediction": "1 - 2"}, {**GROUND, "query": "other", "prediction": "x"}])
    with pytest.raises(RecordError, match=r"a.jsonl:2: sample 'g1' differs"):
        read_groups([tmp_path / "a.jsonl"])
    write_jsonl(tmp_path / "b.jsonl", [{**GROUND, "prediction": "1 - 2"}])
    with pytest.raises(RecordError, match=r"b.jsonl:1: field 'id': sample 'g1' has 1 tries"):
        run_selection([tmp_path / "b.jsonl"], tmp_path / "o.jsonl", tau=0.0)
    write_jsonl(tmp_path / "c.jsonl", [{**GROUND}])
    with pytest.raises(RecordError, match=r"c.jsonl:1: field 'prediction'"):
        read_groups([tmp_path / "c.jsonl"])
