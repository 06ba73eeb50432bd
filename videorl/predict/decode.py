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

With a ``prepare`` callable (:class:`videorl.predict.hf.RowInputs`) the workers also run the
processor: each distinct video is decoded once and ``prepare(frames, meta, payloads)`` turns it into
one model-ready input per request of that video (``payloads``: the requests' chat texts, in order).
Each item then carries ``inputs`` (its row's tensors) instead of frames. The tensors come back
through torch's shared-memory reductions (torch.multiprocessing: the worker moves a tensor's storage
into shared memory once, the parent maps it; the pixel bytes are never pickled), and the rows of one
video share one ``pixel_values_videos`` tensor.

Worker processes are forked on Linux (they run PyAV, numpy and, with ``prepare``, the processor's
CPU torch ops on one thread; never CUDA, so the parent's model is not touched; memory is shared
copy-on-write) and spawned elsewhere; ``VIDEORL_DECODE_START=spawn`` forces spawning (a script then
needs the usual ``if __name__ == "__main__":`` guard).
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


def _decode_job(sampling: Sampling, path: str, clip: tuple[float, float] | None) -> tuple[Any, Any, float, float]:
    """Decode one video: ``(frames, meta, wall s, CPU s)`` (CPU: this process's, ``time.process_time``)."""
    t0, c0 = time.perf_counter(), time.process_time()
    frames, meta = sampling.decode(path, clip)
    return frames, meta, time.perf_counter() - t0, time.process_time() - c0


def _prepare_job(sampling: Sampling, prepare: Any, path: str, clip: tuple[float, float] | None,
                 payloads: list[Any]) -> tuple[list[Any], Any, float, float, float, float]:
    """Decode one video, then ``prepare`` it into one input per payload:
    ``(inputs, meta, decode s, prepare s, decode CPU s, prepare CPU s)``."""
    frames, meta, secs, cpu = _decode_job(sampling, path, clip)
    t0, c0 = time.perf_counter(), time.process_time()
    inputs = prepare(frames, meta, payloads)
    return inputs, meta, secs, time.perf_counter() - t0, cpu, time.process_time() - c0


def _init_worker() -> None:
    """Decode workers: PyAV on one thread (:func:`videorl.video.pyav_backend.set_decode_threads`: about a
    quarter less CPU per video than frame threads; the workers are the parallelism) and one torch thread
    each (the model's process keeps its own), if torch is there."""
    from videorl.video.pyav_backend import full_decode, set_decode_threads

    if not full_decode():  # VIDEORL_DECODE_FULL=1 keeps the frame threads too (the decode as it was)
        set_decode_threads("NONE")
    if "torch" in sys.modules:
        import torch
        import torch.multiprocessing  # noqa: F401  (registers the shared-memory tensor reductions)

        torch.set_num_threads(1)


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
    inputs: Any = None
    """With ``prepare``: this item's model-ready input (frames is then None)."""
    prepare_seconds: float = 0.0


class FramePrefetcher:
    """Yield :class:`Decoded` for ``keys`` in order, decoding each distinct key once (module docstring)."""

    def __init__(self, sampling: Sampling, keys: Sequence[Key], *, workers: int = 1, ahead: int = 8,
                 errors: tuple[type[BaseException], ...] = (Exception,), prepare: Any = None,
                 payloads: Sequence[Any] | None = None):
        if workers < 0:
            raise ValueError(f"workers must be >= 0, got {workers}")
        if ahead < 1:
            raise ValueError(f"ahead must be >= 1, got {ahead}")
        self.sampling = sampling
        self.keys = list(keys)
        self.workers = workers
        self.ahead = ahead
        self.errors = errors
        self.prepare = prepare
        self.payloads = None if payloads is None else list(payloads)
        if prepare is not None and (self.payloads is None or len(self.payloads) != len(self.keys)):
            raise ValueError("prepare needs one payload per key")
        self.prepare_seconds = 0.0
        """Processor time summed over videos (in the workers when ``workers > 0``)."""
        self.decode_cpu = 0.0
        """CPU seconds of the decodes (``time.process_time`` of the process that decoded)."""
        self.prepare_cpu = 0.0
        """CPU seconds of ``prepare``, likewise."""
        self.decodes = 0
        """Distinct decodes started so far (one per distinct key)."""
        self.decode_seconds = 0.0
        """Decode time summed over decodes (in the workers when ``workers > 0``)."""
        self.wait_seconds = 0.0
        """Time the consumer spent waiting for frames (inline decode counts fully)."""

    def __iter__(self) -> Iterator[Decoded]:
        remaining: dict[Key, int] = {}
        order: list[Key] = []
        self._payloads: dict[Key, list[Any]] = {}
        for n, key in enumerate(self.keys):
            if key not in remaining:
                order.append(key)
                remaining[key] = 0
                self._payloads[key] = []
            remaining[key] += 1
            if self.payloads is not None:
                self._payloads[key].append(self.payloads[n])
        if self.workers == 0:
            yield from self._inline(remaining)
            return
        ctx = multiprocessing.get_context(start_method())
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=_init_worker)
        pending: dict[Key, Future] = {}
        done: dict[Key, Decoded] = {}
        queue = deque(order)
        try:
            for i, key in enumerate(self.keys):
                while queue and len(pending) + len(done) < self.ahead:
                    nxt = queue.popleft()
                    pending[nxt] = self._submit(pool, nxt)
                    self.decodes += 1
                if key not in done:
                    if key not in pending:  # the window is held by videos still in use: this one next
                        queue.remove(key)
                        pending[key] = self._submit(pool, key)
                        self.decodes += 1
                    t0 = time.perf_counter()
                    done[key] = self._result(pending.pop(key))
                    self.wait_seconds += time.perf_counter() - t0
                yield self._item(i, done[key], remaining[key])
                remaining[key] -= 1
                if remaining[key] == 0:
                    del done[key]
        finally:
            for fut in pending.values():
                fut.cancel()
            pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self, pool: ProcessPoolExecutor, key: Key) -> Future:
        if self.prepare is None:
            return pool.submit(_decode_job, self.sampling, key[0], key[1])
        return pool.submit(_prepare_job, self.sampling, self.prepare, key[0], key[1], self._payloads[key])

    def _run(self, key: Key) -> tuple[Any, ...]:
        if self.prepare is None:
            return _decode_job(self.sampling, key[0], key[1])
        return _prepare_job(self.sampling, self.prepare, key[0], key[1], self._payloads[key])

    def _item(self, i: int, first: Decoded, left: int) -> Decoded:
        """The item for the next request of ``first``'s video (``left`` requests of it still to hand out)."""
        inputs = None
        if first.inputs is not None:
            inputs = first.inputs[len(first.inputs) - left]
        out = Decoded(i, first.frames, first.meta, first.error, first.seconds, inputs, first.prepare_seconds)
        first.seconds = first.prepare_seconds = 0.0  # shared decodes are counted once
        return out

    def _decoded(self, frames: Any, meta: Any, secs: float, prep: float = 0.0, cpu: float = 0.0,
                 prep_cpu: float = 0.0) -> Decoded:
        self.decode_seconds += secs
        self.prepare_seconds += prep
        self.decode_cpu += cpu
        self.prepare_cpu += prep_cpu
        if self.prepare is None:
            return Decoded(-1, frames, meta, None, secs)
        return Decoded(-1, None, meta, None, secs, inputs=frames, prepare_seconds=prep)

    def _result(self, fut: Future) -> Decoded:
        try:
            out = fut.result()
        except self.errors as err:
            return Decoded(-1, error=err)
        return self._accept(out)

    def _accept(self, out: tuple[Any, ...]) -> Decoded:
        """A finished :func:`_decode_job` (4 fields) or :func:`_prepare_job` (6) -> :class:`Decoded`."""
        return self._decoded(*out) if len(out) == 6 else self._decoded(out[0], out[1], out[2], 0.0, out[3])

    def _inline(self, remaining: dict[Key, int]) -> Iterator[Decoded]:
        done: dict[Key, Decoded] = {}
        for i, key in enumerate(self.keys):
            if key not in done:
                t0 = time.perf_counter()
                try:
                    done[key] = self._accept(self._run(key))
                except self.errors as err:
                    done[key] = Decoded(-1, error=err)
                self.decodes += 1
                self.wait_seconds += time.perf_counter() - t0
            yield self._item(i, done[key], remaining[key])
            remaining[key] -= 1
            if remaining[key] == 0:
                del done[key]
