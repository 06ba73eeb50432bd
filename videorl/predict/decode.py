"""Frames ahead of the model: one decode per distinct video, in a pool of worker processes.

:class:`Sampling` holds the sampler settings of a run (the same :func:`videorl.video.sample_frames`
arguments training and ``videorl_qwen`` use) and is picklable, so a worker process can decode with
it. :class:`FramePrefetcher` walks a list of ``(path, clip)`` keys in order and yields each item's
frames:

- requests that share a video (and clip) share one decode: Charades-STA's 3,720 test queries read
  1,334 videos, so the pool decodes 1,334 times; a decoded video is kept until its last request
  has been handed out, then dropped;
- at most ``ahead`` distinct videos are in flight or waiting (the bounded queue): memory stays
  flat however long the list is;
- ``workers = 0`` decodes inline, in the calling process, when the item is reached (the baseline
  the benchmark compares against);
- a video that fails to decode (missing file, corrupt stream, clip outside it) yields its error
  for every request of that video; the others go on.

Worker processes are forked on Linux (they only run PyAV and numpy, never torch or CUDA, so the
parent's model and thread pools are not touched; memory is shared copy-on-write) and spawned
elsewhere; ``VIDEORL_DECODE_START=spawn`` forces spawning (a script then needs the usual
``if __name__ == "__main__":`` guard).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

Key = tuple[str, tuple[float, float] | None]


@dataclass(frozen=True)
class Sampling:
    """Sampler settings of a run (see :func:`videorl.video.sample_frames`); ``frame_cache`` is a folder."""

    fps: float | None = 2.0
    nframes: int | None = None
    min_pixels: int | None = 56 * 56
    max_pixels: int | None = 448 * 252
    total_pixels: int | None = None
    patch_size: int = 14
    merge_size: int = 2
    frame_cache: str | None = None
    overlay: str | None = None
    """Timestamps / subtitles drawn on the frames (:mod:`videorl.data.overlay`), as in the exports."""

    def decode(self, path: str, clip: Sequence[float] | None = None,
               relative: str | None = None) -> tuple[Any, Any]:
        """``(frames uint8 [T, H, W, 3], VideoMeta)`` of one video (through the frame cache when set),
        with the overlay drawn when one is set (``relative``: the video path as the record gives it,
        for a subtitle folder; the file name otherwise)."""
        from videorl.video import sample_frames

        cache = None
        if self.frame_cache:
            from videorl.video.cache import FrameCache

            cache = FrameCache(self.frame_cache)
        frames, meta = sample_frames(path, fps=None if self.nframes else self.fps, nframes=self.nframes,
                                     clip=None if clip is None else list(clip), min_pixels=self.min_pixels,
                                     max_pixels=self.max_pixels, total_pixels=self.total_pixels,
                                     patch_size=self.patch_size, merge_size=self.merge_size, cache=cache)
        if self.overlay:
            from videorl.data.overlay import overlay_for

            frames = overlay_for(frames, meta, self.overlay, path, relative)
        return frames, meta


def start_method() -> str:
    """How decode workers start: ``VIDEORL_DECODE_START``, else fork on Linux and spawn elsewhere."""
    method = os.environ.get("VIDEORL_DECODE_START") or ("fork" if sys.platform.startswith("linux") else "spawn")
    if method not in multiprocessing.get_all_start_methods():
        raise ValueError(f"VIDEORL_DECODE_START={method!r} is not available here; use one of "
                         f"{multiprocessing.get_all_start_methods()}")
    return method


def _decode_job(sampling: Sampling, path: str, clip: tuple[float, float] | None) -> tuple[Any, Any, float]:
    t0 = time.perf_counter()
    frames, meta = sampling.decode(path, clip)
    return frames, meta, time.perf_counter() - t0


def video_key(path: str, clip: Sequence[float] | None) -> Key:
    """The identity of one decode: the file and the clip."""
    return (os.fspath(path), None if clip is None else (float(clip[0]), float(clip[1])))


@dataclass
class Decoded:
    """One item's frames, or the error its video raised; ``seconds`` = decode time (0 when shared)."""

    index: int
    frames: Any = None
    meta: Any = None
    error: BaseException | None = None
    seconds: float = 0.0


class FramePrefetcher:
    """Yield :class:`Decoded` for ``keys`` in order, decoding each distinct key once (module docstring)."""

    def __init__(self, sampling: Sampling, keys: Sequence[Key], *, workers: int = 1, ahead: int = 8,
                 errors: tuple[type[BaseException], ...] = (Exception,)):
        if workers < 0:
            raise ValueError(f"workers must be >= 0, got {workers}")
        if ahead < 1:
            raise ValueError(f"ahead must be >= 1, got {ahead}")
        self.sampling = sampling
        self.keys = list(keys)
        self.workers = workers
        self.ahead = ahead
        self.errors = errors
        self.decodes = 0
        """Distinct decodes started so far (one per distinct key)."""
        self.decode_seconds = 0.0
        """Decode time summed over decodes (in the workers when ``workers > 0``)."""
        self.wait_seconds = 0.0
        """Time the consumer spent waiting for frames (inline decode counts fully)."""

    def __iter__(self) -> Iterator[Decoded]:
        remaining: dict[Key, int] = {}
        order: list[Key] = []
        for key in self.keys:
            if key not in remaining:
                order.append(key)
                remaining[key] = 0
            remaining[key] += 1
        if self.workers == 0:
            yield from self._inline(remaining)
            return
        ctx = multiprocessing.get_context(start_method())
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        pending: dict[Key, Future] = {}
        done: dict[Key, Decoded] = {}
        queue = deque(order)
        try:
            for i, key in enumerate(self.keys):
                while queue and len(pending) + len(done) < self.ahead:
                    nxt = queue.popleft()
                    pending[nxt] = pool.submit(_decode_job, self.sampling, nxt[0], nxt[1])
                    self.decodes += 1
                if key not in done:
                    if key not in pending:  # the window is held by videos still in use: this one next
                        queue.remove(key)
                        pending[key] = pool.submit(_decode_job, self.sampling, key[0], key[1])
                        self.decodes += 1
                    t0 = time.perf_counter()
                    done[key] = self._result(pending.pop(key))
                    self.wait_seconds += time.perf_counter() - t0
                first = done[key]
                yield Decoded(i, first.frames, first.meta, first.error, first.seconds)
                first.seconds = 0.0  # shared decodes are counted once
                remaining[key] -= 1
                if remaining[key] == 0:
                    del done[key]
        finally:
            for fut in pending.values():
                fut.cancel()
            pool.shutdown(wait=True, cancel_futures=True)

    def _result(self, fut: Future) -> Decoded:
        try:
            frames, meta, secs = fut.result()
        except self.errors as err:
            return Decoded(-1, error=err)
        self.decode_seconds += secs
        return Decoded(-1, frames, meta, None, secs)

    def _inline(self, remaining: dict[Key, int]) -> Iterator[Decoded]:
        done: dict[Key, Decoded] = {}
        for i, key in enumerate(self.keys):
            if key not in done:
                t0 = time.perf_counter()
                try:
                    frames, meta, secs = _decode_job(self.sampling, key[0], key[1])
                    done[key] = Decoded(-1, frames, meta, None, secs)
                    self.decode_seconds += secs
                except self.errors as err:
                    done[key] = Decoded(-1, error=err)
                self.decodes += 1
                self.wait_seconds += time.perf_counter() - t0
            first = done[key]
            yield Decoded(i, first.frames, first.meta, first.error, first.seconds)
            first.seconds = 0.0
            remaining[key] -= 1
            if remaining[key] == 0:
                del done[key]
