"""lmms-eval runs ``videorl_qwen`` with ``batch_size=8``: the same greedy answers as batch 1.

The synthetic grounding set has six requests over three coded videos of 8, 6 and 10 s (one clipped
to 6 s), so a batch mixes prompts of different lengths (left padding) and shares decodes.
"""

from __future__ import annotations

import pytest

pytest.importorskip("lmms_eval")
pytest.importorskip("av")

pytestmark = [pytest.mark.lmms_eval, pytest.mark.slow]


def test_batch_size_8_equals_batch_size_1(tmp_path, monkeypatch):
    from lmms_eval.evaluator import simple_evaluate
    from lmms_eval.tasks import TaskManager

    from videorl.predict import run
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

    monkeypatch.setenv("VIDEORL_DATA_DIR", str(tmp_path / "data"))
    model = build_tiny_qwen2_5_vl(tmp_path / "q25")
    timings = []
    real = run.generate_jobs

    def spy(*args, **kwargs):
        results, t = real(*args, **kwargs)
        timings.append(t)
        return results, t

    monkeypatch.setattr(run, "generate_jobs", spy)
    resps = {}
    for bs in (1, 8):
        out = simple_evaluate(model="videorl_qwen", model_args=f"pretrained={model},max_new_tokens=8,max_pixels=12544",
                              tasks=["videorl_synthetic_grounding"], batch_size=bs, log_samples=True,
                              task_manager=TaskManager(verbosity="WARNING"), verbosity="WARNING")
        samples = out["samples"]["videorl_synthetic_grounding"]
        resps[bs] = {s["doc_id"]: s["resps"] for s in samples}
        assert out["n-samples"]["videorl_synthetic_grounding"]["effective"] == 6
    assert resps[8] == resps[1]
    assert any(r[0][0] for r in resps[8].values())  # the tiny model said something
    # batch 1: six generate calls; batch 8: one. Both decode 4 times: 3 videos + the clipped record
    assert [(t.batches, t.decodes) for t in timings] == [(6, 4), (1, 4)]
