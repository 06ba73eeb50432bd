"""Metadata dataclasses: what a file is (:class:`VideoInfo`) and what was sampled (:class:`VideoMeta`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

SAMPLER_VERSION = 1
"""Bumped whenever the frames returned for the same request may change (it is part of cache keys)."""


@dataclass
class VideoInfo:
    """A video stream's facts, from the container headers and packet timestamps (no decoding).

    ``frames`` counts the stream's packets; ``duration`` runs from the first frame's start to the
    last frame's end; ``fps`` is the average rate ``frames / duration``; ``stream_start`` is the
    first frame's presentation time in stream seconds (2.0 for a stream that starts at 2 s).
    ``vfr`` is True when frame durations differ by more than one time-base tick.
    """

    path: str
    fps: float
    frames: int
    duration: float
    width: int
    height: int
    stream_start: float
    vfr: bool
    codec: str
    declared_duration: float | None = None
    """The duration the container headers declare for this video stream (None when they do not
    say): longer than ``duration`` by more than a frame or two means the file is truncated."""


@dataclass
class VideoMeta:
    """What :func:`videorl.video.sample_frames` returned, in enough detail to place every frame in time.

    Time is counted from the first decoded frame of the file. For a constant frame rate, frame ``i``
    is at ``i / native_fps``; for a variable frame rate (``vfr``) at its own presentation time minus
    the first frame's.
    """

    native_fps: float
    """Average frame rate of the file (frames / duration)."""
    total_frames: int
    """Frames in the whole file."""
    duration: float
    """Duration of the whole file in seconds."""
    frame_indices: list[int]
    """Absolute index (into the whole file) of each returned frame."""
    timestamps: list[float]
    """Seconds of each returned frame from the first decoded frame of the file."""
    sampled_fps: float
    """The sampling rate: ``fps``, or ``nframes / clip length`` in nframes mode. Samples are
    ``1 / sampled_fps`` apart in target time; each is the frame nearest its target."""
    clip: list[float] | None
    """``[start, end]`` in video seconds when a clip was asked for, else None."""
    height: int
    """Frame height after resizing."""
    width: int
    """Frame width after resizing."""
    backend: str
    """Decoder that produced the frames: ``pyav``, ``decord`` or ``torchcodec``."""
    vfr: bool = False
    """True when the file has a variable frame rate."""
    path: str = ""
    """The video file."""
    sampler_version: int = SAMPLER_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def origin(self) -> float:
        """Model time 0: the first returned frame's video time (the clip start, within half a frame)."""
        return self.timestamps[0] if self.timestamps else 0.0

    def model_times(self) -> list[float]:
        """Each frame's time on the model's clock: seconds since the first returned frame."""
        return [t - self.origin for t in self.timestamps]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> VideoMeta:
        names = {f.name for f in fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise ValueError(f"unknown VideoMeta fields: {sorted(unknown)}")
        return cls(**d)
