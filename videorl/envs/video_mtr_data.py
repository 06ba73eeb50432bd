"""Video-MTR training data from our sample records (NExT-GQA first), for verl's agent loop.

Input: sample records (``mcq`` / ``grounded_qa`` / ``open_qa``) that carry
``meta["relevant_sample_frames"]`` and ``meta["relevant_frames_setting"]``, written by the
relevant-frames data tool (pool frames whose exact time lies in a GT span). Output: one verl row per
record (JSONL, and Parquet when pandas and pyarrow are installed) with

- ``prompt``: the system prompt and the env's first observation (``<image>`` placeholders), with
  ``images``: the 16 initial pool frames written as PNG files under ``<out>/frames/`` (verl's
  ``RLHFDataset`` reads them into the prompt);
- ``reward_model.ground_truth`` and ``extra_info.target``: the videorl target plus the relevant
  frames and the pool size; ``extra_info.tools_kwargs``: the record, for the ``video_mtr_step`` tool;
- ``agent_name``: ``video_mtr_agent``.

**Contamination warning** (methods.md §4.6): NExT-GQA has grounding spans only for val and test
(its train split has none), so relevant frames, and hence a "NExT-GQA grounded" Video-MTR training
set, can only come from val/test. Training on it contaminates any NExT-GQA evaluation; the builder
warns whenever a NExT-GQA record is used.

Usage: ``python -m videorl.envs.video_mtr_data RECORDS.jsonl OUT_DIR [--video-dir DIR]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from videorl.record import RecordError, SampleRecord

log = logging.getLogger(__name__)

CONTAMINATION = ("NExT-GQA has grounding spans only for val/test (none for train), so these Video-MTR training "
                 "records come from NExT-GQA val/test: do not evaluate the trained model on NExT-GQA (contamination)")


def build_rows(records: Sequence[SampleRecord], out_dir: str | os.PathLike, *, config: Any = None,
               video_dir: str | os.PathLike | None = None, show_progress: bool = True) -> list[dict[str, Any]]:
    """verl rows for ``records`` (see the module docstring); writes the initial frames under ``out_dir``."""
    from tqdm import tqdm

    from videorl.envs.video_mtr import VERL_AGENT as VERL_MTR_AGENT
    from videorl.envs.video_mtr import VERL_TOOL as VERL_MTR_TOOL
    from videorl.envs.video_mtr import MTRConfig, VideoMTREnv
    from videorl.io import atomic_write
    from videorl.target import make_target

    cfg = config or MTRConfig()
    out = Path(out_dir)
    missing = [r.id for r in records if "relevant_sample_frames" not in (r.meta or {})]
    if missing:
        raise RecordError(f"{len(missing)} record(s) lack meta.relevant_sample_frames (run the relevant-frames "
                          f"data tool first), e.g. {missing[:5]}", field="meta.relevant_sample_frames")
    if any(str((r.meta or {}).get("dataset", "")).lower().startswith("nextgqa") for r in records):
        log.warning(CONTAMINATION)
        print(f"warning: {CONTAMINATION}", file=sys.stderr)
    env = VideoMTREnv(cfg, video_dir=video_dir)
    rows = []
    for i, rec in enumerate(tqdm(records, desc="video-mtr rows", unit=" rec", disable=None if show_progress else True)):
        try:
            obs = env.reset(rec)
        except RecordError as err:
            raise RecordError(f"record {rec.id!r}: {err.reason}", field=err.field) from None
        images = []
        for im in obs.content():
            if im["type"] != "image":
                continue
            p = out / "frames" / rec.id.replace("/", "__") / f"{len(images):02d}.png"
            p.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(p, "wb", encoding=None) as fh:
                im["image"].save(fh, format="PNG")
            images.append({"image": str(p.resolve())})
        target = make_target(rec)
        target.update(relevant_sample_frames=rec.meta["relevant_sample_frames"], pool_size=env.episode.pool_size)
        gt = json.dumps(target, ensure_ascii=False, separators=(",", ":"))
        rows.append({
            "data_source": f"video_mtr/{rec.meta.get('dataset', 'videorl')}",
            "prompt": [{"role": "system", "content": env.system_prompt()}, {"role": "user", "content": obs.text}],
            "images": images,
            "ability": "video_mtr",
            "reward_model": {"style": "rule", "ground_truth": gt},
            "extra_info": {"index": i, "target": gt,
                           "tools_kwargs": {VERL_MTR_TOOL: {"create_kwargs": {"record": rec.to_json()}}}},
            "agent_name": VERL_MTR_AGENT,
        })
    return rows


def write_rows(rows: list[dict[str, Any]], out_dir: str | os.PathLike, name: str = "train") -> list[Path]:
    """``<out>/<name>.jsonl`` and, when pandas + pyarrow are installed, ``<out>/<name>.parquet``."""
    from videorl.io import atomic_write, write_jsonl

    out = Path(out_dir)
    paths = [out / f"{name}.jsonl"]
    write_jsonl(paths[0], rows)
    try:
        import pandas as pd
        import pyarrow  # noqa: F401
    except ImportError:
        log.info("pandas/pyarrow not installed: wrote JSONL only")
        return paths
    paths.append(out / f"{name}.parquet")
    with atomic_write(paths[1], "wb", encoding=None) as fh:
        pd.DataFrame(rows).to_parquet(fh)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    from videorl.record import load_records

    p = argparse.ArgumentParser(prog="python -m videorl.envs.video_mtr_data",
                                description="Build Video-MTR verl rows from sample records with relevant frames.")
    p.add_argument("records", type=Path, help="JSONL sample records with meta.relevant_sample_frames")
    p.add_argument("out", type=Path, help="output folder (rows, initial frames)")
    p.add_argument("--video-dir", type=Path, default=None, help="folder for relative video paths")
    p.add_argument("--name", default="train", help="output file stem (default: train)")
    args = p.parse_args(argv)
    rows = build_rows(load_records(args.records), args.out, video_dir=args.video_dir)
    for path in write_rows(rows, args.out, args.name):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
