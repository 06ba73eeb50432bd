"""The batched loop: frames from the decode pool, processor, generate; and where the time went.

:func:`generate_jobs` runs any list of :class:`GenJob` (``videorl predict`` builds them from
records, ``videorl_qwen`` from lmms-eval requests) through one :class:`~videorl.predict.hf.QwenEngine`:

1. jobs are ordered by video, so the requests of one video are adjacent and share one decode;
2. a :class:`~videorl.predict.decode.FramePrefetcher` decodes ahead in worker processes (bounded);
3. jobs are batched (``batch_size`` rows with the same ``max_new_tokens`` and temperature), run
   through the processor and ``generate``;
4. results come back in the jobs' original order.

A job whose video cannot be used gets ``error`` set and empty text; the run goes on.

:class:`Timings` records each stage as spans on one clock (``events``), which the benchmark and
``videorl plot timeline --timings`` read: ``wait`` (the model loop waiting for frames), ``processor``
and ``generate``. ``idle_fraction`` is the share of wall time the model was not generating (waiting for
frames, or in the processor); ``wait_fraction`` is the share it waited for frames after the first
batch, the decode the workers did not hide.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from videorl.predict.decode import FramePrefetcher, Sampling, video_key
from videorl.video.errors import sample_errors

log = logging.getLogger(__name__)


@dataclass
class GenJob:
    """One generated row: a prompt about one video (or clip)."""

    prompt: str
    video: str
    clip: tuple[float, float] | None = None
    max_new_tokens: int = 128
    temperature: float = 0.0
    seed: int = 0
    tag: Any = None
    """Caller's handle (the record and sample index, or the lmms-eval request)."""


@dataclass
class GenResult:
    job: GenJob
    text: str = ""
    meta: Any = None
    """The :class:`~videorl.video.meta.VideoMeta` of the frames the model saw (None on error)."""
    error: str | None = None


@dataclass
class Timings:
    wall: float = 0.0
    decode: float = 0.0
    """Decode time summed over decodes (in the workers when they run in parallel)."""
    wait: float = 0.0
    """Time the model loop waited for frames."""
    processor: float = 0.0
    generate: float = 0.0
    prepare: float = 0.0
    """Processor time in the decode workers (``in_workers``); ``processor`` is then the loop's padding."""
    decode_cpu: float = 0.0
    """CPU seconds of the decodes (in the workers, or inline), ``time.process_time``."""
    prepare_cpu: float = 0.0
    """CPU seconds of the processor in the workers."""
    processor_cpu: float = 0.0
    """CPU seconds of the model loop's thread in its processor (or padding) step, ``time.thread_time``."""
    generate_cpu: float = 0.0
    """CPU seconds of the model loop's thread in ``generate`` (torch's extra intra-op threads not counted)."""
    loop_cpu: float = 0.0
    """CPU seconds of the model's whole process over the run (``time.process_time``: every thread,
    receiving the workers' results included; inline decodes too when ``workers = 0``)."""
    decodes: int = 0
    rows: int = 0
    batches: int = 0
    events: list[tuple[str, float, float]] = field(default_factory=list)
    """``(stage, start, end)`` in seconds from the start of the run."""

    @property
    def idle_fraction(self) -> float:
        """Share of the wall time the model was not generating."""
        return 1.0 - self.generate / self.wall if self.wall > 0 else 0.0

    @property
    def first_wait(self) -> float:
        """Time the model loop waited for frames before its first batch (no decode can hide that)."""
        first = next((a for k, a, _ in self.events if k == "processor"), None)
        return sum(min(b, first) - a for k, a, b in self.events if k == "wait" and first is not None and a < first)

    @property
    def wait_fraction(self) -> float:
        """Share of the wall time the model loop waited for frames after its first batch started:
        the decode that was not hidden behind generation (0 when the workers keep ahead)."""
        span = self.wall - self.first_wait
        return max(self.wait - self.first_wait, 0.0) / span if span > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"wall_s": self.wall, "decode_s": self.decode, "wait_s": self.wait, "processor_s": self.processor,
                "prepare_s": self.prepare, "generate_s": self.generate, "decode_cpu_s": self.decode_cpu,
                "prepare_cpu_s": self.prepare_cpu, "processor_cpu_s": self.processor_cpu,
                "generate_cpu_s": self.generate_cpu, "loop_cpu_s": self.loop_cpu,
                "idle_fraction": self.idle_fraction, "first_wait_s": self.first_wait,
                "wait_fraction": self.wait_fraction, "decodes": self.decodes,
                "rows": self.rows, "batches": self.batches,
                "events": [[k, round(a, 6), round(b, 6)] for k, a, b in self.events]}


