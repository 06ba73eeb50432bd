"""``videorl predict --ray`` on a local Ray cluster (CPU): the same rows as the single-process run."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("ray.data")
pytest.importorskip("av")
pytest.importorskip("transformers")

pytestmark = pytest.mark.slow


def test_ray_output_equals_single_process(tmp_path):
    import ray

    from videorl.cli import main
    from videorl.io import write_jsonl
    from videorl.synth import make_video
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

    for i, d in enumerate((3.0, 4.0)):
        make_video(tmp_path / f"v{i}.mp4", duration=d, fps=8, size=(160, 120))
    write_jsonl(tmp_path / "r.jsonl", [
        {"id": f"s{i}", "video": str(tmp_path / f"v{i % 2}.mp4"), "duration": (3.0, 4.0)[i % 2],
         "task": "grounding", "query": f"thing {i}", "spans": [[0.5, 2.0]]} for i in range(3)]
        + [{"id": "gone", "video": str(tmp_path / "gone.mp4"), "duration": 3.0, "task": "grounding",
            "query": "x", "spans": [[0.5, 2.0]]}])
    model = build_tiny_qwen2_5_vl(tmp_path / "q25")
    common = ["--model", str(model), "--max-new-tokens", "5", "--max-pixels", str(160 * 120), "--num-samples", "2",
              "--temperature", "1.0", "--batch-size", "3", "--max-failures", "25%"]  # gone.mp4: 2 of 8 rows
    assert main(["predict", str(tmp_path / "r.jsonl"), "-o", str(tmp_path / "local.jsonl"), *common]) == 0
    for attempt in range(3):  # Ray gives its raylet a fixed 30 s to register, too short on a busy 2-core machine
        try:
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
            break
        except Exception as err:  # noqa: BLE001 - ray raises a bare Exception for this
            ray.shutdown()
            if attempt == 2 or "timed out during startup" not in str(err):
                raise
    try:
        assert main(["predict", str(tmp_path / "r.jsonl"), "-o", str(tmp_path / "ray.jsonl"), "--ray", *common]) == 0
    finally:
        ray.shutdown()
    local, on_ray = ((tmp_path / f"{n}.jsonl").read_text().splitlines() for n in ("local", "ray"))
    assert on_ray == local  # byte for byte: texts, frame times, order, the failed video's error
    rows = [json.loads(line) for line in local]
    assert [(r["id"], r["sample_index"]) for r in rows] == [(i, k) for i in ("s0", "s1", "s2", "gone") for k in (0, 1)]
    assert "gone.mp4" in rows[-1]["predict"]["error"]
