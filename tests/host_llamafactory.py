"""The LLaMA-Factory host environment: ``llamafactory==0.9.5`` from PyPI, on CPU, for the host tier.

``LLAMAFACTORY`` is a :class:`hostenv.HostEnv` (built once, cached under
``~/.cache/videorl/hostenvs``). It installs LLaMA-Factory 0.9.5 ``--no-deps`` on top of its own
requirement list (``Requires-Dist`` of the 0.9.5 wheel) at versions inside its ranges, with
transformers 4.57.1, the pin shared with EasyR1 (third_party/constraints-llamafactory.txt).
Deviations, each because the pin cannot run on this CPU-only machine or is not used by SFT:

- **torch**: the local CPU wheel ``torch==2.13.0`` (``/opt/wheels``) instead of the CUDA build
  that ``third_party/constraints-llamafactory.txt`` pins for GPUs (2.8.0, 5-7 GB);
  ``torchvision==0.28.0`` is the release built for torch 2.13. PyPI's torchvision is built
  against CUDA torch: its import registers fake kernels for ``torchvision::nms`` ..., which the CPU
  wheel lacks. :data:`SITECUSTOMIZE` makes ``torch.library.register_fake`` skip ``torchvision::``
  ops; the transforms the Qwen video processors use are plain torch and work.
- **torchaudio**: a hard requirement, imported at the top of ``llamafactory/data/mm_plugin.py``
  but used only to load audio. No PyPI torchaudio release matches torch 2.13 (the newest, 2.11.1,
  pins torch 2.11 and its ``_torchaudio.so`` does not load on 2.13), so :data:`TORCHAUDIO_STUB`
  is a module named ``torchaudio`` whose functions raise. No video path calls it.
- **gradio, fastapi, uvicorn, sse-starlette, modelscope, hf-transfer**: web UI, API server and hub
  downloaders, not used by ``llamafactory-cli train`` / ``export``; not installed.

Both shims live in a folder inside the environment (``<env>/videorl-shims``) that
:func:`lf_environ` puts on ``PYTHONPATH`` after the checkout, so ``llamafactory-cli`` subprocesses
(and the probe :mod:`videorl.testing.lf_clock`) get them too. They are never on a user's path.
"""

from __future__ import annotations

from pathlib import Path

from hostenv import REPO, Env, HostEnv

LF_PINS = [
    "torch==2.13.0",  # local CPU wheel (/opt/wheels) instead of the CUDA build
    "torchvision==0.28.0",  # the torchvision of torch 2.13
    "transformers==4.57.1",  # shared with EasyR1: the same Qwen2.5-VL position ids in SFT and RL
    "accelerate==1.11.0",
    "datasets==4.0.0",
    "peft==0.18.1",
    "trl==0.24.0",
    "av==16.0.0",  # LLaMA-Factory decodes path videos with PyAV (<= 16)
    "torchdata==0.11.0",
    "omegaconf==2.3.0",
    "tyro<0.9.0",
    "einops", "fire", "matplotlib", "numpy", "packaging", "pandas", "protobuf", "pydantic", "pyyaml",
    "safetensors", "scipy", "sentencepiece", "tiktoken", "tqdm", "pillow", "psutil",
]

LLAMAFACTORY = HostEnv("llamafactory", [LF_PINS, ["--no-deps", "llamafactory==0.9.5"]])

SITECUSTOMIZE = '''\
"""videorl host-tier shim (tests/host_llamafactory.py): PyPI torchvision on the CPU torch wheel."""
import torch

_register_fake = torch.library.register_fake


def _skip_torchvision_fakes(op, *args, **kwargs):
    if isinstance(op, str) and op.startswith("torchvision::"):
        return (lambda fn: fn) if not args else args[0]
    return _register_fake(op, *args, **kwargs)


torch.library.register_fake = _skip_torchvision_fakes
'''

TORCHAUDIO_STUB = '''\
"""videorl host-tier stand-in for torchaudio (no release matches the CPU torch 2.13 wheel).

LLaMA-Factory imports torchaudio at module level and uses it only to read audio; video SFT never
calls it. Any use fails loudly.
"""
__version__ = "0+videorl.stub"


def _unavailable(*args, **kwargs):
    raise RuntimeError("torchaudio is a stub in the videorl test environment (audio is not supported here)")


load = _unavailable


class functional:  # noqa: N801 - mirrors torchaudio.functional
    resample = staticmethod(_unavailable)
'''


def shims(env: Env) -> Path:
    """Write the shim folder inside ``env`` (idempotent) and return it."""
    folder = env.root / "videorl-shims"
    files = {folder / "sitecustomize.py": SITECUSTOMIZE, folder / "torchaudio" / "__init__.py": TORCHAUDIO_STUB}
    for path, text in files.items():
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(text)
            tmp.replace(path)
    return folder


def lf_environ(env: Env, **extra: str) -> dict[str, str]:
    """Environment overrides for LLaMA-Factory commands: checkout, then shims, on PYTHONPATH; CPU only."""
    return {"PYTHONPATH": f"{REPO}:{shims(env)}", "CUDA_VISIBLE_DEVICES": "", "DISABLE_VERSION_CHECK": "1",
            "WANDB_DISABLED": "true", "OMP_NUM_THREADS": "1", **extra}
