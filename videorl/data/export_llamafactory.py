"""Records to LLaMA-Factory SFT data (sharegpt format with videos).

Writes ``DIR/<name>.json``: a list of
``{"messages": [{"role": "user", "content": build_prompt(...)}, {"role": "assistant", "content":
target(...)}], "videos": [path or [frame paths]]}``, and registers ``<name>`` in
``DIR/dataset_info.json`` (other entries are kept); ``DIR/<name>.videorl.json`` records the model,
fps and frame sizes for the SFT recipes' dry-run check::

    "<name>": {"file_name": "<name>.json", "formatting": "sharegpt",
               "columns": {"messages": "messages", "videos": "videos"},
               "tags": {"role_tag": "role", "content_tag": "content",
                        "user_tag": "user", "assistant_tag": "assistant"}}

Each sample has exactly one ``<video>`` placeholder (LLaMA-Factory requires as many placeholders
as videos); a record whose own text contains ``<video>`` is an error. The assistant turn is
:func:`videorl.prompts.target`: the answer format the GRPO prompts ask for, times in seconds on
the model clock, so SFT and RL agree.

The clock (docs/clock.md)
-----------------------------
By default every video is exported as a **list of frames** sampled by videorl's sampler (exact
times ``k / fps`` from the clip start, nearest frame; the same frames as RL and evaluation) into a
frame cache (``--frames-cache``, default ``<out>/frames``), sized for ``model`` (multiples of 28
for Qwen2.5-VL, 32 for Qwen3-VL) within ``min_pixels`` / ``max_pixels`` (default 3136 / 50176, as
in the GRPO and eval recipes). LLaMA-Factory 0.9.5 takes a frame list as sampled at its
``video_fps`` (``second_per_grid_ts = 2 / video_fps`` for Qwen2.5-VL, ``<k / video_fps
seconds>`` for Qwen3-VL) and keeps every frame, so with ``video_fps`` = ``fps`` the model is told
the sampler's times. Constraints, checked here:

- Qwen2.5-VL: ``2 / fps`` must be a whole number (2, 1, 2/3, 0.5 ... fps), because transformers
  4.57's ``get_rope_index`` truncates ``second_per_grid_ts`` to an integer;
- Qwen3-VL: frames x height x width must stay within the released video processor's budget
  (``size.longest_edge`` = 25165824) or LLaMA-Factory's processor shrinks the frames again.

``path_videos=True`` (``--path-videos``) writes plain video paths instead. LLaMA-Factory then
samples by itself and its clock is wrong for Qwen2.5-VL (linspace spacing, ``video_maxlen`` cap,
mkv / webm read as 0 frames): up to 0.9 s on a Charades clip and more than 100 s on long videos.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from videorl.data.export_common import ExportItem, ExportSummary, collect
from videorl.io import write_json
from videorl.prompts import STYLES, VIDEO_TAG, build_prompt, target
from videorl.record import RecordError

PATCH_SIZE = {"qwen2_5_vl": 14, "qwen3_vl": 16}
"""Vision patch size per model family (frames are multiples of 2 x this)."""
DEFAULT_MAX_PIXELS = 50176  # per frame, as the GRPO and eval recipes (64 * 28^2)
DEFAULT_MIN_PIXELS = 3136
QWEN3_VIDEO_MAX_PIXELS = 25165824  # released Qwen3-VL video_preprocessor_config.json size.longest_edge (T*H*W)
QWEN3_VIDEO_MIN_PIXELS = 4096  # its size.shortest_edge


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


def check_fps(fps: float, model: str) -> None:
    """Refuse a frame rate whose clock LLaMA-Factory cannot tell exactly for ``model``."""
    if fps <= 0:
        raise ValueError(f"fps must be > 0, got {fps:g}")
    spg = 2.0 / fps
    if model == "qwen2_5_vl" and abs(spg - round(spg)) > 1e-9:
        raise ValueError(f"--fps {fps:g} gives second_per_grid_ts = 2/{fps:g} = {spg:g}, which transformers 4.57 "
                         "truncates to an integer in Qwen2.5-VL's get_rope_index (every frame then gets a wrong "
                         "time); use 2 / n fps: 2, 1, 0.5, ...")


def _check_frames(item: ExportItem, model: str, records: str | os.PathLike) -> int:
    """Video tokens of one frame-list sample; refuse sizes LLaMA-Factory's processor would change."""
    meta = item.meta
    n, h, w = len(meta.frame_indices), meta.height, meta.width
    if model == "qwen3_vl" and not QWEN3_VIDEO_MIN_PIXELS <= n * h * w <= QWEN3_VIDEO_MAX_PIXELS:
        raise RecordError(f"{n} frames of {w}x{h} = {n * h * w} pixels are outside the Qwen3-VL video processor's "
                          f"budget [{QWEN3_VIDEO_MIN_PIXELS}, {QWEN3_VIDEO_MAX_PIXELS}], so LLaMA-Factory would "
                          "resize them again; lower --max-pixels (or --fps) for long videos",
                          path=records, field="video")
    p = 2 * PATCH_SIZE[model]
    return (n // 2) * (h // p) * (w // p)


def export_llamafactory(records: str | os.PathLike, out_dir: str | os.PathLike, *, name: str | None = None,
                        style: str = "r1", video_dir: str | os.PathLike | None = None,
                        frames_cache: str | os.PathLike | None = None, fps: float = 2.0,
                        max_pixels: int | None = None, min_pixels: int | None = None, model: str = "qwen2_5_vl",
                        path_videos: bool = False, skip_clipped: bool = False,
                        strict_videos: bool = False, overlay: str | None = None) -> ExportSummary:
    """Export a records file for LLaMA-Factory (see the module docstring). Returns what was written."""
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; choose one of {list(STYLES)}")
    if model not in PATCH_SIZE:
        raise ValueError(f"unknown model {model!r}; choose one of {list(PATCH_SIZE)}")
    if path_videos and frames_cache is not None:
        raise ValueError("path_videos and frames_cache exclude each other (frames are the exact default)")
    out = Path(out_dir)
    name = name or Path(records).name.removesuffix(".jsonl").removesuffix(".json")
    if not path_videos:
        check_fps(fps, model)
        frames_cache = out / "frames" if frames_cache is None else frames_cache
        max_pixels = DEFAULT_MAX_PIXELS if max_pixels is None else max_pixels
        min_pixels = DEFAULT_MIN_PIXELS if min_pixels is None else min_pixels
    summary = ExportSummary()
    items = collect(records, video_dir=video_dir, frames_cache=frames_cache, fps=fps, max_pixels=max_pixels,
                    min_pixels=min_pixels, skip_clipped=skip_clipped, strict_videos=strict_videos,
                    summary=summary, patch_size=PATCH_SIZE[model], overlay=overlay)
    samples = []
    max_tokens, areas = 0, []
    for it in items:
        user = build_prompt(it.record, style, video_tag=True)
        if user.count(VIDEO_TAG) != 1:
            raise RecordError(f"the text contains {VIDEO_TAG!r}, which LLaMA-Factory would read as a second "
                              "video placeholder", path=records, field="query")
        if it.meta is not None:
            max_tokens = max(max_tokens, _check_frames(it, model, records))
            areas.append(it.meta.height * it.meta.width)
        samples.append({"messages": [{"role": "user", "content": user},
                                     {"role": "assistant", "content": target(it.record, style)}],
                        "videos": [it.video]})
    data_path = out / f"{name}.json"
    write_json(data_path, samples)
    info_path = out / "dataset_info.json"
    merge_dataset_info(info_path, name, dataset_entry(name))
    side_path = out / f"{name}.videorl.json"  # read by the SFT recipes' dry-run check (check_sft_data.py)
    write_json(side_path, {"model": model, "fps": fps, "path_videos": path_videos,
                           "max_area": max(areas, default=0), "min_area": min(areas, default=0),
                           "max_video_tokens": max_tokens})
    summary.written = len(samples)
    summary.files = [str(data_path), str(info_path), str(side_path)]
    summary.overrides = [f"dataset: {name}", f"dataset_dir: {out.resolve()}", f"video_fps: {fps:g}"]
    if areas:
        # LLaMA-Factory shrinks frames above video_max_pixels and enlarges those below video_min_pixels.
        summary.overrides += [f"video_max_pixels: {max(areas)}  # or more", f"video_min_pixels: {min(areas)}  # or less",
                              f"cutoff_len: more than {max_tokens} video tokens + the text"]
    return summary
