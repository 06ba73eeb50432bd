"""Conformance of every shipped task YAML, loaded with lmms-eval's own YAML loader."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("lmms_eval")

from videorl.plugins.lmms_eval.docs import PreparedDocs  # noqa: E402
from videorl.plugins.lmms_eval.hub import HubCharadesDocs  # noqa: E402
from videorl.plugins.lmms_eval.synthetic import SyntheticDocs  # noqa: E402
from videorl.scoring import metrics_for  # noqa: E402
from videorl.tasks import tasks_dir  # noqa: E402

pytestmark = pytest.mark.lmms_eval

YAMLS = sorted(tasks_dir().rglob("*.yaml"))
KIND = {"charades_sta": "grounding", "activitynet": "grounding", "synthetic": "grounding",
        "nextgqa": "grounded_qa", "mvbench": "mcq", "judged": "mcq"}
JUDGED = ("tac", "tac_strict", "vas")  # judge metrics of the judged/ tasks, aggregated by the judge


def _load(path: Path) -> dict:
    from lmms_eval.utils import load_yaml_config

    return load_yaml_config(str(path), mode="full")


@pytest.mark.parametrize("path", YAMLS, ids=lambda p: p.stem)
def test_yaml_conforms(path):
    cfg = _load(path)
    if isinstance(cfg.get("task"), list):  # a group: mean of its subtasks, same metrics
        assert cfg["group"] == path.stem and len(cfg["task"]) == 20
        assert [m["metric"] for m in cfg["aggregate_metric_list"]] == list(metrics_for("mcq"))
        assert all(m["aggregation"] == "mean" and m["weight_by_size"] is False for m in cfg["aggregate_metric_list"])
        return
    assert cfg["task"] == path.stem
    if "_hf" in path.stem:  # the hub route: lmms-eval's built-in source and video download, our docs
        assert cfg["dataset_path"] == "lmms-eval/charades_sta" and cfg["test_split"] == "test"
        assert cfg["dataset_kwargs"] == {"token": True, "cache_dir": "charades_sta", "video": True}
        assert isinstance(cfg["process_docs"], HubCharadesDocs)
    else:
        assert cfg["dataset_path"] == "json" and Path(cfg["dataset_kwargs"]["data_files"]).is_file()
        assert isinstance(cfg["process_docs"], (PreparedDocs, SyntheticDocs))
    kind = KIND[path.parent.name]
    metrics = cfg["metric_list"]
    judged = JUDGED if path.parent.name == "judged" else ()
    assert [m["metric"] for m in metrics] == list(metrics_for(kind)) + list(judged)
    for m in metrics:
        if m["metric"] in judged:
            assert callable(m["aggregation"]) and m["higher_is_better"] is True
            continue
        assert m["aggregation"] == "mean"
        assert m["higher_is_better"] is (m["metric"] != "parse_fail")
    style = cfg["lmms_eval_specific_kwargs"]["default"]["style"]
    assert style == ("r1" if "_r1" in path.stem else "direct")
    assert cfg["generation_kwargs"]["do_sample"] is False
    assert cfg["metadata"]["version"] == 1.0


def test_every_direct_task_has_an_r1_variant():
    names = {p.stem for p in YAMLS}
    direct = {n for n in names if "_r1" not in n and not n.endswith("_judged")}
    assert {n.replace("videorl_mvbench", "videorl_mvbench_r1", 1) if n.startswith("videorl_mvbench")
            else n + "_r1" for n in direct} <= names


def test_mvbench_subtasks_match_the_group_and_filter_their_records():
    cfg = _load(tasks_dir() / "mvbench" / "videorl_mvbench.yaml")
    subs = [n.removeprefix("videorl_mvbench_") for n in cfg["task"]]
    for sub in subs:
        docs = _load(tasks_dir() / "mvbench" / f"videorl_mvbench_{sub}.yaml")["process_docs"]
        assert (docs.dataset, docs.split, docs.subtask) == ("mvbench", "test", sub)


def test_task_utils_do_no_work_at_import(monkeypatch, tmp_path):
    """Loading every YAML (which imports each utils.py) must not touch the data folder."""
    monkeypatch.setenv("VIDEORL_DATA_DIR", str(tmp_path / "nothing"))
    for path in YAMLS:
        _load(path)
    assert not (tmp_path / "nothing").exists()
