"""MVBench converter on a small fake snapshot: json files plus tiny videos written with PyAV."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from videorl.cli import main
from videorl.data.prepare import mvbench
from videorl.record import RecordError, load_records

pytest.importorskip("av")


def _tree(root: Path) -> Path:
    from videorl.synth import make_video

    (root / "json").mkdir(parents=True)
    vid = root / "video"
    # 20 frames at 10 fps: 20 / 10 = 2.0 s; 30 frames at 10 fps = 3.0 s.
    make_video(vid / "star/Charades_v1_480/AB12.mp4", duration=2.0, fps=10, size=(64, 48))
    make_video(vid / "ssv2_video/77.mp4", duration=3.0, fps=10, size=(64, 48))
    frames = vid / "tvqa/frames_fps3_hq/ep1_clip"
    frames.mkdir(parents=True)
    for i in range(1, 10):  # 9 frames at 3 fps = 3.0 s
        (frames / f"{i:05d}.jpg").write_bytes(b"\xff\xd8\xff")
    (root / "json/action_sequence.json").write_text(json.dumps([
        {"video": "AB12.mp4", "question": "What did the person do first?", "candidates": ["Sat.", "Ran.", "Ate."],
         "answer": "Ran.", "start": 0.5, "end": 2.5},   # end 2.5 > 2.0: clamped
        {"video": "AB12.mp4", "question": "Then?", "candidates": ["Ate.", "Sat."], "answer": "Sat.",
         "start": 0.2, "end": 1.0},
    ], indent=2))
    (root / "json/action_antonym.json").write_text(json.dumps([
        {"video": "77.mp4", "question": "What is the action?", "candidates": ["open", "close", "open"],
         "answer": "open"},  # two equal candidates: first kept, flagged
    ], indent=2))
    (root / "json/episodic_reasoning.json").write_text(json.dumps([
        {"video": "ep1_clip", "question": "Who speaks?", "candidates": ["A man", "A woman"], "answer": "A woman",
         "start": 1.0, "end": 2.0},
    ], indent=2))
    return root


SUBS = ["action_sequence", "action_antonym", "episodic_reasoning"]


def test_official_table_has_20_subtasks():
    assert len(mvbench.SUBTASKS) == 20 and len(set(mvbench.SUBTASK_KEYS)) == 20
    bound = {s.key for s in mvbench.SUBTASKS if s.bound}
    assert bound == {"action_sequence", "action_prediction", "object_interaction", "action_localization",
                     "episodic_reasoning"}
    assert [s.key for s in mvbench.SUBTASKS if s.data_type == "frame"] == ["episodic_reasoning"]


def test_fake_snapshot(tmp_path):
    root = _tree(tmp_path / "MVBench")
    col = mvbench.convert(root, subtasks=SUBS)
    recs = {r.id: r for r in col.records}
    assert list(recs) == ["mvbench/action_sequence/0", "mvbench/action_sequence/1", "mvbench/action_antonym/0",
                          "mvbench/episodic_reasoning/0"]
    a0 = recs["mvbench/action_sequence/0"]
    assert a0.video == "star/Charades_v1_480/AB12.mp4" and a0.task == "mcq"
    assert a0.duration == pytest.approx(2.0, abs=1e-6)
    assert a0.options == ["Sat.", "Ran.", "Ate."] and a0.answer == "B"
    assert a0.clip == [0.5, pytest.approx(2.0)] and a0.meta["clip_original"] == [0.5, 2.5]
    assert a0.meta["subtask"] == "action_sequence" and a0.meta["subtask_name"] == "Action Sequence"
    assert recs["mvbench/action_sequence/1"].clip == [0.2, 1.0] and recs["mvbench/action_sequence/1"].answer == "B"
    anto = recs["mvbench/action_antonym/0"]
    assert anto.clip is None and anto.answer == "A" and anto.meta["ambiguous_letters"] == ["A", "C"]
    assert anto.duration == pytest.approx(3.0, abs=1e-6)
    ep = recs["mvbench/episodic_reasoning/0"]
    assert ep.duration == 3.0 and ep.clip == [1.0, 2.0] and ep.answer == "B" and ep.meta["frame_fps"] == 3.0
    rep = col.report
    assert rep.counts["subtask.action_sequence"] == 2 and rep.counts["videos"] == 3
    assert len(rep.clamped) == 1 and len(rep.ambiguous) == 1
    # The line of a rejected item is the line of its "video" key.
    assert rep.clamped[0]["where"].endswith("action_sequence.json:3")


def test_missing_video_is_an_error_or_skipped(tmp_path):
    root = _tree(tmp_path / "MVBench")
    items = json.loads((root / "json/action_antonym.json").read_text())
    items.append({"video": "gone.mp4", "question": "q?", "candidates": ["a", "b"], "answer": "b"})
    (root / "json/action_antonym.json").write_text(json.dumps(items, indent=2))
    with pytest.raises(RecordError, match="video not found") as exc:
        mvbench.convert(root, subtasks=["action_antonym"])
    # indent=2 layout: "[" 1; item 0 = "{" 2, video 3, question 4, candidates 5-9, answer 10, "}" 11;
    # item 1 = "{" 12, "video" 13.
    assert exc.value.line == 13 and exc.value.field == "video"
    col = mvbench.convert(root, subtasks=["action_antonym"], skip_invalid=True)
    assert len(col.records) == 1 and len(col.report.rejected) == 1
    assert col.report.missing_videos[0]["video"] == "ssv2_video/gone.mp4"


def test_corrupt_video_is_rejected_with_reason(tmp_path):
    root = _tree(tmp_path / "MVBench")
    (root / "video/ssv2_video/77.mp4").write_bytes(b"not a video")
    with pytest.raises(RecordError, match="cannot read video"):
        mvbench.convert(root, subtasks=["action_antonym"])


def test_cli_all_subtasks_requires_every_file(tmp_path, capsys):
    root = _tree(tmp_path / "MVBench")
    out = tmp_path / "out" / "test.jsonl"
    assert main(["data", "prepare", "mvbench", "--root", str(root), "--out", str(out)]) == 2
    assert "subtask file not found" in capsys.readouterr().err and not out.exists()
    assert main(["data", "prepare", "mvbench", "--root", str(root), "--out", str(out), "--skip-invalid"]) == 0
    assert len(load_records(out)) == 4
    rep = json.loads((tmp_path / "out" / "test.report.json").read_text())
    assert rep["counts"]["subtask_files_missing"] == 17
