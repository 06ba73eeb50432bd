"""Video-MTR's ``relevant_sample_frames``: which frames of the pool fall inside a ground-truth span.

Two index rules, both written into each record's ``meta``:

- ``relevant_sample_frames``: indices into **the environment's own frame pool**
  (:func:`videorl.envs.video_mtr.pool_frame_times`, the function :class:`VideoMTREnv` decodes with:
  :func:`~videorl.envs.video_mtr.pool_request` + the sampler, 1 frame per second, or
  ``max_frames`` = 64 frames exactly ``duration / 64`` s apart for longer videos, every frame kept).
  Frame ``k`` is relevant when its video time ``t_k`` satisfies ``s <= t_k <= e`` for some span.
  ``relevant_frames_setting`` = ``{"fps", "max_frames", "nframes": None, "clip", "num_frames",
  "sampler_version", "pool": "video_mtr"}`` names the pool; the env refuses indices computed for
  another ``fps`` or ``max_frames``. ``--fps``/``--max-frames`` reproduce any ``MTRConfig``.
  (``--nframes N`` keeps the old fixed-count sampling: the sampler's even-count rule, no cap; its
  setting has ``fps: None``, which the env refuses.)
- ``video_mtr_relevant_sample_frames``: Video-MTR's own rule, indices into the original's pool
  (qwen-vl-utils at 1 fps, ``max_frames`` 64, an even count of at least 4:
  ``round(linspace(0, total_frames - 1, n))`` in float32 as ``torch.linspace`` computes it; frame
  ``i`` at ``idx_i / video_fps`` s), for ``videorl data export-format video-r1`` (which writes it as
  ``relevant_sample_frames``). The original cannot sample a clip, so clipped records get none.

Only frame *times* are needed, so nothing is decoded: the file is demuxed once for its timestamps.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from videorl.record import RecordError, SampleRecord, resolve_video
from videorl.video.errors import ClipError, VideoError


def sampled_frame_times(path: str | os.PathLike, *, fps: float | None = None, nframes: int | None = None,
                        clip: Sequence[float] | None = None) -> tuple[list[int], list[float]]:
    """File frame indices and video times of the frames :func:`videorl.video.sample_frames` returns
    for these settings, without decoding (a test checks both agree)."""
    from videorl.video import sizing
    from videorl.video.pyav_backend import read_timeline
    from videorl.video.sampler import _check_clip

    if fps is None and nframes is None:
        fps = 2.0
    path = Path(path)
    tl = read_timeline(path)
    c0, c1 = _check_clip(path, clip, tl.info.duration)
    targets, _ = sizing.target_times(c0, c1, fps=fps, nframes=nframes)
    idx = sizing.even_count(sizing.nearest_frames(tl.times, targets))
    return [int(i) for i in idx], [round(float(tl.times[i]), 6) for i in idx]


def relevant_indices(times: Sequence[float], spans: Sequence[Sequence[float]]) -> list[int]:
    """Indices ``k`` with ``s <= times[k] <= e`` for some span (1e-6 s tolerance for float noise)."""
    t = np.asarray(times, dtype=np.float64)
    hit = np.zeros(len(t), bool)
    for s, e in spans:
        hit |= (t >= float(s) - 1e-6) & (t <= float(e) + 1e-6)
    return [int(k) for k in np.nonzero(hit)[0]]


def video_mtr_pool_size(total_frames: int, video_fps: float, *, fps: float = 1.0, max_frames: int = 64,
                        min_frames: int = 4) -> int:
    """Frames in the original's pool: qwen-vl-utils' ``smart_nframes`` for ``{"fps", "max_frames"}``
    (``fps * duration`` clamped to ``[min_frames, max_frames]`` and to the frame count, floored to
    even; ``min_frames`` rounded up and ``max_frames`` down to even first)."""
    lo = math.ceil(min_frames / 2) * 2
    hi = math.floor(max_frames / 2) * 2
    n = total_frames / video_fps * fps
    n = min(min(max(n, lo), hi), total_frames)
    n = math.floor(n / 2) * 2
    if not 2 <= n <= total_frames:
        raise ValueError(f"the original cannot sample {total_frames} frames (nframes {n})")
    return n


def video_mtr_pool_indices(total_frames: int, video_fps: float, *, fps: float = 1.0, max_frames: int = 64) -> list[int]:
    """The original's pool as file frame indices: ``round(linspace(0, total - 1, n))``.

    ``torch.linspace`` computes in float32 with its own vectorised steps; a value within float32
    error of ``.5`` can round either way, so torch is used when it is installed (exactly as the
    original), else float64 numpy (documented class ``linspace_float64`` in docs/video_mtr.md).
    """
    n = video_mtr_pool_size(total_frames, video_fps, fps=fps, max_frames=max_frames)
    try:
        import torch
    except ImportError:
        return [int(i) for i in np.round(np.linspace(0, total_frames - 1, n))]
    return [int(i) for i in torch.linspace(0, total_frames - 1, n).round().long().tolist()]


def video_mtr_relevant_frames(total_frames: int, video_fps: float, spans: Sequence[Sequence[float]], *,
                              fps: float = 1.0, max_frames: int = 64) -> list[int]:
    """Video-MTR's own ``relevant_sample_frames``: pool positions ``i`` whose time ``idx_i / video_fps``
    lies in a span (methods.md §4.6)."""
    idx = video_mtr_pool_indices(total_frames, video_fps, fps=fps, max_frames=max_frames)
    return relevant_indices([i / video_fps for i in idx], spans)


def annotate(record: SampleRecord, path: str | os.PathLike, *, fps: float | None = None,
             nframes: int | None = None, max_frames: int | None = None) -> SampleRecord:
    """``record`` with ``meta["relevant_sample_frames"]``, ``meta["relevant_frames_setting"]`` and
    (unclipped records) ``meta["video_mtr_relevant_sample_frames"]``.

    Default: the Video-MTR environment's pool for ``MTRConfig(fps=fps or 1, max_video_frames=max_frames
    or 64)``. ``nframes``: the old fixed-count sampling (not a pool the env accepts).
    """
    from videorl.envs.video_mtr import MTRConfig, pool_frame_times
    from videorl.video.meta import SAMPLER_VERSION
    from videorl.video.pyav_backend import read_timeline

    if not record.spans:
        raise RecordError("has no span: relevant frames need a ground-truth span", field="spans")
    if nframes is not None:
        if fps is not None or max_frames is not None:
            raise ValueError("nframes excludes fps and max_frames")
        _, times = sampled_frame_times(path, nframes=nframes, clip=record.clip)
        setting = {"fps": None, "nframes": nframes}
    else:
        cfg = MTRConfig(fps=1.0 if fps is None else float(fps), max_video_frames=64 if max_frames is None else max_frames)
        _, times = pool_frame_times(path, record, cfg)
        setting = {**cfg.setting(), "nframes": None, "pool": "video_mtr"}
    meta = dict(record.meta)
    meta["relevant_sample_frames"] = relevant_indices(times, record.spans)
    meta["relevant_frames_setting"] = {**setting, "clip": record.clip, "num_frames": len(times),
                                       "sampler_version": SAMPLER_VERSION}
    meta.pop("video_mtr_relevant_sample_frames", None)
    if record.clip is None:
        info = read_timeline(Path(path)).info
        mtr_max = 64 if max_frames is None or nframes is not None else max_frames
        try:
            meta["video_mtr_relevant_sample_frames"] = video_mtr_relevant_frames(info.frames, info.fps, record.spans,
                                                                                 max_frames=mtr_max)
            meta["relevant_frames_setting"]["video_mtr"] = {"total_frames": info.frames, "video_fps": info.fps,
                                                            "max_frames": mtr_max, "fps": 1.0}
        except ValueError:  # under 2 frames: the original cannot load the video either
            pass
    d = record.to_dict()
    d["meta"] = meta
    return SampleRecord.from_dict(d)


def annotate_file(records_path: str | os.PathLike, *, video_dir: str | os.PathLike | None = None,
                  fps: float | None = None, nframes: int | None = None, max_frames: int | None = None,
                  limit_videos: int | None = None,
                  skip_invalid: bool = False, show_progress: bool = True) -> tuple[list[SampleRecord], dict[str, Any]]:
    """Annotate every record with spans (records without one are skipped and counted)."""
    from tqdm import tqdm

    from videorl.data.darkevent import first_videos

    out: list[SampleRecord] = []
    skipped: list[dict[str, Any]] = []
    for line, rec in tqdm(first_videos(records_path, limit_videos), desc="relevant frames", unit="rec",
                          disable=None if show_progress else True):
        if not rec.spans:
            skipped.append({"id": rec.id, "line": line, "reason": "no span"})
            continue
        try:
            out.append(annotate(rec, resolve_video(rec, video_dir), fps=fps, nframes=nframes, max_frames=max_frames))
        except VideoError as err:
            if not skip_invalid:
                raise RecordError(str(err), path=records_path, line=line,
                                  field="clip" if isinstance(err, ClipError) else "video") from None
            skipped.append({"id": rec.id, "line": line, "reason": str(err)})
    with_none = sum(1 for r in out if not r.meta["relevant_sample_frames"])
    report = {"tool": "relevant-frames", "written": len(out), "skipped": skipped,
              "no_relevant_frame": with_none, "settings": {"fps": fps, "nframes": nframes, "max_frames": max_frames,
                                                           "source": str(records_path)}}
    return out, report
