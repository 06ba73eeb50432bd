"""The ``*_official`` lmms-eval task variants through the real lmms-eval 0.7.3 (dummy model).

One record has a ground truth that ends past the duration (kept in ``raw_spans``, as ``data
prepare`` writes it); the fixed answer ``2.0 - 12.0`` also ends past it. Worked by hand below.
"""

from __future__ import annotations

import pytest

pytest.importorskip("lmms_eval")

from videorl.io import write_jsonl  # noqa: E402
from videorl.record import SampleRecord  # noqa: E402

pytestmark = [pytest.mark.lmms_eval]


def test_charades_official_variant(tmp_path, monkeypatch):
    from lmms_eval.evaluator import simple_evaluate
    from lmms_eval.tasks import TaskManager

    monkeypatch.setenv("VIDEORL_DATA_DIR", str(tmp_path))
    g = dict(video="v0.mp4", duration=10.0, task="grounding", meta={"dataset": "charades_sta"})
    write_jsonl(tmp_path / "charades_sta" / "test.jsonl", [
        SampleRecord(id="c/0", query="q0", spans=[[3.0, 10.0]], raw_spans=[[3.0, 11.0]], **g),
        SampleRecord(id="c/1", query="q1", spans=[[2.0, 4.0]], **g)])
    out = simple_evaluate(model="dummy", model_args="response=2.0 - 12.0", log_samples=False,
                          tasks=["temporal_grounding_charades", "temporal_grounding_charades_official"],
                          task_manager=TaskManager(verbosity="WARNING"), verbosity="WARNING")["results"]
    # official (eval_tvg): [2, 12] vs the file's [3, 11]: 8 / 10 = 0.8; vs [2, 4]: 2 / 10 = 0.2
    off = out["temporal_grounding_charades_official"]
    assert off["mIoU,none"] == pytest.approx(50.0, abs=1e-9)
    assert (off["R1@0.3,none"], off["R1@0.5,none"], off["R1@0.7,none"]) == pytest.approx((50, 50, 50))
    # ours: the prediction is clamped to [2, 10]; vs [3, 10]: 7 / 8; vs [2, 4]: 2 / 8
    ours = out["temporal_grounding_charades"]
    assert ours["mIoU,none"] == pytest.approx((87.5 + 25) / 2, abs=1e-9)
