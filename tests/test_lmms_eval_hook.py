"""Registration into stock lmms-eval 0.7.3: entry point, task hook, name resolution, precedence."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

pytest.importorskip("lmms_eval")

from videorl.cli.lmms_eval import task_names  # noqa: E402
from videorl.plugins.lmms_eval import hook  # noqa: E402
from videorl.plugins.lmms_eval.entry import BACKENDS, manifests  # noqa: E402
from videorl.tasks import tasks_dir  # noqa: E402

pytestmark = [pytest.mark.lmms_eval, pytest.mark.slow]


@pytest.fixture(scope="module")
def task_manager():
    import lmms_eval.models  # noqa: F401  (loads the entry points, as the CLI does)
    from lmms_eval.tasks import TaskManager

    return TaskManager(verbosity="WARNING")


def test_entry_point_is_declared_and_loads():
    eps = importlib.metadata.entry_points(group="lmms_eval.models")
    ours = [ep for ep in eps if ep.name == "videorl"]
    assert len(ours) == 1 and ours[0].value == "videorl.plugins.lmms_eval.entry:manifests"
    assert ours[0].load() is manifests


def test_models_resolve_through_the_registry(task_manager):
    from lmms_eval.models import MODEL_REGISTRY_V2

    for name, path in [*BACKENDS.items(), ("videorl_qwen3_vl", BACKENDS["videorl_qwen"])]:
        resolved = MODEL_REGISTRY_V2.resolve(name)
        assert (resolved.model_type, resolved.class_path) == ("simple", path)


def test_hook_installs_once():
    from lmms_eval.tasks import TaskManager

    manifests()
    first = TaskManager.initialize_tasks
    manifests()
    assert TaskManager.initialize_tasks is first and first._videorl_wrapped
    assert not getattr(first.__wrapped__, "_videorl_wrapped", False)  # wrapped exactly one level


@pytest.mark.parametrize("v, ok", [("0.7.3", True), ("0.7.3.post1", True), ("0.7.2", False), ("0.7.4", False),
                                   ("0.8.0", False), (None, False)])
def test_version_range(v, ok):
    assert hook.version_supported(v) is ok


def test_every_videorl_task_resolves_to_our_yaml(task_manager):
    names = task_names()
    # 4 tasks x (direct, r1) incl. synthetic; charades_hf x (direct, r1); mvbench 2 x (group + 20);
    # the *_official variants of charades, activitynet and nextgqa x (direct, r1); videorl_mvbench_r1_judged
    assert len(names) == 2 * 4 + 2 + 2 * 21 + 2 * 3 + 1
    for name, path in names.items():
        entry = task_manager.task_index[name]
        assert Path(entry["yaml_path"]) == path, name
    assert Path(task_manager.task_index["temporal_grounding_charades"]["yaml_path"]).is_relative_to(tasks_dir())


def test_only_the_charades_name_overrides_a_builtin(task_manager):
    builtin = task_manager.initialize_tasks.__wrapped__(task_manager)  # the unwrapped lmms-eval index
    assert "temporal_grounding_charades" in builtin  # the built-in we replace on purpose
    assert set(task_names()) & set(builtin) == {"temporal_grounding_charades"}


def test_user_include_path_wins_over_videorl(tmp_path):
    from lmms_eval.tasks import TaskManager

    mine = tmp_path / "mine.yaml"
    mine.write_text("task: temporal_grounding_charades\ndataset_path: json\ntest_split: train\n")
    tm = TaskManager(verbosity="WARNING", include_path=str(tmp_path))
    assert Path(tm.task_index["temporal_grounding_charades"]["yaml_path"]) == mine
    assert Path(tm.task_index["nextgqa"]["yaml_path"]).is_relative_to(tasks_dir())


def test_hook_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("VIDEORL_LMMS_EVAL_HOOK", "0")
    assert hook.install() is False
