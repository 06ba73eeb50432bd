"""The ``lmms_eval.models`` entry point: ``videorl = videorl.plugins.lmms_eval.entry:manifests``.

lmms-eval calls :func:`manifests` when ``lmms_eval.models`` is imported. It returns our model
backends as ``ModelManifest`` objects and, as a side effect, installs the task hook
(:mod:`videorl.plugins.lmms_eval.hook`). It never raises: lmms-eval loads all entry points inside
one ``try``, so an exception here would also drop every other plugin's models.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

# model id -> class path (all "simple" models: they receive the video path and sample frames themselves)
BACKENDS: dict[str, str] = {
    "videorl_qwen": "videorl.plugins.lmms_eval.qwen.VideorlQwen",
    "videorl_oracle": "videorl.plugins.lmms_eval.oracle.VideorlOracle",
    "videorl_vllm": "videorl.plugins.lmms_eval.vllm.VideorlVllm",
    "videorl_mtr": "videorl.plugins.lmms_eval.mtr.VideorlMTR",  # Video-MTR episodes (docs/video_mtr.md)
}
ALIASES: dict[str, tuple[str, ...]] = {"videorl_qwen": ("videorl_qwen2_5_vl", "videorl_qwen3_vl")}


def manifests() -> list[Any]:
    """Model manifests for lmms-eval's registry (empty outside the supported lmms-eval range)."""
    try:
        from videorl.plugins.lmms_eval import hook

        if not hook.version_supported(hook.lmms_eval_version()):
            hook.install()  # logs the version warning and does nothing else
            return []
        hook.install()
        from lmms_eval.models.registry_v2 import ModelManifest

        return [ModelManifest(model_id=mid, simple_class_path=path, aliases=ALIASES.get(mid, ()))
                for mid, path in BACKENDS.items()]
    except Exception as exc:  # an entry point must not break lmms-eval's model registry
        log.warning("videorl: lmms-eval plugin not loaded (%s: %s)", type(exc).__name__, exc)
        return []
