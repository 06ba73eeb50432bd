"""The verl host environment: PyPI ``verl==0.9.1`` in its own venv (``tests/hostenv.py``).

verl 0.9.1 needs ``transformers>=5.5.3,<5.11`` and ``numpy>=2`` (the dev venv has transformers 5.23),
and its import name ``verl`` clashes with EasyR1's package, so it cannot share a venv with either.
It declares no torch requirement; the local CPU wheel ``torch==2.13.0`` (``/opt/wheels``) is
installed first and verl accepts it. ``av`` and ``pillow`` are videorl's video and image needs (the
checkout under test is on ``PYTHONPATH``, not installed); ``qwen-vl-utils`` is what verl's
``RLHFDataset.process_vision_info`` imports to read images from the prompt messages.
"""

from __future__ import annotations

from hostenv import HostEnv

VERL = HostEnv("verl", steps=[
    ["torch==2.13.0"],
    ["torch==2.13.0", "verl==0.9.1", "transformers>=5.5.3,<5.11", "numpy>=2", "av", "pillow", "pyyaml", "qwen-vl-utils"],
])
