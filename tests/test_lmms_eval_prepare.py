"""From `videorl data prepare` to an lmms-eval run: the commands we print, the video folder, subtasks.

The prepare commands printed by the tasks are parsed by the real ``videorl data`` parser. Charades
and MVBench are prepared with the real converters into a tmp ``VIDEORL_DATA_DIR`` (videos in a
folder of their own, ``VIDEORL_VIDEO_DIR`` unset) and then evaluated by lmms-eval: the tasks must
find the videos through the folder recorded in the preparation report.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from videorl.cli import build_parser, main
from videorl.plugins.lmms_eval.docs import PREPARE_COMMANDS, prepare_command, video_dir_for

pytest.importorskip("lmms_eval")
pytest.importorskip("av")


# ----------------------------------------------------------------------------- prepare commands
@pytest.mark.parametrize("dataset", sorted(PREPARE_COMMANDS))
def test_prepare_commands_parse_with_the_real_cli(dataset):
    cmd = prepare_command(dataset, "test")
    words = shlex.split(PREPARE_COMMANDS[dataset].format(split="test"))
    assert cmd.startswith(" ".join(words)) and words[0] == "videorl"
    args = build_parser(words[1]).parse_args(words[1:])  # argparse exits (SystemExit) on a wrong flag
    if words[1] == "data":
        from videorl.cli.data import PREPARE

        assert args.data_command == "prepare" and PREPARE[args.dataset] == dataset
        assert args.split == "test"
        if dataset != "mvbench":  # the folder the tasks read back from the report
            assert args.video_dir
    else:
        assert dataset == "synthetic" and args.command == "demo"


def test_nextgqa_command_uses_csv_and_gsub():
    args = build_parser("data").parse_args(shlex.split(prepare_command("nextgqa", "val"))[1:])
    assert (args.csv, args.gsub, args.split) == ("val.csv", "gsub_val.json", "val")


# ----------------------------------------------------------------------------- video folder order
def _records(folder: Path, report: dict | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "test.jsonl"
    path.write_text("")
    if report is not None:
        (folder / "test.report.json").write_text(json.dumps(report))
    return path


def test_video_dir_order(tmp_path, monkeypatch, caplog):
    videos = tmp_path / "videos"
    videos.mkdir()
    monkeypatch.delenv("VIDEORL_VIDEO_DIR", raising=False)
    # 1. the report's folder
    path = _records(tmp_path / "a", {"video_dir": str(videos)})
    assert video_dir_for(path) == videos
    # 2. VIDEORL_VIDEO_DIR wins over the report
    monkeypatch.setenv("VIDEORL_VIDEO_DIR", str(tmp_path / "env"))
    assert video_dir_for(path) == tmp_path / "env"
    monkeypatch.delenv("VIDEORL_VIDEO_DIR")
    # 3. no report, a report prepared without --video-dir, an unreadable report -> records folder
    assert video_dir_for(_records(tmp_path / "b", None)) == tmp_path / "b"
    assert video_dir_for(_records(tmp_path / "c", {"video_dir": None})) == tmp_path / "c"
    bad = _records(tmp_path / "d", None)
    (tmp_path / "d" / "test.report.json").write_text("{not json")
    assert video_dir_for(bad) == tmp_path / "d"
    # 4. a recorded folder that is gone: warned about, records folder used
    gone = _records(tmp_path / "e", {"video_dir": str(tmp_path / "gone")})
    assert video_dir_for(gone) == tmp_path / "e"
    assert any("does not exist" in r.getMessage() and "gone" in r.getMessage() for r in caplog.records)
    # 5. a relative recorded folder is relative to the current directory (as the CLI got it)
    monkeypatch.chdir(tmp_path)
    assert video_dir_for(_records(tmp_path / "f", {"video_dir": "videos"})) == videos


# ----------------------------------------------------------------------------- end to end
CHARADES = ["AAA01 2.0 4.0##person opens the door.", "AAA01 3.0 5.0##person sits down.",
            "BBB02 6.0 8.0##person drinks from a cup."]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """Charades (3 lines) and MVBench (fake snapshot) prepared with the real CLI; videos elsewhere."""
    from videorl.synth import make_video

    root = tmp_path_factory.mktemp("prep")
    data, videos, src = root / "data", root / "charades_videos", root / "src"
    src.mkdir()
    for vid in ("AAA01", "BBB02"):
        make_video(videos / f"{vid}.mp4", duration=10.0, fps=4, size=(160, 120), events=[(2.0, 4.0)])
    (src / "charades_sta_test.txt").write_text("\n".join(CHARADES) + "\n")
    (src / "charades.json").write_text(json.dumps({"AAA01": {"duration": 10.0}, "BBB02": {"duration": 10.0}}))
    mvb = root / "MVBench"
    (mvb / "json").mkdir(parents=True)
    make_video(mvb / "video/ssv2_video/77.mp4", duration=3.0, fps=10, size=(64, 48))
    (mvb / "json/action_antonym.json").write_text(json.dumps([
        {"video": "77.mp4", "question": "What is the action?", "candidates": ["open", "close"], "answer": "open"},
        {"video": "77.mp4", "question": "And now?", "candidates": ["open", "close"], "answer": "close"},
    ], indent=2))
    old = {k: os.environ.get(k) for k in ("VIDEORL_DATA_DIR", "VIDEORL_VIDEO_DIR")}
    os.environ["VIDEORL_DATA_DIR"] = str(data)
    os.environ.pop("VIDEORL_VIDEO_DIR", None)
    try:
        assert main(["data", "prepare", "charades-sta", "--annotations", str(src / "charades_sta_test.txt"),
                     "--durations", str(src / "charades.json"), "--video-dir", str(videos)]) == 0
        assert main(["data", "prepare", "mvbench", "--root", str(mvb), "--subtasks", "action_antonym"]) == 0
        yield {"data": data, "videos": videos, "mvbench_videos": mvb / "video"}
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_prepared_docs_point_at_the_recorded_folder(prepared):
    from videorl.plugins.lmms_eval.docs import load_docs

    docs = load_docs("charades_sta", "test")
    assert [Path(d["video"]) for d in docs] == [prepared["videos"] / "AAA01.mp4"] * 2 + [
        prepared["videos"] / "BBB02.mp4"]
    (mvb,) = {Path(d["video"]) for d in load_docs("mvbench", "test")}
    assert mvb == prepared["mvbench_videos"] / "ssv2_video" / "77.mp4" and mvb.is_file()


def test_mvbench_subtask_names_agree_with_the_converter():
    from videorl.data.prepare.mvbench import SUBTASK_KEYS
    from videorl.tasks import tasks_dir
    from videorl.tasks.mvbench.utils import SUBTASKS

    assert list(SUBTASKS) == list(SUBTASK_KEYS)
    for key in SUBTASK_KEYS:
        for variant in ("videorl_mvbench", "videorl_mvbench_r1"):
            assert (tasks_dir() / "mvbench" / f"{variant}_{key}.yaml").is_file()


@pytest.mark.slow
@pytest.mark.lmms_eval
def test_charades_prepare_then_lmms_eval_cli(prepared, tmp_path):
    """Stock `lmms-eval` CLI, dummy model, no VIDEORL_VIDEO_DIR: the results file of the prepared records."""
    env = {k: v for k, v in os.environ.items() if k != "VIDEORL_VIDEO_DIR"}
    env["VIDEORL_DATA_DIR"] = str(prepared["data"])
    lmms = Path(sys.executable).with_name("lmms-eval")
    cmd = [str(lmms) if lmms.exists() else sys.executable, *([] if lmms.exists() else ["-m", "lmms_eval"]),
           "--model", "dummy", "--model_args", "response=2.0 - 4.0", "--tasks", "temporal_grounding_charades",
           "--log_samples", "--output_path", str(tmp_path / "out")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    results = list((tmp_path / "out").rglob("*_results.json"))
    assert results, proc.stdout[-3000:] + proc.stderr[-3000:]
    r = json.loads(results[0].read_text())["results"]["temporal_grounding_charades"]
    # prediction [2, 4] vs [2, 4], [3, 5], [6, 8]: IoU 1, 1/3, 0 -> R1@0.3 2/3, R1@0.5 1/3, mIoU 4/9
    assert r["R1@0.3,none"] == pytest.approx(200 / 3) and r["R1@0.5,none"] == pytest.approx(100 / 3)
    assert r["mIoU,none"] == pytest.approx(400 / 9) and r["parse_fail,none"] == 0
    samples = [json.loads(line) for f in (tmp_path / "out").rglob("*samples_temporal_grounding_charades*.jsonl")
               for line in f.read_text().splitlines()]
    assert sorted(s["target"] for s in samples) == ["2.0 - 4.0", "3.0 - 5.0", "6.0 - 8.0"]
    # (the dummy model never opens videos; the tiny Qwen3-VL run below decodes them from the same folder)


@pytest.mark.slow
@pytest.mark.lmms_eval
def test_mvbench_prepare_then_subtask(prepared):
    from lmms_eval.evaluator import simple_evaluate
    from lmms_eval.tasks import TaskManager

    out = simple_evaluate(model="dummy", model_args="response=A", tasks=["videorl_mvbench_action_antonym"],
                          log_samples=True, task_manager=TaskManager(verbosity="WARNING"), verbosity="WARNING")
    r = out["results"]["videorl_mvbench_action_antonym"]
    # answers: "open" = A, "close" = B; the dummy says A -> 1 of 2 right = 50
    assert r["accuracy,none"] == pytest.approx(50) and r["parse_fail,none"] == 0
    docs = [s["doc"] for s in out["samples"]["videorl_mvbench_action_antonym"]]
    assert len(docs) == 2 and all(Path(d["video"]).is_file() for d in docs)


@pytest.mark.slow
@pytest.mark.lmms_eval
def test_tiny_qwen3_vl_prompt_times_through_lmms_eval(prepared, tmp_path, monkeypatch, caplog):
    """videorl_qwen with a tiny Qwen3-VL on the prepared Charades videos and the synthetic set (one
    clipped record): every request's "<t seconds>" markers are its sampled frames' model-clock times."""
    from lmms_eval.evaluator import simple_evaluate
    from lmms_eval.tasks import TaskManager

    from videorl.plugins.lmms_eval.qwen import VideorlQwen
    from videorl.testing.tiny_qwen import build_tiny_qwen3_vl
    from videorl.video.qwen import expected_qwen3_timestamps, parse_qwen3_timestamps

    seen: dict[str, tuple[list[float], object, str]] = {}
    build = VideorlQwen.batch_inputs

    def spy(self, jobs, videos):
        inputs = build(self, jobs, videos)
        for row, (job, (_, meta)) in enumerate(zip(jobs, videos, strict=True)):
            text = self.processor.tokenizer.decode(inputs["input_ids"][row])
            seen[job.tag[2].record.id] = (parse_qwen3_timestamps(text), meta, text)
        return inputs

    monkeypatch.setattr(VideorlQwen, "batch_inputs", spy)
    model = build_tiny_qwen3_vl(tmp_path / "q3")
    # decode_workers=0: the processor runs in the loop, where the spy reads each request's prompt (the workers'
    # path builds the same tensors: tests/test_predict_workers.py)
    out = simple_evaluate(model="videorl_qwen3_vl",
                          model_args=f"pretrained={model},max_new_tokens=4,max_pixels=12544,decode_workers=0",
                          tasks=["temporal_grounding_charades", "videorl_synthetic_grounding"],
                          task_manager=TaskManager(verbosity="WARNING"), verbosity="WARNING")
    assert out["n-samples"]["temporal_grounding_charades"]["effective"] == 3
    assert not [r for r in caplog.records if "scored as a failure" in r.getMessage()]
    assert len(seen) == 3 + 6  # every request reached the processor: all videos were found
    for rid, (marks, meta, _) in seen.items():
        assert [f"<{t:.1f} seconds>" for t in marks] == expected_qwen3_timestamps(meta), rid
    # Charades: 10 s at 2 fps -> frames at 0, 0.5, ..., 9.5 s; patch k holds 2k/2 and (2k+1)/2 s ->
    # mean k + 0.25 -> markers 0.25, 1.25, ..., 9.25 (printed with one decimal: within 0.05)
    for rid in ("charades_sta/test/0", "charades_sta/test/1", "charades_sta/test/2"):
        assert seen[rid][0] == pytest.approx([k + 0.25 for k in range(10)], abs=0.051)
    # synthetic syn_002 event 0, clip [4, 10] at 2 fps: video seconds 4.0 ... 9.5 are model seconds
    # 0 ... 5.5 -> markers k + 0.25 for k = 0..5 (not 4.25 ...: the clock starts at the clip)
    marks, meta, _ = seen["synthetic/test/syn_002/0"]
    assert meta.model_times()[0] == 0 and marks == pytest.approx([k + 0.25 for k in range(6)], abs=0.051)
    assert seen["synthetic/test/syn_002/1"][0] == pytest.approx([k + 0.25 for k in range(10)], abs=0.051)
