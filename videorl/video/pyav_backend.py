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


SKIP_NONREF_CODECS = frozenset({"h264", "hevc"})
"""Codecs whose decoder honours ``skip_frame = NONREF`` packet by packet (FFmpeg's h264 and hevc read
it per slice): :func:`decode` skips their non-reference frames that are not wanted."""

THREAD_TYPE = "AUTO"
"""PyAV ``thread_type`` of :func:`decode`: ``AUTO`` (frame + slice threads: the lowest latency for one
video) by default; decode worker processes set ``NONE`` (:func:`set_decode_threads`): a single thread
costs about a quarter less CPU per video, and the workers already run in parallel."""


def full_decode() -> bool:
    """``VIDEORL_DECODE_FULL=1``: decode every frame as before the skip (no ``NONREF`` skipping, and decode
    workers keep PyAV's frame threads): the same pixels, more CPU. For ruling the skip out when a decode
    looks wrong, and for measuring the engine as it was (``benchmarks/bench_predict.py``)."""
    return os.environ.get("VIDEORL_DECODE_FULL", "") == "1"


def set_decode_threads(thread_type: str) -> None:
    """Set :data:`THREAD_TYPE` for this process (``"AUTO"``, ``"FRAME"``, ``"SLICE"`` or ``"NONE"``)."""
    global THREAD_TYPE
    if thread_type not in ("AUTO", "FRAME", "SLICE", "NONE"):
        raise ValueError(f"thread_type must be AUTO, FRAME, SLICE or NONE, got {thread_type!r}")
    THREAD_TYPE = thread_type


def decode(path: str | os.PathLike, timeline: Timeline, indices: np.ndarray, height: int, width: int,
           threads: int = 0, skip_unwanted: bool | None = None, stats: dict | None = None) -> np.ndarray:
    """Decode the frames at ``indices`` (sorted, unique) resized to ``height x width``: uint8 [T, H, W, 3].

    One sequential pass (seek to the keyframe before the first wanted frame when it is more than
    1 s in), stopping after the last wanted frame. Frames are matched by pts, resized by swscale
    (the pixels of ``to_ndarray(width, height)``: FFmpeg's default bilinear filter, area-aware when
    shrinking, through one reused context); only the wanted frames are converted.

    ``skip_unwanted`` (default: on unless :func:`full_decode`; H.264 / HEVC, :data:`SKIP_NONREF_CODECS`): each packet is demuxed first, and one
    that is not wanted is decoded with ``skip_frame = NONREF``, so a non-reference frame (most
    B-frames) nobody asked for is not decoded at all; reference frames always are, so every wanted
    frame decodes to the same pixels (tested against a full decode). About a quarter of the frames of
    an x264 ``veryfast`` file are skipped. Should a decoder ever return fewer wanted frames that way,
    the video is decoded again in full. ``stats`` (a dict) receives ``frames`` (frames the decoder
    returned), ``skipping`` (whether the skip was on) and ``retried`` (the full decode had to follow).
    """
    path = Path(path)
    stats = {} if stats is None else stats
    stats.update(frames=0, skipping=False, retried=False)
    if skip_unwanted is None:
        skip_unwanted = not full_decode()
    if skip_unwanted and timeline.info.codec in SKIP_NONREF_CODECS:
        stats["skipping"] = True
        try:
            return _decode(path, timeline, indices, height, width, threads, True, stats)
        except VideoDecodeError as err:
            if "requested frames" not in str(err):
                raise
            stats.update(frames=0, retried=True)
    return _decode(path, timeline, indices, height, width, threads, False, stats)


def _decode(path: Path, timeline: Timeline, indices: np.ndarray, height: int, width: int, threads: int,
            skip: bool, stats: dict) -> np.ndarray:
    import av
    from av.video.reformatter import VideoReformatter

    sws = VideoReformatter()  # one swscale context for every frame (``to_ndarray(w, h)`` makes one per frame)
    want = {timeline.pts[i]: k for k, i in enumerate(indices)}
    out = np.empty((len(indices), height, width, 3), np.uint8)
    got = 0
    last_pts = timeline.pts[int(indices[-1])]

    def take(frames) -> bool:
        """Convert the wanted ones among ``frames``; True once the last wanted frame is reached."""
        nonlocal got
        for frame in frames:
            stats["frames"] += 1
            if frame.pts is None:
                continue
            k = want.get(int(frame.pts))
            if k is not None:
                out[k] = sws.reformat(frame, width=width, height=height, format="rgb24").to_ndarray()
                got += 1
            if frame.pts >= last_pts:
                return True
        return False

    with _open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = THREAD_TYPE
        if threads:
            stream.codec_context.thread_count = threads
        first = int(indices[0])
        if timeline.times[first] > 1.0:
            container.seek(timeline.pts[first], stream=stream, backward=True, any_frame=False)
        try:
            if not skip:
                take(container.decode(stream))
            else:
                ctx = stream.codec_context
                mode = None
                for packet in container.demux(stream):
                    wanted = packet.pts is None or int(packet.pts) in want
                    if mode != wanted:  # NONREF: the decoder drops this packet if nothing refers to it
                        ctx.skip_frame, mode = ("DEFAULT" if wanted else "NONREF"), wanted
                    if take(ctx.decode(packet)):
                        break
                else:
                    ctx.skip_frame = "DEFAULT"
                    take(ctx.decode(None))  # flush the delayed frames (PyAV may have sent an empty packet)
        except av.error.FFmpegError as err:
            raise VideoDecodeError(path, f"corrupt or truncated stream ({err})") from err
    if got != len(indices):
        raise VideoDecodeError(path, f"decoded {got} of {len(indices)} requested frames: truncated or corrupt stream")
    return out
