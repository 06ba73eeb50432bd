"""Importers of the reference methods' documented shapes (shared/notes/methods.md §1.7, §2.4, §3.3, §4.6),
their file:line errors, and the round trip back out."""

from __future__ import annotations

import json

import pytest

from videorl.cli import main
from videorl.data.importers import module
from videorl.record import RecordError, load_records

VIDEO_R2 = [
    {"id": "vr2-0", "video": "clips/a.mp4",
     "conversations": [{"from": "human", "value": "<video>\nWhat does the man do?\nA. sits\nB. opens the door\n"
                                                   "Answer with the option's letter."},
                       {"from": "gpt", "value": "<think>At 00:12 he opens it.</think>\n<answer>B</answer>"}],
     "temporal_grounding": {"00:10-00:15": "man opens the door.", "00:30": "dog jumps."}},
    {"video": "clips/b.mp4",
     "conversations": [{"from": "human", "value": "<video>\nHow many dogs?"},
                       {"from": "gpt", "value": "<think>count</think><answer>2</answer>"}]},
    {"image": "x.jpg", "conversations": []},
]
VERSAVID = [
    {"problem": "Which colour is the car?\nA. red\nB. blue", "solution": "<answer>A</answer>", "problem_type": "MCQA",
     "video": "clips/a.mp4"},
    {"problem": "What happens in the dark part?", "solution": "<answer>A man opens a door.</answer>",
     "problem_type": "DarkEventInfer", "video": "clips/b.mp4"},
    {"problem": "Describe the video.", "solution": "<answer>A dog runs.</answer>", "problem_type": "caption",
     "video": "clips/a.mp4"},
    {"problem": "x", "solution": "<answer>y</answer>", "problem_type": "MCQA", "image": "p.jpg"},
]
VIDEO_R1 = [
    {"problem_id": 7, "problem": "What is shown?", "problem_type": "multiple choice", "data_type": "video",
     "options": ["A. a cat", "B. a dog", "C. a bird"], "solution": "<answer>C</answer>",
     "path": "./Evaluation/clips/a.mp4", "data_source": "nextgqa", "relevant_sample_frames": [3, 4, 5]},
    {"problem_id": 8, "query": "How long?", "problem_type": "numerical", "options": [], "solution": "<answer>3</answer>",
     "vid": "b"},
]
LWT = [
    {"video": "clips/a.mp4", "duration": 24.9, "timestamp": [11.3, 15.0], "sentence": "a man opens the door",
     "video_start": 4.2, "video_end": 29.1, "qid": "q1", "difficulty": "easy"},
    {"video": "clips/b.mp4", "duration": 10.0, "timestamp": [2, 10.5], "sentence": " dog jumps "},
]


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    pytest.importorskip("av")
    from videorl.synth import make_video

    d = tmp_path_factory.mktemp("imp")
    make_video(d / "clips" / "a.mp4", duration=40, fps=1, size=(64, 48))
    make_video(d / "clips" / "b.mp4", duration=10, fps=2, size=(64, 48))
    (d / "videos").mkdir()
    (d / "videos" / "b.mp4").write_bytes((d / "clips" / "b.mp4").read_bytes())
    return d


def _write(path, items, jsonl=False):
    path.write_text("\n".join(json.dumps(i) for i in items) if jsonl else json.dumps(items, indent=1), encoding="utf-8")
    return path


def test_video_r2(tmp_path, videos):
    col = module("video-r2").convert(_write(tmp_path / "r2.json", VIDEO_R2), video_dir=videos)
    a, b = col.records
    assert (a.task, a.query, a.options, a.answer) == ("mcq", "What does the man do?\nAnswer with the option's letter.",
                                                      ["sits", "opens the door"], "B")
    assert a.duration == 40.0 and a.meta["reasoning"] == "At 00:12 he opens it."
    assert a.meta["temporal_grounding"] == [{"key": "00:10-00:15", "start": 10.0, "end": 15.0, "text": "man opens the door."},
                                            {"key": "00:30", "start": 30.0, "end": 30.0, "text": "dog jumps."}]
    assert (b.task, b.answer, b.id) == ("open_qa", "2", "video_r2/train/1")
    assert col.report.counts["image_items_skipped"] == 1
    out = [module("video-r2").export_item(r) for r in col.records]
    assert out[0] == VIDEO_R2[0] and out[1]["conversations"] == VIDEO_R2[1]["conversations"]


