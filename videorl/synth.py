"""Coded synthetic videos: every frame carries its own index and the state of scripted events.

Tests, benchmarks and the end-to-end demo need videos whose ground truth can be read back from any
decoded (and resized, recompressed) frame. :func:`make_video` writes an H.264 mp4 with PyAV;
:func:`read_frame_code` reads the code back.

The code
--------
The top quarter of the frame is a grid of 2 rows x 14 columns of black/white cells (row-major):

====== =====================================================
cell   meaning
====== =====================================================
0      guard, always white
1-16   frame index, 16 bits, most significant first
17-24  event visibility, bit k = event k visible (k < 8)
25     even parity of the index bits
26     even parity of the event bits
27     guard, always black
====== =====================================================

A cell of a 320x240 frame is about 23x30 pixels, so it survives H.264 at default quality and
downscaling to 1/8 (40x30, cells of 2.9x3.75 px): the reader averages the central half of each
cell and thresholds it half way between the two guards. Below the band the background hue cycles
with the index and each visible event ``k`` is drawn as a coloured block in column ``k``.

Time
----
Frame ``i`` is shown at ``start_offset + t_i`` in stream time, where ``t_i = i / fps`` (constant
frame rate) or, with ``vfr=True``, frame durations cycle through ``0.5, 1.25, 1.25`` times
``1 / fps`` (the average rate stays ``fps``). An event ``(t0, t1)`` is visible on frame ``i`` when
``t0 <= t_i < t1``; times are counted from the first frame, like everywhere in videorl.
"""

from __future__ import annotations

import colorsys
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

ROWS, COLS = 2, 14
INDEX_BITS, EVENT_BITS = 16, 8
MAX_INDEX = (1 << INDEX_BITS) - 1
_VFR_PATTERN = (Fraction(1, 2), Fraction(5, 4), Fraction(5, 4))  # mean 1 (x 1/fps)
_EVENT_COLOURS = [(230, 40, 40), (40, 200, 40), (40, 80, 230), (230, 200, 30),
                  (200, 40, 200), (30, 200, 200), (240, 130, 20), (120, 60, 20)]


class FrameCodeError(ValueError):
    """The frame carries no readable code (guards too close, or a parity check failed)."""


@dataclass(frozen=True)
class Event:
    """A scripted event visible from ``start`` (inclusive) to ``end`` (exclusive), in seconds."""

    start: float
    end: float
    label: str = ""


@dataclass(frozen=True)
class FrameCode:
    """What :func:`read_frame_code` reads from one frame."""

    index: int
    events_visible: tuple[bool, ...]


@dataclass
class SynthVideo:
    """What :func:`make_video` wrote: the truth the tests compare against."""

    path: Path
    fps: Fraction
    n_frames: int
    times: list[float]
    """Presentation time of each frame in seconds from the first frame."""
    size: tuple[int, int]
    start_offset: float = 0.0
    events: list[Event] = field(default_factory=list)
    vfr: bool = False

    @property
    def duration(self) -> float:
        """``n_frames / fps`` (for VFR too, since the average rate is ``fps``)."""
        return float(self.n_frames / self.fps)

    def visible(self, index: int) -> tuple[bool, ...]:
        """Event visibility on frame ``index``."""
        t = self.times[index]
        return tuple(e.start <= t < e.end for e in self.events)


def as_fraction(fps: float | Fraction) -> Fraction:
    """A frame rate as an exact fraction; NTSC rates (23.976, 29.97, 59.94) become ``N*1000/1001``."""
    if isinstance(fps, Fraction):
        return fps
    for base in (24, 30, 60):
        if abs(fps - base * 1000 / 1001) < 5e-3:
            return Fraction(base * 1000, 1001)
    return Fraction(fps).limit_denominator(1001)


def encode_bits(index: int, visible: Sequence[bool]) -> list[int]:
    """The 28 cell values (1 = white) for frame ``index`` with event states ``visible``."""
    if not 0 <= index <= MAX_INDEX:
        raise ValueError(f"frame index {index} does not fit in {INDEX_BITS} bits")
    if len(visible) > EVENT_BITS:
        raise ValueError(f"at most {EVENT_BITS} events can be coded, got {len(visible)}")
    idx_bits = [(index >> (INDEX_BITS - 1 - b)) & 1 for b in range(INDEX_BITS)]
    ev_bits = [int(bool(v)) for v in visible] + [0] * (EVENT_BITS - len(visible))
    return [1, *idx_bits, *ev_bits, sum(idx_bits) % 2, sum(ev_bits) % 2, 0]


def _cell_edges(n: int, cells: int) -> list[int]:
    return [round(i * n / cells) for i in range(cells + 1)]


