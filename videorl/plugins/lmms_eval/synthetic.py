"""The synthetic grounding set: coded videos (``videorl.synth``) plus grounding records.

Made on first use under ``$VIDEORL_DATA_DIR/synthetic/`` (``test.jsonl`` and ``videos/*.mp4``), no
download. Every event starts and ends on the 2 fps sampling grid (multiples of 0.5 s) of a 10 fps
video, so a reader of the sampled frames can recover each span exactly: an event ``[s, e)`` is
visible on the samples ``s, s + 0.5, ..., e - 0.5`` and ``first + (last - first) + 0.5 = e``. One record
is clipped, so the model clock (seconds from the clip start) differs from video time there.

Record ``meta``: ``dataset: synthetic``, ``event`` (the event bit the query is about), ``label``.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from videorl.io import write_json, write_jsonl
from videorl.paths import data_dir
from videorl.record import RecordError, SampleRecord, load_records

log = logging.getLogger(__name__)

SYNTH_VERSION = 1
VIDEO_FPS = 10
SIZE = (320, 240)
COLOURS = ("red", "green", "blue", "yellow")  # event k is drawn in videorl.synth's colour k


@dataclass(frozen=True)
class SynthSpec:
    name: str
    duration: float
    events: tuple[tuple[float, float], ...]
    clip: tuple[float, float] | None = None  # applied to the record of event 0


# Spans chosen by hand on the 0.5 s grid; one starts at 0, one ends at the video's end.
SPECS: tuple[SynthSpec, ...] = (
    SynthSpec("syn_000", 8.0, ((2.0, 4.5), (5.0, 8.0))),
    SynthSpec("syn_001", 6.0, ((0.0, 1.5), (3.5, 5.0))),
    SynthSpec("syn_002", 10.0, ((6.0, 9.0), (1.0, 2.5)), clip=(4.0, 10.0)),
)


def synthetic_root() -> Path:
    return data_dir() / "synthetic"


def build_records(specs: tuple[SynthSpec, ...] = SPECS) -> list[SampleRecord]:
    """The records for ``specs`` (videos relative to the records file's folder)."""
    out = []
    for spec in specs:
        for k, (s, e) in enumerate(spec.events):
            clip = list(spec.clip) if (spec.clip and k == 0) else None
            out.append(SampleRecord(
                id=f"synthetic/test/{spec.name}/{k}", video=f"videos/{spec.name}.mp4", duration=spec.duration,
                task="grounding", query=f"the {COLOURS[k]} block is shown", spans=[[s, e]], clip=clip,
                meta={"dataset": "synthetic", "event": k, "label": COLOURS[k], "synth_version": SYNTH_VERSION},
            ).validate())
    return out


MANIFEST = "manifest.json"


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def problems(root: Path) -> list[str]:
    """Why the synthetic set under ``root`` cannot be used as it is (empty when it can): missing or
    invalid records, another version, or a video whose bytes differ from the manifest written with
    it (a truncated or overwritten file)."""
    records_path, manifest_path = root / "test.jsonl", root / MANIFEST
    if not records_path.is_file():
        return [f"{records_path} is missing"]
    try:
        recs = load_records(records_path)
        manifest = json.loads(manifest_path.read_text())
    except (RecordError, OSError, ValueError) as err:
        return [f"cannot read the set: {err}"]
    if not recs or any(r.meta.get("synth_version") != SYNTH_VERSION for r in recs):
        return [f"the records are not synthetic set version {SYNTH_VERSION}"]
    out = []
    for video in sorted({r.video for r in recs}):
        path = root / video
        if not path.is_file():
            out.append(f"{video} is missing")
        elif manifest.get("sha256", {}).get(video) != _sha256(path):
            out.append(f"{video} differs from the one written with the set (checksum)")
    return out


def ensure_synthetic(root: str | os.PathLike | None = None, *, force: bool = False) -> Path:
    """Make the synthetic set under ``root`` (default ``$VIDEORL_DATA_DIR/synthetic``) unless a
    complete one of this version is there. Returns the records file. Safe to re-run and to
    interrupt: videos and the records file are written to temporary names and renamed."""
    from videorl.synth import make_video

    root = Path(root) if root is not None else synthetic_root()
    records_path = root / "test.jsonl"
    if not force:
        bad = problems(root)
        if not bad:
            return records_path
        if records_path.is_file():
            log.warning("videorl: the synthetic set under %s is damaged (%s); regenerating it", root, "; ".join(bad))
    log.info("videorl: writing the synthetic grounding set to %s", root)
    for spec in SPECS:
        final = root / "videos" / f"{spec.name}.mp4"
        tmp = final.with_name(f".{final.stem}.{os.getpid()}.part.mp4")
        make_video(tmp, duration=spec.duration, fps=VIDEO_FPS, size=SIZE, events=list(spec.events))
        os.replace(tmp, final)
    write_jsonl(records_path, build_records())
    write_json(root / MANIFEST, {"synth_version": SYNTH_VERSION, "sha256": {
        f"videos/{spec.name}.mp4": _sha256(root / "videos" / f"{spec.name}.mp4") for spec in SPECS}})
    return records_path


class SyntheticDocs:
    """``process_docs`` of ``videorl_synthetic_grounding``: make the set if needed, return its docs."""

    __name__ = "synthetic_docs"

    def __call__(self, _placeholder: Any) -> Any:
        from videorl.plugins.lmms_eval.docs import load_docs, to_dataset

        ensure_synthetic()
        return to_dataset(load_docs("synthetic", "test"))
