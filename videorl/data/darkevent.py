"""DarkEventInfer (VersaVid-R1 / VidBridge-R1): black out one event of a video; the model infers it.

:func:`mask_video` re-encodes a video with PyAV, replacing the frames of ``[s, e]`` by black and
keeping everything else: the same frame count, the same presentation timestamps (so the frame
rate and the duration are unchanged; with a variable rate the last frame's display time is the
previous gap, as the MP4 muxer sets it), the same size (an odd width or height loses its last column / row,
as yuv420p needs). Frame ``i`` (at ``t_i`` seconds from the first frame, shown until ``t_{i+1}``)
is blacked out when its display interval overlaps the span: ``t_i < e`` and ``t_{i+1} > s``, so
no instant of ``[s, e]`` shows the event. The output has no audio track (audio would give the
hidden event away).

:func:`synthesize` turns grounding records (Charades-STA, ActivityNet Captions, COIN-style steps:
a sentence and its span) into ``open_qa`` records: the question names the blacked-out interval
on the model clock, the answer is the hidden event's sentence, ``spans`` holds the masked span
(video seconds) and ``meta`` the details (``problem_type: DarkEventInfer``, ``masked_span``,
``masked_frames`` [first, last], ``source_id``, ``source_video``).
"""

from __future__ import annotations

import logging
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videorl.data.reencode import DEFAULT_CRF, DEFAULT_PRESET, black_frame, even, iter_frames, open_writer
from videorl.record import RecordError, SampleRecord, read_records, resolve_video
from videorl.video.errors import ClipError, VideoError

log = logging.getLogger(__name__)

QUESTION = ("Part of this video, from {start:.1f} to {end:.1f} seconds, is blacked out. "
            "What happens during the blacked-out part?")


@dataclass
class MaskResult:
    frames: int
    masked: list[int]
    """Indices of the blacked-out frames."""
    duration: float


def masked_indices(times: Any, duration: float, span: tuple[float, float]) -> list[int]:
    """Frames whose display interval ``[t_i, t_{i+1})`` overlaps ``(s, e)``."""
    s, e = span
    n = len(times)
    return [i for i in range(n) if times[i] < e and (times[i + 1] if i + 1 < n else duration) > s]


def mask_video(src: str | os.PathLike, dst: str | os.PathLike, span: tuple[float, float], *,
               crf: int = DEFAULT_CRF, preset: str = DEFAULT_PRESET) -> MaskResult:
    """Write ``dst``: ``src`` with the frames of ``span`` (video seconds) black (module docstring)."""
    from videorl.synth import as_fraction
    from videorl.video.pyav_backend import read_timeline

    tl = read_timeline(src)
    info = tl.info
    s, e = float(span[0]), float(span[1])
    if not (0 <= s < e) or s >= info.duration or e > info.duration + 0.05:
        raise ClipError(src, f"span [{s:g}, {e:g}] is empty or outside the video (duration {info.duration:g} s)")
    masked = set(masked_indices(tl.times, info.duration, (s, e)))
    width, height = even(info.width), even(info.height)
    black = black_frame(width, height)
    with open_writer(dst, rate=as_fraction(info.fps), width=width, height=height, time_base=tl.time_base,
                     crf=crf, preset=preset) as w:
        seen = 0
        for i, frame in iter_frames(src, tl):
            if i in masked:
                w.write_array(black, tl.pts[i])
            else:
                w.write(frame, tl.pts[i])
            seen += 1
    if seen != info.frames:
        raise VideoError(src, f"decoded {seen} of {info.frames} frames: truncated or corrupt stream")
    return MaskResult(frames=seen, masked=sorted(masked), duration=info.duration)


@dataclass
class SynthReport:
    """What a synthesis run did (written as JSON beside the records)."""

    tool: str
    written: int = 0
    reused: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        s = f"{self.tool}: {self.written} records ({self.reused} videos reused from an earlier run)"
        if self.skipped:
            s += f"; {len(self.skipped)} skipped, e.g. {self.skipped[0]['id']}: {self.skipped[0]['reason']}"
        return s

    def to_dict(self) -> dict[str, Any]:
        return {"tool": self.tool, "written": self.written, "reused": self.reused, "skipped": self.skipped,
                "settings": self.settings}


def first_videos(path: str | os.PathLike, limit: int | None) -> list[tuple[int, SampleRecord]]:
    """``(line, record)`` of the records of the first ``limit`` distinct videos (all when None)."""
    out, videos = [], []
    for line, rec, _ in read_records(path):
        if rec.video not in videos:
            if limit is not None and len(videos) >= limit:
                continue
            videos.append(rec.video)
        out.append((line, rec))
    return out


def safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


def synthesize(records_path: str | os.PathLike, out_dir: str | os.PathLike, *,
               video_dir: str | os.PathLike | None = None, seed: int = 0, limit_videos: int | None = None,
               skip_invalid: bool = False, crf: int = DEFAULT_CRF, preset: str = DEFAULT_PRESET,
               show_progress: bool = True) -> tuple[list[SampleRecord], SynthReport]:
    """Mask one span of each grounding record (chosen with ``seed`` when it has several) into
    ``out_dir/videos/`` and return the DarkEventInfer records (videos relative to ``out_dir``).

    A masked video that already exists is reused (files appear only when complete), so an
    interrupted run resumes. A bad video or span raises (file, line, field) unless ``skip_invalid``;
    then it is listed in the report. Records without a sentence to hide (non-grounding tasks) are
    skipped and listed.
    """
    from tqdm import tqdm

    out_dir = Path(out_dir)
    rng = random.Random(seed)
    report = SynthReport("darkevent", settings={"seed": seed, "limit_videos": limit_videos, "crf": crf,
                                                "preset": preset, "source": str(records_path)})
    out: list[SampleRecord] = []
    for line, rec in tqdm(first_videos(records_path, limit_videos), desc="darkevent", unit="rec",
                          disable=None if show_progress else True):
        if rec.task != "grounding" or not rec.spans:
            report.skipped.append({"id": rec.id, "line": line, "reason": f"task {rec.task!r} has no event sentence"})
            continue
        s, e = rec.spans[rng.randrange(len(rec.spans))]
        name = f"{safe_name(Path(rec.video).stem)}_dark_{round(s * 1000)}_{round(e * 1000)}.mp4"
        dst = out_dir / "videos" / name
        src = resolve_video(rec, video_dir)
        try:
            if dst.is_file():
                from videorl.video.pyav_backend import read_timeline

                tl = read_timeline(src)
                res = MaskResult(tl.info.frames, masked_indices(tl.times, tl.info.duration, (s, e)), tl.info.duration)
                report.reused += 1
            else:
                res = mask_video(src, dst, (s, e), crf=crf, preset=preset)
        except VideoError as err:
            if not skip_invalid:
                raise RecordError(str(err), path=records_path, line=line,
                                  field="spans" if isinstance(err, ClipError) else "video") from None
            report.skipped.append({"id": rec.id, "line": line, "reason": str(err)})
            continue
        off = rec.view_offset
        out.append(SampleRecord(
            id=f"darkevent/{rec.id}", video=f"videos/{name}", duration=rec.duration, task="open_qa",
            query=QUESTION.format(start=s - off, end=e - off), spans=[[s, e]], answer=rec.query, clip=rec.clip,
            meta={"dataset": "darkevent", "problem_type": "DarkEventInfer", "masked_span": [s, e],
                  "masked_frames": [res.masked[0], res.masked[-1]] if res.masked else [],
                  "source_id": rec.id, "source_video": rec.video},
        ).validate())
    report.written = len(out)
    return out, report
