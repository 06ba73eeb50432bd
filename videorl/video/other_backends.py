"""Optional decoders: decord (in a child process, with a timeout) and torchcodec.

Both get the frame indices from the PyAV timeline (:mod:`videorl.video.pyav_backend`), which has
already validated the container, so every backend returns the same frames for the same request.

decord is known to hang inside native code while holding the GIL (dmlc/decord #269, #373), which
no thread can interrupt, so it runs in a child process (``python -m videorl.video._decord_worker``)
that is killed after ``timeout`` seconds (default 120, or ``$VIDEORL_DECODE_TIMEOUT``); the
frames come back through a temporary ``.npy`` file. This costs about 0.3 s of process start-up per
call, which the frame cache amortises.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from videorl.video.errors import VideoDecodeError, VideoTimeoutError


def decode_timeout() -> float:
    return float(os.environ.get("VIDEORL_DECODE_TIMEOUT", "120"))


def decord_decode(path: str | os.PathLike, indices: np.ndarray, height: int, width: int,
                  total_frames: int, timeout: float | None = None) -> np.ndarray:
    """Frames at ``indices`` via decord's decoder-side resize, in a killable child process."""
    timeout = decode_timeout() if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="videorl-decord-") as tmp:
        out = Path(tmp) / "frames.npy"
        job = {"path": str(path), "indices": [int(i) for i in indices], "height": height, "width": width,
               "total_frames": total_frames, "out": str(out)}
        try:
            proc = subprocess.run([sys.executable, "-m", "videorl.video._decord_worker", json.dumps(job)],
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as err:
            raise VideoTimeoutError(path, f"decord did not finish within {timeout:g} s (killed)") from err
        if proc.returncode != 0:
            lines = (proc.stderr or "").strip().splitlines()
            raise VideoDecodeError(path, f"decord failed: {lines[-1] if lines else f'exit {proc.returncode}'}")
        return np.load(out)


def torchcodec_decode(path: str | os.PathLike, indices: np.ndarray, height: int, width: int) -> np.ndarray:
    """Frames at ``indices`` via torchcodec (exact seek mode), resized with PIL bicubic (antialiased)."""
    from PIL import Image
    from torchcodec.decoders import VideoDecoder

    try:
        dec = VideoDecoder(str(path), dimension_order="NHWC", seek_mode="exact")
        batch = dec.get_frames_at(indices=[int(i) for i in indices]).data.numpy()
    except (RuntimeError, ValueError, IndexError) as err:
        raise VideoDecodeError(path, f"torchcodec failed: {err}") from err
    return resize_frames(batch, height, width, Image)


def resize_frames(frames: np.ndarray, height: int, width: int, image_module=None) -> np.ndarray:
    """Resize uint8 ``[T, h, w, 3]`` frames to ``height x width`` with PIL bicubic."""
    if frames.shape[1:3] == (height, width):
        return np.ascontiguousarray(frames)
    if image_module is None:
        from PIL import Image as image_module
    out = np.empty((len(frames), height, width, 3), np.uint8)
    for k, fr in enumerate(frames):
        out[k] = np.asarray(image_module.fromarray(fr).resize((width, height), image_module.BICUBIC))
    return out