def test_versavid(tmp_path, videos):
    col = module("versavid").convert(_write(tmp_path / "v.jsonl", VERSAVID, jsonl=True), video_dir=videos)
    m, d, c = col.records
    assert (m.task, m.options, m.answer, m.meta["problem_type"]) == ("mcq", ["red", "blue"], "A", "MCQA")
    assert (d.task, d.answer) == ("open_qa", "A man opens a door.") and c.task == "caption"
    assert [module("versavid").export_item(r) for r in col.records] == VERSAVID[:3]
    # each item counted once, under its problem type (a caption record was counted twice before)
    assert col.report.counts == {"MCQA": 1, "DarkEventInfer": 1, "caption": 1, "image_items_skipped": 1}


def test_video_r1_and_mtr(tmp_path, videos):
    col = module("video-r1").convert(_write(tmp_path / "r1.json", VIDEO_R1), video_dir=videos)
    a, b = col.records
    assert (a.id, a.video, a.options, a.answer) == ("video_r1/train/7", "clips/a.mp4", ["a cat", "a dog", "a bird"], "C")
    assert a.meta["video_mtr_relevant_sample_frames"] == [3, 4, 5]
    assert (b.video, b.task, b.query, b.answer, b.duration) == ("videos/b.mp4", "open_qa", "How long?", "3", 10.0)
    back = module("video-r1").export_item(a)
    # data_type "video", Video-MTR's frames kept; the path is "./" + the record's video: the importer cut
    # "./Evaluation" as Video-MTR does, and Video-R1's trainer would keep it (both open video_dir/clips/a.mp4)
    assert back == {**VIDEO_R1[0], "path": "./clips/a.mp4"}
    # a problem with whitespace around it (1 of Video-MTR's 502 MLVU items) is written back as it was
    c = module("video-r1").convert(_write(tmp_path / "ws.json", [{**VIDEO_R1[0], "problem": "Where?\n\n"}]),
                                   video_dir=videos).records[0]
    assert c.query == "Where?" and module("video-r1").export_item(c)["problem"] == "Where?\n\n"
    c.query = "Edited?"
    assert module("video-r1").export_item(c)["problem"] == "Edited?"
    # a vid item gets the path both upstreams read (Video-MTR's reset_video reads item["path"])
    b_out = module("video-r1").export_item(b, require_relevant_frames=False)
    assert (b_out["vid"], b_out["path"], b_out["data_type"]) == ("b", "./videos/b.mp4", "video")
    assert "relevant_sample_frames" not in b_out
    with pytest.raises(RecordError, match="video_r1/train/8.*videorl data relevant-frames") as exc:
        module("video-r1").export_item(b)
    assert exc.value.field == "meta.video_mtr_relevant_sample_frames"


