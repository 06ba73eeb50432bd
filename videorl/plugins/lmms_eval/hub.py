"""Hub-sourced Charades-STA (``temporal_grounding_charades_hf``): lmms-eval's data, videorl's prompt and scoring.

lmms-eval's built-in ``temporal_grounding_charades`` reads the Hugging Face dataset
``lmms-eval/charades_sta`` (split ``test``; fields ``video`` = file name, ``caption`` = query,
``timestamp`` = ``[start, end]`` in seconds, a list or its string form) and downloads the videos to
``$HF_HOME/charades_sta/Charades_v1_480/`` (``dataset_kwargs: {video: True, cache_dir:
charades_sta}``). This variant keeps that source and download and replaces the rest: its
``process_docs`` (:class:`HubCharadesDocs`) turns every row into a videorl document (the same flat
``id`` / ``video`` / ``record`` dict as the prepared tasks), so the prompt, parser and metrics are
exactly those of ``temporal_grounding_charades``.

The dataset carries no durations, so each video is probed once with :func:`videorl.video.probe`
(packet timestamps, no decoding) when the documents are built. Edge cases:

- a missing or unreadable video: a warning naming it; the record gets ``duration = max(end, 1)``
  and ``meta.video_missing = True``, and the backend fails that sample at generation time (scored
  as a parse failure, kept in the denominator);
- a span ending after the probed duration is cut to it (``meta.span_original`` keeps the row's
  value; one summary warning); a span starting at or after the duration cannot be scored and stops
  the run with a :class:`~videorl.record.RecordError` naming the row and field;
- a malformed ``timestamp`` raises RecordError naming the row and field.
"""

from __future__ import annotations

import ast
import logging
import os
from pathlib import Path
from typing import Any

from videorl.record import RecordError, SampleRecord

log = logging.getLogger(__name__)

HF_DATASET = "lmms-eval/charades_sta"
CACHE_DIR = "charades_sta"
VIDEO_SUBDIR = "Charades_v1_480"


def hub_video_dir() -> Path:
    """``$HF_HOME/charades_sta/Charades_v1_480`` (``HF_HOME`` defaults to ``~/.cache/huggingface``),
    where lmms-eval's ``video: True`` download extracts the Charades videos."""
    hf_home = os.environ.get("HF_HOME") or os.path.join("~", ".cache", "huggingface")
    return Path(hf_home).expanduser() / CACHE_DIR / VIDEO_SUBDIR


def parse_timestamp(value: Any, where: str) -> list[float]:
    """``[start, end]`` from a row's ``timestamp`` (a 2-list of numbers, or its string form)."""
    raw = value
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            raise RecordError(f"must be [start, end] in seconds, got {raw!r}", path=where,
                              field="timestamp") from None
    if isinstance(value, (list, tuple)) and len(value) == 1 and isinstance(value[0], (list, tuple)):
        value = value[0]  # [[s, e]]
    try:
        s, e = (float(v) for v in value)
    except (TypeError, ValueError):
        raise RecordError(f"must be [start, end] in seconds, got {raw!r}", path=where, field="timestamp") from None
    if not (0 <= s < e):
        raise RecordError(f"must satisfy 0 <= start < end, got {raw!r}", path=where, field="timestamp")
    return [s, e]


class HubCharadesDocs:
    """``process_docs`` of ``temporal_grounding_charades_hf``: HF rows -> videorl documents.

    ``video_dir`` defaults to :func:`hub_video_dir`, read when called (never at import time).
    """

    __name__ = "hub_charades_docs"

    def __init__(self, split: str = "test", video_dir: str | os.PathLike | None = None):
        self.split, self.video_dir = split, video_dir
        self._durations: dict[str, float | None] = {}

    def duration(self, path: Path) -> float | None:
        """Probed duration of ``path`` (cached per file); None, with a warning, when it cannot be read."""
        key = str(path)
        if key not in self._durations:
            from videorl.video import probe
            from videorl.video.errors import VideoError

            try:
                self._durations[key] = float(probe(path).duration)
            except (VideoError, OSError) as err:
                log.warning("videorl: %s: video missing or unreadable (%s); its samples will score as failures",
                            path, err)
                self._durations[key] = None
        return self._durations[key]

    def record(self, i: int, row: dict[str, Any], video_dir: Path) -> SampleRecord:
        """The grounding record of row ``i`` (video path absolute, under ``video_dir``)."""
        where = f"{HF_DATASET}[{self.split}][{i}]"
        name = row.get("video")
        if not isinstance(name, str) or not name.strip():
            raise RecordError(f"must be a video file name, got {name!r}", path=where, field="video")
        name = name.strip() if Path(name.strip()).suffix else f"{name.strip()}.mp4"
        query = row.get("caption")
        if not isinstance(query, str) or not query.strip():
            raise RecordError(f"must be a non-empty sentence, got {query!r}", path=where, field="caption")
        span = parse_timestamp(row.get("timestamp"), where)
        path = video_dir / name
        duration = self.duration(path)
        meta: dict[str, Any] = {"dataset": "charades_sta", "source": HF_DATASET, "index": i}
        if duration is None:
            duration = max(span[1], 1.0)
            meta["video_missing"] = True
        if span[0] >= duration:
            raise RecordError(f"starts at or after the video's duration ({duration:.3f} s), got {span}",
                              path=where, field="timestamp")
        if span[1] > duration:
            meta["span_original"] = list(span)
            span = [span[0], duration]
        try:
            return SampleRecord(id=f"charades_sta/hf_{self.split}/{i}", video=str(path), duration=duration,
                                task="grounding", query=query.strip(), spans=[span], meta=meta).validate()
        except RecordError as err:
            raise RecordError(err.reason, path=where, field=err.field) from None

    def __call__(self, dataset: Any) -> Any:
        from tqdm import tqdm

        from videorl.plugins.lmms_eval.docs import record_to_doc, to_dataset

        video_dir = Path(self.video_dir).expanduser() if self.video_dir is not None else hub_video_dir()
        rows = list(dataset)
        records = [self.record(i, row, video_dir)
                   for i, row in enumerate(tqdm(rows, desc="videorl: probing Charades videos", disable=None))]
        cut = sum(1 for r in records if "span_original" in r.meta)
        missing = sum(1 for r in records if r.meta.get("video_missing"))
        if cut:
            log.warning("videorl: %d Charades-STA spans end after their video and were cut to its duration", cut)
        if missing:
            log.warning("videorl: %d of %d Charades-STA samples have no readable video under %s",
                        missing, len(records), video_dir)
        return to_dataset(record_to_doc(r, None) for r in records)

    def __repr__(self) -> str:
        return f"HubCharadesDocs({self.split!r}, video_dir={self.video_dir!r})"
