"""Processor inputs for Qwen2.5-VL and Qwen3-VL (transformers 5.x) that keep time exact.

Model time is counted from the first frame the model sees (``VideoMeta.model_times()``): for a
clip that is the frame nearest the clip start, so a predicted second ``s`` is video second
``s + clip_start`` (within half a frame), as :meth:`videorl.record.SampleRecord.to_video_time` does.

Qwen2.5-VL
    Time enters only through temporal M-RoPE ids: patch ``k`` gets ``floor(k * second_per_grid *
    tokens_per_second)`` with ``second_per_grid = temporal_patch_size / sampled_fps``. transformers
    5.x takes ``sampled_fps = len(frames_indices) / total_num_frames * fps`` from the metadata
    (24 fps when none is given), so we pass ``fps = sampled_fps``, ``total_num_frames = T`` and
    ``frames_indices = 0..T-1``: ``sampled_fps`` then comes out exactly.
Qwen3-VL
    Time is text: patch ``i`` is preceded by ``<t seconds>``, ``t`` = mean of its two frames'
    ``frames_indices / fps``, printed with one decimal. We pass clip-relative indices
    (``index - first index``) with the file's ``fps`` for a constant frame rate; for a variable
    frame rate indices cannot express the times, so we pass a millisecond clock (``fps = 1000``,
    ``frames_indices = round(1000 * model_time)``).
Both
    ``do_sample_frames=False`` (the frames are already sampled; otherwise Qwen3-VL samples again
    and fails or picks wrong frames) and ``do_resize=False`` (already resized to multiples of
    ``patch_size * merge_size``, so the token count is what :func:`sample_frames` chose).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from videorl.video.meta import VideoMeta

MODELS = ("qwen2_5_vl", "qwen3_vl")
_TIME_RE = re.compile(r"<(\d+(?:\.\d+)?) seconds>")


def family_of(model_type: str) -> str:
    """The glue family (:data:`MODELS`) of a checkpoint's ``config.model_type``: ``qwen2_5_vl`` ->
    ``qwen2_5_vl``; ``qwen3_vl`` and ``qwen3_vl_moe`` -> ``qwen3_vl``. Anything else raises
    ValueError (other families would get wrong frame times)."""
    kind = str(model_type).lower()
    if kind in ("qwen3_vl", "qwen3_vl_moe"):
        return "qwen3_vl"
    if kind == "qwen2_5_vl":
        return "qwen2_5_vl"
    raise ValueError(f"unsupported model_type {model_type!r} (video time is exact for these only): qwen2_5_vl, "
                     "qwen3_vl, qwen3_vl_moe")


def qwen2_5_vl_metadata(meta: VideoMeta, n_frames: int | None = None) -> dict[str, Any]:
    """``video_metadata`` for Qwen2.5-VL: ``sampled_fps`` equal to ``meta.sampled_fps``."""
    n = len(meta.frame_indices) if n_frames is None else n_frames
    return {"total_num_frames": n, "fps": float(meta.sampled_fps), "frames_indices": list(range(n)),
            "width": meta.width, "height": meta.height, "duration": n / meta.sampled_fps}


def qwen3_vl_metadata(meta: VideoMeta) -> dict[str, Any]:
    """``video_metadata`` for Qwen3-VL: indices whose ``index / fps`` is each frame's model time."""
    if meta.vfr:
        fps = 1000.0
        indices = [round(1000 * t) for t in meta.model_times()]
    else:
        fps = float(meta.native_fps)
        first = meta.frame_indices[0]
        indices = [i - first for i in meta.frame_indices]
    return {"total_num_frames": meta.total_frames, "fps": fps, "frames_indices": indices,
            "width": meta.width, "height": meta.height, "duration": meta.duration}


def video_metadata(meta: VideoMeta, model: str) -> dict[str, Any]:
    """The ``video_metadata`` entry for ``model`` (one of :data:`MODELS`)."""
    if model == "qwen2_5_vl":
        return qwen2_5_vl_metadata(meta)
    if model == "qwen3_vl":
        return qwen3_vl_metadata(meta)
    raise ValueError(f"unknown model family {model!r}; choose one of {', '.join(MODELS)}")


def processor_video_kwargs(videos: Sequence[tuple[np.ndarray, VideoMeta]], model: str) -> dict[str, Any]:
    """Keyword arguments for ``processor(text=..., **kwargs)`` carrying the videos and their time.

    ``videos`` holds ``(frames, meta)`` pairs from :func:`videorl.video.sample_frames` (or the
    cache), in the order of the video placeholders in the text.
    """
    frames = [f for f, _ in videos]
    metas = [video_metadata(m, model) for _, m in videos]
    return {"videos": frames, "video_metadata": metas, "do_sample_frames": False, "do_resize": False}


def expected_qwen3_timestamps(meta: VideoMeta, temporal_patch_size: int = 2) -> list[str]:
    """The ``<t seconds>`` markers Qwen3-VL should print: mean model time of each patch, one decimal."""
    times = meta.model_times()
    if len(times) % temporal_patch_size:
        times = times + [times[-1]] * (temporal_patch_size - len(times) % temporal_patch_size)
    means = [(times[i] + times[i + temporal_patch_size - 1]) / 2 for i in range(0, len(times), temporal_patch_size)]
    return [f"<{t:.1f} seconds>" for t in means]


def parse_qwen3_timestamps(text: str) -> list[float]:
    """The seconds of every ``<t seconds>`` marker in a processed Qwen3-VL prompt."""
    return [float(m) for m in _TIME_RE.findall(text)]


def expected_qwen2_5_time_ids(meta: VideoMeta, tokens_per_second: float = 2.0,
                              temporal_patch_size: int = 2) -> list[int]:
    """Temporal M-RoPE ids (relative to the video's first id) for each temporal patch.

    ``floor(k * second_per_grid * tokens_per_second)`` with ``second_per_grid = temporal_patch_size
    / sampled_fps``; patch ``k`` starts at model time ``k * second_per_grid`` (its first frame).
    """
    n_patches = -(-len(meta.frame_indices) // temporal_patch_size)
    spg = temporal_patch_size / meta.sampled_fps
    return [int(np.floor(k * spg * tokens_per_second + 1e-9)) for k in range(n_patches)]