def test_video_r1_export_paths_and_types():
    from videorl.record import SampleRecord

    r = SampleRecord(id="x/1", video="clips/a.mp4", duration=5.0, task="open_qa", query="q?", answer="yes",
                     meta={"video_mtr_relevant_sample_frames": [0, 1]})
    out = module("video-r1").export_item(r)
    # Video-R1 opens cwd + "/Video-R1-data" + path[1:]: without "./" the first letter would be lost
    assert out["path"] == "./clips/a.mp4" and out["path"][1:] == "/clips/a.mp4"
    assert (out["problem_type"], out["data_type"], out["relevant_sample_frames"]) == ("free-form", "video", [0, 1])
    # Video-MTR cuts "./Evaluation" from a path that starts with it: a folder named so gets "././"
    r.video = "Evaluation/NExT-GQA/a.mp4"
    assert module("video-r1").export_item(r)["path"] == "././Evaluation/NExT-GQA/a.mp4"
    from videorl.data.importers.video_r1 import video_path

    assert video_path({"path": "././Evaluation/NExT-GQA/a.mp4"}) == "Evaluation/NExT-GQA/a.mp4"
    assert video_path({"path": "./Evaluation/NExT-GQA/a.mp4"}) == "NExT-GQA/a.mp4"
    assert video_path({"path": "./clips/a.mp4"}) == "clips/a.mp4"
    r.video = "/abs/a.mp4"
    with pytest.raises(RecordError, match="absolute"):
        module("video-r1").export_item(r)
    g = SampleRecord(id="g/1", video="a.mp4", duration=5.0, task="grounding", query="q", spans=[[1.0, 2.0]])
    with pytest.raises(RecordError, match="no answer"):
        module("video-r1").export_item(g, require_relevant_frames=False)


