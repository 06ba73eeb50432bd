"""Host adapters, each loaded and called the way its host does: EasyR1 (file loaded by path as
``custom_reward_fn``), verl (``pkg://`` module and file path, keyword call), TRL (GRPOTrainer's own
``_calculate_rewards``)."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from videorl.record import SampleRecord
from videorl.target import TargetError, dumps_target

RECORDS = [
    SampleRecord(id="g0", video="a.mp4", duration=30.0, task="grounding", query="a man opens a door",
                 spans=[[3.0, 9.0]]),
    SampleRecord(id="m0", video="b.mp4", duration=20.0, task="mcq", query="what colour?",
                 options=["red", "blue", "green"], answer="B"),
    SampleRecord(id="q0", video="c.mp4", duration=10.0, task="grounded_qa", query="why?",
                 spans=[[1.2, 5.8]], options=["yes", "no"], answer="A"),
    # a clipped record: the target is on the clip's clock (clip [10, 40] -> span [3, 9], duration 30)
    SampleRecord(id="c0", video="d.mp4", duration=60.0, task="grounding", query="x", spans=[[13.0, 19.0]],
                 clip=[10.0, 40.0]),
]
RESPONSES = ["<think>t</think><answer>6 - 12</answer>", "<think>t</think><answer>B</answer>",
             "<think>t</think><answer>A; 2 - 8</answer>", "<answer>3 - 9</answer>"]
# default: grounding 0.9 * 1/3 + 0.1; mcq 1.0; gqa 0.9 * (0.5 + 0.5 * 3.8/6.8) + 0.1; clip 0.9 * 1 + 0 (no think)
EXPECTED = [0.4, 1.0, 0.9 * (0.5 + 0.5 * 3.8 / 6.8) + 0.1, 0.9]

LOADER = textwrap.dedent("""
    import importlib.util, json, sys
    from functools import partial
    path, func, kwargs, inputs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.stdin.read())
    # EasyR1 verl/workers/reward/function.py: load by file path under the module name custom_reward_fn
    spec = importlib.util.spec_from_file_location("custom_reward_fn", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["custom_reward_fn"] = module
    spec.loader.exec_module(module)
    fn = partial(getattr(module, func), **kwargs)
    assert getattr(module, "REWARD_TYPE", "batch") == "batch"
    import numpy as np
    for item in inputs:  # EasyR1 object columns arrive as numpy values
        if item.pop("as_numpy", False):
            item["ground_truth"] = np.array([item["ground_truth"]], dtype=object)
    try:
        print(json.dumps({"name": module.REWARD_NAME, "out": fn(inputs)}))
    except Exception as e:
        print(json.dumps({"error": type(e).__name__, "msg": str(e)}))
""")


def _easyr1(tmp_path, inputs, **kwargs):
    from videorl.plugins.easyr1 import reward_path

    path, func = reward_path(with_function=True).rsplit(":", 1)
    out = subprocess.run([sys.executable, "-c", LOADER, path, func, json.dumps(kwargs)], input=json.dumps(inputs),
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _inputs(as_numpy=False):
    return [{"response": r, "response_length": len(r), "ground_truth": dumps_target(rec), "as_numpy": as_numpy}
            for r, rec in zip(RESPONSES, RECORDS, strict=True)]


def test_easyr1_loaded_by_path_mixed_tasks(tmp_path):
    got = _easyr1(tmp_path, _inputs())
    assert got["name"] == "videorl"
    rows = got["out"]
    assert [r["overall"] for r in rows] == pytest.approx(EXPECTED)
    keys = set(rows[0])
    assert all(set(r) == keys for r in rows)  # same keys for every sample
    assert {"overall", "iou", "format", "accuracy", "iop", "acc_gqa"} <= keys
    assert rows[1]["iou"] == 0.0  # MCQ sample: iou does not apply -> 0.0
    assert all(isinstance(v, float) for r in rows for v in r.values())


def test_easyr1_numpy_ground_truth_presets_and_weights(tmp_path):
    got = _easyr1(tmp_path, _inputs(as_numpy=True)[:1], preset="temporal_r1", faithful=True)
    assert got["out"][0] == {"overall": 0.0, "iou": 0.0, "format": 0.0}  # no JSON answer in faithful mode
    got = _easyr1(tmp_path, _inputs()[:1], weights={"iou": 0.5, "format": {"weight": 0.5, "mode": "strict"}})
    assert got["out"][0]["overall"] == pytest.approx(0.5 / 3 + 0.5)
    gt = [dict(i, ground_truth=dumps_target(RECORDS[0])) for i in _inputs()[:3]]
    got = _easyr1(tmp_path, gt, preset="qwen3_vl_grpo_vtg", zscore=True)
    rows = got["out"]
    assert sum(r["overall"] for r in rows) == pytest.approx(0.0, abs=1e-6)  # z-scored batch has mean 0
    assert "raw" in rows[0]


def test_easyr1_malformed_target_raises_once_with_id(tmp_path):
    bad = _inputs()[:2]
    bad[1]["ground_truth"] = json.dumps({"id": "m0", "task": "mcq", "duration": 20, "options": ["a"],
                                         "answer": "Z"})
    got = _easyr1(tmp_path, bad)
    assert got["error"] == "TargetError"
    assert "batch index 1" in got["msg"] and "'m0'" in got["msg"]
    got = _easyr1(tmp_path, _inputs()[:1], preset="no_such")
    assert got["error"] == "UnknownRewardError"


def test_easyr1_reads_the_exporters_answer_column(tmp_path):
    pytest.importorskip("pyarrow")
    from videorl.data.export_easyr1 import export_easyr1
    from videorl.io import write_jsonl

    recs = tmp_path / "recs.jsonl"
    write_jsonl(recs, [r.to_dict() for r in RECORDS[:3]])
    export_easyr1(recs, tmp_path / "out", name="train")
    import pyarrow.parquet as pq

    answers = pq.read_table(tmp_path / "out" / "train.parquet").column("answer").to_pylist()
    inputs = [{"response": r, "response_length": 1, "ground_truth": a} for r, a in zip(RESPONSES, answers,
                                                                                       strict=False)]
    rows = _easyr1(tmp_path, inputs)["out"]
    assert [r["overall"] for r in rows] == pytest.approx(EXPECTED[:3])


def test_verl_pkg_and_path_forms():
    import importlib
    import importlib.util

    mod = importlib.import_module("videorl.plugins.verl")  # pkg://videorl.plugins.verl
    spec = importlib.util.spec_from_file_location("custom_module", mod.__file__)  # path form
    by_path = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(by_path)
    for fn in (mod.compute_score, by_path.compute_score):
        out = fn(data_source="charades_sta", solution_str=RESPONSES[0], ground_truth=dumps_target(RECORDS[0]),
                 extra_info={"index": 0}, preset="default_grounding")
        assert out["score"] == pytest.approx(0.4) and out["iou"] == pytest.approx(1 / 3)
        out = fn(data_source="x", solution_str=RESPONSES[1], ground_truth="unused",
                 extra_info={"target": json.loads(dumps_target(RECORDS[1]))}, reward_router_address=None)
        assert out["score"] == 1.0
    with pytest.raises(TargetError):
        mod.compute_score(data_source="x", solution_str="a", ground_truth="not json")


@pytest.mark.slow  # imports trl and torch (about 7 s)
def test_trl_real_calculate_rewards():
    trl = pytest.importorskip("trl")
    from types import SimpleNamespace

    from trl.trainer.grpo_trainer import GRPOTrainer

    from videorl.plugins.trl import VideoRLReward

    funcs = [VideoRLReward(), VideoRLReward("default", component="format"),
             pickle.loads(pickle.dumps(VideoRLReward("temporal_r1_dual")))]
    assert [f.__name__ for f in funcs] == ["videorl_default", "videorl_default_format", "videorl_temporal_r1_dual"]
    metrics = {}
    fake = SimpleNamespace(
        accelerator=SimpleNamespace(device="cpu", is_main_process=True), reward_funcs=funcs,
        reward_processing_classes=[None] * 3, reward_func_names=[f.__name__ for f in funcs],
        state=SimpleNamespace(global_step=0), args=SimpleNamespace(report_to=[]),
        _log_completion_extra=lambda *a, **k: None, _log_metric=lambda n, v: metrics.setdefault(n, v),
        environments=None)
    # conversational completions; the target column travels as a dataset column
    inputs = [{"prompt": [{"role": "user", "content": "q"}], "target": dumps_target(rec), "id": rec.id}
              for rec in RECORDS]
    completions = [[{"role": "assistant", "content": r}] for r in RESPONSES[:3]]
    completions.append([{"role": "assistant", "content": [{"type": "text", "text": RESPONSES[3]}]}])
    rewards = GRPOTrainer._calculate_rewards(fake, inputs, [i["prompt"] for i in inputs], completions,
                                             [[1]] * 4)
    assert rewards.shape == (4, 3)
    assert rewards[:, 0].tolist() == pytest.approx(EXPECTED, abs=1e-6)
    assert rewards[:, 1].tolist() == [1.0, 1.0, 1.0, 0.0]
    # dual: 0.5 * answer + 0.5 * strict format; gqa answer = mean(accuracy 1, tIoU 3.8/6.8); last has no think
    dual = [0.5 / 3 + 0.5, 1.0, 0.5 * (1 + 3.8 / 6.8) / 2 + 0.5, 0.5]
    assert rewards[:, 2].tolist() == pytest.approx(dual, abs=1e-6)
    assert trl.__version__
    assert metrics["videorl/format"] == pytest.approx(0.75)
    with pytest.raises(KeyError, match="target"):
        VideoRLReward()(prompts=["q"], completions=["a"], other=["x"])


def test_trl_rejects_grounding_only_reward_on_mcq_clearly():
    from videorl.plugins.trl import VideoRLReward
    from videorl.rewards import UnsupportedTaskError

    with pytest.raises(UnsupportedTaskError, match="m0"):
        VideoRLReward("default_grounding")(prompts=["q"], completions=["B"], target=[dumps_target(RECORDS[1])])


def test_reward_file_is_inside_the_package():
    from videorl.plugins.easyr1 import REWARD_FILE

    assert REWARD_FILE.name == "reward.py" and REWARD_FILE.parent.name == "easyr1"
    assert "from ." not in Path(REWARD_FILE).read_text()  # absolute imports only