def draw_frame(index: int, visible: Sequence[bool], width: int, height: int,
               rng: np.random.Generator | None = None) -> np.ndarray:
    """Render frame ``index`` as uint8 ``[height, width, 3]`` (see the module docstring)."""
    r, g, b = colorsys.hsv_to_rgb((index * 0.013) % 1.0, 0.45, 0.75)
    img = np.empty((height, width, 3), np.uint8)
    img[:] = (int(r * 255), int(g * 255), int(b * 255))
    band = height // 4
    ys, xs = _cell_edges(band, ROWS), _cell_edges(width, COLS)
    for c, bit in enumerate(encode_bits(index, visible)):
        row, col = divmod(c, COLS)
        img[ys[row]:ys[row + 1], xs[col]:xs[col + 1]] = 255 if bit else 0
    ex = _cell_edges(width, EVENT_BITS)
    y0, y1 = band + (height - band) // 3, band + 2 * (height - band) // 3
    for k, vis in enumerate(visible):
        if vis:
            img[y0:y1, ex[k] + 2:ex[k + 1] - 2] = _EVENT_COLOURS[k % len(_EVENT_COLOURS)]
    if rng is not None:  # texture + grain: realistic bitrate for benchmarks
        y2 = band + 2 * (height - band) // 3 + 4
        tile = rng.integers(0, 256, size=((height - y2) // 16 + 1, width // 16 + 1, 1), dtype=np.uint8)
        tex = np.repeat(np.repeat(tile, 16, axis=0), 16, axis=1)
        tex = np.roll(tex, 4 * index, axis=1)[: height - y2, :width]
        img[y2:] = tex
        grain = rng.integers(-6, 7, size=(height - band, width, 1), dtype=np.int16)
        img[band:] = np.clip(img[band:].astype(np.int16) + grain, 0, 255).astype(np.uint8)
    return img


def frame_times(n_frames: int, fps: Fraction, vfr: bool = False) -> list[Fraction]:
    """Exact presentation times of ``n_frames`` frames from the first one."""
    if not vfr:
        return [Fraction(i) / fps for i in range(n_frames)]
    out, t = [], Fraction(0)
    for i in range(n_frames):
        out.append(t)
        t += _VFR_PATTERN[i % len(_VFR_PATTERN)] / fps
    return out


def make_video(path: str | os.PathLike, *, duration: float, fps: float | Fraction = 30,
               size: tuple[int, int] = (320, 240), events: Sequence[Event | tuple[float, float]] = (),
               start_offset: float = 0.0, codec: str = "h264", gop: int | None = None, vfr: bool = False,
               crf: int = 20, preset: str = "veryfast", texture: bool = False, seed: int = 0,
               options: dict[str, str] | None = None) -> SynthVideo:
    """Write a coded video of ``round(duration * fps)`` frames and return its ground truth.

    ``size`` is ``(width, height)`` (even numbers, as yuv420p needs). ``start_offset`` shifts the
    stream's first timestamp (a stream that starts at 2.0 s). ``gop`` sets the keyframe interval
    (default: the encoder's). ``texture`` adds a moving texture and grain for realistic bitrates.
    ``codec`` is an FFmpeg encoder name or ``"h264"`` (libx264); the container follows the suffix.
    ``options`` are extra encoder options (e.g. ``{"deadline": "realtime", "cpu-used": "8"}`` for a
    fast VP9 encode).
    """
    import av

    width, height = size
    if width % 2 or height % 2 or width < 16 or height < 16:
        raise ValueError(f"size must be even and >= 16 pixels, got {size}")
    rate = as_fraction(fps)
    n = round(duration * rate)
    if n < 1:
        raise ValueError(f"duration {duration} s at {float(rate)} fps gives no frame")
    evs = [e if isinstance(e, Event) else Event(float(e[0]), float(e[1])) for e in events]
    times = frame_times(n, rate, vfr)
    # Time base: 1/numerator makes CFR pts integers (30 fps: 1/30; 29.97: 1/30000 with steps of
    # 1001); VFR uses 1/(4 * numerator) so the 1/2 and 5/4 frame durations are integers too.
    tb = Fraction(1, rate.numerator * (4 if vfr else 1))
    offset_ticks = round(Fraction(start_offset) / tb)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed) if texture else None
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264" if codec == "h264" else codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = tb
        stream.codec_context.time_base = tb
        if gop is not None:
            stream.codec_context.gop_size = gop
        if codec in ("h264", "libx264"):
            stream.options = {"crf": str(crf), "preset": preset}
        if options:
            stream.options = {**stream.options, **options}
        for i, t in enumerate(times):
            vis = tuple(e.start <= float(t) < e.end for e in evs)
            frame = av.VideoFrame.from_ndarray(draw_frame(i, vis, width, height, rng), format="rgb24")
            frame.pts = offset_ticks + int(t / tb)
            frame.time_base = tb
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return SynthVideo(path=path, fps=rate, n_frames=n, times=[float(t) for t in times], size=(width, height),
                      start_offset=float(offset_ticks * tb), events=evs, vfr=vfr)


def read_frame_code(frame: np.ndarray) -> FrameCode:
    """Read the index and event states from a uint8 ``[H, W, 3]`` frame (any resize down to ~1/8).

    Raises :class:`FrameCodeError` when the guards are not clearly white/black or a parity fails.
    """
    arr = np.asarray(frame)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise FrameCodeError(f"expected an [H, W, 3] frame, got shape {arr.shape}")
    height, width = arr.shape[:2]
    gray = arr.astype(np.float32).mean(axis=2)
    band = height / 4
    vals = []
    for c in range(ROWS * COLS):
        row, col = divmod(c, COLS)
        y0, y1 = (row + 0.25) * band / ROWS, (row + 0.75) * band / ROWS
        x0, x1 = (col + 0.25) * width / COLS, (col + 0.75) * width / COLS
        ya, yb = int(y0), max(int(y0) + 1, int(np.ceil(y1)))
        xa, xb = int(x0), max(int(x0) + 1, int(np.ceil(x1)))
        vals.append(float(gray[ya:yb, xa:xb].mean()))
    white, black = vals[0], vals[-1]
    if white - black < 80:
        raise FrameCodeError(f"no frame code: guard cells {white:.0f} / {black:.0f} are not white / black")
    bits = [int(v > (white + black) / 2) for v in vals]
    idx_bits, ev_bits = bits[1:17], bits[17:25]
    if sum(idx_bits) % 2 != bits[25] or sum(ev_bits) % 2 != bits[26]:
        raise FrameCodeError("frame code parity check failed")
    index = int("".join(map(str, idx_bits)), 2)
    return FrameCode(index=index, events_visible=tuple(bool(b) for b in ev_bits))
