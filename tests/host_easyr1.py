"""The EasyR1 host environment: EasyR1's own code at the pinned commit, on CPU, for the host tier.

``EASYR1`` is a :class:`hostenv.HostEnv`: EasyR1 from ``../shared/hosts/easyr1`` (commit
b44b311, ``third_party/pins.env``) installed ``--no-deps`` on top of its pins
(``third_party/constraints-easyr1.txt``), with these deviations, each because the pin cannot run
on this CPU-only machine or is not needed by the code under test:

- **torch**: the local CPU wheel ``torch==2.13.0`` (``/opt/wheels``, 190 MB) instead of the CUDA
  build 2.8.0 (5-7 GB); torchvision 0.28.0 is the release built for torch 2.13 (0.23.0 is for
  2.8). PyPI's torchvision is built against CUDA torch: its import registers fake kernels for its
  C++ ops (``torchvision::nms`` ...), which the CPU torch wheel lacks, so :data:`PRELUDE` makes
  ``torch.library.register_fake`` skip ``torchvision::`` ops before anything imports it.
  qwen-vl-utils imports torchvision at module level and resizes with
  ``torchvision.transforms.functional.resize``, which works after that.
- **vllm 0.11.0, flash-attn 2.8.3, liger-kernel**: GPU-only, not installed. :data:`PRELUDE`
  stubs ``vllm`` (with ``msgspec``, a vLLM dependency EasyR1 imports beside it) and ``flash_attn`` (a meta-path finder returning ``MagicMock`` modules) only so
  that ``verl.workers.fsdp_workers`` and ``verl.trainer.config`` import; no test calls into them.
  What vLLM 0.11's processor does in rollouts is analysed from its source (docs/clock.md).
- **wandb, swanlab, mlflow, mathruler, pylatexenc**: loggers / EasyR1's own example rewards, not
  used by the code under test; not installed.
- **decord 0.6.0** is the video reader qwen-vl-utils picks (torchcodec >= 0.14 cannot load on CPU
  torch; qwen-vl-utils' torchvision reader is broken on torchvision >= 0.26).
- **sentence-transformers 5.1.2** (< 5.2: newer releases want transformers 5): not an EasyR1
  requirement; it is here so the judge / embedding rewards run through EasyR1's reward manager in
  the same environment (one build instead of two).

Everything else is EasyR1's requirement list at versions that resolve with ``numpy<2``:
transformers 4.57.1, qwen-vl-utils 0.0.14, omegaconf 2.3.0, pyarrow < 26 (26 refuses numpy < 2
at import), tensordict < 0.11, torchdata (``StatefulDataLoader``), datasets, ray (the single
controller imports it), peft, accelerate, codetiming, psutil, jinja2, pandas, av.

Scripts run in the environment start with :data:`PRELUDE` (``Env.script(PRELUDE + code)``).
"""

from __future__ import annotations

from hostenv import SHARED, HostEnv

EASYR1_SRC = SHARED / "hosts" / "easyr1"

EASYR1_PINS = [
    "torch==2.13.0",  # local CPU wheel (/opt/wheels) instead of the CUDA pin 2.8.0
    "torchvision==0.28.0",  # the torchvision of torch 2.13 (pin: 0.23.0 for torch 2.8)
    "transformers==4.57.1",
    "qwen-vl-utils==0.0.14",
    "omegaconf==2.3.0",
    "numpy<2.0",
    "pyarrow>=15.0.0,<26",  # pyarrow 26 refuses numpy < 2 at import
    "tensordict<0.11",
    "torchdata==0.11.0",
    "datasets>=3,<5",
    "ray==2.49.2",
    "peft==0.17.1",
    "accelerate==1.10.1",
    "codetiming",
    "psutil",
    "jinja2",
    "pandas",
    "pillow",
    "av<16.0.0",
    "decord==0.6.0",
    "einops",
    "sentence-transformers==5.1.2",  # for the judge / embedding rewards (works with transformers 4.x)
]

EASYR1 = HostEnv("easyr1", [EASYR1_PINS, ["--no-deps", EASYR1_SRC]])

PRELUDE = r'''
import importlib.abc, importlib.machinery, sys, types
from unittest import mock

# 1. PyPI torchvision registers fake kernels for C++ ops the CPU torch wheel does not have.
import torch
_register_fake = torch.library.register_fake
def _skip_torchvision_fakes(op, *args, **kwargs):
    if isinstance(op, str) and op.startswith("torchvision::"):
        return (lambda fn: fn) if not args else args[0]
    return _register_fake(op, *args, **kwargs)
torch.library.register_fake = _skip_torchvision_fakes

# 2. GPU-only packages EasyR1 imports at module level: vllm (and its msgspec) and flash_attn (never called).
class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    ROOTS = ("vllm", "flash_attn", "msgspec")
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.ROOTS:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None
    def create_module(self, spec):
        m = mock.MagicMock(name=spec.name)
        m.__path__, m.__spec__, m.__name__ = [], spec, spec.name
        m.__version__ = "0.11.0" if spec.name == "vllm" else "2.8.3"
        return m
    def exec_module(self, module):
        pass
sys.meta_path.insert(0, _StubFinder())
'''
