"""Importers from the reference methods' own data formats into sample records, and back out.

=========== ======================================================= ================================
name        format                                                  module
=========== ======================================================= ================================
video-r2    Video-R2 SFT / GRPO JSON (``conversations``,            :mod:`.video_r2`
            ``temporal_grounding``)
versavid    VersaVid-R1 / VidBridge-R1 JSONL (``problem``,          :mod:`.versavid`
            ``solution``, ``problem_type``, ``video``)
video-r1    Video-R1 / Video-MTR JSON (``problem``, ``options``,    :mod:`.video_r1`
            ``solution``, ``path`` / ``vid``)
lwt235      Lwt235 (Qwen3-VL-GRPO-VTG) JSONL (``video``,            :mod:`.lwt235`
            ``duration``, ``timestamp``, ``sentence``)
=========== ======================================================= ================================

Each module has ``convert(path, *, split, video_dir, skip_invalid) -> Collector`` (the dataset
converters' error policy and report) and ``export_item(record) -> dict`` (the method's own shape,
for the round trip). ``videorl data import FORMAT FILE`` and ``videorl data export-method FORMAT``
run them.
"""

from __future__ import annotations

import importlib
from types import ModuleType

FORMATS = {"video-r2": "video_r2", "versavid": "versavid", "video-r1": "video_r1", "lwt235": "lwt235"}


def module(name: str) -> ModuleType:
    """The importer module of a format name (see :data:`FORMATS`)."""
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r}; choose one of {sorted(FORMATS)}")
    return importlib.import_module(f"videorl.data.importers.{FORMATS[name]}")
