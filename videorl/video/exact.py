"""Frames at exact times, decoded without a cache: the sampling rule of :mod:`videorl.video.sampler`.

This module is the bottom of the sampling path: :func:`decode_frames` (the rule, uncached),
:func:`probe`, :func:`check_complete` (the truncation check) and the clip check. Both the frame
cache (:mod:`videorl.video.cache`, which decodes here on a miss) and :func:`videorl.video.sampler.sample_frames`
(which dispatches to the cache or here) import it; the cache never imports the sampler.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from videorl.video import sizing
from videorl.video.errors import ClipError, VideoError, VideoTruncatedError
from videorl.video.meta import SAMPLER_VERSION, VideoInfo, VideoMeta

logger = logging.getLogger("videorl.video.sampler")

BACKENDS = ("pyav", "decord", "torchcodec")
CLIP_END_SLACK = 0.05  # a clip may end this much past the duration (annotation rounding) and is clamped


def probe(path: str | os.PathLike) -> VideoInfo:
    """fps, frame count, duration, size and stream start, from packet timestamps (no decoding)."""
    from videorl.video.pyav_backend import read_timeline

    return read_timeline(path).info


def truncation_tolerance(info: VideoInfo) -> float:
    """How far the decodable stream may end before a declared duration: 2 frame intervals or 0.25 s."""
    return max(2.0 / info.fps if info.fps > 0 else 0.0, 0.25)


def check_complete(info: VideoInfo, expected_duration: float | None = None, *, on_truncated: str = "error") -> None:
    """Raise :class:`VideoTruncatedError` (``on_truncated="error"``, the default) or log a warning
    (``"warn"``) when the decodable stream ends more than :func:`truncation_tolerance` before the
    duration the container declares or the caller expects (a record's ``duration``).

    A half-downloaded faststart mp4 keeps its full-length header while only its first frames can
    be read: sampling it as if it were whole would place every event on a shortened clock, and a
    cache would keep the short version. This is the check that refuses it.
    """
    if on_truncated not in ("error", "warn"):
        raise ValueError(f"on_truncated must be 'error' or 'warn', got {on_truncated!r}")
    tol = truncation_tolerance(info)
    for what, ref in (("the container declares", info.declared_duration), ("the record says", expected_duration)):
        if ref is not None and ref - info.duration > tol:
            msg = (f"truncated video: the decodable stream ends at {info.duration:.3f} s ({info.frames} frames) "
                   f"but {what} {ref:.3f} s (tolerance {tol:.3f} s); re-download or re-encode the file")
            if on_truncated == "error":
                raise VideoTruncatedError(info.path, msg)
            logger.warning("%s: %s", info.path, msg)


def _check_clip(path: Path, clip, duration: float) -> tuple[float, float]:
    if clip is None:
        return 0.0, duration
    try:
        c0, c1 = float(clip[0]), float(clip[1])
    except (TypeError, ValueError, IndexError) as err:
        raise ClipError(path, f"clip must be [start, end] in seconds, got {clip!r}") from err
    if not (np.isfinite(c0) and np.isfinite(c1)):
        raise ClipError(path, f"clip {clip!r} is not finite")
    if c1 <= c0:
        raise ClipError(path, f"clip [{c0:g}, {c1:g}] is empty")
    if c0 < 0 or c0 >= duration:
        raise ClipError(path, f"clip [{c0:g}, {c1:g}] starts outside the video (duration {duration:g} s)")
    if c1 > duration + CLIP_END_SLACK:
        raise ClipError(path, f"clip [{c0:g}, {c1:g}] ends after the video (duration {duration:g} s)")
    return c0, min(c1, duration)


def decode_frames(path: str | os.PathLike, *, fps: float | None = None, nframes: int | None = None,
                  clip: list[float] | tuple[float, float] | None = None, min_pixels: float | None = None,
                  max_pixels: float | None = None, total_pixels: float | None = None, patch_size: int = 14,
                  merge_size: int = 2, temporal_patch_size: int = 2, backend: str = "pyav",
                  size: tuple[int, int] | None = None, expected_duration: float | None = None,
                  on_truncated: str = "error") -> tuple[np.ndarray, VideoMeta]:
    """:func:`videorl.video.sampler.sample_frames` without the cache: same arguments, same result."""
    if fps is None and nframes is None:
        fps = 2.0
    if temporal_patch_size != sizing.FRAME_FACTOR:
        raise ValueError(f"temporal_patch_size {temporal_patch_size} is not supported (only 2)")
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    from videorl.video.pyav_backend import decode, read_timeline

    path = Path(path)
    tl = read_timeline(path)
    info = tl.info
    check_complete(info, expected_duration, on_truncated=on_truncated)
    c0, c1 = _check_clip(path, clip, info.duration)
    targets, rate = sizing.target_times(c0, c1, fps=fps, nframes=nframes)
    indices = sizing.even_count(sizing.nearest_frames(tl.times, targets))
    factor = patch_size * merge_size
    if size is not None:
        height, width = int(size[0]), int(size[1])
        if height <= 0 or width <= 0 or height % factor or width % factor:
            raise ValueError(f"size {height}x{width} must be positive multiples of {factor}")
    else:
        try:
            height, width = sizing.video_frame_size(info.height, info.width, len(indices), patch_size=patch_size,
                                                    merge_size=merge_size, min_pixels=min_pixels,
                                                    max_pixels=max_pixels, total_pixels=total_pixels)
        except ValueError as err:
            raise VideoError(path, f"cannot size frames: {err}") from err
    unique, inverse = np.unique(indices, return_inverse=True)
    if backend == "pyav":
        frames = decode(path, tl, unique, height, width)
    elif backend == "decord":
        from videorl.video.other_backends import decord_decode

        frames = decord_decode(path, unique, height, width, info.frames)
    else:
        from videorl.video.other_backends import torchcodec_decode

        frames = torchcodec_decode(path, unique, height, width)
    if len(unique) != len(indices):
        frames = frames[inverse]
    meta = VideoMeta(native_fps=info.fps, total_frames=info.frames, duration=info.duration,
                     frame_indices=[int(i) for i in indices],
                     timestamps=[round(float(tl.times[i]), 6) for i in indices], sampled_fps=float(rate),
                     clip=None if clip is None else [c0, c1], height=height, width=width, backend=backend,
                     vfr=info.vfr, path=str(path), sampler_version=SAMPLER_VERSION)
    logger.debug("%s: %d frames at %s fps -> %dx%d (%s)", path, len(indices), rate, width, height, backend)
    return frames, meta
