"""The Qwen video processor's pixel step, split so that the decode worker ships uint8 patches.

transformers' Qwen2-VL / Qwen3-VL video processors (``_preprocess``, no resize) turn a uint8 video
``[T, C, H, W]`` into ``pixel_values_videos`` ``[T/2 * H/14 * W/14, C * 2 * 14 * 14]`` float32 in
four full passes over float32 data: convert to float32, normalise (torchvision's ``sub_`` then
``div_`` by the fused mean and std), patchify (a strided ``reshape`` copy), then ``torch.cat`` the
videos (one more copy, even for a single video). In a decode worker the result was then moved into
shared memory for the model's process: a fifth copy, into freshly faulted shared pages.

:func:`fast_video_processor` gives a copy of such a processor whose ``_preprocess`` stops at the
uint8 patches: one strided copy of each video's bytes in patch order, written into shared memory
allocated once (a quarter of the float32 bytes), plus ``videorl_pixel_norm``: the processor's own
fused mean and std (``_fuse_mean_std_and_rescale_factor``, as torchvision's ``normalize`` casts them)
as a ``[2, C]`` float32 tensor. :func:`finish_pixels` is the last step, in the model's process: the
uint8 patches converted to float32 straight into the batch's buffer, then ``sub_(mean)`` and
``div_(std)`` on the channel axis. ``float32(uint8)`` is exact and ``sub_``/``div_`` are elementwise,
so every value is bit-identical to the processor's (tested: ``torch.equal`` on both families).
Anything else (a resize, no normalisation, an odd frame count, sizes that do not split into patches)
takes the processor's own ``_preprocess`` and ships its float32 output as before.

CPU per 16-frame 448x252 video on the 2-core VM: transformers' path plus the move into shared memory
about 0.05 s; uint8 patches into shared memory about 0.01 s in the worker and about 0.006 s to finish
in the loop (``benchmarks/bench_predict.py`` prints the measured split of a run).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

NORM_KEY = "videorl_pixel_norm"
"""The extra key of a uint8 patch output: ``[2, C]`` float32, the mean and std still to apply."""

_FAST_CLASSES: dict[type, type] = {}


def shared_empty(shape: tuple[int, ...], dtype: Any) -> Any:
    """An uninitialised CPU tensor whose storage is in shared memory from the start (torch's
    ``share_memory_`` on a finished tensor would allocate the shared block and copy into it)."""
    import torch

    numel = 1
    for n in shape:
        numel *= int(n)
    storage = torch.UntypedStorage._new_shared(numel * torch.empty((), dtype=dtype).element_size())
    return torch.empty((0,), dtype=dtype).set_(storage, 0, tuple(int(n) for n in shape))


def _fast_preprocess(self: Any, videos: list[Any], do_resize: bool, size: Any, resample: Any, do_rescale: bool,
                     rescale_factor: float, do_normalize: bool, image_mean: Any, image_std: Any,
                     patch_size: int | None = None, temporal_patch_size: int | None = None,
                     merge_size: int | None = None, cap_pixels_per_frame: bool | None = None,
                     return_tensors: Any = None, **kwargs: Any) -> Any:
    import torch
    from transformers import BatchFeature

    def fallback() -> Any:  # the processor's own path, on the contiguous tensors it would have made
        return type(self).__mro__[1]._preprocess(
            self, [v.contiguous() for v in videos], do_resize, size, resample, do_rescale, rescale_factor,
            do_normalize, image_mean, image_std,
            patch_size=patch_size, temporal_patch_size=temporal_patch_size, merge_size=merge_size,
            cap_pixels_per_frame=cap_pixels_per_frame, return_tensors=return_tensors, **kwargs)

    p, m, tp = int(patch_size or 0), int(merge_size or 0), int(temporal_patch_size or 0)
    simple = (not do_resize and do_normalize and p > 0 and m > 0 and tp > 0 and len(videos) > 0
              and all(v.ndim == 4 and v.dtype == torch.uint8 and v.device.type == "cpu" and v.shape[0] % tp == 0
                      and v.shape[2] % (p * m) == 0 and v.shape[3] % (p * m) == 0 for v in videos))
    if not simple:
        return fallback()
    mean, std, _ = self._fuse_mean_std_and_rescale_factor(do_normalize=do_normalize, image_mean=image_mean,
                                                          image_std=image_std, do_rescale=do_rescale,
                                                          rescale_factor=rescale_factor, device=videos[0].device)
    grids = []
    for v in videos:
        t, c, h, w = (int(n) for n in v.shape)
        grids.append((t // tp, h // p, w // p, c))
    channels = {g[3] for g in grids}
    if len(channels) != 1:
        return fallback()
    c = channels.pop()
    # torchvision's normalize casts mean and std to the image dtype (float32) before sub_ / div_
    norm = torch.stack([torch.as_tensor(mean, dtype=torch.float32).reshape(-1),
                        torch.as_tensor(std, dtype=torch.float32).reshape(-1)])
    if norm.shape != (2, c) or not bool(torch.all(norm[1] != 0)):
        return fallback()
    dim = c * tp * p * p
    total = sum(gt * gh * gw for gt, gh, gw, _ in grids)
    out = shared_empty((total, dim), torch.uint8) if getattr(self, "videorl_shared", False) \
        else torch.empty((total, dim), dtype=torch.uint8)
    row = 0
    for v, (gt, gh, gw, _) in zip(videos, grids, strict=True):
        n = gt * gh * gw
        # [T, C, H, W] (any strides: the decoder's [T, H, W, C] bytes) -> [gt, tp, C, gh/m, m, p, gw/m, m, p]
        # -> patch order [gt, gh/m, gw/m, m, m, C, tp, p, p]; numpy's strided copy is about 1.7x torch's here
        src = v.numpy().reshape(gt, tp, c, gh // m, m, p, gw // m, m, p).transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
        out[row:row + n].numpy().reshape(gt, gh // m, gw // m, m, m, c, tp, p, p)[...] = src
        row += n
    thw = torch.tensor([[gt, gh, gw] for gt, gh, gw, _ in grids])
    return BatchFeature(data={"pixel_values_videos": out, "video_grid_thw": thw, NORM_KEY: norm},
                        tensor_type=return_tensors)


def finish_pixels(parts: Sequence[Any], norms: Sequence[Any | None], out: Any | None = None) -> Any:
    """``pixel_values_videos`` of a batch: the rows' pixel tensors in order, in one float32 tensor.

    A part with a norm (``[2, C]``: mean, std) holds :func:`fast_video_processor`'s uint8 patches: it is
    converted into its slice of the output and normalised there, exactly as the processor does; a
    part without one is already float32 and is copied. ``out`` (a float32 tensor with at least the
    total rows and the same width, e.g. a reused buffer) receives the result; its first rows are
    returned."""
    import torch

    total = sum(int(t.shape[0]) for t in parts)
    dim = int(parts[0].shape[1])
    if out is None:
        out = torch.empty((total, dim), dtype=torch.float32)
    else:
        out = out[:total]
    row = 0
    for t, norm in zip(parts, norms, strict=True):
        n = int(t.shape[0])
        dst = out[row:row + n]
        dst.copy_(t)
        if norm is not None:
            c = int(norm.shape[1])
            view = dst.view(n, c, dim // c)
            view.sub_(norm[0].view(-1, 1)).div_(norm[1].view(-1, 1))
        row += n
    return out


def _fast_prepare_input_videos(self: Any, videos: Any, do_convert_rgb: bool | None = None,
                               input_data_format: Any = None, device: Any = None) -> list[Any]:
    """The processor's ``_prepare_input_videos`` without its channels-first copy: decoder frames (uint8
    ``[T, H, W, 3]`` numpy) become ``[T, 3, H, W]`` views; :func:`_fast_preprocess` reads them in place
    (and makes them contiguous, as the processor would have, before any fallback)."""
    import numpy as np
    import torch

    plain = (device is None and input_data_format in (None, "channels_last")
             and all(isinstance(v, np.ndarray) and v.ndim == 4 and v.dtype == np.uint8 and v.shape[-1] == 3
                     and v.shape[1] not in (1, 3) for v in videos))
    if not plain:
        return type(self).__mro__[1]._prepare_input_videos(self, videos, do_convert_rgb=do_convert_rgb,
                                                            input_data_format=input_data_format, device=device)
    return [torch.from_numpy(v).permute(0, 3, 1, 2) for v in videos]  # 3 channels: already RGB


def fast_video_processor(video_processor: Any, *, shared: bool = True) -> Any:
    """A shallow copy of a Qwen-VL video processor with the fast exact ``_preprocess`` (module
    docstring); ``shared``: its output lives in shared memory (for a decode worker to hand back)."""
    base = type(video_processor)
    cls = _FAST_CLASSES.get(base)
    if cls is None:
        cls = _FAST_CLASSES[base] = type(f"VideorlFast{base.__name__}", (base,), {
            "_preprocess": _fast_preprocess, "_prepare_input_videos": _fast_prepare_input_videos})
    fast = copy.copy(video_processor)
    fast.__class__ = cls
    fast.videorl_shared = shared
    return fast


def fast_processor(processor: Any, *, shared: bool = True) -> Any:
    """A shallow copy of a Qwen-VL processor whose video processor is :func:`fast_video_processor`'s."""
    fast = copy.copy(processor)
    fast.video_processor = fast_video_processor(processor.video_processor, shared=shared)
    return fast
