"""``videorl_mtr`` through the real lmms-eval CLI on lmms-eval 0.7.3's own MLVU, Video-MME and
EgoSchema task definitions, with local fixture rows in those datasets' schemas (no network): each
fixture task ``include``s lmms-eval's YAML and only points ``dataset_path`` at a local JSON file;
the coded videos sit where the tasks' own ``doc_to_visual`` looks (``$HF_HOME/<cache_dir>/…``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("lmms_eval")
pytest.importorskip("av")

from videorl.plugins.lmms_eval.mtr import doc_problem  # noqa: E402

pytestmark = pytest.mark.lmms_eval

MLVU = [  # options in the question text, answer letter, task_type one of MLVU's seven
    {"video_name": "m1.mp4", "question": "How many balls appear?\n(A) one\n(B) two\n(C) three\n(D) four",
     "answer": "B", "task_type": "count", "duration": 12.0, "question_id": "count_0"},
    {"video_name": "m2.mp4", "question": "What is the order?\n(A) x y\n(B) y x\n(C) x x\n(D) y y",
     "answer": "D", "task_type": "order", "duration": 9.0, "question_id": "order_0"},
]
VIDEOMME = [
    {"video_id": "001", "videoID": "v1", "question_id": "001-1", "duration": "short", "domain": "Knowledge",
     "sub_category": "Humanity & History", "task_type": "Temporal Perception", "url": "https://example.invalid/v1",
     "question": "What happens first?", "options": ["A. a", "B. b", "C. c", "D. d"], "answer": "C"},
    {"video_id": "002", "videoID": "v2", "question_id": "002-1", "duration": "short", "domain": "Knowledge",
     "sub_category": "Humanity & History", "task_type": "Counting Problem", "url": "https://example.invalid/v2",
     "question": "How many?", "options": ["A. 1", "B. 2", "C. 3", "D. 4"], "answer": "A"},
]
EGOSCHEMA = [
    {"question_idx": "q1", "video_idx": "e1", "question": "What is C doing?",
     "option": ["A. cooking", "B. reading", "C. running", "D. cleaning", "E. sleeping"], "answer": 3},
    {"question_idx": "q2", "video_idx": "e2", "question": "Where is C?",
     "option": ["A. kitchen", "B. garden", "C. garage", "D. office", "E. street"], "answer": "0"},
]
TASKS = {"mlvu_dev": ("mlvu/mlvu_dev.yaml", MLVU), "videomme": ("videomme/videomme.yaml", VIDEOMME),
         "egoschema_subset": ("egoschema/egoschema_subset.yaml", EGOSCHEMA)}


def test_doc_problem_reads_each_schema():
    assert doc_problem(MLVU[0]) == ("How many balls appear?", ["one", "two", "three", "four"], "B")
    assert doc_problem(VIDEOMME[0]) == ("What happens first?", ["a", "b", "c", "d"], "C")
    assert doc_problem(EGOSCHEMA[0]) == ("What is C doing?", ["cooking", "reading", "running", "cleaning",
                                                              "sleeping"], "D")
    assert doc_problem(EGOSCHEMA[1])[2] == "A"
    assert doc_problem({**EGOSCHEMA[0], "answer": ""})[2] is None  # hidden test answer
    assert doc_problem({"question": "q", "candidates": ["red", "blue"], "answer": "blue"})[1:] == (["red", "blue"], "B")


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    """HF_HOME with coded videos where the tasks look, and an include folder of fixture tasks."""
    import lmms_eval

    from videorl.synth import make_video

    root = tmp_path_factory.mktemp("mtr_lmms")
    hf = root / "hf"
    videos = [hf / "mlvu" / r["video_name"] for r in MLVU] + \
        [hf / "videomme" / "data" / f"{r['videoID']}.mp4" for r in VIDEOMME] + \
        [hf / "egoschema" / "videos" / f"{r['video_idx']}.mp4" for r in EGOSCHEMA]
    for i, v in enumerate(videos):
        make_video(v, duration=9 + i, fps=2, size=(64, 48))
    tasks_root = Path(lmms_eval.__file__).parent / "tasks"
    inc = root / "tasks"
    inc.mkdir()
    for name, (yaml_rel, rows) in TASKS.items():
        data = root / f"{name}.jsonl"
        data.write_text("".join(json.dumps(r) + "\n" for r in rows))
        (inc / f"mtr_fixture_{name}.yaml").write_text(
            f"include: {tasks_root / yaml_rel}\ntask: mtr_fixture_{name}\ndataset_path: json\n"
            f"dataset_kwargs:\n  data_files:\n    test: {data}\n")
    return root


def _lmms_eval(fixtures: Path, model_args: str, out: Path, tasks: tuple[str, ...] = tuple(TASKS)) -> dict:
    env = {**os.environ, "HF_HOME": str(fixtures / "hf"), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    tasks = ",".join(f"mtr_fixture_{t}" for t in tasks)
    r = subprocess.run([sys.executable, "-m", "lmms_eval", "--model", "videorl_mtr", "--model_args", model_args,
                        "--tasks", tasks, "--include_path", str(fixtures / "tasks"), "--output_path", str(out)],
                       env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    (res,) = list(out.rglob("*_results.json"))
    return {"results": json.loads(res.read_text())["results"], "log": r.stdout + r.stderr}


@pytest.mark.slow
def test_oracle_episodes_through_the_lmms_eval_cli(fixtures, tmp_path):
    got = _lmms_eval(fixtures, f"policy=oracle,episodes_dir={tmp_path / 'ep'}", tmp_path / "out")
    res = got["results"]
    # MLVU averages over its seven task types: count 100, order 100, five absent types 0 -> 200 / 7
    assert res["mtr_fixture_mlvu_dev"]["mlvu_percetion_score,none"] == pytest.approx(200 / 7)
    assert res["mtr_fixture_videomme"]["videomme_perception_score,none"] == pytest.approx(100.0)
    assert res["mtr_fixture_egoschema_subset"]["score,none"] == pytest.approx(1.0)
    for t in TASKS:  # the env's own metrics: every episode retrieves once, then answers correctly
        s = json.loads((tmp_path / "ep" / f"mtr_fixture_{t}.summary.json").read_text())
        assert s["success_rate"] == 100.0 and s["accuracy"] == 100.0 and s["mean_turns"] == 2.0
        assert s["count"] == 2.0 and s["MRA"] is None and s["failed"] == 0.0  # no numerical questions
    assert "videorl_mtr mtr_fixture_videomme: 2 episodes (2 with a known answer, 0 failed): env accuracy " \
           "100.0, success rate 100.0" in got["log"]
    rows = [json.loads(x) for x in (tmp_path / "ep" / "mtr_fixture_videomme.jsonl").read_text().splitlines()]
    assert rows[0]["prediction"].endswith("<answer>C</answer>") and rows[0]["mtr"]["turns"][0]["shown"] == [0]


@pytest.mark.slow
def test_tiny_qwen_episodes_through_the_lmms_eval_cli(fixtures, tmp_path):
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

    model = build_tiny_qwen2_5_vl(tmp_path / "tiny")
    got = _lmms_eval(fixtures, f"pretrained={model},init_frames=2,max_new_tokens=8,episodes_dir={tmp_path / 'ep'}",
                     tmp_path / "out", tasks=("videomme",))
    # random weights: random text, every turn invalid, so no answer, no success, three turns each
    s = json.loads((tmp_path / "ep" / "mtr_fixture_videomme.summary.json").read_text())
    assert s["count"] == 2.0 and s["failed"] == 0.0 and s["success_rate"] == 0.0 and s["mean_turns"] == 3.0
    assert got["results"]["mtr_fixture_videomme"]["videomme_perception_score,none"] == 0.0
