"""The derived think tasks keep the original's metrics, filters, data and visuals (loaded with lmms-eval's
own YAML loader), change only the post-prompt and the answer extraction, and resolve as lmms-eval tasks."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("lmms_eval")

from videorl.prompts import R1_INSTRUCTION, suite_post_prompt  # noqa: E402
from videorl.scoring.numeric import first_number, mean_relative_accuracy  # noqa: E402
from videorl.tasks import suite  # noqa: E402

pytestmark = pytest.mark.lmms_eval


@pytest.fixture(scope="module")
def derived(tmp_path_factory):
    import os

    root = tmp_path_factory.mktemp("derived")
    old = {k: os.environ.get(k) for k in ("VIDEORL_DATA_DIR", "HF_HOME", "VIDEORL_SUITE_JUDGE")}
    os.environ.update(VIDEORL_DATA_DIR=str(root / "videorl"), HF_HOME=str(root / "hf"), VIDEORL_SUITE_JUDGE="0")
    try:
        yield suite.derived_dir()
    finally:
        for k, v in old.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


def _full(path):
    from lmms_eval.utils import load_yaml_config

    return load_yaml_config(str(path), mode="full")


def _same_fn(a, b) -> bool:
    return (getattr(a, "__qualname__", a) == getattr(b, "__qualname__", b)
            and getattr(getattr(a, "__code__", None), "co_filename", None)
            == getattr(getattr(b, "__code__", None), "co_filename", None))


def test_every_benchmark_is_derived_and_the_suites_list_them(derived):
    names = {p.stem for p in derived.rglob("*.yaml")}
    for bench in suite.BENCHES.values():
        assert suite.derived_name(bench.task) in names, bench.task
    r2 = suite.read_yaml(derived / "videorl_video_r2_suite.yaml")
    assert r2["task"] == ["mvbench_r1", "videomme_r1", "tempcompass_r1", "mlvu_dev_r1", "longvideobench_val_v_r1",
                          "videomathqa_mcq_r1", "video_mmmu_r1", "mmvu_val_r1", "vsibench_r1", "minerva_r1",
                          "scivideobench_r1"]
    assert suite.read_yaml(derived / "videorl_video_mtr_suite.yaml")["task"] == [
        "mlvu_dev_r1", "videomme_r1", "egoschema_subset_r1"]
    assert len(list((derived / "mvbench").glob("*.yaml"))) == 21  # the group and its 20 subtasks


def test_derived_tasks_keep_metrics_filters_data_and_visuals(derived, monkeypatch):
    leaves = [p for p in derived.rglob("*.yaml") if not isinstance(suite.read_yaml(p).get("task"), list)]
    assert len(leaves) >= 30
    # the 20 MVBench subtasks share one template: check two of them fully (each full load runs utils.py)
    mvb = sorted(p for p in leaves if p.parent.name == "mvbench")
    for path in [p for p in leaves if p.parent.name != "mvbench"] + mvb[:2]:
        ours = _full(path)
        original = _full(_include(path))
        n = len(original["metric_list"])
        assert [m["metric"] for m in ours["metric_list"][:n]] == [m["metric"] for m in original["metric_list"]]
        for a, b in zip(ours["metric_list"][:n], original["metric_list"], strict=True):
            assert a.get("higher_is_better") == b.get("higher_is_better")
            assert _same_fn(a.get("aggregation"), b.get("aggregation")), (path.name, a, b)
        extra = [m["metric"] for m in ours["metric_list"][n:]]
        assert extra == (["mra"] if "vsibench" in path.name else []), path.name
        assert ours.get("filter_list") == original.get("filter_list")
        for key in ("dataset_path", "dataset_name", "test_split", "output_type", "process_docs"):
            assert ours.get(key) == original.get(key) or _same_fn(ours.get(key), original.get(key)), (path.name, key)
        assert _same_fn(ours["doc_to_visual"], original["doc_to_visual"])
        assert _same_fn(ours["process_results"].__wrapped__, original["process_results"])
        assert _same_fn(ours["doc_to_text"].__wrapped__, original["doc_to_text"])
        assert ours["generation_kwargs"]["max_new_tokens"] >= 1024 and "\n\n" not in ours["generation_kwargs"]["until"]
        assert ours["tag"] == []  # never joins the original's tags (e.g. video_qa)


def _include(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("include:"))


def test_post_prompts_are_replaced_in_every_model_entry():
    kw = {"default": {"pre_prompt": "", "post_prompt": "\nAnswer directly."},
          "qwen3_vl": {"format": "qwen3_vl", "post_prompt": "Letter only."}, "other": {"x": 1}}
    out = suite.replace_post_prompts(kw, {"post_prompt": "mcq"})
    assert out["default"]["post_prompt"] == "\n" + suite_post_prompt("mcq")
    assert out["qwen3_vl"] == {"format": "qwen3_vl", "post_prompt": suite_post_prompt("mcq")}
    assert out["other"] == {"x": 1} and kw["default"]["post_prompt"] == "\nAnswer directly."  # input untouched
    nested = suite.replace_post_prompts({"default": {"post_prompt": {"yes_no": "\nyes or no:", "captioning": ""}}},
                                        {"post_prompt.yes_no": "yes_no", "post_prompt.captioning": "caption"})
    assert nested["default"]["post_prompt"] == {"yes_no": "\n" + suite_post_prompt("yes_no"),
                                                "captioning": "\n" + suite_post_prompt("caption")}
    assert suite_post_prompt("mcq").endswith(R1_INSTRUCTION)


def test_answer_extraction_then_the_tasks_own_parser():
    from videorl.tasks.suite import hooks

    pr = hooks.r1__mvbench__lmms_eval__tasks__mvbench__utils__mvbench_process_results
    doc = {"candidates": ["red", "green", "blue"], "answer": "green"}
    score = lambda text: pr(dict(doc), [text])["mvbench_accuracy"]["score"]  # noqa: E731
    assert score("<think>It is A or B... the answer is B.</think>\n<answer>B</answer>") == 1
    assert score("<think>B</think><answer>A</answer><answer>B</answer>") == 0  # the first block counts
    assert score("B") == 1  # no tag: the whole text
    assert score("<think>B is wrong</think><answer>C</answer>") == 0


def test_text_wrapper_trims_a_fixed_instruction_and_appends_ours():
    from videorl.tasks.suite import hooks

    text = hooks.text__egoschema_subset__lmms_eval__tasks__egoschema__utils__egoschema_doc_to_text
    doc = {"question": "what is c doing?", "option": ["A. a", "B. b", "C. c", "D. d", "E. e"]}
    out = text(doc, {"pre_prompt": "", "post_prompt": "ignored by the original"})
    assert out.endswith("\n" + suite_post_prompt("mcq")) and "directly" not in out and "E. e" in out


@pytest.mark.parametrize("pred, gt, want", [(3.0, 3.0, 1.0), (2.0, 4.0, 0.0), (3.5, 4.0, 0.8), (None, 2.0, 0.0),
                                            (0.0, 0.0, 1.0), (1.0, 0.0, 0.0)])
def test_mean_relative_accuracy_by_hand(pred, gt, want):
    # |3.5 - 4| / 4 = 0.125 < 1 - θ holds for θ = 0.50 .. 0.85 (1 - 0.85 = 0.15) and fails from 0.90
    # (0.10): 8 of 10 thresholds -> 0.8. |2 - 4| / 4 = 0.5 is never < 1 - θ <= 0.5 -> 0.
    assert mean_relative_accuracy(pred, gt) == pytest.approx(want)


def test_first_number():
    assert first_number("about 1,200.5 m") == 1200.5 and first_number("-3 rooms") == -3 and first_number("no") is None


def test_doctor_lists_present_and_missing_suite_data(tmp_path, monkeypatch):
    from videorl.doctor import check_suite_data

    hf = tmp_path / "hf"
    monkeypatch.setenv("HF_HOME", str(hf))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv(suite.ENV_DATA, raising=False)
    (hf / "hub" / "datasets--lmms-eval--Video-MME").mkdir(parents=True)  # annotations cached
    (hf / "videomme" / "data").mkdir(parents=True)  # videos unpacked
    (hf / "videomme" / "data" / "a.mp4").write_bytes(b"x" * 1000)
    checks = {c.name: c for c in check_suite_data()}
    assert len(checks) == 12  # Video-R2's 11 and EgoSchema (MLVU and VideoMME are shared)
    assert checks["suite data videomme_r1"].status == "ok"
    mv = checks["suite data mvbench_r1"]
    assert mv.status == "info" and "OpenGVLab/MVBench" in mv.detail and str(hf / "mvbench_video") in mv.detail
    assert "MINERVA_VIDEO_DIR" in checks["suite data minerva_r1"].detail


def test_include_path_route_prints_the_folder(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "VIDEORL_DATA_DIR": str(tmp_path), "VIDEORL_SUITE_JUDGE": "0"}
    out = subprocess.run([sys.executable, "-m", "videorl.tasks.suite"], env=env, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert Path(out).is_relative_to(tmp_path) and (Path(out) / "videorl_video_r2_suite.yaml").is_file()


def _judge_reply(messages):
    import re

    system, user = messages[0]["content"], messages[-1]["content"]
    if "deterministic parser" in system:
        return re.findall(r"\[([A-C])\]", user.split("Text to parse", 1)[1])[-1]
    if "strict extractor" in system:
        return re.findall(r"\[([A-C])\]", user.split("Reasoning:", 1)[1])[-1]
    return '{"score": 6, "rationale": "r"}' if "[v6]" in user else '{"score": 2}'


def test_judged_metrics_only_with_a_judge_and_scored_through_it(tmp_path, monkeypatch):
    """TAC / TAC strict / VAS join every _r1 task's metrics when a judge is configured, and are computed
    by the judge layer from the task's own documents (MVBench schema); off without a judge."""
    pytest.importorskip("openai")
    from lmms_eval.utils import load_yaml_config

    from videorl.testing.judge_server import JudgeServer

    monkeypatch.setenv("VIDEORL_DATA_DIR", str(tmp_path / "v"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    for name in ("VIDEORL_JUDGE_BASE_URL", "OPENAI_API_URL", "OPENAI_API_BASE", "OPENAI_BASE_URL", "VIDEORL_JUDGE_MODEL",
                 "OPENAI_API_MODEL", "SERVED_MODEL", "MODEL_VERSION", suite.ENV_JUDGE):
        monkeypatch.delenv(name, raising=False)
    off = suite.derived_dir() / "mvbench" / "mvbench_action_count_r1.yaml"
    assert [m["metric"] for m in load_yaml_config(str(off), mode="full")["metric_list"]] == ["mvbench_accuracy"]
    with JudgeServer(default=_judge_reply) as srv:
        monkeypatch.setenv("VIDEORL_JUDGE_BASE_URL", srv.base_url)
        monkeypatch.setenv("VIDEORL_JUDGE_MODEL", "judge")
        on = suite.derived_dir() / "mvbench" / "mvbench_action_count_r1.yaml"
        cfg = load_yaml_config(str(on), mode="full")
        assert [m["metric"] for m in cfg["metric_list"]] == ["mvbench_accuracy", "tac", "tac_strict", "vas"]
        doc = {"video": "v.mp4", "question": "which?", "candidates": ["x", "y", "z"], "answer": "x"}  # GT A
        # (think letter, answer letter, VAS marker): both right; both wrong, same; both wrong, different; mixed
        cases = [("A", "A", "[v6]"), ("B", "B", "[v2]"), ("B", "C", "[v6]"), ("A", "B", "[v2]")]
        per = [cfg["process_results"](dict(doc), [f"<think>{v} so [{t}]</think><answer>[{a}]</answer>"])
               for t, a, v in cases]
        aggs = {m["metric"]: m["aggregation"] for m in cfg["metric_list"]}
        # TAC = (both right #1 + both wrong #2, #3) / 4 = 75; strict (same letter #1, #2) = 50; VAS (6+2+6+2)/4
        assert aggs["tac"]([p["tac"] for p in per]) == 75.0
        assert aggs["tac_strict"]([p["tac_strict"] for p in per]) == 50.0
        assert aggs["vas"]([p["vas"] for p in per]) == 4.0
        # the task's own accuracy still comes from its own parser on the <answer> block ("[A]" -> A)
        assert [p["mvbench_accuracy"]["score"] for p in per] == [1, 0, 0, 0]
    monkeypatch.setenv(suite.ENV_JUDGE, "0")
    assert suite.judge_enabled() is False


@pytest.mark.slow
def test_suites_resolve_in_lmms_evals_task_index(tmp_path, monkeypatch):
    """Through the entry-point hook (as the CLI does): both suites and every derived task are indexed, and
    no derived name shadows a built-in."""
    monkeypatch.setenv("VIDEORL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(suite.ENV_JUDGE, "0")
    import lmms_eval.models  # noqa: F401  (loads the entry points, which install the hook)
    from lmms_eval.tasks import TaskManager

    tm = TaskManager(verbosity="WARNING")
    builtin = tm.initialize_tasks.__wrapped__(tm)
    folder = suite.derived_dir(builtin)
    names = {suite.read_yaml(p).get("group") or suite.read_yaml(p)["task"] for p in folder.rglob("*.yaml")}
    assert names <= set(tm.task_index) and not names & set(builtin)
    for name in suite.SUITES:
        entry = tm.task_index[name]
        assert entry["type"] == "group" and Path(entry["yaml_path"]).is_relative_to(folder)
        for task in suite.read_yaml(Path(entry["yaml_path"]))["task"]:
            assert task in tm.task_index, task