def test_cli_export_video_r1_names_the_missing_frames(tmp_path, capsys):
    from videorl.io import write_jsonl
    from videorl.record import SampleRecord

    recs = [SampleRecord(id="x/1", video="a.mp4", duration=5.0, task="mcq", query="q?", options=["a", "b"],
                         answer="B")]
    write_jsonl(tmp_path / "r.jsonl", recs)
    assert main(["data", "export-format", "video-r1", str(tmp_path / "r.jsonl"), "--out", str(tmp_path / "o.json")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'r.jsonl'}:1" in err and "x/1" in err and "videorl data relevant-frames" in err
    assert not (tmp_path / "o.json").exists()
    assert main(["data", "export-format", "video-r1", str(tmp_path / "r.jsonl"), "--out", str(tmp_path / "o.json"),
                 "--without-relevant-frames"]) == 0
    (row,) = json.loads((tmp_path / "o.json").read_text())
    assert row["path"] == "./a.mp4" and row["data_type"] == "video" and row["options"] == ["A. a", "B. b"]
    from videorl.data.importers.video_r1 import consistent_ids

    assert consistent_ids([{"problem_id": 7}, {"problem_id": "x/1"}]) == [{"problem_id": "7"}, {"problem_id": "x/1"}]
    assert consistent_ids([{"problem_id": 7}, {"problem_id": 8}]) == [{"problem_id": 7}, {"problem_id": 8}]


# Key forms Video-R2's own key sanitiser reads (train/src/train/temporal_grounding_reward.py), worked by hand:
# (key, Video-R2's whole-second interval after its rounding, our exact interval)
R2_KEYS = [
    ("00:10-00:15", (10, 15), (10.0, 15.0)),
    ("00:10 \u2013 00:15", (10, 15), (10.0, 15.0)),    # en dash
    ("00:10\u201400:15", (10, 15), (10.0, 15.0)),      # em dash
    ("00:10 to 00:15", (10, 15), (10.0, 15.0)),
    ("10 TO 15", (10, 15), (10.0, 15.0)),
    ("12.5", (12, 12), (12.5, 12.5)),                   # bare seconds; 12.5 rounds half to even there
    ("1:02:03", (3723, 3723), (3723.0, 3723.0)),
    ("1:75", (135, 135), (135.0, 135.0)),               # fields are not bounded there
    ("00:20-00:10", (10, 20), (10.0, 20.0)),            # reversed: swapped
    ("+00:05.,", (5, 5), (5.0, 5.0)),                   # + . , stripped
    ("00:10.6", (11, 11), (10.6, 10.6)),
]
R2_DROPPED = ["00:10-end", "00:10 - EOF", "later", "1-2-3", "-5", "inf", "1:2:3:4", "00:-5"]


@pytest.mark.parametrize("key,theirs,ours", R2_KEYS)
def test_video_r2_key_forms(key, theirs, ours):
    from videorl.data.importers.video_r2 import key_interval

    got = key_interval(key)
    assert got == pytest.approx(ours)
    assert tuple(int(round(x)) for x in got) == theirs


def test_video_r2_dropped_keys_are_counted_and_kept(tmp_path, videos):
    from videorl.data.importers.video_r2 import key_interval

    assert all(key_interval(k) is None for k in R2_DROPPED)
    tg = {"00:10 \u2013 00:15": "a.", "00:10-end": "b.", "00:30": "", "5 to 7": "c."}
    col = module("video-r2").convert(_write(tmp_path / "r2.json", [{**VIDEO_R2[1], "temporal_grounding": tg}]),
                                     video_dir=videos)
    (r,) = col.records
    assert [(g["start"], g["end"]) for g in r.meta["temporal_grounding"]] == [(10.0, 15.0), (5.0, 7.0)]
    assert r.meta["temporal_grounding_dropped"] == {"00:10-end": "b.", "00:30": ""}
    assert col.report.counts["grounding_keys_unreadable"] == 1 and col.report.counts["grounding_claims_empty"] == 1
    assert module("video-r2").export_item(r)["temporal_grounding"] == tg


def test_lwt235(tmp_path, videos):
    col = module("lwt235").convert(_write(tmp_path / "l.jsonl", LWT, jsonl=True), video_dir=videos)
    a, b = col.records
    # README example shape: a trim [4.2, 29.1] with clip-relative timestamp [11.3, 15.0] -> video time [15.5, 19.2]
    assert a.clip == [4.2, 29.1] and a.spans == [[pytest.approx(15.5), pytest.approx(19.2)]] and a.duration == 40.0
    assert a.meta["qid"] == "q1" and a.id == "lwt235/train/q1"
    assert b.spans == [[2.0, 10.0]] and b.query == "dog jumps"  # end 10.5 > duration 10: cut and reported
    assert col.report.clamped[0]["before"] == [2.0, 10.5] and col.report.clamped[0]["where"].endswith("l.jsonl:2")
    back = module("lwt235").export_item(a)
    assert back["timestamp"] == [11.3, 15.0] and back["duration"] == 24.9 and back["video_start"] == 4.2
    assert {k: back[k] for k in LWT[0]} == LWT[0]


def test_lwt235_null_trim_is_no_trim(tmp_path, videos):
    # Lwt235's DataValidator skips a null video_start / video_end (3 of 12 examples in its tests)
    items = [{**LWT[1], "timestamp": [2, 5], "video_start": None, "video_end": None},
             {**LWT[0], "video_end": None}]
    a, b = module("lwt235").convert(_write(tmp_path / "n.jsonl", items, jsonl=True), video_dir=videos).records
    assert a.clip is None and a.spans == [[2.0, 5.0]] and a.duration == 10.0
    assert b.clip == [4.2, pytest.approx(29.1)]  # video_end = video_start + duration


def test_lwt235_kept_differences_from_the_validator(tmp_path, videos):
    # the validator accepts both (a bool is an int there; a late start is only a warning); see docs/data.md
    # a null duration makes the validator raise TypeError (its timestamp check compares with None): a clear error here
    for bad, field in (({**LWT[1], "duration": True}, "duration"), ({**LWT[1], "timestamp": [10.0, 12.0]}, "timestamp"),
                       ({**LWT[1], "duration": None}, "duration")):
        with pytest.raises(RecordError) as exc:
            module("lwt235").convert(_write(tmp_path / "k.jsonl", [bad], jsonl=True), video_dir=videos)
        assert exc.value.field == field


@pytest.mark.parametrize("fmt,items,line,field", [
    ("lwt235", [LWT[1], {**LWT[1], "duration": "ten"}], 2, "duration"),
    ("lwt235", [{**LWT[1], "duration": True}], 1, "duration"),
    ("lwt235", [{**LWT[1], "timestamp": [5, 3]}], 1, "timestamp"),
    ("lwt235", [{**LWT[1], "sentence": "  "}], 1, "sentence"),
    ("video-r2", [{**VIDEO_R2[0], "temporal_grounding": {"00:10": 5}}], 2, "temporal_grounding['00:10']"),
    ("versavid", [{**VERSAVID[0], "problem_type": "Other"}], 1, "problem_type"),
    ("video-r1", [{**VIDEO_R1[0], "solution": "<answer>F</answer>"}], 2, "solution"),
])
def test_errors_name_file_line_field(tmp_path, videos, fmt, items, line, field):
    jsonl = fmt in ("lwt235", "versavid")
    p = _write(tmp_path / ("in.jsonl" if jsonl else "in.json"), items, jsonl=jsonl)
    with pytest.raises(RecordError) as exc:
        module(fmt).convert(p, video_dir=videos)
    assert (exc.value.line, exc.value.field) == (line, field) and str(p) in str(exc.value)


def test_duration_needs_a_video_dir(tmp_path):
    p = _write(tmp_path / "v.jsonl", VERSAVID[:1], jsonl=True)
    with pytest.raises(RecordError, match="give --video-dir"):
        module("versavid").convert(p)


def test_cli_import_and_export_round_trip(tmp_path, videos, capsys):
    src = _write(tmp_path / "l.jsonl", LWT[:1], jsonl=True)
    assert main(["data", "import", "lwt235", str(src), "--video-dir", str(videos), "--out", str(tmp_path / "r.jsonl")]) == 0
    assert len(load_records(tmp_path / "r.jsonl")) == 1 and (tmp_path / "r.report.json").is_file()
    assert main(["data", "export-format", "lwt235", str(tmp_path / "r.jsonl"), "--out", str(tmp_path / "back.jsonl")]) == 0
    back = json.loads((tmp_path / "back.jsonl").read_text())
    assert {k: back[k] for k in LWT[0]} == LWT[0]
    bad = _write(tmp_path / "bad.jsonl", [LWT[0], {**LWT[0], "timestamp": "x"}], jsonl=True)
    capsys.readouterr()
    assert main(["data", "import", "lwt235", str(bad), "--video-dir", str(videos), "--out", str(tmp_path / "z.jsonl")]) == 2
    assert f"{bad}:2: field 'timestamp'" in capsys.readouterr().err
    assert not (tmp_path / "z.jsonl").exists()


def _parity_module():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "parity" / "data_tools.py"
    spec = importlib.util.spec_from_file_location("_parity_data_tools", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_parity_module_corpora_and_stubs_without_the_originals():
    # The harness module itself (benchmarks/parity/data_tools.py): seeded corpora, stubs that leave
    # sys.modules as they were, and a tally whose agreement plus classes is n.
    import sys

    dt = _parity_module()
    assert dt.NAME == "data_tools" and set(dt.NEEDS) == {"video_r1", "video_mtr", "lwt235_vtg", "video_r2"}
    assert dt.r2_keys(50, 1) == dt.r2_keys(50, 1) != dt.r2_keys(50, 2)
    assert dt.lwt_items(50, 1) == dt.lwt_items(50, 1)
    recs = dt.export_records(40, 0)
    rows = [module("video-r1").export_item(r) for r in recs]
    assert all(row["path"].startswith("./") and row["data_type"] == "video" for row in rows)
    before = dict(sys.modules)
    with dt.installed({"torch": dt.stub("torch"), "vagen.env": dt.package("vagen.env")}):
        assert sys.modules["torch"].__name__ == "torch"
    assert sys.modules.keys() == before.keys() and all(sys.modules[k] is v for k, v in before.items())
    t = dt.Tally("x")
    for cls in (None, "a", "a", None, "b"):
        t.add(cls, {"k": 1})
    r = t.result()
    assert r["n"] == 5 and r["agree"] + sum(r["classes"].values()) == 5 and r["classes"] == {"a": 2, "b": 1}
