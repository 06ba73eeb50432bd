"""What the synthesis tools (DarkEventInfer, MixVidQA) share: decoding with exact frame times and
writing an H.264 file atomically.

Frame times are the sampler's (:func:`videorl.video.pyav_backend.read_timeline`): frame ``i`` is at
``times[i]`` seconds from the first frame, whatever the stream's start time. Outputs are H.264
(libx264, yuv420p, CRF 18 by default) with no audio track, written to a temporary name beside the
target and renamed into place, so an interrupted run never leaves half a video.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from videorl.video.errors import VideoDecodeError

DEFAULT_CRF = 18
DEFAULT_PRESET = "veryfast"


def even(n: int) -> int:
    """yuv420p needs even sizes: odd ones lose their last row / column."""
    return max(2, n - n % 2)


def iter_frames(path: str | os.PathLike, timeline: Any) -> Iterator[tuple[int, Any]]:
    """``(frame index, av.VideoFrame)`` for every frame, in presentation order (one pass)."""
    import av

    from videorl.video.pyav_backend import _open

    index = {p: i for i, p in enumerate(timeline.pts)}
    with _open(Path(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        try:
            for frame in container.decode(stream):
                if frame.pts is None or int(frame.pts) not in index:
                    continue
                yield index[int(frame.pts)], frame
        except av.error.FFmpegError as err:
            raise VideoDecodeError(path, f"corrupt or truncated stream ({err})") from err


def black_frame(width: int, height: int) -> np.ndarray:
    """A black yuv420p picture as PyAV's ``from_ndarray`` wants it (Y = 16, U = V = 128)."""
    arr = np.empty((height * 3 // 2, width), np.uint8)
    arr[:height] = 16
    arr[height:] = 128
    return arr


class Writer:
    """An H.264 stream in ``time_base`` ticks; :meth:`write` takes a frame and its pts."""

    def __init__(self, container: Any, *, rate: Fraction, width: int, height: int, time_base: Fraction,
                 crf: int = DEFAULT_CRF, preset: str = DEFAULT_PRESET):
        self.container = container
        self.width, self.height = width, height
        self.stream = container.add_stream("libx264", rate=rate)
        self.stream.width, self.stream.height, self.stream.pix_fmt = width, height, "yuv420p"
        self.stream.time_base = time_base
        self.stream.codec_context.time_base = time_base
        self.stream.options = {"crf": str(crf), "preset": preset}
        self.time_base = time_base
        self.frames = 0

    def write(self, frame: Any, pts: int) -> None:
        from av.video.frame import PictureType

        if frame.format.name != "yuv420p" or frame.width != self.width or frame.height != self.height:
            frame = frame.reformat(width=self.width, height=self.height, format="yuv420p")
        frame.pts = int(pts)
        frame.time_base = self.time_base
        frame.pict_type = PictureType.NONE  # let the encoder choose (do not copy the source's keyframes)
        self.container.mux(self.stream.encode(frame))
        self.frames += 1

    def write_array(self, yuv: np.ndarray, pts: int) -> None:
        import av

        self.write(av.VideoFrame.from_ndarray(yuv, format="yuv420p"), pts)


@contextlib.contextmanager
def open_writer(path: str | os.PathLike, **kwargs: Any) -> Iterator[Writer]:
    """A :class:`Writer` on a temporary file beside ``path``, renamed to ``path`` on success."""
    import av

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.part{target.suffix}")
    try:
        with av.open(str(tmp), mode="w") as container:
            writer = Writer(container, **kwargs)
            yield writer
            container.mux(writer.stream.encode(None))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
