"""Check an SFT config against the `videorl data export llamafactory` output it will train on (dry-run check).

Usage: ``python3 recipes/lib/check_sft_data.py CONFIG.yaml DATA_DIR DATASET [key=value ...]``
(the ``key=value`` overrides the recipe passes to ``llamafactory-cli train``). Exit 0 when consistent,
1 with one line per problem. The export writes ``DATA_DIR/<DATASET>.videorl.json`` beside the data:
the model family the frames were sized for, their fps, the range of frame areas and the longest
sample's video tokens. LLaMA-Factory keeps a frame list whole and tells the model its frames are
``1 / video_fps`` apart, so the model is told the sampler's (RL and eval) times only when:

- the template is the family the frames were sized for (Qwen3-VL re-rounds 28-pixel frames to 32);
- ``video_fps`` is the export's fps;
- ``video_max_pixels`` >= and ``video_min_pixels`` <= every frame's area (else LF resizes them);
- ``cutoff_len`` exceeds the longest sample's video tokens (a cut video crashes the forward);
- the export wrote frame lists, not video paths (``--path-videos``: LF's own clock is wrong).

Needs PyYAML (present wherever LLaMA-Factory is); without it, or without the sidecar (an export made
before it existed), nothing is checked and a note is printed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TEMPLATES = {"qwen2_vl": "qwen2_5_vl", "qwen3_vl": "qwen3_vl", "qwen3_vl_nothink": "qwen3_vl"}


def problems(config: dict, side: dict) -> list[str]:
    """What is inconsistent between the (merged) SFT config and the export's sidecar."""
    out = []
    if side.get("path_videos"):
        return ["the export wrote video paths (--path-videos): LLaMA-Factory then samples them itself and tells "
                "Qwen2.5-VL wrong times; export frame lists (the default) instead"]
    family = TEMPLATES.get(str(config.get("template")))
    if family and family != side["model"]:
        out.append(f"template {config.get('template')} is {family}, but the frames were sized for {side['model']} "
                   f"(export with --model {family})")
    fps = float(config.get("video_fps", 2.0))
    if abs(fps - side["fps"]) > 1e-9:
        out.append(f"video_fps {fps:g} differs from the export's --fps {side['fps']:g}: every frame would be told "
                   "the wrong time")
    hi, lo = int(config.get("video_max_pixels", 256 * 256)), int(config.get("video_min_pixels", 16 * 16))
    if hi < side["max_area"]:
        out.append(f"video_max_pixels {hi} is below the largest frame ({side['max_area']} px): LLaMA-Factory would "
                   "shrink it")
    if lo > side["min_area"]:
        out.append(f"video_min_pixels {lo} is above the smallest frame ({side['min_area']} px): LLaMA-Factory would "
                   "enlarge it")
    cutoff = int(config.get("cutoff_len", 2048))
    if cutoff <= side["max_video_tokens"]:
        out.append(f"cutoff_len {cutoff} does not exceed the longest sample's {side['max_video_tokens']} video "
                   "tokens: the video would be cut and the forward fail")
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 3 or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if args[:1] in (["-h"], ["--help"]) else 2
    cfg_path, data_dir, dataset, *overrides = args
    side_path = Path(data_dir) / f"{dataset}.videorl.json"
    if not side_path.is_file():
        print(f"note: {side_path} not found (an older export?): video settings not checked")
        return 0
    try:
        import yaml
    except ImportError:
        print("note: PyYAML is not installed here: video settings not checked")
        return 0
    config = yaml.safe_load(Path(cfg_path).read_text(encoding="utf-8")) or {}
    for item in overrides:
        key, _, value = item.partition("=")
        config[key] = yaml.safe_load(value)
    found = problems(config, json.loads(side_path.read_text(encoding="utf-8")))
    for p in found:
        print(f"{side_path.name}: {p}")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
