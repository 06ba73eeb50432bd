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


def test_video_r1_and_mtr(tmp_path, videos):
    col = module("video-r1").convert(_write(tmp_path / "r1.json", VIDEO_R1), video_dir=videos)
    a, b = col.records
    assert (a.id, a.video, a.options, a.answer) == ("video_r1/train/7", "clips/a.mp4", ["a cat", "a dog", "a bird"], "C")
    assert a.meta["video_mtr_relevant_sample_frames"] == [3, 4, 5]
    assert (b.video, b.task, b.query, b.answer, b.duration) == ("videos/b.mp4", "open_qa", "How long?", "3", 10.0)
    back = module("video-r1").export_item(a)
    assert back == {k: v for k, v in VIDEO_R1[0].items() if k != "data_type"}
    assert module("video-r1").export_item(b)["vid"] == "b"


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


@pytest.mark.parametrize("fmt,items,line,field", [
    ("lwt235", [LWT[1], {**LWT[1], "duration": "ten"}], 2, "duration"),
    ("lwt235", [{**LWT[1], "duration": True}], 1, "duration"),
    ("lwt235", [{**LWT[1], "timestamp": [5, 3]}], 1, "timestamp"),
    ("lwt235", [{**LWT[1], "sentence": "  "}], 1, "sentence"),
    ("video-r2", [{**VIDEO_R2[0], "temporal_grounding": {"1:75": "x"}}], 2, "temporal_grounding['1:75']"),
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
