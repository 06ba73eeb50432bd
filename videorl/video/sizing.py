"""Frame sizes and frame times: pure arithmetic, no decoding.

Sizes follow the contract of qwen-vl-utils 0.0.14 (``smart_resize`` and the video pixel budget of
``fetch_video``) so that token counts match what the Qwen processors expect; the code is our own.
Frame *times* do not follow qwen-vl-utils: we sample at exact times instead of ``linspace``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

MAX_RATIO = 200
VIDEO_MIN_TOKENS = 128  # per-frame floor, in merged tokens (x factor^2 pixels)
VIDEO_MAX_TOKENS = 768  # per-frame ceiling
MODEL_SEQ_LEN = 128000  # total budget default: MODEL_SEQ_LEN * factor^2 * 0.9 pixels over all frames
FRAME_FACTOR = 2  # temporal patch size of Qwen2.5-VL / Qwen3-VL


def smart_resize(height: int, width: int, factor: int, min_pixels: float, max_pixels: float) -> tuple[int, int]:
    """``(h, w)``, both multiples of ``factor``, with ``min_pixels <= h*w <= max_pixels``, aspect kept.

    1. Round each side to the nearest multiple of ``factor`` (at least ``factor``).
    2. If ``h*w > max_pixels``: ``beta = sqrt(H*W / max_pixels)``, sides = floor(side / beta) to the factor.
    3. If ``h*w < min_pixels``: ``beta = sqrt(min_pixels / (H*W))``, sides = ceil(side * beta) to the factor.

    Example: 720x1280, factor 28, max 448*252 = 112896: rounded 728x1288 is too big, beta = 2.857,
    720/beta = 252.0 -> 252, 1280/beta = 448.0 -> 448.
    """
    if min(height, width) <= 0:
        raise ValueError(f"frame size must be positive, got {height}x{width}")
    if max(height, width) / min(height, width) > MAX_RATIO:
        raise ValueError(f"aspect ratio of {height}x{width} exceeds {MAX_RATIO}")
    if max_pixels < min_pixels:
        raise ValueError(f"max_pixels {max_pixels} is below min_pixels {min_pixels}")
    h = max(factor, round(height / factor) * factor)
    w = max(factor, round(width / factor) * factor)
    if h * w > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        h = max(factor, math.floor(height / beta / factor) * factor)
        w = max(factor, math.floor(width / beta / factor) * factor)
    elif h * w < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h = math.ceil(height * beta / factor) * factor
        w = math.ceil(width * beta / factor) * factor
    return h, w


def video_frame_size(height: int, width: int, nframes: int, *, patch_size: int = 14, merge_size: int = 2,
                     min_pixels: float | None = None, max_pixels: float | None = None,
                     total_pixels: float | None = None) -> tuple[int, int]:
    """Per-frame size for a video of ``nframes`` frames, as qwen-vl-utils' ``fetch_video`` chooses it.

    With ``f = patch_size * merge_size``: ``min_pixels`` defaults to ``128 f^2``, ``total_pixels``
    to ``128000 f^2 * 0.9``; the ceiling is ``max(min(768 f^2, total_pixels / nframes * 2),
    int(1.05 * min_pixels))``, and a given ``max_pixels`` can only lower it. Then :func:`smart_resize`.
    Raises ``ValueError`` when ``max_pixels < min_pixels`` (e.g. Qwen3's f = 32 with ``max_pixels``
    = 448*252 and the default ``min_pixels`` 131072: lower ``min_pixels``).
    """
    f = patch_size * merge_size
    lo = VIDEO_MIN_TOKENS * f * f if min_pixels is None else min_pixels
    total = MODEL_SEQ_LEN * f * f * 0.9 if total_pixels is None else total_pixels
    hi = max(min(VIDEO_MAX_TOKENS * f * f, total / max(nframes, 1) * FRAME_FACTOR), int(lo * 1.05))
    if max_pixels is not None:
        hi = min(hi, max_pixels)
    return smart_resize(height, width, f, lo, hi)


def target_times(clip_start: float, clip_end: float, *, fps: float | None = None,
                 nframes: int | None = None) -> tuple[np.ndarray, float]:
    """Times to sample and the sampling rate, before the even-count rule.

    - ``fps``: ``T_k = clip_start + k / fps`` for ``k = 0, 1, ...`` while ``T_k < clip_end``
      (so ``n = ceil((clip_end - clip_start) * fps)``); rate = ``fps``.
    - ``nframes``: first rounded to the nearest even number (half up, at least 2), then the same rule
      with ``fps = nframes / (clip_end - clip_start)``: ``nframes`` frames, equally spaced, the
      first at the clip start, the last one spacing before the clip end.
    """
    if (fps is None) == (nframes is None):
        raise ValueError("give exactly one of fps and nframes")
    length = clip_end - clip_start
    if nframes is not None:
        if nframes < 1:
            raise ValueError(f"nframes must be >= 1, got {nframes}")
        n = max(FRAME_FACTOR, int(math.floor(nframes / FRAME_FACTOR + 0.5)) * FRAME_FACTOR)
        rate = n / length
    else:
        if not fps or fps <= 0:
            raise ValueError(f"fps must be > 0, got {fps}")
        rate = float(fps)
        n = max(1, math.ceil(length * rate - 1e-9))
    return clip_start + np.arange(n, dtype=np.float64) / rate, rate


def nearest_frames(times: Sequence[float] | np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Index of the frame whose time is nearest each target (ties go to the earlier frame).

    ``times`` must be sorted ascending (presentation times from the first frame).
    """
    t = np.asarray(times, dtype=np.float64)
    right = np.clip(np.searchsorted(t, targets, side="left"), 0, len(t) - 1)
    left = np.clip(right - 1, 0, len(t) - 1)
    use_left = np.abs(targets - t[left]) <= np.abs(t[right] - targets) + 1e-9
    return np.where(use_left, left, right).astype(np.int64)


def even_count(indices: np.ndarray) -> np.ndarray:
    """Apply the even-frame rule (temporal patch 2): drop the last of an odd count, pad a single frame.

    Dropping keeps every remaining frame at its exact time (the clip loses at most one sample period
    at its end); padding would give the last temporal patch a duplicated frame and shift its time.
    A single frame has nothing to drop, so it is duplicated (one patch at that frame's time).
    """
    if len(indices) == 1:
        return np.repeat(indices, 2)
    if len(indices) % 2:
        return indices[:-1]
    return indices
