"""``videorl predict``: time-exact inference outside lmms-eval, on the sampler and glue of training.

- :func:`predict` (also ``videorl.predict(...)``): records or one video and a query in, prediction
  rows out (:mod:`videorl.predict.core` describes a row); ``videorl score`` reads them.
- :mod:`videorl.predict.decode`: the decode pool ahead of the model (one decode per video, bounded).
- :mod:`videorl.predict.hf`: the batched Hugging Face engine (also behind lmms-eval's ``videorl_qwen``).
- :mod:`videorl.predict.run`: the batched loop and its timings.
- :mod:`videorl.predict.guard`: missing videos checked before the model loads, ``--max-failures``, and the
  append-only ``OUT.partial`` that ``--resume`` continues (also used by ``frames build`` and ``data export``).
- :mod:`videorl.predict.ray_data`: the same pipeline on Ray Data (``--ray``).
- :mod:`videorl.predict.vllm`: the vLLM engine (``--backend vllm``, lmms-eval's ``videorl_vllm``).

Importing this package loads only the standard library; torch and transformers load on first use.
"""

from __future__ import annotations

import sys
import types
from typing import Any

__all__ = ["predict"]


def predict(*args: Any, **kwargs: Any) -> Any:
    """See :func:`videorl.predict.core.predict`."""
    from videorl.predict.core import predict as _predict

    return _predict(*args, **kwargs)


class _CallableModule(types.ModuleType):
    """Lets ``videorl.predict(...)`` call :func:`predict` while ``videorl.predict`` stays a package."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return predict(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
