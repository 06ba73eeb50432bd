"""Video-MTR's ``relevant_sample_frames``: which sampled frames fall inside a ground-truth span.

Video-MTR marks sampled frame ``i`` relevant when its time ``linspace(0, total - 1, n)[i] / fps``
lies in any GT span. We compute the same from **our** sampler's frames (exact times ``clip_start +
k / fps`` snapped to the nearest real frame, even count; :func:`videorl.video.sample_frames`), so
the indices are those of the frames a videorl backend or environment actually shows: frame ``k`` is
relevant when its video time ``t_k`` satisfies ``s <= t_k <= e`` for some span ``[s, e]``.

Written into each record's ``meta`` (read by the multi-turn environment):

- ``relevant_sample_frames``: list of int, indices into the sampled frames (0-based);
- ``relevant_frames_setting``: ``{"fps", "nframes", "clip", "num_frames", "sampler_version"}``, the
  sampling the indices refer to (``clip`` is the record's clip, video seconds).

Only frame *times* are needed, so nothing is decoded: the file is demuxed once for its timestamps.
"""

from __future__ import annotations

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


def annotate(record: SampleRecord, path: str | os.PathLike, *, fps: float | None = None,
             nframes: int | None = None) -> SampleRecord:
    """``record`` with ``meta["relevant_sample_frames"]`` and ``meta["relevant_frames_setting"]``."""
    from videorl.video.meta import SAMPLER_VERSION

    if not record.spans:
        raise RecordError("has no span: relevant frames need a ground-truth span", field="spans")
    if fps is None and nframes is None:
        fps = 2.0
    _, times = sampled_frame_times(path, fps=fps, nframes=nframes, clip=record.clip)
    meta = dict(record.meta)
    meta["relevant_sample_frames"] = relevant_indices(times, record.spans)
    meta["relevant_frames_setting"] = {"fps": fps, "nframes": nframes, "clip": record.clip, "num_frames": len(times),
                                       "sampler_version": SAMPLER_VERSION}
    d = record.to_dict()
    d["meta"] = meta
    return SampleRecord.from_dict(d)


def annotate_file(records_path: str | os.PathLike, *, video_dir: str | os.PathLike | None = None,
                  fps: float | None = None, nframes: int | None = None, limit_videos: int | None = None,
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
            out.append(annotate(rec, resolve_video(rec, video_dir), fps=fps, nframes=nframes))
        except VideoError as err:
            if not skip_invalid:
                raise RecordError(str(err), path=records_path, line=line,
                                  field="clip" if isinstance(err, ClipError) else "video") from None
            skipped.append({"id": rec.id, "line": line, "reason": str(err)})
    with_none = sum(1 for r in out if not r.meta["relevant_sample_frames"])
    report = {"tool": "relevant-frames", "written": len(out), "skipped": skipped,
              "no_relevant_frame": with_none, "settings": {"fps": fps, "nframes": nframes,
                                                           "source": str(records_path)}}
    return out, report
