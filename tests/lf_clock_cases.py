"""Coded videos, records and the clock arithmetic shared by the LLaMA-Factory host tests and the benchmark.

The truth of a coded video (:mod:`videorl.synth`) is the time of every frame; LLaMA-Factory's
batches are read back by :mod:`videorl.testing.lf_clock` (frame codes, sizes, told times). This
module turns the two into the clock error:

- **true**: the time of the frame the model sees, from its code: ``times[code] - times[first code]``
  (model time counts from the first frame the model sees, as :meth:`VideoMeta.model_times`);
- **told**, Qwen2.5-VL: the temporal M-RoPE id of each 2-frame patch over ``tokens_per_second``,
  compared with the true time of the patch's first frame;
- **told**, Qwen3-VL: the ``<t seconds>`` marker of each patch, compared with the true mean time of
  its two frames rounded as the marker is (one decimal): an error of 0 means the marker says what
  the frames' real times say;
- **eval**: what videorl's own glue tells the model for the same video in RL and evaluation
  (:mod:`videorl.video.qwen` on :func:`videorl.video.sample_frames`), compared the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from videorl.synth import SynthVideo, make_video

CONTAINERS = {"mp4": ("h264", {"preset": "ultrafast"}), "mkv": ("h264", {"preset": "ultrafast"}),
              "webm": ("libvpx-vp9", {"deadline": "realtime", "cpu-used": "8"})}
DURATIONS = (5.0, 30.96, 119.5, 150.0, 300.0, 600.0)
SWEEP_FPS = 4  # native rate of the sweep clips: cheap, and 2 fps targets land on frames
SIZE = (64, 48)  # tiny frames keep 600 s cheap; the frame code reads back at this size
MODELS = {"qwen2_5_vl": {"template": "qwen2_vl", "patch": 14}, "qwen3_vl": {"template": "qwen3_vl_nothink",
                                                                           "patch": 16}}


@dataclass
class Case:
    name: str
    video: SynthVideo


def make_cases(folder: Path, specs: list[tuple[str, float, float | Fraction, str]]) -> list[Case]:
    """Coded clips ``(name, duration, fps, container)`` written under ``folder``."""
    out = []
    for name, duration, fps, container in specs:
        codec, options = CONTAINERS[container]
        v = make_video(folder / f"{name}.{container}", duration=duration, fps=fps, size=SIZE, codec=codec,
                       preset=options.get("preset", "veryfast"), options=options)
        out.append(Case(name, v))
    return out


def sweep_specs() -> list[tuple[str, float, float | Fraction, str]]:
    return [(f"d{d:g}_{c}", d, SWEEP_FPS, c) for c in CONTAINERS for d in DURATIONS]


def write_records(cases: list[Case], path: Path) -> Path:
    """One grounding record per clip (a span in the middle), as `videorl data prepare` writes them."""
    rows = []
    for k, c in enumerate(cases):
        d = c.video.duration
        rows.append({"id": f"clock/{k}", "video": str(c.video.path), "duration": round(d, 3), "task": "grounding",
                     "query": "the coded frames", "spans": [[round(d * 0.25, 2), round(d * 0.5, 2)]],
                     "meta": {"dataset": "clock"}})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def lf_config(path: Path, *, model_dir: Path, data_dir: Path, dataset: str, model: str, out_dir: Path,
              cutoff_len: int = 16384, **extra: Any) -> Path:
    """A LLaMA-Factory SFT YAML for the tiny model: the recipe's video settings on CPU."""
    import yaml

    cfg = {"model_name_or_path": str(model_dir), "trust_remote_code": True, "stage": "sft", "do_train": True,
           "finetuning_type": "lora", "lora_rank": 4, "lora_target": "all", "dataset": dataset,
           "dataset_dir": str(data_dir), "template": MODELS[model]["template"], "cutoff_len": cutoff_len,
           "video_fps": 2.0, "video_max_pixels": 50176, "video_min_pixels": 3136, "video_maxlen": 240,
           "output_dir": str(out_dir), "overwrite_output_dir": True, "report_to": "none",
           "per_device_train_batch_size": 1, "preprocessing_num_workers": 1, "dataloader_num_workers": 0,
           "overwrite_cache": True, "bf16": False, "fp16": False, "use_cpu": True, **extra}
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def true_times(video: SynthVideo, codes: list[int]) -> list[float]:
    return [video.times[c] - video.times[codes[0]] for c in codes]


def patch_truth(model: str, times: list[float]) -> list[float]:
    """The time each patch should be told: its first frame (Qwen2.5-VL) or the rounded pair mean (Qwen3-VL)."""
    if len(times) % 2:
        times = times + times[-1:]
    if model == "qwen2_5_vl":
        return times[::2]
    return [float(f"{(times[i] + times[i + 1]) / 2:.1f}") for i in range(0, len(times), 2)]


def clock_error(model: str, video: SynthVideo, sample: dict[str, Any]) -> float:
    """max |true - told| over the patches of one probed sample (seconds)."""
    truth = patch_truth(model, true_times(video, sample["frames"]))
    if len(truth) != len(sample["told"]):
        raise AssertionError(f"{len(truth)} patches but {len(sample['told'])} told times")
    return max(abs(a - b) for a, b in zip(truth, sample["told"], strict=True))


def eval_told(model: str, meta) -> list[float]:
    """What videorl's glue tells the model for the same frames in RL and evaluation."""
    from videorl.video import qwen as glue

    if model == "qwen2_5_vl":
        return [i / 2.0 for i in glue.expected_qwen2_5_time_ids(meta, tokens_per_second=2.0)]
    return [float(m[1:].split()[0]) for m in glue.expected_qwen3_timestamps(meta)]
