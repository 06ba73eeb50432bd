"""Records to LLaMA-Factory SFT data (sharegpt format with videos).

Writes ``DIR/<name>.json``: a list of
``{"messages": [{"role": "user", "content": build_prompt(...)}, {"role": "assistant", "content":
target(...)}], "videos": [path or [frame paths]]}``, and registers ``<name>`` in
``DIR/dataset_info.json`` (other entries are kept)::

    "<name>": {"file_name": "<name>.json", "formatting": "sharegpt",
               "columns": {"messages": "messages", "videos": "videos"},
               "tags": {"role_tag": "role", "content_tag": "content",
                        "user_tag": "user", "assistant_tag": "assistant"}}

Each sample has exactly one ``<video>`` placeholder (LLaMA-Factory requires as many placeholders
as videos); a record whose own text contains ``<video>`` is an error. The assistant turn is
:func:`videorl.prompts.target`: the answer format the GRPO prompts ask for, times in seconds on
the model clock, so SFT and RL agree. Frame lists are assumed by LLaMA-Factory to be sampled at
its ``video_fps``: set it to the ``--fps`` used here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from videorl.data.export_common import ExportSummary, collect
from videorl.io import write_json
from videorl.prompts import STYLES, VIDEO_TAG, build_prompt, target
from videorl.record import RecordError


def dataset_entry(name: str) -> dict[str, Any]:
    return {"file_name": f"{name}.json", "formatting": "sharegpt",
            "columns": {"messages": "messages", "videos": "videos"},
            "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user",
                     "assistant_tag": "assistant"}}


def merge_dataset_info(path: str | os.PathLike, name: str, entry: dict[str, Any]) -> None:
    """Add or replace ``name`` in a dataset_info.json, keeping every other entry."""
    p = Path(path)
    info: dict[str, Any] = {}
    if p.exists():
        try:
            info = json.loads(p.read_text(encoding="utf-8") or "{}")
        except json.JSONDecodeError as exc:
            raise RecordError(f"existing dataset_info.json is malformed ({exc.msg}); fix or remove it",
                              path=p, line=exc.lineno) from None
        if not isinstance(info, dict):
            raise RecordError("existing dataset_info.json must be a JSON object", path=p)
    info[name] = entry
    write_json(p, info)


def export_llamafactory(records: str | os.PathLike, out_dir: str | os.PathLike, *, name: str | None = None,
                        style: str = "r1", video_dir: str | os.PathLike | None = None,
                        frames_cache: str | os.PathLike | None = None, fps: float = 2.0,
                        max_pixels: int | None = None, min_pixels: int | None = None, skip_clipped: bool = False,
                        strict_videos: bool = False, overlay: str | None = None) -> ExportSummary:
    """Export a records file for LLaMA-Factory (see the module docstring). Returns what was written."""
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; choose one of {list(STYLES)}")
    out = Path(out_dir)
    name = name or Path(records).name.removesuffix(".jsonl").removesuffix(".json")
    summary = ExportSummary()
    items = collect(records, video_dir=video_dir, frames_cache=frames_cache, fps=fps, max_pixels=max_pixels,
                    min_pixels=min_pixels,
                    skip_clipped=skip_clipped, strict_videos=strict_videos, summary=summary, overlay=overlay)
    samples = []
    for it in items:
        user = build_prompt(it.record, style, video_tag=True)
        if user.count(VIDEO_TAG) != 1:
            raise RecordError(f"the text contains {VIDEO_TAG!r}, which LLaMA-Factory would read as a second "
                              "video placeholder", path=records, field="query")
        samples.append({"messages": [{"role": "user", "content": user},
                                     {"role": "assistant", "content": target(it.record, style)}],
                        "videos": [it.video]})
    data_path = out / f"{name}.json"
    write_json(data_path, samples)
    info_path = out / "dataset_info.json"
    merge_dataset_info(info_path, name, dataset_entry(name))
    summary.written = len(samples)
    summary.files = [str(data_path), str(info_path)]
    summary.overrides = [f"dataset: {name}", f"dataset_dir: {out.resolve()}", f"video_fps: {fps:g}"]
    return summary
