"""``videorl.predict``: records (or one video and a query) in, prediction rows out.

A prediction row is the sample record (``videorl.record``) plus:

- ``prediction``: the model's raw text (what ``videorl score`` parses and scores);
- ``sample_index``: ``0 .. K-1`` when ``num_samples = K`` (K rows share the record's ``id``);
- ``predict``: ``prompt`` (the user text, :func:`videorl.prompts.build_prompt`), ``parsed_span``
  (model clock) and ``parsed_span_video`` (video seconds), ``parsed_answer``, ``frame_times`` (the
  video second of every frame the model saw), ``sampling`` (the sampler settings), ``model``,
  ``backend``, ``temperature``, ``seed``, and
  ``error`` when the video could not be used (the row then has empty text and scores as a failure).

Rows come out in input order, sample indices ascending.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from videorl.predict.run import GenJob, GenResult, Timings
from videorl.prompts import STYLES, build_prompt
from videorl.record import SampleRecord, read_records, resolve_video

log = logging.getLogger(__name__)

BACKENDS = ("hf", "vllm")


@dataclass
class PredictOptions:
    """Everything ``videorl predict`` takes besides the inputs (CLI flags of the same names)."""

    model: str
    backend: str = "hf"
    style: str = "direct"
    num_samples: int = 1
    temperature: float = 0.0
    seed: int = 0
    max_new_tokens: int = 128
    batch_size: int = 8
    workers: int = 1
    device: str = "cpu"
    dtype: str = "auto"
    fps: float | None = 2.0
    nframes: int | None = None
    min_pixels: int = 56 * 56
    max_pixels: int = 448 * 252
    total_pixels: int | None = None
    frame_cache: str | None = None
    system_prompt: str | None = None
    video_dir: str | None = None
    attn_implementation: str | None = None
    tensor_parallel_size: int = 1
    """vLLM only: GPUs per model copy."""
    vllm_kwargs: dict[str, Any] | None = None
    """vLLM only: further ``vllm.LLM`` arguments (``max_model_len``, ``gpu_memory_utilization``,
    ``enforce_eager``...); data parallelism is one process per shard (docs/predict.md)."""
    ray_address: str | None = None
    """``--ray``: the cluster to join (default: start or join a local one)."""
    ray_actors: int | None = None
    """``--ray``: model actors (default: one per GPU of the cluster, else 1)."""

    def check(self) -> PredictOptions:
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown backend {self.backend!r}; choose one of {', '.join(BACKENDS)}")
        if self.style not in STYLES:
            raise ValueError(f"unknown prompt style {self.style!r}; choose one of {', '.join(STYLES)}")
        if self.num_samples < 1:
            raise ValueError(f"num_samples must be >= 1, got {self.num_samples}")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if self.num_samples > 1 and self.temperature == 0:
            raise ValueError("num_samples > 1 with temperature 0 gives K identical greedy answers; "
                             "set a temperature (Temporal-R1 selection uses 1.0)")
        return self

    def sampling_settings(self) -> dict[str, Any]:
        return {"fps": self.fps, "nframes": self.nframes, "min_pixels": self.min_pixels,
                "max_pixels": self.max_pixels, "total_pixels": self.total_pixels, "frame_cache": self.frame_cache}


def query_record(video: str | os.PathLike, query: str, *, task: str = "grounding",
                 clip: Sequence[float] | None = None) -> SampleRecord:
    """A record for one video and one query, with no ground truth (its rows cannot be scored)."""
    from videorl.video import probe

    path = Path(video).expanduser().resolve()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such video")
    if not str(query).strip():
        raise ValueError("the query is empty")
    return SampleRecord(id=f"{path.name}:{query.strip()[:60]}", video=str(path), duration=probe(path).duration,
                        task=task, query=str(query), clip=None if clip is None else [float(c) for c in clip])


def load_inputs(records: str | os.PathLike | Iterable[SampleRecord]) -> list[SampleRecord]:
    """Records from a JSONL file (errors name file, line and field) or an iterable of records."""
    if isinstance(records, (str, os.PathLike)):
        return [rec for _, rec, _ in read_records(records)]
    return list(records)


def make_jobs(records: Sequence[SampleRecord], opts: PredictOptions) -> list[GenJob]:
    """One job per record and sample index, in output order."""
    from videorl.predict.hf import row_seed

    jobs = []
    for rec in records:
        prompt = build_prompt(rec, opts.style)
        video = str(resolve_video(rec, opts.video_dir))
        clip = None if rec.clip is None else (float(rec.clip[0]), float(rec.clip[1]))
        for k in range(opts.num_samples):
            jobs.append(GenJob(prompt=prompt, video=video, clip=clip, max_new_tokens=opts.max_new_tokens,
                               temperature=opts.temperature, seed=row_seed(opts.seed, rec.id, k), tag=(rec, k)))
    return jobs


def to_row(result: GenResult, opts: PredictOptions) -> dict[str, Any]:
    """The prediction row of one result (module docstring)."""
    from videorl.parse import parse_span
    from videorl.scoring import score_sample

    rec, k = result.job.tag
    text = result.text.strip()
    if rec.spans or rec.answer is not None:
        scored = score_sample(rec, text)
        span, answer = scored["parsed_span"], scored["parsed_answer"]
    else:  # no ground truth (a video and a query): read the span only
        parsed = parse_span(text, rec.view_duration) if rec.task == "grounding" else None
        span, answer = (None if parsed is None else [parsed[0], parsed[1]]), None
    info: dict[str, Any] = {
        "prompt": result.job.prompt, "parsed_span": span,
        "parsed_span_video": None if span is None else rec.to_video_time(span),
        "parsed_answer": answer,
        "frame_times": [] if result.meta is None else list(result.meta.timestamps),
        "sampling": {k: v for k, v in opts.sampling_settings().items() if k != "frame_cache"},
        "model": opts.model, "backend": opts.backend, "temperature": opts.temperature, "seed": result.job.seed}
    if result.error:
        info["error"] = result.error
    return {**rec.to_dict(), "prediction": text, "sample_index": k, "predict": info}


def predict(model: str, records: str | os.PathLike | Iterable[SampleRecord] | None = None, *,
            video: str | os.PathLike | None = None, query: str | None = None, output: str | os.PathLike | None = None,
            engine: Any = None, ray: bool = False, return_timings: bool = False,
            progress: bool = True, resume: bool = False, max_failures: Any = None,
            **options: Any) -> list[dict[str, Any]] | tuple[list[dict[str, Any]], Timings]:
    """Predict on ``records`` (a JSONL path or records) or on one ``video`` and ``query``.

    ``options`` are the fields of :class:`PredictOptions` (``num_samples``, ``temperature``,
    ``batch_size``, ``workers``, ``backend``, ``fps``, ...). Returns the prediction rows (module
    docstring). ``engine`` reuses a loaded :class:`~videorl.predict.hf.QwenEngine`; ``ray`` runs on
    Ray Data (:mod:`videorl.predict.ray_data`).

    With ``output``, finished rows are appended to ``OUT.partial`` and flushed per batch; the complete
    run is written to ``output`` in input order, atomically (:class:`videorl.predict.guard.PartialRun`).
    ``resume`` skips the rows an earlier, interrupted run finished (rows that failed are redone).
    ``max_failures`` (``"0%"``, ``"5%"``, a row count; default None: no limit) checks the videos exist
    before the model is loaded (:func:`videorl.predict.guard.check_videos`) and raises
    :class:`~videorl.predict.guard.TooManyFailures` after writing when more rows failed.
    """
    from videorl.predict.guard import (
        FailureBudget,
        PartialRun,
        TooManyFailures,
        check_videos,
        failure_report,
        row_key,
    )

    opts = PredictOptions(model=str(model), **options).check()
    if (records is None) == (video is None):
        raise ValueError("give either records or a video and a query")
    if video is not None:
        if query is None:
            raise ValueError("a video needs a query")
        recs = [query_record(video, query)]
    else:
        recs = load_inputs(records)  # type: ignore[arg-type]
    if not recs:
        raise ValueError("no records to predict on")
    jobs = make_jobs(recs, opts)
    partial = PartialRun(output) if output is not None else None
    done: dict[tuple[str, int], dict[str, Any]] = {}
    if partial is not None:
        wanted = {(job.tag[0].id, job.tag[1]): job for job in jobs}
        for row in partial.load(resume):
            key = row_key(row)
            if key in wanted and not (row.get("predict") or {}).get("error"):
                _check_resumable(row, wanted[key], opts, partial.path)
                done[key] = row
    todo = [job for job in jobs if (job.tag[0].id, job.tag[1]) not in done]
    budget = None if max_failures is None else FailureBudget.parse(max_failures)
    if budget is not None:
        todo_recs = list({id(job.tag[0]): job.tag[0] for job in todo}.values())
        check_videos(todo_recs, opts.video_dir, budget=budget, total=len(recs))
    new_rows: dict[tuple[str, int], dict[str, Any]] = {}

    def on_results(results: list[GenResult]) -> None:
        rows = [to_row(r, opts) for r in results]
        for row in rows:
            new_rows[row_key(row)] = row
        if partial is not None:
            partial.append(rows)

    if partial is not None:
        partial.start(list(done.values()))
    timings = Timings()
    try:
        if not todo:
            log.info("videorl predict: every row is already done")
        elif ray:
            from videorl.predict.ray_data import run_on_ray

            results, timings = run_on_ray(todo, opts)
            on_results(results)
        elif opts.backend == "vllm":
            from videorl.predict.vllm import VllmEngine

            eng = engine or VllmEngine(opts.model, tensor_parallel_size=opts.tensor_parallel_size, dtype=opts.dtype,
                                       **(opts.vllm_kwargs or {}))
            results, timings = eng.run(todo, opts)
            on_results(results)
        else:
            from videorl.predict.hf import QwenEngine
            from videorl.predict.run import generate_jobs

            eng = engine or QwenEngine(opts.model, device=opts.device, dtype=opts.dtype,
                                       attn_implementation=opts.attn_implementation)
            _, timings = generate_jobs(eng, eng.sampling(**opts.sampling_settings()), todo,
                                       batch_size=opts.batch_size, workers=opts.workers,
                                       system_prompt=opts.system_prompt, progress=progress, on_results=on_results)
    finally:
        if partial is not None:
            partial.close()
    order = [(job.tag[0].id, job.tag[1]) for job in jobs]
    rows = [done[k] if k in done else new_rows[k] for k in order]
    if partial is not None:
        partial.finish(rows)
        log.info("videorl predict: %d rows (%d from an earlier run) -> %s", len(rows), len(done), output)
    if budget is not None:
        failed = [(str(r["id"]), r["predict"]["error"]) for r in rows if (r.get("predict") or {}).get("error")]
        if not budget.allows(len(failed), len(rows)):
            raise TooManyFailures(failure_report(failed, len(rows), budget, output or "the returned rows"))
    return (rows, timings) if return_timings else rows


_RESUME_FIELDS = ("model", "backend", "temperature", "sampling", "prompt", "seed")


def _check_resumable(row: dict[str, Any], job: GenJob, opts: PredictOptions, source: Any) -> None:
    """An earlier run's row may stand in for this run's only when it was made the same way."""
    info = row.get("predict") or {}
    now = {"model": opts.model, "backend": opts.backend, "temperature": opts.temperature,
           "sampling": {k: v for k, v in opts.sampling_settings().items() if k != "frame_cache"},
           "prompt": job.prompt, "seed": job.seed}
    for name in _RESUME_FIELDS:
        if info.get(name) != now[name]:
            raise ValueError(f"cannot resume from {source}: row {row.get('id')!r} was made with {name} "
                             f"{info.get(name)!r}, this run uses {now[name]!r}; resume with the same settings, "
                             f"or write to another --output")
