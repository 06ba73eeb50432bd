"""Video input with exact time: sampler, frame cache, Qwen processor glue.

Importing this package is light (numpy only); PyAV, decord, torchcodec, torch and transformers
are imported inside the functions that use them.

Main entry points: :func:`sample_frames`, :func:`probe`, :class:`VideoMeta`,
:class:`FrameCache` (``videorl.video.cache``), ``videorl.video.qwen`` (processor inputs).
"""

from __future__ import annotations

from typing import Any

from videorl.video.errors import (
    ClipError,
    VideoDecodeError,
    VideoError,
    VideoNotFoundError,
    VideoTimeoutError,
)
from videorl.video.meta import SAMPLER_VERSION, VideoInfo, VideoMeta
from videorl.video.sampler import BACKENDS, probe, sample_frames

__all__ = ["BACKENDS", "SAMPLER_VERSION", "ClipError", "FrameCache", "VideoDecodeError", "VideoError",
           "VideoInfo", "VideoMeta", "VideoNotFoundError", "VideoTimeoutError", "probe", "sample_frames"]


def __getattr__(name: str) -> Any:
    if name == "FrameCache":
        from videorl.video.cache import FrameCache

        return FrameCache
    raise AttributeError(name)
