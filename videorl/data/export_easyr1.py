"""Records to EasyR1 training data (GRPO).

Writes ``DIR/<name>.parquet`` and ``DIR/<name>.jsonl`` (the same rows), with the columns EasyR1's
``RLHFDataset`` reads through ``data.prompt_key`` / ``data.answer_key`` / ``data.video_key``:

- ``prompt``: :func:`videorl.prompts.question` with the ``<video>`` tag (one per row);
- ``videos``: ``[absolute video path]``, or with a frame cache ``[[frame paths]]`` sampled at
  ``fps``. qwen-vl-utils assumes 2 fps for frame lists and EasyR1 passes nothing else, so any
  other fps would put every frame at the wrong time: refused unless ``allow_fps``;
- ``answer``: :func:`videorl.target.dumps_target` (JSON read by the videorl rewards);
- ``data_source`` and ``id``.

There is no ``images`` column: EasyR1 takes the image column whenever it exists, and the video
would be ignored. ``DIR/format_prompt/{direct,r1,r1_json}.jinja`` hold
:func:`videorl.prompts.format_prompt_template`, EasyR1's ``data.format_prompt``.
"""

from __future__ import annotations

import os
from pathlib import Path

from videorl.data.export_common import ExportSummary, collect, data_source
from videorl.io import atomic_write, write_jsonl
from videorl.prompts import STYLES, format_prompt_template, question
from videorl.target import dumps_target

QWEN_FRAME_LIST_FPS = 2.0
COLUMNS = ("prompt", "videos", "answer", "data_source", "id")


def write_format_prompts(out_dir: str | os.PathLike) -> dict[str, Path]:
    """Write one Jinja file per prompt style under ``out_dir/format_prompt``."""
    paths = {}
    for style in STYLES:
        p = Path(out_dir) / "format_prompt" / f"{style}.jinja"
        with atomic_write(p) as fh:
            fh.write(format_prompt_template(style))
        paths[style] = p
    return paths


def export_easyr1(records: str | os.PathLike, out_dir: str | os.PathLike, *, name: str | None = None,
                  style: str = "r1", video_dir: str | os.PathLike | None = None,
                  frames_cache: str | os.PathLike | None = None, fps: float = QWEN_FRAME_LIST_FPS,
                  max_pixels: int | None = None, min_pixels: int | None = None,
                  allow_fps: bool = False, skip_clipped: bool = False,
                  strict_videos: bool = False, overlay: str | None = None) -> ExportSummary:
    """Export a records file for EasyR1 (see the module docstring). Returns what was written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; choose one of {list(STYLES)}")
    if frames_cache is not None and abs(fps - QWEN_FRAME_LIST_FPS) > 1e-9 and not allow_fps:
        raise ValueError(f"frame lists must be sampled at {QWEN_FRAME_LIST_FPS:g} fps for EasyR1: qwen-vl-utils "
                         f"assumes 2 fps for a list of frames and EasyR1 cannot tell it otherwise, so frames at "
                         f"{fps:g} fps would be placed at wrong times; pass --allow-fps to do it anyway")
    out = Path(out_dir)
    name = name or Path(records).name.removesuffix(".jsonl").removesuffix(".json")
    summary = ExportSummary()
    items = collect(records, video_dir=video_dir, frames_cache=frames_cache, fps=fps, max_pixels=max_pixels,
                    min_pixels=min_pixels,
                    skip_clipped=skip_clipped, strict_videos=strict_videos, summary=summary, overlay=overlay)
    rows = [{"prompt": question(it.record, style, video_tag=True), "videos": [it.video],
             "answer": dumps_target(it.record), "data_source": data_source(it.record), "id": it.record.id}
            for it in items]
    video_type = pa.list_(pa.list_(pa.string())) if frames_cache is not None else pa.list_(pa.string())
    schema = pa.schema([("prompt", pa.string()), ("videos", video_type), ("answer", pa.string()),
                        ("data_source", pa.string()), ("id", pa.string())])
    table = pa.Table.from_pylist(rows, schema=schema)
    pq_path, jl_path = out / f"{name}.parquet", out / f"{name}.jsonl"
    with atomic_write(pq_path, "wb", encoding=None) as fh:
        pq.write_table(table, fh)
    write_jsonl(jl_path, rows)
    prompts = write_format_prompts(out)
    summary.written = len(rows)
    summary.files = [str(pq_path), str(jl_path), str(prompts[style])]
    summary.overrides = [f"data.train_files={pq_path.resolve()}", "data.prompt_key=prompt", "data.answer_key=answer",
                         "data.video_key=videos", f"data.format_prompt={prompts[style].resolve()}",
                         f"data.video_fps={QWEN_FRAME_LIST_FPS if frames_cache is None else fps:g}"]
    return summary
