"""MixVidQA (VersaVid-R1 / VidBridge-R1): two clips interleaved in chunks; a question about one.

:func:`interleave` writes ``A1 B1 A2 B2 ...``: consecutive pieces of source window A alternating with
consecutive pieces of window B, each piece 1.5-2 s long (uniform, seeded), until both windows are
used up (when one runs out the other continues alone). Rules when the sources differ:

- **frame rate**: the output runs at the lower of the two average rates (no frame is invented);
  output frame ``j`` is at ``j / fps_out`` and every chunk boundary falls on an output frame;
- **resolution**: the smaller of the two frame areas (even sides); the other source is scaled to it
  (aspect ratio is not preserved when the sources' ratios differ);
- **which frame**: output frame ``j`` of a chunk that starts at output time ``O`` and source time
  ``S`` shows the source frame nearest to ``S + (j / fps_out - O)`` (ties: the earlier frame), the
  sampler's rule (:func:`videorl.video.sizing.nearest_frames`) on the source's exact frame times.

The **chunk map** (``meta["chunks"]``) lists ``{"source": "a"|"b", "out_frames": [first, end),
"out": [s, e], "src": [s, e]}``: the output frame indices of each chunk (exact), and in seconds
(rounded to 6 decimals) which source seconds each output second came from. Look a frame up by its
index (:func:`source_of_frame`) or a time with the record's ``meta["fps"]``
(:func:`source_time`): the rounded seconds alone put a boundary frame in the previous chunk when
the rate is not a whole number (14 of 1,798 boundary frames at 30000/1001).

:func:`synthesize` pairs records of different videos (seeded) and emits one record per pair whose
question targets one source, named by its order ("the clip shown first / second"): a grounding
source gives an ``open_qa`` record whose answer is its sentence (its window is its span); an
``mcq``/``grounded_qa`` source keeps its question and options as ``mcq``; ``open_qa``/``caption``
keep their answer as ``open_qa``. Other sources use their clip, or the whole video.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import random
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from videorl.data.darkevent import SynthReport, first_videos
from videorl.data.reencode import DEFAULT_CRF, DEFAULT_PRESET, even, iter_frames, open_writer
from videorl.record import RecordError, SampleRecord, resolve_video
from videorl.video.errors import ClipError, VideoError

log = logging.getLogger(__name__)

PREAMBLE = "This video interleaves short chunks of two different clips. "
ORDINAL = {"a": "first", "b": "second"}


@dataclass(frozen=True)
class Chunk:
    source: str
    out: tuple[float, float]
    src: tuple[float, float]
    out_frames: tuple[int, int]
    """``[first, end)`` output frame indices."""

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "out_frames": list(self.out_frames),
                "out": [round(x, 6) for x in self.out], "src": [round(x, 6) for x in self.src]}


def plan_chunks(window_a: tuple[float, float], window_b: tuple[float, float], fps: Fraction, *, seed: int = 0,
                min_len: float = 1.5, max_len: float = 2.0) -> list[Chunk]:
    """Alternating chunks over the two windows (video seconds) at output rate ``fps``."""
    if not 0 < min_len <= max_len:
        raise ValueError(f"chunk lengths must satisfy 0 < min <= max, got {min_len}, {max_len}")
    rng = random.Random(seed)
    left = {k: int((w[1] - w[0]) * fps + Fraction(1, 10**6)) for k, w in (("a", window_a), ("b", window_b))}
    start = {"a": window_a[0], "b": window_b[0]}
    used = {"a": 0, "b": 0}
    chunks: list[Chunk] = []
    j, turn = 0, "a"
    while left["a"] or left["b"]:
        if not left[turn]:
            turn = "b" if turn == "a" else "a"
        n = min(left[turn], max(1, round(rng.uniform(min_len, max_len) * fps)))
        s0 = start[turn] + float(used[turn] / fps)
        chunks.append(Chunk(turn, (float(j / fps), float((j + n) / fps)), (s0, s0 + float(n / fps)), (j, j + n)))
        left[turn] -= n
        used[turn] += n
        j += n
        turn = "b" if turn == "a" else "a"
    return chunks


def _as_dict(c: dict[str, Any] | Chunk) -> dict[str, Any]:
    return c.to_dict() if isinstance(c, Chunk) else c


def source_of_frame(chunks: list[dict[str, Any]] | list[Chunk], j: int) -> dict[str, Any]:
    """The chunk (as a dict) that output frame ``j`` belongs to, by its frame indices ``out_frames``
    (``[first, end)``): exact at every chunk boundary, whatever the frame rate."""
    for c in chunks:
        d = _as_dict(c)
        if "out_frames" not in d:
            raise ValueError("this chunk map has no out_frames (written before they were added); use source_time")
        if d["out_frames"][0] <= j < d["out_frames"][1]:
            return d
    raise ValueError(f"output frame {j} is outside the chunk map")


def source_time(chunks: list[dict[str, Any]] | list[Chunk], t: float,
                fps: Fraction | tuple[int, int] | list[int] | None = None) -> tuple[str, float]:
    """``(source, source seconds)`` shown at output time ``t``, from a chunk map.

    With the output rate ``fps`` (the record's ``meta["fps"]``, ``[num, den]``) and a map with
    ``out_frames``, the chunk is found by the frame shown at ``t`` (frame ``j`` is shown over
    ``[j / fps, (j + 1) / fps)``; a ``t`` within 1e-6 frames of a frame time is that frame), so a
    boundary frame names its own source even when ``out`` (seconds rounded to 6 decimals) is a
    hair later than the frame time. Without ``fps`` the seconds in ``out`` are compared.
    """
    if fps is not None:
        f = fps if isinstance(fps, Fraction) else Fraction(int(fps[0]), int(fps[1]))
        x = Fraction(t) * f
        j = round(x) if abs(x - round(x)) < Fraction(1, 10**6) else math.floor(x)
        d = source_of_frame(chunks, j)
        return d["source"], d["src"][0] + float(Fraction(t) - Fraction(d["out_frames"][0]) / f)
    for c in chunks:
        d = _as_dict(c)
        if d["out"][0] <= t < d["out"][1]:
            return d["source"], d["src"][0] + (t - d["out"][0])
    raise ValueError(f"output time {t} is outside the chunk map")


def interleave(src_a: str | os.PathLike, src_b: str | os.PathLike, dst: str | os.PathLike, *,
               window_a: tuple[float, float] | None = None, window_b: tuple[float, float] | None = None,
               seed: int = 0, min_len: float = 1.5, max_len: float = 2.0, crf: int = DEFAULT_CRF,
               preset: str = DEFAULT_PRESET) -> dict[str, Any]:
    """Write the interleaved video ``dst``; return its facts (``fps``, ``size``, ``frames``,
    ``duration``, ``chunks`` as dicts). Windows default to the whole videos."""
    from videorl.synth import as_fraction
    from videorl.video.pyav_backend import read_timeline
    from videorl.video.sizing import nearest_frames

    tls = {"a": read_timeline(src_a), "b": read_timeline(src_b)}
    paths = {"a": src_a, "b": src_b}
    wins: dict[str, tuple[float, float]] = {}
    for k, w in (("a", window_a), ("b", window_b)):
        dur = tls[k].info.duration
        w = (0.0, dur) if w is None else (float(w[0]), min(float(w[1]), dur))
        if not 0 <= w[0] < w[1] or w[0] >= dur:
            raise ClipError(paths[k], f"window [{w[0]:g}, {w[1]:g}] is empty or outside the video (duration {dur:g} s)")
        wins[k] = w
    fps = min(as_fraction(tls["a"].info.fps), as_fraction(tls["b"].info.fps))
    chunks = plan_chunks(wins["a"], wins["b"], fps, seed=seed, min_len=min_len, max_len=max_len)
    if not chunks:
        raise ClipError(src_a, "the windows are shorter than one output frame")
    # which source frame each output frame shows
    picks: list[tuple[str, int]] = []
    for c in chunks:
        n = c.out_frames[1] - c.out_frames[0]
        targets = np.asarray([c.src[0] + float(Fraction(m) / fps) for m in range(n)])
        picks += [(c.source, int(i)) for i in nearest_frames(tls[c.source].times, targets)]
    (wa, ha), (wb, hb) = [(tls[k].info.width, tls[k].info.height) for k in "ab"]
    width, height = (even(wa), even(ha)) if wa * ha <= wb * hb else (even(wb), even(hb))
    streams = {k: iter_frames(paths[k], tls[k]) for k in "ab"}
    current: dict[str, tuple[int, Any]] = {}
    step = fps.denominator
    with open_writer(dst, rate=fps, width=width, height=height, time_base=Fraction(1, fps.numerator),
                     crf=crf, preset=preset) as w:
        for j, (k, idx) in enumerate(picks):
            while k not in current or current[k][0] < idx:
                try:
                    current[k] = next(streams[k])
                except StopIteration:
                    raise VideoError(paths[k], f"frame {idx} could not be decoded: truncated or corrupt stream") from None
            w.write(current[k][1], j * step)
    for gen in streams.values():
        gen.close()
    return {"fps": [fps.numerator, fps.denominator], "size": [width, height], "frames": len(picks),
            "duration": float(len(picks) / fps), "windows": {k: list(v) for k, v in wins.items()},
            "chunks": [c.to_dict() for c in chunks]}


def window_of(rec: SampleRecord) -> tuple[float, float] | None:
    """The part of a source record's video that goes into the mix (see the module docstring)."""
    if rec.task == "grounding" and rec.spans:
        return (rec.spans[0][0], rec.spans[0][1])
    return (rec.clip[0], rec.clip[1]) if rec.clip else None


def question_for(rec: SampleRecord, which: str) -> dict[str, Any]:
    """Task, query, options and answer of the mixed record asking about ``rec`` (source ``which``)."""
    clip = f"the clip shown {ORDINAL[which]}"
    if rec.task == "grounding":
        return {"task": "open_qa", "query": f"{PREAMBLE}Describe what happens in {clip}.", "answer": rec.query}
    if rec.task in ("mcq", "grounded_qa"):
        return {"task": "mcq", "query": f"{PREAMBLE}Answer about {clip}: {rec.query}", "options": list(rec.options),
                "answer": rec.answer}
    if rec.task == "caption":
        return {"task": "open_qa", "query": f"{PREAMBLE}Describe {clip}.", "answer": rec.answer}
    return {"task": "open_qa", "query": f"{PREAMBLE}Answer about {clip}: {rec.query}", "answer": rec.answer}


def synthesize(records_path: str | os.PathLike, out_dir: str | os.PathLike, *,
               video_dir: str | os.PathLike | None = None, seed: int = 0, limit_videos: int | None = None,
               min_len: float = 1.5, max_len: float = 2.0, skip_invalid: bool = False, crf: int = DEFAULT_CRF,
               preset: str = DEFAULT_PRESET, show_progress: bool = True) -> tuple[list[SampleRecord], SynthReport]:
    """Pair the records (seeded; the two of a pair come from different videos), interleave each pair
    into ``out_dir/videos/`` and return the MixVidQA records. Existing outputs are reused (resume)."""
    from tqdm import tqdm

    out_dir = Path(out_dir)
    rng = random.Random(seed)
    rows = first_videos(records_path, limit_videos)
    rng.shuffle(rows)
    pairs, pending = [], []
    for row in rows:  # greedy: pair each record with the first waiting one from another video
        mate = next((p for p in pending if p[1].video != row[1].video), None)
        if mate is None:
            pending.append(row)
        else:
            pending.remove(mate)
            pairs.append((mate, row))
    report = SynthReport("mixvidqa", settings={"seed": seed, "limit_videos": limit_videos, "min_len": min_len,
                                               "max_len": max_len, "crf": crf, "preset": preset,
                                               "source": str(records_path)})
    report.skipped += [{"id": r.id, "line": n, "reason": "no partner from another video"} for n, r in pending]
    out: list[SampleRecord] = []
    for pair_no, ((la, a), (lb, b)) in enumerate(tqdm(pairs, desc="mixvidqa", unit="pair",
                                                      disable=None if show_progress else True)):
        which = rng.choice("ab")
        wa, wb = window_of(a), window_of(b)
        key = json.dumps([a.id, b.id, wa, wb, seed, pair_no, min_len, max_len, crf, preset])
        name = f"mix_{hashlib.sha256(key.encode()).hexdigest()[:16]}.mp4"
        dst = out_dir / "videos" / name
        side = dst.with_suffix(".json")
        try:
            if dst.is_file() and side.is_file():
                facts = json.loads(side.read_text(encoding="utf-8"))
                report.reused += 1
            else:
                facts = interleave(resolve_video(a, video_dir), resolve_video(b, video_dir), dst, window_a=wa,
                                   window_b=wb, seed=seed * 100003 + pair_no, min_len=min_len, max_len=max_len,
                                   crf=crf, preset=preset)
                from videorl.io import write_json

                write_json(side, facts)
        except VideoError as err:
            line = la if str(err.path) == str(resolve_video(a, video_dir)) else lb
            if not skip_invalid:
                raise RecordError(str(err), path=records_path, line=line,
                                  field="spans" if isinstance(err, ClipError) else "video") from None
            report.skipped.append({"id": f"{a.id}+{b.id}", "line": line, "reason": str(err)})
            continue
        target = a if which == "a" else b
        out.append(SampleRecord(
            id=f"mixvidqa/{a.id}+{b.id}", video=f"videos/{name}", duration=facts["duration"],
            meta={"dataset": "mixvidqa", "problem_type": "MixVidQA", "target_source": which,
                  "sources": {"a": {"id": a.id, "video": a.video, "window": facts["windows"]["a"]},
                              "b": {"id": b.id, "video": b.video, "window": facts["windows"]["b"]}},
                  "chunks": facts["chunks"], "fps": facts["fps"], "size": facts["size"]},
            **question_for(target, which)).validate())
    report.written = len(out)
    return out, report
