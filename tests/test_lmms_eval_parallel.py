"""Data-parallel evaluation under `accelerate launch`: rank, world size and device of our backends.

No GPU here: ``accelerate.Accelerator`` is replaced by a stand-in reporting N processes, which is
all the backends read from it (``num_processes``, ``process_index``, ``local_process_index``,
``device``). The one-process path runs the real Accelerator.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("lmms_eval")
accelerate = pytest.importorskip("accelerate")

from videorl.plugins.lmms_eval.base import init_parallel  # noqa: E402

pytestmark = pytest.mark.lmms_eval


class FakeAccelerator:
    """Process 5 of 8 on the second node of 2 x 4 GPUs: global index 5, local index 1."""

    num_processes, process_index, local_process_index = 8, 5, 1
    device = "cpu"  # what the evaluator would gather on (cuda:1 on a real node)


@pytest.fixture
def eight_processes(monkeypatch):
    monkeypatch.setattr(accelerate, "Accelerator", FakeAccelerator)


def test_one_process_changes_nothing():
    lm = SimpleNamespace(_rank=0, _world_size=1)
    assert init_parallel(lm, "cpu") == "cpu" and init_parallel(lm, "cuda") == "cuda"
    assert (lm._rank, lm._world_size) == (0, 1) and not hasattr(lm, "accelerator")


@pytest.mark.parametrize(("device", "placed"), [("cuda", "cuda:1"), ("cuda:0", "cuda:1"), ("cpu", "cpu")])
def test_many_processes_take_rank_world_size_and_local_gpu(eight_processes, device, placed):
    lm = SimpleNamespace(_rank=0, _world_size=1)
    assert init_parallel(lm, device) == placed
    # global rank (lmms-eval shards documents by it), not the local index 1
    assert (lm._rank, lm._world_size) == (5, 8) and isinstance(lm.accelerator, FakeAccelerator)


def test_oracle_properties(eight_processes):
    from videorl.plugins.lmms_eval.oracle import VideorlOracle

    lm = VideorlOracle()
    assert (lm.rank, lm.world_size) == (5, 8) and str(lm.device) == "cpu"


def test_oracle_single_process():
    from videorl.plugins.lmms_eval.oracle import VideorlOracle

    lm = VideorlOracle()
    assert (lm.rank, lm.world_size) == (0, 1) and str(lm.device) == "cpu"


@pytest.fixture(scope="module")
def tiny_q25(tmp_path_factory):
    pytest.importorskip("transformers")
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

    return build_tiny_qwen2_5_vl(tmp_path_factory.mktemp("q25"))


def test_qwen_single_process(tiny_q25):
    from videorl.plugins.lmms_eval.qwen import VideorlQwen

    lm = VideorlQwen(pretrained=str(tiny_q25))
    assert (lm.rank, lm.world_size) == (0, 1) and str(lm.device) == "cpu" and lm.family == "qwen2_5_vl"
    assert next(lm.model.parameters()).device.type == "cpu"


def test_qwen_many_processes_on_cpu(eight_processes, tiny_q25):
    from videorl.plugins.lmms_eval.qwen import VideorlQwen

    lm = VideorlQwen(pretrained=str(tiny_q25), device="cpu")
    assert (lm.rank, lm.world_size) == (5, 8) and str(lm.device) == "cpu"


def test_qwen_many_processes_place_the_model_on_the_local_gpu(eight_processes, tiny_q25, monkeypatch):
    """device=cuda on local process 1 -> the model goes to cuda:1 (the move is recorded, not done)."""
    import torch

    from videorl.plugins.lmms_eval.qwen import VideorlQwen

    moved = []

    def fake_to(self, *args, **kwargs):
        moved.append(args[0] if args else kwargs.get("device"))
        return self

    monkeypatch.setattr(torch.nn.Module, "to", fake_to)
    lm = VideorlQwen(pretrained=str(tiny_q25), device="cuda", dtype="float32")
    assert lm.device == torch.device("cuda:1") and moved == [torch.device("cuda:1")]
    assert (lm.rank, lm.world_size) == (5, 8)


@pytest.mark.parametrize(("model_type", "family"), [("qwen2_5_vl", "qwen2_5_vl"), ("qwen3_vl", "qwen3_vl"),
                                                    ("qwen3_vl_moe", "qwen3_vl")])
def test_family_of(model_type, family):
    from videorl.plugins.lmms_eval.qwen import family_of

    assert family_of(model_type) == family


def test_family_of_rejects_others():
    from videorl.plugins.lmms_eval.qwen import family_of

    with pytest.raises(ValueError, match="llava"):
        family_of("llava")


@pytest.mark.slow
def test_two_cpu_processes_through_the_lmms_eval_cli(tmp_path):
    """A real 2-process run: torchrun + accelerate on CPU (gloo), the stock lmms-eval CLI, the oracle.

    Each rank answers 3 of the 6 synthetic documents; lmms-eval gathers them. Every one must come back
    (effective 6, six distinct doc ids) and the oracle must still score mIoU 100.
    """
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.exists():
        pytest.skip("torchrun is not installed beside this Python")
    env = {**os.environ, "VIDEORL_DATA_DIR": str(tmp_path / "data"), "ACCELERATE_USE_CPU": "true",
           "OMP_NUM_THREADS": "1"}
    cmd = [str(torchrun), "--nproc_per_node", "2", "--master_port", str(29500 + os.getpid() % 1000),
           "-m", "lmms_eval", "--model", "videorl_oracle", "--tasks", "videorl_synthetic_grounding",
           "--log_samples", "--output_path", str(tmp_path / "out")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    log = proc.stdout[-3000:] + proc.stderr[-3000:]
    results = list((tmp_path / "out").rglob("*_results.json"))
    assert results, log
    out = json.loads(results[0].read_text())
    assert out["n-samples"]["videorl_synthetic_grounding"]["effective"] == 6
    assert out["results"]["videorl_synthetic_grounding"]["mIoU,none"] == 100
    assert "Running on rank 1" in proc.stderr + proc.stdout  # really two processes
    (samples,) = (tmp_path / "out").rglob("*samples_videorl_synthetic_grounding*.jsonl")
    assert sorted(json.loads(line)["doc_id"] for line in samples.read_text().splitlines()) == list(range(6))
