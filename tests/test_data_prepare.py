"""Dataset converters on small hand-written excerpts: every expected value is worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from videorl.cli import main
from videorl.data.prepare import activitynet_captions, charades_sta, nextgqa
from videorl.record import RecordError, load_records

# ---------------------------------------------------------------------- Charades-STA
CHARADES_TXT = (
    "3MSZA 24.3 30.4##person turn a light on.\n"       # inside the 30.96 s video
    "AKO6M 12.7 19.9##person opens the door.\n"        # ends 1.32 s after the 18.58 s duration
    "AKO6M 0 5.5##a person is sitting.\n"
)
CHARADES_JSON = {"3MSZA": {"subset": "testing", "duration": 30.96, "actions": []},
                 "AKO6M": {"subset": "testing", "duration": 18.58, "actions": []}}


def _charades(tmp_path: Path, text: str = CHARADES_TXT) -> tuple[Path, Path]:
    ann, dur = tmp_path / "charades_sta_test.txt", tmp_path / "charades.json"
    ann.write_text(text)
    dur.write_text(json.dumps(CHARADES_JSON))
    return ann, dur


def test_charades_excerpt(tmp_path):
    ann, dur = _charades(tmp_path)
    col = charades_sta.convert(ann, dur)
    recs = col.records
    assert [r.id for r in recs] == ["charades_sta/test/0", "charades_sta/test/1", "charades_sta/test/2"]
    assert recs[0].to_dict() == {
        "id": "charades_sta/test/0", "video": "3MSZA.mp4", "duration": 30.96, "task": "grounding",
        "query": "person turn a light on.", "spans": [[24.3, 30.4]], "options": [], "answer": None,
        "meta": {"dataset": "charades_sta", "split": "test", "video_id": "3MSZA"}, "schema_version": 1}
    # 19.9 > 18.58: cut to the duration, original kept in meta and listed in the report.
    assert recs[1].spans == [[12.7, 18.58]]
    assert recs[1].meta["span_original"] == [12.7, 19.9]
    assert recs[2].spans == [[0.0, 5.5]]
    rep = col.report
    assert rep.records == 3 and rep.counts["videos"] == 2
    assert rep.clamped == [{"id": "charades_sta/test/1", "where": f"{ann}:2", "field": "spans[0]",
                            "before": [12.7, 19.9], "after": [12.7, 18.58], "duration": 18.58}]


@pytest.mark.parametrize("line, field, reason", [
    ("3MSZA 24.3 30.4 person turn a light on.", "line", "no '##'"),
    ("3MSZA 24.3##person", "line", "expected 'VIDEO START END'"),
    ("3MSZA 24.3 x##person", "end", "must be a number"),
    ("ZZZZZ 1 2##person", "video", "no duration"),
    ("3MSZA 5 5##person", "span", "end must be greater"),
    ("3MSZA 31 33##person", "span", "starts at or after"),
    ("3MSZA 1 2##   ", "sentence", "is empty"),
])
def test_charades_malformed_line_names_file_line_field(tmp_path, line, field, reason):
    ann, dur = _charades(tmp_path, CHARADES_TXT + line + "\n")
    with pytest.raises(RecordError) as exc:
        charades_sta.convert(ann, dur)
    assert exc.value.line == 4 and exc.value.path == str(ann) and exc.value.field == field
    assert reason in str(exc.value) and str(exc.value).startswith(f"{ann}:4: field '{field}'")
    col = charades_sta.convert(ann, dur, skip_invalid=True)
    assert len(col.records) == 3
    assert [r["where"] for r in col.report.rejected] == [f"{ann}:4"]


def test_charades_video_dir_lookup(tmp_path):
    ann, dur = _charades(tmp_path)
    vids = tmp_path / "videos"
    vids.mkdir()
    (vids / "3MSZA.mkv").write_bytes(b"x")
    col = charades_sta.convert(ann, dur, video_dir=vids, video_exts=[".mp4", ".mkv"])
    assert [r.video for r in col.records] == ["3MSZA.mkv", "AKO6M.mp4", "AKO6M.mp4"]
    # A missing video is listed once, with every name tried.
    assert col.report.missing_videos == [{"video": "AKO6M.mp4", "looked_for": ["AKO6M.mp4", "AKO6M.mkv"]}]


# ---------------------------------------------------------------------- ActivityNet Captions
ANET = {
    "v_abc": {"duration": 95.03999999999999,
              "timestamps": [[36.59, 95.04], [0, 10.5], [5.0, 7.0]],
              "sentences": ["A man talks.", "  He waves\n  at the camera.", "\nHe sits down."]},
    "v_def": {"duration": 20.0, "timestamps": [[1.0, 2.0]], "sentences": [" A dog runs."]},
}


def test_activitynet_excerpt(tmp_path):
    ann = tmp_path / "val_1.json"
    ann.write_text(json.dumps(ANET))
    col = activitynet_captions.convert(ann)
    recs = {r.id: r for r in col.records}
    assert list(recs) == ["activitynet_captions/val_1/v_abc/0", "activitynet_captions/val_1/v_abc/1",
                          "activitynet_captions/val_1/v_abc/2", "activitynet_captions/val_1/v_def/0"]
    r0 = recs["activitynet_captions/val_1/v_abc/0"]
    # 95.04 > 95.03999999999999 by 1.4e-14: a float artefact, cut to the duration and reported.
    assert r0.spans == [[36.59, 95.03999999999999]] and r0.video == "v_abc.mp4"
    assert recs["activitynet_captions/val_1/v_abc/1"].query == "He waves at the camera."
    assert recs["activitynet_captions/val_1/v_abc/2"].query == "He sits down."
    assert recs["activitynet_captions/val_1/v_def/0"].query == "A dog runs."
    c = col.report.counts
    # cleaned: sentences 1, 2 (v_abc) and 0 (v_def); inner newline: only "He waves\n  at".
    assert c["sentences_cleaned"] == 3 and c["sentences_with_inner_newline"] == 1
    # v_abc starts 36.59, 0, 5.0: not in order; v_def has one segment.
    assert c["videos_not_in_start_order"] == 1 and c["videos"] == 2
    assert len(col.report.clamped) == 1


def test_activitynet_finds_video_without_prefix(tmp_path):
    ann = tmp_path / "val_1.json"
    ann.write_text(json.dumps(ANET))
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "abc.mp4").write_bytes(b"x")
    col = activitynet_captions.convert(ann, video_dir=tmp_path / "v")
    assert {r.video for r in col.records} == {"abc.mp4", "v_def.mp4"}
    assert col.report.missing_videos == [{"video": "v_def.mp4", "looked_for": ["v_def.mp4", "def.mp4"]}]


def test_activitynet_bad_entry_line_in_pretty_file(tmp_path):
    bad = dict(ANET, v_bad={"duration": 10, "timestamps": [[3, 2]], "sentences": ["x"]})
    ann = tmp_path / "train.json"
    ann.write_text(json.dumps(bad, indent=1))
    lines = ann.read_text().splitlines()
    expect = next(i for i, s in enumerate(lines, 1) if '"v_bad"' in s)
    with pytest.raises(RecordError, match="end must be greater than start") as exc:
        activitynet_captions.convert(ann, split="train")
    assert exc.value.line == expect and exc.value.field == "v_bad.timestamps[0]"


# ---------------------------------------------------------------------- NExT-GQA
NEXTGQA_CSV = (
    "video_id,frame_count,width,height,question,answer,qid,type,a0,a1,a2,a3,a4\n"
    "100,719,320,240,what did the baby do,lay on floor,8,TN,clap,sit,lay on floor,pick,crawl\n"
    "100,719,320,240,how does the lady feel,happy,4,CH,sad,happy to see,calm,happy,happy\n"
    "200,300,320,240,why is he running,late,0,CW,late,fun,cold,hot,rain\n"
)
GSUB = {"100": {"duration": 30, "fps": 23.976, "location": {"8": [[23.0, 27.7]], "4": [[-0.1, 5], [10, 12]]}},
        "200": {"duration": 10, "fps": 30.0, "location": {"0": [[1, 2]], "1": [[3, 4]]}},
        "300": {"duration": 5, "fps": 30.0, "location": {}}}


def _nextgqa(tmp_path, csv_text=NEXTGQA_CSV):
    (tmp_path / "test.csv").write_text(csv_text)
    (tmp_path / "gsub.json").write_text(json.dumps(GSUB))
    (tmp_path / "map.json").write_text(json.dumps({"100": "0001/100", "200": "0002/200"}))
    return tmp_path / "test.csv", tmp_path / "gsub.json", tmp_path / "map.json"


def test_nextgqa_excerpt(tmp_path):
    csv_path, gsub, vmap = _nextgqa(tmp_path)
    col = nextgqa.convert(csv_path, gsub, map_path=vmap)
    a, b, c = col.records
    assert a.to_dict() == {
        "id": "nextgqa/test/100_8", "video": "0001/100.mp4", "duration": 30.0, "task": "grounded_qa",
        "query": "what did the baby do", "spans": [[23.0, 27.7]],
        "options": ["clap", "sit", "lay on floor", "pick", "crawl"], "answer": "C",
        "meta": {"dataset": "nextgqa", "split": "test", "video_id": "100", "qid": 8, "type": "TN",
                 "answer_text": "lay on floor", "frame_count": 719, "fps": 23.976},
        "schema_version": 1}
    # "happy" is a3 and a4: first match (D) kept, flagged; "happy to see" is not an exact match.
    assert b.answer == "D" and b.meta["ambiguous_letters"] == ["D", "E"]
    # two spans kept; -0.1 clamped to 0 and reported.
    assert b.spans == [[0.0, 5.0], [10.0, 12.0]] and b.meta["spans_original"] == [[-0.1, 5.0], [10.0, 12.0]]
    assert c.answer == "A" and c.video == "0002/200.mp4"
    rep = col.report
    assert rep.ambiguous == [{"id": "nextgqa/test/100_4", "where": f"{csv_path}:3", "answer": "happy",
                              "letters": ["D", "E"], "kept": "D"}]
    assert rep.counts["questions_with_several_spans"] == 1 and rep.counts["spans"] == 4
    assert rep.counts["gsub_questions_without_row"] == 1  # 200 qid 1 has no CSV row
    assert rep.clamped[0]["after"] == [0.0, 5.0]


def test_nextgqa_answer_matching_no_option_is_rejected(tmp_path):
    csv_path, gsub, vmap = _nextgqa(tmp_path, NEXTGQA_CSV + "200,300,320,240,q,nothing,0,CW,a,b,c,d,e\n")
    with pytest.raises(RecordError, match="matches none of the options") as exc:
        nextgqa.convert(csv_path, gsub)
    assert exc.value.line == 5 and exc.value.field == "answer"


# ---------------------------------------------------------------------- CLI: atomic, re-runnable
def test_cli_prepare_writes_records_and_report_and_reruns_identically(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VIDEORL_DATA_DIR", str(tmp_path / "data"))
    ann, dur = _charades(tmp_path)
    argv = ["data", "prepare", "charades-sta", "--annotations", str(ann), "--durations", str(dur)]
    assert main(argv) == 0
    out = tmp_path / "data" / "charades_sta" / "test.jsonl"
    report = json.loads((tmp_path / "data" / "charades_sta" / "test.report.json").read_text())
    assert report["records"] == 3 and report["clamped_count"] == 1
    assert "1 spans clamped" in capsys.readouterr().out
    first = out.read_bytes()
    assert main(argv) == 0
    assert out.read_bytes() == first
    assert [r.id for r in load_records(out)] == ["charades_sta/test/0", "charades_sta/test/1", "charades_sta/test/2"]


def test_cli_prepare_malformed_line_exit_2_and_writes_nothing(tmp_path, capsys):
    ann, dur = _charades(tmp_path, CHARADES_TXT + "oops\n")
    out = tmp_path / "o" / "test.jsonl"
    argv = ["data", "prepare", "charades-sta", "--annotations", str(ann), "--durations", str(dur), "--out", str(out)]
    assert main(argv) == 2
    assert f"{ann}:4: field 'line'" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "o" / "test.report.json").exists()
    assert main([*argv, "--skip-invalid"]) == 0
    assert len(load_records(out)) == 3
    rep = json.loads((tmp_path / "o" / "test.report.json").read_text())
    assert rep["rejected_count"] == 1 and rep["rejected"][0]["where"] == f"{ann}:4"


def test_report_stores_the_video_folder_as_an_absolute_path(tmp_path, monkeypatch):
    # The lmms-eval tasks resolve relative video names against this folder from any working
    # directory, so a relative --video-dir must be stored resolved.
    from videorl.data.report import PrepareReport

    monkeypatch.chdir(tmp_path)
    (tmp_path / "vids").mkdir()
    report = PrepareReport("charades_sta", "test", video_dir="vids")
    assert report.video_dir == str(tmp_path / "vids")
    assert PrepareReport("charades_sta", "test").video_dir is None
