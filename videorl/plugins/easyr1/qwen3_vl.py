"""Qwen3-VL in EasyR1 with exact time: a processor overlay of the model folder.

EasyR1 (pinned commit) calls the Qwen3-VL processor with the frames qwen-vl-utils returned and no
``video_metadata``. transformers 4.57 then (1) samples the frames again (``do_sample_frames`` is
true in the released ``video_preprocessor_config.json``) assuming 24 fps, so 16 frames become 4,
and (2) writes ``<t seconds>`` from ``frame index / 24``. The actor's worker processes the same
frames with the *image* processor, whose released ``min_pixels`` (65536) upscales video frames, so
features and tokens no longer match (``qwen3_vl.py:170`` in EasyR1).

:func:`build_overlay` writes a folder EasyR1 can use as ``worker.actor.model.model_path``: every
file of the model is a symbolic link, except

- ``video_preprocessor_config.json``: ``do_sample_frames`` false (the frames are already sampled)
  and no total-pixel budget (the worker's per-frame image processor has none either);
- ``preprocessor_config.json``: the image bounds lowered to the recipe's ``data.min_pixels`` so the
  worker's image processor leaves the video frames at their size;
- ``processor_config.json`` + ``videorl_qwen3_vl_processor.py``: ``auto_map`` to
  :class:`VideorlQwen3VLProcessor` (loaded with ``trust_remote_code``), which gives frames that
  arrive without metadata the clock of a frame list: ``index / 2`` s (qwen-vl-utils' frame-list
  rate, which ``videorl data export easyr1 --frames-cache`` samples at exactly).

vLLM 0.11 (rollouts) loads the plain ``Qwen3VLProcessor`` class from the same folder and receives
qwen-vl-utils' metadata from EasyR1 (fps 2, indices 0..n-1), so it writes the same markers.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FRAME_LIST_FPS = 2.0
"""The rate qwen-vl-utils 0.0.14 assumes for a list of frames (``sample_fps`` default)."""
VIDEO_BUDGET = 1 << 34
"""Pixels over all frames of a video the overlay's video processor allows (only rounding applies)."""
MODULE = "videorl_qwen3_vl_processor"
CLASS = "VideorlQwen3VLProcessor"
OWN_FILES = ("preprocessor_config.json", "video_preprocessor_config.json", "processor_config.json", f"{MODULE}.py")


def _processor_class():
    from transformers import Qwen3VLProcessor

    class VideorlQwen3VLProcessor(Qwen3VLProcessor):
        """``Qwen3VLProcessor`` that dates metadata-less frames as a 2 fps frame list (see module doc)."""

        def __call__(self, images=None, text=None, videos=None, **kwargs: Any):
            if videos is not None and kwargs.get("video_metadata") is None:
                vids = videos if isinstance(videos, (list, tuple)) else [videos]
                kwargs["video_metadata"] = [{"fps": FRAME_LIST_FPS, "total_num_frames": len(v),
                                             "frames_indices": list(range(len(v)))} for v in vids]
                kwargs["do_sample_frames"] = False
            return super().__call__(images=images, text=text, videos=videos, **kwargs)

    VideorlQwen3VLProcessor.__name__ = VideorlQwen3VLProcessor.__qualname__ = CLASS
    VideorlQwen3VLProcessor.__module__ = __name__
    return VideorlQwen3VLProcessor


def __getattr__(name: str):  # the class is built on first use: importing this module needs no transformers
    if name == CLASS:
        cls = _processor_class()
        globals()[CLASS] = cls
        return cls
    raise AttributeError(name)


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.is_file() else {}


def resolve_model(model: str) -> Path:
    """A local model folder, or a hub id downloaded with ``huggingface_hub`` (GPU nodes have network)."""
    p = Path(model).expanduser()
    if p.is_dir():
        if not (p / "config.json").is_file():
            raise FileNotFoundError(f"{p} has no config.json: not a model folder")
        return p.resolve()
    if p.exists() or model.startswith((".", "/")):
        raise FileNotFoundError(f"model folder not found: {model}")
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(model))


def build_overlay(model: str | os.PathLike, out: str | os.PathLike, *, min_pixels: int = 3136) -> Path:
    """Write the processor overlay of a Qwen3-VL model folder (or hub id) to ``out``; return it.

    Re-running replaces the overlay (the model's files are never touched).
    """
    from videorl.io import atomic_write

    src = resolve_model(str(model))
    cfg = _read(src / "config.json")
    if cfg.get("model_type") != "qwen3_vl":
        raise ValueError(f"{src}: model_type {cfg.get('model_type')!r} is not qwen3_vl; the overlay is for Qwen3-VL "
                         "(Qwen2.5-VL needs none)")
    dst = Path(out)
    dst.mkdir(parents=True, exist_ok=True)
    for item in src.iterdir():
        if item.name in OWN_FILES or item.name.startswith("."):
            continue
        link = dst / item.name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(item.resolve())
    image = _read(src / "preprocessor_config.json")
    size = dict(image.get("size") or {})
    size["shortest_edge"] = min(int(size.get("shortest_edge", min_pixels)), int(min_pixels))
    image.update(size=size, min_pixels=size["shortest_edge"])
    video = _read(src / "video_preprocessor_config.json")
    video["do_sample_frames"] = False
    # the released budget (25165824 pixels over all frames) would shrink frames of clips longer than
    # ~270 s at 160x288, which the worker's per-frame image processor does not: keep rounding only
    vsize = dict(video.get("size") or {})
    vsize["longest_edge"] = max(int(vsize.get("longest_edge", 0)), VIDEO_BUDGET)
    video["size"] = vsize
    proc = _read(src / "processor_config.json")
    proc.update(processor_class=CLASS, auto_map={"AutoProcessor": f"{MODULE}.{CLASS}"})
    files = {"preprocessor_config.json": image, "video_preprocessor_config.json": video,
             "processor_config.json": proc}
    for name, data in files.items():
        with atomic_write(dst / name) as fh:
            fh.write(json.dumps(data, indent=2) + "\n")
    with atomic_write(dst / f"{MODULE}.py") as fh:
        fh.write(f'"""Written by `videorl easyr1 overlay` (videorl.plugins.easyr1.qwen3_vl)."""\n'
                 f"from videorl.plugins.easyr1.qwen3_vl import {CLASS}  # noqa: F401\n")
    return dst
