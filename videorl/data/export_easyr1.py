"""Records to EasyR1 training data (GRPO).

Writes ``DIR/<name>.parquet`` and ``DIR/<name>.jsonl`` (the same rows), with the columns EasyR1's
``RLHFDataset`` reads through ``data.prompt_key`` / ``data.answer_key`` / ``data.video_key``:

- ``prompt``: :func:`videorl.prompts.question` with the ``<video>`` tag (one per row);
- ``videos``: ``[absolute video path]``, or with a frame cache ``[[frame paths]]`` sampled at
  ``fps``. qwen-vl-utils assumes 2 fps for frame lists and EasyR1 passes nothing else, so any
  other fps would put every frame at the wrong time: refused unless ``allow_fps``;
  the frames are sized by :func:`easyr1_frame_size` for ``model`` so that no step of EasyR1
  (qwen-vl-utils, the processor, the worker's image processor, vLLM) resizes them again;
- ``answer``: :func:`videorl.target.dumps_target` (JSON read by the videorl rewards);
- ``data_source`` and ``id``.

``DIR/<name>.export.json`` records what the rows assume (host, model, video mode, fps, pixel
bounds, style, tasks, frame sizes); ``videorl easyr1 check`` compares it with a recipe.

Why frame lists: for a path EasyR1 lets qwen-vl-utils pick ``linspace(0, N-1, n)`` frames and tells
Qwen2.5-VL ``second_per_grid_ts = 2 / sample_fps`` (truncated by ``get_rope_index``), so frames
arrive up to ~1 s later than told, and the Qwen3-VL processor, given no metadata, times frames at
24 fps. Frames we sample at exactly ``k / 2`` s are told ``k / 2`` s by both (see docs/clock.md).

There is no ``images`` column: EasyR1 takes the image column whenever it exists, and the video
would be ignored. ``DIR/format_prompt/{direct,r1,r1_json}.jinja`` hold
:func:`videorl.prompts.format_prompt_template`, EasyR1's ``data.format_prompt``.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from videorl.data.export_common import ExportSummary, collect, data_source
from videorl.io import atomic_write, write_jsonl
from videorl.prompts import STYLES, format_prompt_template, question
from videorl.target import dumps_target

QWEN_FRAME_LIST_FPS = 2.0
COLUMNS = ("prompt", "videos", "answer", "data_source", "id")
RECIPE_MIN_PIXELS, RECIPE_MAX_PIXELS = 3136, 50176  # data.min_pixels / max_pixels of recipes/*_grpo.yaml
MODELS = {"qwen2_5_vl": 28, "qwen3_vl": 32}
"""Model family -> the processor's size factor (patch size x spatial merge)."""
LIST_FACTOR = 56
"""qwen-vl-utils 0.0.14 resizes each listed frame with ``fetch_image(..., image_factor)``, where a
*patch size* is expected: sides snap to multiples of 2 x 28 = 56 (``vision_process.py:425``)."""
QWEN_VL_UTILS_FACTOR = 28  # fetch_video's own factor: EasyR1 calls it with the default patch size 14


def _through_easyr1(height: int, width: int, model: str, min_pixels: float, max_pixels: float) -> tuple[int, int]:
    """The size a listed frame of ``height x width`` reaches the model at in EasyR1.

    qwen-vl-utils' ``fetch_image`` (factor 56, the data bounds), ``fetch_video`` (factor 28, the
    same bounds), then the model's processor (factor 28 or 32; within its bounds only rounding).
    """
    from videorl.video.sizing import smart_resize

    h, w = smart_resize(height, width, LIST_FACTOR, min_pixels, max_pixels)
    h, w = smart_resize(h, w, QWEN_VL_UTILS_FACTOR, min_pixels, max_pixels)
    return smart_resize(h, w, MODELS[model], 1, math.inf)


