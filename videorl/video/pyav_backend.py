"""PyAV: the timeline of a file (packet timestamps, no decoding) and the default decoder.

The timeline is what every backend's frame indices refer to: frame ``i`` is the ``i``-th frame in
presentation order, its time is its pts minus the first frame's pts. Reading it demuxes the whole
file once (about 1-2 % of the decode time) and also validates the container before decord or
torchcodec touch it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from videorl.video.errors import VideoDecodeError, VideoNotFoundError
from videorl.video.meta import VideoInfo


@dataclass
class Timeline:
    """Presentation timestamps of every frame of the first video stream."""

    info: VideoInfo
    pts: list[int]
    """Sorted frame pts in stream time-base ticks."""
    time_base: Fraction
    times: np.ndarray
    """Seconds from the first frame: ``i / fps`` for CFR files, ``(pts_i - pts_0) * time_base`` for VFR."""


def _open(path: Path):
    import av

    if not path.exists():
        raise VideoNotFoundError(path, "no such file")
    if not path.is_file():
        raise VideoNotFoundError(path, "not a regular file")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as err:
        raise VideoDecodeError(path, f"not a readable video ({err})") from err
    if not container.streams.video:
        container.close()
        raise VideoDecodeError(path, "no video stream")
    return container


def _declared_duration(container, stream) -> float | None:
    """What the headers say the video stream lasts: the stream's own duration (mp4 ``moov``), else
    its Matroska ``DURATION`` tag, else the container's duration when the video is its only stream
    (with audio, the container's duration may be the audio's)."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    tag = (stream.metadata or {}).get("DURATION") or (stream.metadata or {}).get("duration")
    if tag:
        try:
            h, m, sec = tag.split(":")
            return int(h) * 3600 + int(m) * 60 + float(sec)
        except ValueError:
            pass
    if container.duration and len(container.streams) == 1:
        return container.duration / 1_000_000
    return None


def read_timeline(path: str | os.PathLike) -> Timeline:
    """Demux (do not decode) the first video stream and return its frame timestamps."""
    import av

    path = Path(path)
    with _open(path) as container:
        stream = container.streams.video[0]
        tb = stream.time_base or Fraction(1, 90000)
        pts, durs = [], []
        try:
            for packet in container.demux(stream):
                if packet.size and packet.pts is not None:
                    pts.append(int(packet.pts))
                    durs.append(int(packet.duration or 0))
        except av.error.FFmpegError as err:
            raise VideoDecodeError(path, f"corrupt or truncated stream ({err})") from err
        width, height = stream.codec_context.width, stream.codec_context.height
        codec = stream.codec_context.name
        declared = _declared_duration(container, stream)
    if not pts:
        raise VideoDecodeError(path, "the video stream has no frames")
    if not width or not height:
        raise VideoDecodeError(path, "the video stream has no frame size")
    order = np.argsort(pts, kind="stable")
    pts = [pts[i] for i in order]
    durs = [durs[i] for i in order]
    deltas = np.diff(pts) if len(pts) > 1 else np.array([durs[-1] or 1])
    last_dur = durs[-1] if durs[-1] > 0 else int(np.median(deltas))
    span_ticks = pts[-1] - pts[0] + max(last_dur, 1)
    duration = Fraction(span_ticks) * tb
    fps = Fraction(len(pts)) / duration
    vfr = bool(len(deltas) > 1 and deltas.max() - deltas.min() > 1)
    if vfr:
        times = np.array([float((p - pts[0]) * tb) for p in pts])
    else:
        times = np.arange(len(pts), dtype=np.float64) / float(fps)
    info = VideoInfo(path=str(path), fps=float(fps), frames=len(pts), duration=float(duration), width=width,
                     height=height, stream_start=float(pts[0] * tb), vfr=vfr, codec=codec,
                     declared_duration=declared)
    return Timeline(info=info, pts=pts, time_base=tb, times=times)


def decode(path: str | os.PathLike, timeline: Timeline, indices: np.ndarray, height: int, width: int,
           threads: int = 0) -> np.ndarray:
    """Decode the frames at ``indices`` (sorted, unique) resized to ``height x width``: uint8 [T, H, W, 3].

    One sequential pass (seek to the keyframe before the first wanted frame when it is more than
    1 s in), stopping after the last wanted frame. Frames are matched by pts, resized by swscale
    (``to_ndarray(width, height)``, FFmpeg's default bilinear filter, area-aware when shrinking).
    """
    import av

    path = Path(path)
    want = {timeline.pts[i]: k for k, i in enumerate(indices)}
    out = np.empty((len(indices), height, width, 3), np.uint8)
    got = 0
    last_pts = timeline.pts[int(indices[-1])]
    with _open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if threads:
            stream.codec_context.thread_count = threads
        first = int(indices[0])
        if timeline.times[first] > 1.0:
            container.seek(timeline.pts[first], stream=stream, backward=True, any_frame=False)
        try:
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                k = want.get(int(frame.pts))
                if k is not None:
                    out[k] = frame.to_ndarray(width=width, height=height, format="rgb24")
                    got += 1
                if frame.pts >= last_pts:
                    break
        except av.error.FFmpegError as err:
            raise VideoDecodeError(path, f"corrupt or truncated stream ({err})") from err
    if got != len(indices):
        raise VideoDecodeError(path, f"decoded {got} of {len(indices)} requested frames: truncated or corrupt stream")
    return out
