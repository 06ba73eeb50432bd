"""``videorl frames build|verify``: fill and check the decoded-frame cache for a file of sample records."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def _sampling_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("sampling (must match what training/evaluation will ask for)")
    g.add_argument("--fps", type=float, default=None, help="frames per second to sample (default 2.0)")
    g.add_argument("--nframes", type=int, default=None, help="sample this many evenly spaced frames instead of --fps")
    g.add_argument("--min-pixels", type=int, default=None, help="per-frame pixel floor (default 128*f^2)")
    g.add_argument("--max-pixels", type=int, default=None, help="per-frame pixel ceiling (default 768*f^2)")
    g.add_argument("--total-pixels", type=int, default=None, help="pixel budget over all frames of a video")
    g.add_argument("--patch-size", type=int, default=14, help="vision patch size: 14 Qwen2.5-VL, 16 Qwen3-VL")
    g.add_argument("--merge-size", type=int, default=2, help="spatial merge size (2 for Qwen-VL)")
    g.add_argument("--backend", default="pyav", choices=["pyav", "decord", "torchcodec"], help="decoder")
    g.add_argument("--format", default="npy", choices=["npy", "jpeg"],
                   help="npy: one memory-mappable array (fast); jpeg: one image per frame (small, frame lists)")


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("frames", help="build and verify the decoded-frame cache",
                              description="Decode each record's video (or clip) once into a frame cache.")
    sub = p.add_subparsers(dest="frames_command", metavar="ACTION")
    b = sub.add_parser("build", help="decode the videos of a records file into the cache (resumable)",
                       description="Decode each record's video (or clip) once into the cache. Before any decode, "
                                   "missing video files stop the build (beyond --max-failures) with the rule "
                                   "relative paths follow; an interrupted build resumes where it stopped.")
    b.add_argument("records", type=Path, help="JSONL file of sample records")
    b.add_argument("--cache-dir", type=Path, required=True, help="cache folder")
    b.add_argument("--video-dir", type=Path, default=None, help="folder for relative video paths")
    b.add_argument("--workers", type=int, default=1, help="decoding processes (1 = in this process)")
    b.add_argument("--report", type=Path, default=None,
                   help="JSON report of the build, with failures (default <cache-dir>/build_report.json)")
    b.add_argument("--max-failures", default="0%", metavar="PCT%|N",
                   help="exit non-zero (after the report is written) when more video clips fail than this: a "
                        "percent (5%%) or a count (12); missing video files are checked before any decode "
                        "(default 0%%). Re-running resumes: cached clips are not decoded again")
    _sampling_args(b)
    b.set_defaults(func=run_build)
    v = sub.add_parser("verify", help="check cache entries (sidecar, shapes, readable files)")
    v.add_argument("records", type=Path, nargs="?", default=None,
                   help="optional records file: also check that every record has an entry for these settings")
    v.add_argument("--cache-dir", type=Path, required=True, help="cache folder")
    v.add_argument("--video-dir", type=Path, default=None, help="folder for relative video paths")
    v.add_argument("--clean", action="store_true", help="delete leftovers of interrupted builds (.tmp-* folders)")
    _sampling_args(v)
    v.set_defaults(func=run_verify)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    return {"fps": args.fps, "nframes": args.nframes, "min_pixels": args.min_pixels, "max_pixels": args.max_pixels,
            "total_pixels": args.total_pixels, "patch_size": args.patch_size, "merge_size": args.merge_size,
            "backend": args.backend}


def _jobs(args: argparse.Namespace, budget=None) -> tuple[list[tuple[str, list[float] | None, list[str], float]],
                                                       list[dict]]:
    """Unique (video, clip) pairs of the records file, with their record ids and the longest record
    duration (checked against the decodable stream); invalid lines as failures. With ``budget``
    (a :class:`~videorl.predict.guard.FailureBudget`), missing video files beyond it raise
    :class:`~videorl.predict.guard.MissingVideos` before anything is decoded."""
    from videorl.record import RecordError, read_records, resolve_video

    errors: list[RecordError] = []
    jobs: dict[tuple[str, tuple | None], list[str]] = {}
    durations: dict[tuple[str, tuple | None], float] = {}
    records = [rec for _, rec, _ in read_records(args.records, skip_invalid=True, errors=errors)]
    if budget is not None:
        from videorl.predict.guard import check_videos

        check_videos(records, args.video_dir, budget=budget)
    for rec in records:
        key = (str(resolve_video(rec, args.video_dir)), tuple(rec.clip) if rec.clip else None)
        jobs.setdefault(key, []).append(rec.id)
        durations[key] = max(durations.get(key, 0.0), float(rec.duration))
    failures = [{"video": None, "clip": None, "ids": [], "error": str(e)} for e in errors]
    return [(v, list(c) if c else None, ids, durations[(v, c)]) for (v, c), ids in jobs.items()], failures


def _build_one(cache_dir: str, fmt: str, video: str, clip: list[float] | None, settings: dict,
               duration: float | None = None) -> str:
    from videorl.video.cache import FrameCache
    from videorl.video.errors import VideoError

    cache = FrameCache(cache_dir, format=fmt)
    try:
        if cache.check_entry(video, **settings, clip=clip, expected_duration=duration):
            return "cached"
        cache.get_or_build(video, **settings, clip=clip, expected_duration=duration)
    except (VideoError, OSError, ValueError) as err:
        return f"error: {err}"
    return "built"


def run_build(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from videorl.io import write_json
    from videorl.predict.guard import FailureBudget, MissingVideos
    from videorl.video.cache import FrameCache
    from videorl.video.errors import VideoError

    t0 = time.time()
    budget = FailureBudget.parse(args.max_failures)
    settings = _settings(args)
    cache = FrameCache(args.cache_dir, format=args.format)
    try:
        jobs, failures = _jobs(args, budget)
    except MissingVideos as err:
        print(f"videorl frames build: error: {err}", file=sys.stderr)
        return 2
    counts = {"built": 0, "cached": 0}
    todo = []
    for video, clip, ids, duration in jobs:
        try:
            # a hit is still checked against the record's duration (a short file cached earlier)
            if cache.check_entry(video, **settings, clip=clip, expected_duration=duration):
                counts["cached"] += 1
                continue
        except VideoError as err:
            failures.append({"video": video, "clip": clip, "ids": ids, "error": str(err)})
            continue
        todo.append((video, clip, ids, duration))

    def record(job, outcome: str | BaseException) -> None:
        if isinstance(outcome, BaseException) or outcome.startswith("error: "):
            msg = str(outcome).removeprefix("error: ")
            failures.append({"video": job[0], "clip": job[1], "ids": job[2], "error": msg})
        else:
            counts["cached" if outcome == "cached" else "built"] += 1

    bar = tqdm(total=len(todo), desc="frames", unit="video")
    if args.workers <= 1:
        for job in todo:
            record(job, _build_one(str(args.cache_dir), args.format, job[0], job[1], settings, job[3]))
            bar.update()
    else:
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            futs = {pool.submit(_build_one, str(args.cache_dir), args.format, j[0], j[1], settings, j[3]): j for j in todo}
            for fut in as_completed(futs):
                try:
                    record(futs[fut], fut.result())
                except Exception as err:  # a crashed worker: report it, keep going
                    record(futs[fut], err)
                bar.update()
    bar.close()
    report = {"records": str(args.records), "cache_dir": str(args.cache_dir), "settings": settings,
              "format": args.format, "videos": len(jobs), **counts, "failed": len(failures),
              "failures": failures, "seconds": round(time.time() - t0, 3)}
    report_path = args.report or args.cache_dir / "build_report.json"
    write_json(report_path, report)
    print(f"frames build: {len(jobs)} video clips, {counts['built']} built, {counts['cached']} already cached, "
          f"{len(failures)} failed (report: {report_path})")
    for f in failures[:20]:
        print(f"  FAILED {f['error']}")
    if not budget.allows(len(failures), len(jobs) + sum(1 for f in failures if f["video"] is None)):
        print(f"videorl frames build: error: {len(failures)} failed, more than --max-failures {budget} "
              f"(report: {report_path})", file=sys.stderr)
        return 1
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from videorl.video.cache import FrameCache
    from videorl.video.errors import VideoError

    cache = FrameCache(args.cache_dir, format=args.format)
    problems = []
    entries = cache.entries()
    for entry in entries:
        problems += [f"{p.entry}: {p.problem}" for p in cache.verify_entry(entry)]
    missing = 0
    if args.records is not None:
        jobs, bad = _jobs(args)
        problems += [f["error"] for f in bad]
        for video, clip, ids, duration in jobs:
            try:
                if not cache.check_entry(video, **_settings(args), clip=clip, expected_duration=duration):
                    missing += 1
                    problems.append(f"{video} clip={clip}: no cache entry (records {', '.join(ids[:3])})")
            except VideoError as err:
                problems.append(str(err))
    stale = cache.stale_temp_dirs()
    if args.clean:
        import shutil

        for d in stale:
            shutil.rmtree(d, ignore_errors=True)
    print(f"frames verify: {len(entries)} entries, {len(problems)} problems, {missing} missing, "
          f"{len(stale)} interrupted-build leftovers{' removed' if args.clean else ''}")
    for p in problems[:50]:
        print(f"  {p}")
    return 1 if problems else 0
