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


def restore_text_positions_after_vision(model: Any) -> int:
    """Make Qwen2-VL / Qwen2.5-VL models number the text after a video as released; returns modules fixed.

    The released models, transformers 4.x, vLLM and EasyR1/LLaMA-Factory (on 4.57) start the text
    after an image or video at the block's largest M-RoPE id + 1. transformers 5.x (seen in 5.19 and
    5.23) starts it at the block's first id + ``max(h, w) / merge``, which ignores the temporal
    extent: for a Qwen2.5-VL video whose time ids (``floor(k * second_per_grid * tokens_per_second)``)
    run past its width, the query text gets ids the video's last patches already hold (a 5 s video at
    2 fps on a 4 x 6 grid: video time ids 0..8, text resumed at 6 instead of 9). The time ids of the
    video tokens are not touched; the decode step already continues from the largest id + 1.

    This wraps each ``Qwen2VLModel`` / ``Qwen2_5_VLModel`` ``get_rope_index`` in ``model`` (the
    training and generation forwards both call it) so that, row by row, everything after a vision
    block is shifted up to the block's largest id + 1, and ``rope_deltas`` follow. Where the installed
    transformers already numbers as released the shift is 0 and nothing changes.
    """
    fixed = 0
    for module in model.modules():
        if type(module).__name__ not in ("Qwen2VLModel", "Qwen2_5_VLModel"):
            continue
        if getattr(module.get_rope_index, "_videorl_released_text_positions", False):
            continue
        module.get_rope_index = _released_text_positions(module.get_rope_index)
        fixed += 1
    return fixed


def _released_text_positions(get_rope_index: Any) -> Any:
    import torch

    def wrapped(input_ids: Any, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        position_ids, deltas = get_rope_index(input_ids, *args, **kwargs)
        types = kwargs.get("mm_token_type_ids")
        if types is None and args:
            types = args[0]
        if types is None:  # no vision in the batch
            return position_ids, deltas
        mask = kwargs.get("attention_mask")
        position_ids = position_ids.clone()
        new_deltas = []
        for b in range(position_ids.shape[1]):
            keep = torch.ones_like(types[b], dtype=torch.bool) if mask is None else mask[b].bool()
            pos = position_ids[:, b, keep]
            kind = types[b][keep].tolist()
            i, n = 0, len(kind)
            while i < n:
                j = i
                while j < n and kind[j] == kind[i]:
                    j += 1
                if kind[i] != 0 and j < n:  # a vision block followed by more tokens
                    gap = int(pos[:, i:j].max()) + 1 - int(pos[:, j].min())
                    if gap > 0:
                        pos[:, j:] += gap
                i = j
            position_ids[:, b, keep] = pos
            new_deltas.append(int(pos.max()) + 1 - n if n else 0)
        deltas = torch.tensor(new_deltas, dtype=deltas.dtype, device=deltas.device).reshape(deltas.shape)
        return position_ids, deltas

    wrapped._videorl_released_text_positions = True  # type: ignore[attr-defined]
    return wrapped