def generate_jobs(engine: Any, sampling: Sampling, jobs: list[GenJob], *, batch_size: int = 8, workers: int = 1,
                  ahead: int | None = None, system_prompt: str | None = None,
                  inputs_fn: Callable[[list[GenJob], list[tuple[Any, Any]]], Any] | None = None,
                  progress: bool = True, desc: str = "predict",
                  on_results: Callable[[list[GenResult]], None] | None = None,
                  in_workers: bool | None = None) -> tuple[list[GenResult], Timings]:
    """Run every job (module docstring); return results in job order and the run's :class:`Timings`.

    ``inputs_fn(jobs, videos)`` builds a batch's model inputs (default: the engine's chat
    template with ``system_prompt``, then its padded processor call). ``on_results(results)`` is
    called with each batch's results as soon as it is generated (and with each failed job), in
    processing order: ``videorl predict`` appends them to its output there, so a kill loses at most
    the batch in flight. ``in_workers`` (default: when ``workers > 0`` and no ``inputs_fn``): the
    decode workers run the processor too and the loop only pads (:class:`~videorl.predict.hf.RowInputs`)."""
    from tqdm import tqdm

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    timings = Timings()
    results: list[GenResult | None] = [None] * len(jobs)
    order = sorted(range(len(jobs)), key=lambda i: (jobs[i].max_new_tokens, jobs[i].temperature,
                                                    str(video_key(jobs[i].video, jobs[i].clip))))
    keys = [video_key(jobs[i].video, jobs[i].clip) for i in order]
    prep: dict[str, Any] = {}
    if workers > 0 and inputs_fn is None if in_workers is None else in_workers:  # processor in the workers
        prep = {"prepare": engine.row_inputs(),
                "payloads": [engine.chat_text(jobs[i].prompt, system_prompt) for i in order]}
    prefetch = FramePrefetcher(sampling, keys, workers=workers, ahead=ahead or max(2 * batch_size, 2),
                               errors=sample_errors(), **prep)
    t_start, c_start = time.perf_counter(), time.process_time()
    batch: list[tuple[int, Any, Any]] = []
    bar = tqdm(total=len(jobs), desc=desc, unit=" rows", disable=None if progress else True)

    def flush() -> None:
        rows = [(i, frames, meta) for i, frames, meta in batch]
        batch.clear()
        first = jobs[rows[0][0]]
        t0, c0 = time.perf_counter(), time.thread_time()
        videos = [(frames, meta) for _, frames, meta in rows]
        if isinstance(rows[0][1], dict):  # model-ready rows from the workers: pad and move only
            inputs = engine.collate([frames for _, frames, _ in rows], reuse=True)
        elif inputs_fn is not None:
            inputs = inputs_fn([jobs[i] for i, _, _ in rows], videos)
        else:
            inputs = engine.inputs([engine.chat_text(jobs[i].prompt, system_prompt) for i, _, _ in rows], videos)
        t1, c1 = time.perf_counter(), time.thread_time()
        out = engine.generate(inputs, max_new_tokens=first.max_new_tokens, temperature=first.temperature,
                              seeds=[jobs[i].seed for i, _, _ in rows])
        t2, c2 = time.perf_counter(), time.thread_time()
        timings.processor += t1 - t0
        timings.generate += t2 - t1
        timings.processor_cpu += c1 - c0
        timings.generate_cpu += c2 - c1
        timings.events += [("processor", t0 - t_start, t1 - t_start), ("generate", t1 - t_start, t2 - t_start)]
        timings.batches += 1
        done = []
        for (i, _, meta), text in zip(rows, out, strict=True):
            results[i] = GenResult(jobs[i], text, meta)
            done.append(results[i])
        if on_results is not None:
            on_results(done)
        bar.update(len(rows))

    t_wait = time.perf_counter()
    for item in prefetch:
        i = order[item.index]
        now = time.perf_counter()
        if now - t_wait > 1e-4:
            timings.events.append(("wait", t_wait - t_start, now - t_start))
        if item.error is not None:
            log.warning("videorl predict: %s failed, its rows score as failures: %s", jobs[i].video, item.error)
            results[i] = GenResult(jobs[i], "", None, f"{type(item.error).__name__}: {item.error}")
            if on_results is not None:
                on_results([results[i]])
            bar.update(1)
        else:
            if batch and (jobs[batch[0][0]].max_new_tokens, jobs[batch[0][0]].temperature) != \
                    (jobs[i].max_new_tokens, jobs[i].temperature):
                flush()
            batch.append((i, item.frames if item.inputs is None else item.inputs, item.meta))
            if len(batch) >= batch_size:
                flush()
        t_wait = time.perf_counter()
    if batch:
        flush()
    bar.close()
    timings.wall = time.perf_counter() - t_start
    timings.loop_cpu = time.process_time() - c_start
    timings.decode, timings.wait, timings.decodes = prefetch.decode_seconds, prefetch.wait_seconds, prefetch.decodes
    timings.prepare = prefetch.prepare_seconds
    timings.decode_cpu, timings.prepare_cpu = prefetch.decode_cpu, prefetch.prepare_cpu
    timings.rows = len(jobs)
    log.info("videorl predict: %d rows, %d decodes, %d batches in %.1f s (generate %.1f s, model idle %.0f%%)",
             len(jobs), timings.decodes, timings.batches, timings.wall, timings.generate,
             100 * timings.idle_fraction)
    return [r for r in results if r is not None], timings
