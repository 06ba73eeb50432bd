"""Every videorl task end to end through the real lmms-eval 0.7.3 on small prepared data.

One tmp ``VIDEORL_DATA_DIR`` holds a few hand-made records per dataset and tiny coded videos. The
``dummy`` model gives a fixed answer, so each metric can be worked out by hand (comments below);
the tiny Qwen2.5-VL runs our backend on real frames; the oracle runs through the ``lmms-eval`` CLI
(the entry-point route) and must score mIoU 100. Results files are checked, not exit codes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("lmms_eval")
pytest.importorskip("av")

from videorl.io import write_jsonl  # noqa: E402
from videorl.record import SampleRecord  # noqa: E402

pytestmark = [pytest.mark.lmms_eval, pytest.mark.slow]

MVB = ["action_sequence", "action_prediction", "action_antonym", "fine_grained_action", "unexpected_action",
       "object_existence", "object_interaction", "object_shuffle", "moving_direction", "action_localization",
       "scene_transition", "action_count", "moving_count", "moving_attribute", "state_change",
       "fine_grained_pose", "character_order", "egocentric_navigation", "episodic_reasoning",
       "counterfactual_inference"]


def _g(i, ds, spans, video="v0.mp4", duration=10.0):
    return SampleRecord(id=f"{ds}/{i}", video=video, duration=duration, task="grounding", query=f"query {i}",
                        spans=spans, meta={"dataset": ds})


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    from videorl.synth import make_video

    root = tmp_path_factory.mktemp("videorl_data")
    old = os.environ.get("VIDEORL_DATA_DIR")
    os.environ["VIDEORL_DATA_DIR"] = str(root)
    for ds in ("charades_sta", "activitynet_captions", "nextgqa", "mvbench"):
        make_video(root / ds / "v0.mp4", duration=10.0, fps=4, size=(160, 120), events=[(2.0, 4.0)])
    write_jsonl(root / "charades_sta" / "test.jsonl", [
        _g(0, "charades_sta", [[2.0, 4.0]]), _g(1, "charades_sta", [[3.0, 5.0]]),
        _g(2, "charades_sta", [[6.0, 8.0]], video="missing.mp4")])
    write_jsonl(root / "activitynet_captions" / "val_1.jsonl", [
        _g(0, "activitynet_captions", [[1.0, 5.0]]), _g(1, "activitynet_captions", [[2.0, 3.0]])])
    gqa = dict(task="grounded_qa", video="v0.mp4", duration=10.0, options=["run", "sit", "jump"])
    write_jsonl(root / "nextgqa" / "test.jsonl", [
        SampleRecord(id="nextgqa/0", query="what happens", spans=[[2.0, 4.0]], answer="B", **gqa),
        SampleRecord(id="nextgqa/1", query="why", spans=[[3.0, 5.0]], answer="A", **gqa)])
    mcq = []
    for i, sub in enumerate(MVB):
        answers = ["A", "B"] if i == 0 else (["A"] if i % 2 else ["B"])
        for j, ans in enumerate(answers):
            mcq.append(SampleRecord(id=f"mvbench/{sub}/{j}", video="v0.mp4", duration=10.0, task="mcq",
                                    query="which?", options=["yes", "no"], answer=ans, meta={"subtask": sub}))
    write_jsonl(root / "mvbench" / "test.jsonl", mcq)
    yield root
    if old is None:
        os.environ.pop("VIDEORL_DATA_DIR", None)
    else:
        os.environ["VIDEORL_DATA_DIR"] = old


def _evaluate(model, model_args, tasks):
    from lmms_eval.evaluator import simple_evaluate
    from lmms_eval.tasks import TaskManager

    return simple_evaluate(model=model, model_args=model_args, tasks=tasks, log_samples=True,
                           task_manager=TaskManager(verbosity="WARNING"), verbosity="WARNING")


@pytest.fixture(scope="module")
def dummy_grounding(data_dir):
    return _evaluate("dummy", "response=2.0 - 4.0", ["temporal_grounding_charades", "temporal_grounding_activitynet_r1"])


def test_charades_dummy_metrics(dummy_grounding):
    r = dummy_grounding["results"]["temporal_grounding_charades"]
    # prediction [2, 4]; IoUs 1, 1/3 (inter 1 / union 3), 0 -> R1@0.3 2/3, R1@0.5 = R1@0.7 = 1/3, mIoU 4/9
    assert r["R1@0.3,none"] == pytest.approx(200 / 3)
    assert r["R1@0.5,none"] == pytest.approx(100 / 3) and r["R1@0.7,none"] == pytest.approx(100 / 3)
    assert r["mIoU,none"] == pytest.approx(400 / 9)
    assert r["parse_fail,none"] == 0
    assert dummy_grounding["n-samples"]["temporal_grounding_charades"]["effective"] == 3


def test_activitynet_r1_dummy_metrics(dummy_grounding):
    r = dummy_grounding["results"]["temporal_grounding_activitynet_r1"]
    # [2, 4] vs [1, 5]: 2/4 = 0.5; vs [2, 3]: 1/2 = 0.5 -> R1@0.5 100, R1@0.7 0, mIoU 50 (bare answer accepted)
    assert (r["R1@0.5,none"], r["R1@0.7,none"], r["mIoU,none"]) == pytest.approx((100, 0, 50))
    sample = dummy_grounding["samples"]["temporal_grounding_activitynet_r1"][0]
    assert "<think> </think>" in sample["arguments"][0]  # the r1 prompt (arguments[0] is the context)


def test_prompt_states_duration_and_format(dummy_grounding):
    from videorl.prompts import GROUNDING_FORMAT

    sample = dummy_grounding["samples"]["temporal_grounding_charades"][0]
    prompt = sample["arguments"][0]
    assert prompt.startswith("The video is 10.0 seconds long.") and prompt.endswith(GROUNDING_FORMAT)


def test_nextgqa_dummy_metrics(data_dir):
    r = _evaluate("dummy", "response=B; 2.0 - 4.0", ["nextgqa"])["results"]["nextgqa"]
    # q0: B correct, [2,4] vs [2,4]: IoU 1, IoP 1 -> GQA hit. q1: wrong (A), vs [3,5]: IoU 1/3, IoP 1/2.
    assert r["Acc@QA,none"] == pytest.approx(50) and r["Acc@GQA,none"] == pytest.approx(50)
    assert r["mIoU,none"] == pytest.approx((100 + 100 / 3) / 2) and r["mIoP,none"] == pytest.approx(75)
    assert r["IoU@0.3,none"] == pytest.approx(100) and r["IoU@0.5,none"] == pytest.approx(50)
    assert r["IoP@0.5,none"] == pytest.approx(100)  # 0.5 >= 0.5
    assert r["parse_fail,none"] == 0


def test_mvbench_group_and_subtasks(data_dir):
    res = _evaluate("dummy", "response=A", ["videorl_mvbench"])["results"]
    # action_sequence: A, B -> 50; subtasks 1..19: answer A on odd index (10 x 100), B on even (9 x 0)
    assert res["videorl_mvbench_action_sequence"]["accuracy,none"] == pytest.approx(50)
    assert res["videorl_mvbench_action_prediction"]["accuracy,none"] == 100
    assert res["videorl_mvbench_action_antonym"]["accuracy,none"] == 0
    # group = mean of the 20 subtask accuracies = (50 + 1000) / 20 = 52.5 (per question it would be 11/21)
    assert res["videorl_mvbench"]["accuracy,none"] == pytest.approx(52.5)


def test_missing_records_name_the_prepare_command(tmp_path, monkeypatch):
    from videorl.plugins.lmms_eval.docs import PreparedDataMissing, PreparedDocs

    monkeypatch.setenv("VIDEORL_DATA_DIR", str(tmp_path))
    with pytest.raises(PreparedDataMissing, match="videorl data prepare charades-sta --split test"):
        PreparedDocs("charades_sta", "test")(None)


def test_tiny_qwen_backend_and_missing_video(data_dir, tmp_path_factory):
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

    model = build_tiny_qwen2_5_vl(tmp_path_factory.mktemp("tiny") / "q25")
    out = _evaluate("videorl_qwen", f"pretrained={model},max_new_tokens=8", ["temporal_grounding_charades"])
    r = out["results"]["temporal_grounding_charades"]
    assert out["n-samples"]["temporal_grounding_charades"]["effective"] == 3  # the failed one stays counted
    assert set(k.split(",")[0] for k in r if k.endswith(",none")) >= {"R1@0.3", "R1@0.5", "R1@0.7", "mIoU", "parse_fail"}
    failed = [s for s in out["samples"]["temporal_grounding_charades"] if s["doc_id"] == 2]
    assert failed[0]["resps"] == [[""]] and failed[0]["parse_fail"] == 100


def test_oracle_through_the_lmms_eval_cli(tmp_path):
    """The entry-point route: stock `lmms-eval` with no --include_path finds our model and task."""
    env = {**os.environ, "VIDEORL_DATA_DIR": str(tmp_path / "data")}
    lmms = Path(sys.executable).with_name("lmms-eval")
    cmd = [str(lmms) if lmms.exists() else sys.executable, *([] if lmms.exists() else ["-m", "lmms_eval"]),
           "--model", "videorl_oracle", "--tasks", "videorl_synthetic_grounding,videorl_synthetic_grounding_r1",
           "--output_path", str(tmp_path / "out")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    results = list((tmp_path / "out").rglob("*_results.json"))
    assert results, proc.stdout[-3000:] + proc.stderr[-3000:]
    res = json.loads(results[0].read_text())["results"]
    for task in ("videorl_synthetic_grounding", "videorl_synthetic_grounding_r1"):
        assert res[task]["mIoU,none"] == 100 and res[task]["R1@0.7,none"] == 100
        assert res[task]["parse_fail,none"] == 0
    assert (tmp_path / "data" / "synthetic" / "test.jsonl").is_file()  # generated on first use