def easyr1_frame_size(height: int, width: int, model: str, *, min_pixels: float,
                      max_pixels: float) -> tuple[int, int]:
    """The frame size to export for EasyR1: kept unchanged by every resize EasyR1 applies.

    Among sizes ``(h, w)`` that are multiples of the model's factor, within ``[min_pixels,
    max_pixels]`` and fixed points of :func:`_through_easyr1`, the one whose aspect ratio is
    nearest the source's, then the largest. Qwen2.5-VL: the multiples of 56. Qwen3-VL: multiples of
    32 whose rounding to 56 and back gives themselves (e.g. 160x288 for 16:9 at 50176 pixels).
    """
    if model not in MODELS:
        raise ValueError(f"unknown model family {model!r}; choose one of {sorted(MODELS)}")
    f = MODELS[model]
    aspect = math.log(width / height)
    best: tuple[float, int, int, int] | None = None
    top = int(math.sqrt(max_pixels * max(width / height, height / width))) + f
    for h in range(f, top + 1, f):
        for w in range(f, top + 1, f):
            if not min_pixels <= h * w <= max_pixels:
                continue
            if _through_easyr1(h, w, model, min_pixels, max_pixels) != (h, w):
                continue
            key = (round(abs(math.log(w / h) - aspect), 3), -h * w, h, w)
            if best is None or key < best:
                best = key
    if best is None:
        raise ValueError(f"no frame size between {min_pixels} and {max_pixels} pixels survives EasyR1 unchanged "
                         f"for {model}; raise max_pixels")
    return best[2], best[3]


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
                  strict_videos: bool = False, overlay: str | None = None,
                  model: str = "qwen2_5_vl") -> ExportSummary:
    """Export a records file for EasyR1 (see the module docstring). Returns what was written.

    ``model`` (``qwen2_5_vl`` or ``qwen3_vl``) picks the frame sizes of a frame-list export; the
    pixel bounds default to the GRPO recipes' ``data.min_pixels`` / ``data.max_pixels`` (3136 / 50176).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; choose one of {list(STYLES)}")
    if frames_cache is not None and abs(fps - QWEN_FRAME_LIST_FPS) > 1e-9 and not allow_fps:
        raise ValueError(f"frame lists must be sampled at {QWEN_FRAME_LIST_FPS:g} fps for EasyR1: qwen-vl-utils "
                         f"assumes 2 fps for a list of frames and EasyR1 cannot tell it otherwise, so frames at "
                         f"{fps:g} fps would be placed at wrong times; pass --allow-fps to do it anyway")
    if model not in MODELS:
        raise ValueError(f"unknown model family {model!r}; choose one of {sorted(MODELS)}")
    out = Path(out_dir)
    name = name or Path(records).name.removesuffix(".jsonl").removesuffix(".json")
    summary = ExportSummary()
    size_for = None
    if frames_cache is not None:
        min_pixels = RECIPE_MIN_PIXELS if min_pixels is None else min_pixels
        max_pixels = RECIPE_MAX_PIXELS if max_pixels is None else max_pixels

        def size_for(height: int, width: int) -> tuple[int, int]:
            return easyr1_frame_size(height, width, model, min_pixels=min_pixels, max_pixels=max_pixels)
    items = collect(records, video_dir=video_dir, frames_cache=frames_cache, fps=fps, max_pixels=max_pixels,
                    min_pixels=min_pixels, size_for=size_for, patch_size=MODELS[model] // 2,
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
    info = {"host": "easyr1", "model": model, "videos": "frames" if frames_cache is not None else "paths",
            "fps": fps if frames_cache is not None else None, "min_pixels": min_pixels, "max_pixels": max_pixels,
            "style": style, "tasks": sorted({it.record.task for it in items}),
            "frame_sizes": sorted({tuple(it.size) for it in items if it.size is not None}), "rows": len(rows)}
    info_path = out / f"{name}.export.json"
    with atomic_write(info_path) as fh:
        fh.write(json.dumps(info, indent=1) + "\n")
    summary.written = len(rows)
    summary.files = [str(pq_path), str(jl_path), str(prompts[style]), str(info_path)]
    summary.overrides = [f"data.train_files={pq_path.resolve()}", "data.prompt_key=prompt", "data.answer_key=answer",
                         "data.video_key=videos", f"data.format_prompt={prompts[style].resolve()}",
                         f"data.video_fps={QWEN_FRAME_LIST_FPS if frames_cache is None else fps:g}"]
    return summary
