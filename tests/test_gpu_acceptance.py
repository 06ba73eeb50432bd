"""The GPU acceptance run in its CPU dry-run mode, and the memory guidance's arithmetic.

The dry run is the real script (benchmarks/gpu_acceptance.sh -> gpu_acceptance.py) end to end on
the 7B/8B layouts shrunk to the tiny sizes: worker-made batches, the clock check, batch 1 and 8, one
result file that benchmarks/render_readme.py renders. The memory formula is checked by hand on
the released layouts and against what the tiny models really allocate.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from videorl.testing.qwen_configs import (
    RELEASED,
    kv_bytes_per_token,
    memory_estimate,
    shrink,
    video_tokens_per_frame,
)

ROOT = Path(__file__).resolve().parents[1]


def test_memory_arithmetic_by_hand():
    q25, q3 = RELEASED["qwen2_5_vl_7b"], RELEASED["qwen3_vl_8b"]
    # 448x252 at patch 14, merge 2: 16 x 9 merged patches per 2 frames -> 72 tokens a frame
    assert video_tokens_per_frame(q25, 252, 448) == 72
    # Qwen3-VL, patch 16: 448x224 -> 14 x 7 per 2 frames -> 49
    assert video_tokens_per_frame(q3, 224, 448) == 49
    # K and V x 28 layers x 4 kv heads x 128 (3584 / 28) x 2 bytes; Qwen3-VL-8B: 36 x 8 x 128
    assert kv_bytes_per_token(q25) == 2 * 28 * 4 * 128 * 2 == 57344
    assert kv_bytes_per_token(q3) == 2 * 36 * 8 * 128 * 2 == 147456
    m = memory_estimate(q25, frames=32, height=252, width=448, batch=8, new_tokens=64, prompt_tokens=64)
    assert m["video_tokens"] == 2304 and m["seq"] == 2432
    assert m["kv_cache"] == 8 * 2432 * 57344
    assert m["text_activations"] == 8 * 2368 * (2 * 18944 + 4 * 3584) * 2 + 8 * 152064 * 4
    assert m["vision_activations"] == 8 * 4 * 2304 * (2 * 3420 + 4 * 1280) * 2
    assert m["peak"] == m["kv_cache"] + max(m["text_activations"], m["vision_activations"])
    with pytest.raises(ValueError, match="multiple"):
        video_tokens_per_frame(q25, 250, 448)


@pytest.mark.slow
def test_formula_against_the_tiny_models(tmp_path):
    """Video tokens = the processor's grid; KV cache = the cache tensors generate keeps; weights = numel."""
    import torch

    from videorl.predict.hf import QwenEngine
    from videorl.synth import make_video
    from videorl.testing.qwen_configs import weight_bytes, write_checkpoint_dir

    make_video(tmp_path / "v.mp4", duration=4, fps=8, size=(320, 240))
    for name in RELEASED:
        engine = QwenEngine(str(write_checkpoint_dir(name, tmp_path / name, tiny=True)), random_weights=True)
        cfg = shrink(RELEASED[name])
        frames, meta = engine.sampling(fps=2.0, max_pixels=320 * 240).decode(str(tmp_path / "v.mp4"))
        inputs = engine.inputs([engine.chat_text("when?")] * 2, [(frames, meta)] * 2)
        h, w = frames.shape[1:3]
        video = int((inputs["input_ids"][0] == engine.model.config.video_token_id).sum())
        assert video == len(frames) * video_tokens_per_frame(cfg, h, w)
        with torch.inference_mode():
            out = engine.model(**inputs, use_cache=True)
        cache = out.past_key_values
        held = sum(t.numel() * t.element_size() for layer in cache.layers for t in (layer.keys, layer.values))
        assert held == 2 * inputs["input_ids"].shape[1] * kv_bytes_per_token(cfg, dtype_bytes=4)
        params = sum(p.numel() for p in engine.model.parameters())
        cfg_ids = json.loads((tmp_path / name / "config.json").read_text())
        assert weight_bytes(cfg_ids, dtype_bytes=4) == params * 4


@pytest.mark.slow
def test_activation_estimate_against_measured_peak():
    """The peak RSS a prefill adds on the CPU (fresh processes, batch 1 and 4): the estimate's growth per
    batch row is 0.8x to 1.75x the measured one (the allocator varies), and the whole estimate is within a factor of 2."""
    def run(batch):
        code = f"import json; from videorl.testing.qwen_configs import measured_peak_cpu as m; print(json.dumps(m({batch})))"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
        return json.loads(out.stdout.strip().splitlines()[-1])

    one, four = run(1), run(4)
    for m in (one, four):
        assert 0.5 < m["measured"] / m["peak"] < 2.0, m
    grow_measured, grow_est = (four["measured"] - one["measured"]) / 3, (four["peak"] - one["peak"]) / 3
    # seen: 1.02x to 1.5x (the CPU allocator's peak varies from run to run; float32 on the CPU)
    assert 0.8 < grow_measured / grow_est < 1.75, (grow_measured, grow_est)


@pytest.mark.slow
def test_dry_run_end_to_end_renders(tmp_path):
    out = tmp_path / "results" / "gpu_acceptance.json"
    proc = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu_acceptance.sh"), "--dry-run", "--out", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    hf_rows = [r for r in data["rows"] if "HF batch" in r["what"]]
    assert len(hf_rows) == 4 and {r["metrics"]["batch"] for r in hf_rows} == {1, 8}
    assert all(r["metrics"]["clock_rows_checked"] == 8 and r["metrics"]["samples_per_s"] > 0 for r in hf_rows)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import render_readme

    table = render_readme.render(out.parent)
    assert "Qwen2.5-VL-7B layout" in table and "Qwen3-VL-8B layout" in table and "CPU dry run" in table
    assert "| `gpu_acceptance.py` |" in table and "GPU acceptance on" in proc.stdout


@pytest.mark.slow
def test_docs_memory_table_is_the_functions():
    from videorl.testing.qwen_configs import memory_markdown

    page = (ROOT / "docs" / "predict.md").read_text()
    block = page.split("<!-- memory:begin -->", 1)[1].split("<!-- memory:end -->", 1)[0].strip()
    assert block == memory_markdown()
