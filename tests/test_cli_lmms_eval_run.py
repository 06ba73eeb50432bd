"""``videorl lmms-eval run`` as a user types it, and the missing-data path under plain ``lmms-eval``.

- ``run --model ...`` (no ``--``) reaches lmms-eval and the oracle scores 100 on the synthetic set;
- missing prepared data stops ``run`` before lmms-eval starts (exit 2) and plain ``lmms-eval`` at
  task building (exit 1, no retries, no traceback), both with the prepare command on the last line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from videorl.cli.lmms_eval import missing_data, task_data
from videorl.plugins.lmms_eval.docs import prepare_command

pytest.importorskip("lmms_eval")

CHARADES_CMD = prepare_command("charades_sta", "test")


def _videorl(*args: str, data: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VIDEORL_DATA_DIR": str(data)}
    return subprocess.run([sys.executable, "-m", "videorl", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_task_data_maps_tasks_groups_and_data_free_tasks():
    assert task_data("temporal_grounding_charades") == [("temporal_grounding_charades", "charades_sta", "test")]
    assert task_data("temporal_grounding_activitynet_r1")[0][1:] == ("activitynet_captions", "val_1")
    mv = task_data("videorl_mvbench")
    assert len(mv) == 20 and {d for _, d, _ in mv} == {"mvbench"}
    assert task_data("temporal_grounding_charades_hf") == []  # reads the hub, not prepared records
    assert task_data("videorl_synthetic_grounding") == []  # generated on first use
    assert task_data("not_a_videorl_task") == []


def test_run_without_prepared_data_stops_before_lmms_eval(tmp_path):
    r = _videorl("lmms-eval", "run", "--model", "videorl_oracle", "--tasks",
                 "temporal_grounding_charades,videorl_mvbench,temporal_grounding_charades_r1",
                 "--output_path", str(tmp_path / "out"), data=tmp_path / "data", timeout=60)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines[-1].strip() == prepare_command("mvbench", "test")
    assert sum(CHARADES_CMD in line for line in lines) == 1  # two charades tasks, one message
    assert "Traceback" not in r.stderr and not (tmp_path / "out").exists()
    assert missing_data(["videorl_synthetic_grounding"]) == []


def test_plain_lmms_eval_fails_fast_with_the_prepare_command_last(tmp_path):
    lmms = Path(sys.executable).with_name("lmms-eval")
    cmd = [str(lmms)] if lmms.exists() else [sys.executable, "-m", "lmms_eval"]
    env = {**os.environ, "VIDEORL_DATA_DIR": str(tmp_path / "data")}
    r = subprocess.run([*cmd, "--model", "videorl_oracle", "--tasks", "temporal_grounding_charades",
                        "--output_path", str(tmp_path / "out")], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1].strip() == CHARADES_CMD
    assert "Traceback" not in r.stderr and "RetryError" not in r.stderr


def test_run_passes_model_through_and_finds_results(tmp_path):
    out = tmp_path / "out"
    r = _videorl("lmms-eval", "run", "--model", "videorl_oracle", "--tasks", "videorl_synthetic_grounding",
                 "--output_path", str(out), data=tmp_path / "data")
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    results = list(out.rglob("*_results.json"))
    assert len(results) == 1 and str(results[0]) in r.stdout
    assert json.loads(results[0].read_text())["results"]["videorl_synthetic_grounding"]["mIoU,none"] == 100


def test_run_reports_a_failed_evaluation_last(tmp_path):
    r = _videorl("lmms-eval", "run", "--model", "videorl_oracle", "--tasks", "no_such_task_anywhere",
                 "--output_path", str(tmp_path / "out"), data=tmp_path / "data")
    assert r.returncode != 0
    assert r.stderr.strip().splitlines()[-1].startswith("videorl lmms-eval run: evaluation failed")
