"""``sample_frames``: frames at exact times, resized like qwen-vl-utils, from any backend.

The rule, for a clip ``[c0, c1)`` (the whole file when no clip is given):

1. target times ``T_k = c0 + k / fps`` for ``k = 0, 1, ...`` while ``T_k < c1``; in ``nframes``
   mode ``fps = n / (c1 - c0)`` with ``n`` rounded to an even number (:func:`sizing.target_times`);
2. each target takes the frame whose time is nearest (ties: the earlier frame). Frame times count
   from the first decoded frame: ``i / native_fps`` for a constant rate, pts minus the first pts for
   a variable rate, whatever the stream's start time;
3. an odd count drops its last frame (a single frame is duplicated), see :func:`sizing.even_count`;
4. one size for all frames, from :func:`sizing.video_frame_size` (the qwen-vl-utils budget rule).

Unlike qwen-vl-utils (``linspace`` over the clip) the frames are exactly ``1 / fps`` apart in
target time, so ``sampled_fps`` is what Qwen2.5-VL needs to place them in time.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from videorl.video import sizing
from videorl.video.exact import (  # noqa: F401  (re-exported: the sampler's public names)
    BACKENDS,
    CLIP_END_SLACK,
    _check_clip,
    check_complete,
    decode_frames,
    probe,
    truncation_tolerance,
)
from videorl.video.meta import VideoMeta

if TYPE_CHECKING:
    from videorl.video.cache import FrameCache


def sample_frames(path: str | os.PathLike, *, fps: float | None = None, nframes: int | None = None,
                  clip: list[float] | tuple[float, float] | None = None, min_pixels: float | None = None,
                  max_pixels: float | None = None, total_pixels: float | None = None, patch_size: int = 14,
                  merge_size: int = 2, temporal_patch_size: int = 2, backend: str = "pyav",
                  size: tuple[int, int] | None = None,
                  cache: FrameCache | str | os.PathLike | None = None, expected_duration: float | None = None,
                  on_truncated: str = "error") -> tuple[np.ndarray, VideoMeta]:
    """Decode frames at exact times; return uint8 ``[T, H, W, 3]`` and their :class:`VideoMeta`.

    ``fps`` (default 2.0 when neither is given) and ``nframes`` are exclusive. ``clip`` is
    ``[start, end]`` in video seconds; an end up to 0.05 s past the duration is clamped, anything
    else outside the video raises :class:`ClipError`. Pixel arguments follow qwen-vl-utils with
    ``factor = patch_size * merge_size`` (14*2 = 28 for Qwen2.5-VL, 16*2 = 32 for Qwen3-VL).
    ``temporal_patch_size`` must be 2 (both models): T is always even. ``cache`` (a
    :class:`FrameCache` or a folder) returns cached frames or decodes once and stores them.
    ``size`` (``(height, width)``, multiples of ``patch_size * merge_size``) fixes the frame size
    instead of the pixel budget, for hosts that accept only certain sizes unchanged
    (:func:`videorl.data.export_easyr1.easyr1_frame_size`).
    Bad input raises :class:`VideoError` subclasses naming the file; a stream that ends early (see
    :func:`check_complete`, against the container's declared duration and ``expected_duration``,
    e.g. the record's) raises :class:`VideoTruncatedError` unless ``on_truncated="warn"``.
    """
    if fps is None and nframes is None:
        fps = 2.0
    if temporal_patch_size != sizing.FRAME_FACTOR:
        raise ValueError(f"temporal_patch_size {temporal_patch_size} is not supported (only 2)")
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if cache is not None:
        from videorl.video.cache import FrameCache

        fc = cache if isinstance(cache, FrameCache) else FrameCache(cache)
        return fc.get_or_build(path, fps=fps, nframes=nframes, clip=clip, min_pixels=min_pixels,
                               max_pixels=max_pixels, total_pixels=total_pixels, patch_size=patch_size,
                               merge_size=merge_size, backend=backend, size=size,
                               expected_duration=expected_duration, on_truncated=on_truncated)
    return decode_frames(path, fps=fps, nframes=nframes, clip=clip, min_pixels=min_pixels, max_pixels=max_pixels,
                         total_pixels=total_pixels, patch_size=patch_size, merge_size=merge_size,
                         temporal_patch_size=temporal_patch_size, backend=backend, size=size,
                         expected_duration=expected_duration, on_truncated=on_truncated)
