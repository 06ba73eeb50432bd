"""What both exporters share: reading records and turning each record's video into what a host reads.

A host gets either one absolute video path, or (with a frame cache) one list of JPEG frame paths
sampled at ``fps`` from the record's clip (or the whole video).

Clips: neither EasyR1 nor LLaMA-Factory can trim a video (no ``video_start``/``video_end``), so a
record with ``clip`` can only be exported as frames extracted from the clip (model time then starts
at the clip start, as the prompt and the targets assume). Without a frame cache such a record is an
error, or is skipped and counted with ``skip_clipped``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from videorl.prompts import VIDEO_TAG
from videorl.record import RecordError, SampleRecord, read_records, resolve_video

log = logging.getLogger(__name__)


@dataclass
class ExportItem:
    record: SampleRecord
    video: str | list[str]
    """An absolute video path, or a list of frame image paths."""
    size: tuple[int, int] | None = None
    """``(height, width)`` of the frames (frame lists only)."""
    meta: Any = None
    """The frames' :class:`~videorl.video.meta.VideoMeta` when ``video`` is a frame list, else None."""


@dataclass
class ExportSummary:
    """Counts of one export, printed by the CLI."""

    written: int = 0
    skipped_clipped: list[str] = field(default_factory=list)
    missing_videos: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{self.written} samples written: " + ", ".join(self.files)]
        if self.skipped_clipped:
            out.append(f"{len(self.skipped_clipped)} records with a clip skipped (use --frames-cache to keep them), "
                       f"e.g. {self.skipped_clipped[0]}")
        if self.missing_videos:
            out.append(f"warning: {len(self.missing_videos)} video files do not exist here, "
                       f"e.g. {self.missing_videos[0]}")
        return out


def collect(records_path: str | os.PathLike, *, video_dir: str | os.PathLike | None = None,
            frames_cache: str | os.PathLike | None = None, fps: float = 2.0, max_pixels: int | None = None,
            min_pixels: int | None = None,
            skip_clipped: bool = False, strict_videos: bool = False,
            summary: ExportSummary | None = None, overlay: Any = None,
            size_for: Callable[[int, int], tuple[int, int]] | None = None,
            patch_size: int = 14) -> list[ExportItem]:
    """Read and validate every record, and resolve its video (or frames) for a host.

    Raises RecordError (file, line, field) for an invalid record, for a clipped record without a
    frame cache (unless ``skip_clipped``), and for a missing video when ``strict_videos`` is set or
    frames are requested (frames cannot be extracted from a missing file). ``overlay`` (an
    :class:`videorl.data.overlay.OverlaySpec` or its string) draws timestamps / subtitles on the
    extracted frames; it needs a frame cache. ``patch_size`` sizes extracted frames for the model
    (multiples of ``2 * patch_size``: 14 for Qwen2.5-VL, 16 for Qwen3-VL); ``size_for(height, width)``
    gives the frame size from the video's size (a host that accepts only some sizes).
    """
    if overlay is not None and frames_cache is None:
        raise ValueError("an overlay is drawn on extracted frames: give a frame cache (--frames-cache) too")
    summary = summary if summary is not None else ExportSummary()
    cache = None
    if frames_cache is not None:
        try:
            from videorl.video.cache import FrameCache
            from videorl.video.errors import VideoError
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError(f"--frames-cache needs videorl.video.cache ({exc})") from exc
        cache = FrameCache(frames_cache)
    items: list[ExportItem] = []
    rows = list(read_records(records_path))
    for line, rec, _ in tqdm(rows, desc="export", unit="rec", leave=False, disable=None):
        if any(VIDEO_TAG in t for t in (rec.query, *rec.options)):
            raise RecordError(f"the text contains {VIDEO_TAG!r}, which the host would read as a second video "
                              "placeholder", path=records_path, line=line, field="query")
        path = resolve_video(rec, video_dir)
        if cache is None and rec.clip is not None:
            if skip_clipped:
                summary.skipped_clipped.append(rec.id)
                continue
            raise RecordError("the record has a clip, which the host cannot trim; export it with --frames-cache "
                              "(frames are extracted from the clip) or pass --skip-clipped",
                              path=records_path, line=line, field="clip")
        if not path.exists():
            if strict_videos or cache is not None:
                raise RecordError(f"video not found: {path}", path=records_path, line=line, field="video")
            summary.missing_videos.append(str(path))
        if cache is None:
            items.append(ExportItem(rec, str(path)))
            continue
        size = None
        if size_for is not None:
            from videorl.video.sampler import probe

            info = probe(path)
            size = size_for(info.height, info.width)
        sampling = dict(fps=fps, max_pixels=max_pixels, min_pixels=min_pixels, clip=rec.clip, patch_size=patch_size,
                        **({"size": size} if size is not None else {}))
        try:
            if overlay is not None:
                from videorl.data.overlay import overlay_frame_paths
                frames, meta = overlay_frame_paths(cache, path, overlay, relative=rec.video, **sampling)
            else:
                frames, meta = cache.frame_paths(path, **sampling)
        except VideoError as exc:
            raise RecordError(f"cannot extract frames: {exc}", path=records_path, line=line, field="video") from exc
        items.append(ExportItem(rec, [str(Path(f).resolve()) for f in frames], size=(meta.height, meta.width),
                                meta=meta))
    if summary.missing_videos:
        log.warning("%d video files do not exist here (first: %s)", len(summary.missing_videos),
                    summary.missing_videos[0])
    return items


def data_source(rec: SampleRecord) -> str:
    """The ``data_source`` column: ``meta.dataset``, else the id's first path part."""
    ds = rec.meta.get("dataset")
    return str(ds) if ds else rec.id.split("/", 1)[0]
