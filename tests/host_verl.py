"""The verl host environment: PyPI ``verl==0.9.1`` in its own venv (``tests/hostenv.py``).

verl 0.9.1 needs ``transformers>=5.5.3,<5.11`` and ``numpy>=2`` (the dev venv has transformers 5.23),
and its import name ``verl`` clashes with EasyR1's package, so it cannot share a venv with either.
It declares no torch requirement; the local CPU wheel ``torch==2.13.0`` (``/opt/wheels``) is
installed first and verl accepts it. ``av`` and ``pillow`` are videorl's video and image needs (the
checkout under test is on ``PYTHONPATH``, not installed). ``cachetools``, ``fastapi``, ``uvicorn``,
``pyzmq`` and ``msgspec`` are imported by verl's agent loop, and ``transferqueue`` by verl's default
trainer path (``trainer.use_v1=true``: ``TaskRunnerV1`` imports ``transfer_queue``); all are in verl's
``verl-core`` extra, whose GPU-only members are left out. Not installed: ``qwen-vl-utils`` (it imports torchvision, which
PyPI has no build of for the CPU torch wheel); videorl's dataset class reads the prompt's images itself.
"""

from __future__ import annotations

from hostenv import HostEnv

VERL = HostEnv("verl", steps=[
    ["torch==2.13.0"],
    ["torch==2.13.0", "verl==0.9.1", "transformers>=5.5.3,<5.11", "numpy>=2", "av", "pillow", "pyyaml",
     "cachetools", "fastapi", "uvicorn", "pyzmq", "msgspec", "transferqueue==0.1.11"],
])
