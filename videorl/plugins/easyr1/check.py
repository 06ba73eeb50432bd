"""``videorl easyr1 check``: refuse, before any GPU is touched, choices an EasyR1 run would regret.

A GRPO recipe runs this in its dry run and before launching. Each problem is one line naming what
to change:

- **reward vs data**: for one row of every task in the export, the correct answer written in the
  prompt style (:func:`videorl.prompts.target`) is scored by the reward preset through the same
  code EasyR1's reward file calls. A preset that cannot score a task (``UnsupportedTaskError`` at
  the first batch) or pays a correct answer less than in full (e.g. ``temporal_r1`` pays "B; 12.5 -
  17.0" 0.5) is refused, with the presets that would pay every task;
- **export vs recipe** (``<name>.export.json``): the prompt style the rows were written with, the
  model family the frames were sized for, the pixel bounds and fps EasyR1 will use, and path videos
  (whose clock EasyR1 gets wrong by up to ~1 s; docs/clock.md);
- **GPU count**: the rules EasyR1 enforces only once the workers start (file:line at the pin).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

PAY_IN_FULL = 0.999


def _rows(train_files: str) -> list[dict[str, Any]]:
    path = Path(train_files.split("@")[0])
    jl = path.with_suffix(".jsonl")
    if jl.is_file():
        from videorl.record import iter_jsonl

        return [row for _, row in iter_jsonl(jl)]
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path, columns=["answer"]).to_pylist()
    raise ValueError(f"{path}: expected the parquet or jsonl written by `videorl data export easyr1`")


def _record(target) -> Any:
    from videorl.record import SampleRecord

    return SampleRecord(id=target.id or "check", video="check.mp4", duration=float(target.duration),
                        task=target.task, query="check", spans=[list(s) for s in target.spans],
                        options=list(target.options), answer=target.answer)


def reward_problems(targets_by_task: dict[str, Any], preset: str, style: str) -> list[str]:
    """Why ``preset`` does not pay a correct ``style`` answer in full for some task (empty: it does)."""
    from videorl.prompts import target as ideal
    from videorl.rewards.base import UnsupportedTaskError
    from videorl.rewards.hosts import reward_from_options, score_batch

    reward = reward_from_options(preset=preset)
    problems = []
    for task, tgt in sorted(targets_by_task.items()):
        answer = ideal(_record(tgt), style)
        try:
            overall = score_batch(reward, [answer], [tgt])[0]["overall"]
        except UnsupportedTaskError:
            problems.append(f"reward preset {preset!r} cannot score task {task!r}, which the export holds "
                            f"(EasyR1 would stop at the first reward batch)")
            continue
        if overall < PAY_IN_FULL:
            problems.append(f"reward preset {preset!r} pays a correct {task} answer in the {style!r} prompt style "
                            f"only {overall:.2f} (answer {answer!r}); pick a preset and style that agree")
    return problems


def paying_presets(targets_by_task: dict[str, Any], style: str) -> list[str]:
    """Registered presets that pay a correct ``style`` answer in full for every task."""
    from videorl.rewards.registry import entries

    good = []
    for name, entry in entries().items():
        if entry.kind != "preset":
            continue
        try:
            if not reward_problems(targets_by_task, name, style):
                good.append(name)
        except Exception:  # noqa: BLE001 - presets needing a judge or parameters: not a default choice
            continue
    return good


def _get(cfg: dict[str, Any], dotted: str, default: Any = None) -> Any:
    node: Any = cfg
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def load_config(config: str | Path, overrides: Iterable[str] = ()) -> dict[str, Any]:
    """The recipe YAML with ``key=value`` overrides applied (values parsed as YAML, as OmegaConf does)."""
    import yaml

    cfg = yaml.safe_load(Path(config).read_text()) or {}
    for item in overrides:
        if "=" not in item:
            continue
        key, value = item.split("=", 1)
        node = cfg
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = yaml.safe_load(value) if value else value
    return cfg


def gpu_problems(cfg: dict[str, Any]) -> list[str]:
    """EasyR1's checks that depend on the GPU count (pinned commit), applied to ``cfg``."""
    nnodes = int(_get(cfg, "trainer.nnodes", 1))
    per_node = int(_get(cfg, "trainer.n_gpus_per_node", 8))
    world = nnodes * per_node
    tp = int(_get(cfg, "worker.rollout.tensor_parallel_size", 1))
    n = int(_get(cfg, "worker.rollout.n", 1))
    ulysses = int(_get(cfg, "worker.actor.ulysses_size", 1))
    gbs = int(_get(cfg, "worker.actor.global_batch_size", 1))
    micro = int(_get(cfg, "worker.actor.micro_batch_size_per_device_for_update", 1))
    rollout_bs = int(_get(cfg, "data.rollout_batch_size", gbs))
    where = f"trainer.nnodes={nnodes} x trainer.n_gpus_per_node={per_node} = {world} GPU(s)"
    problems = []
    if tp > world:
        problems.append(f"worker.rollout.tensor_parallel_size={tp} is more than the {where}: EasyR1 rejects it "
                        "(verl/workers/rollout/vllm_rollout_spmd.py:110); lower it or use more GPUs")
    elif world % tp:
        problems.append(f"the {where} is not divisible by worker.rollout.tensor_parallel_size={tp} "
                        "(verl/workers/fsdp_workers.py:384)")
    if ulysses > world or world % ulysses:
        problems.append(f"worker.actor.ulysses_size={ulysses} does not divide the {where}")
    else:
        per_device = gbs * n // (world // ulysses)
        if per_device == 0:
            problems.append(f"worker.actor.global_batch_size={gbs} x rollout.n={n} is smaller than the {where} "
                            "(verl/workers/fsdp_workers.py:147)")
        elif per_device % micro:
            problems.append(f"global batch per device {per_device} (= {gbs} x rollout.n {n} / {world // ulysses}) is "
                            f"not divisible by micro_batch_size_per_device_for_update={micro} "
                            "(verl/workers/fsdp_workers.py:150)")
    if gbs and rollout_bs % gbs:
        problems.append(f"data.rollout_batch_size={rollout_bs} is not divisible by worker.actor.global_batch_size="
                        f"{gbs} (verl/trainer/ray_trainer.py:212)")
    return problems


def export_problems(info: dict[str, Any], cfg: dict[str, Any], *, style: str, model: str | None,
                    allow_path_videos: bool = False) -> list[str]:
    """Disagreements between the export's ``.export.json`` and the recipe."""
    problems = []
    if info.get("style") != style:
        problems.append(f"the export's prompts were written in the {info.get('style')!r} style but the recipe uses "
                        f"PROMPT_STYLE={style}; re-export with --style {style} or set PROMPT_STYLE={info.get('style')}")
    if info.get("videos") == "paths":
        if not allow_path_videos:
            problems.append("the export holds video paths: EasyR1 samples them with qwen-vl-utils' linspace and tells "
                            "the model a clock up to ~1 s off (docs/clock.md); re-export with --frames-cache "
                            "(exact), or set ALLOW_PATH_VIDEOS=1")
        return problems
    if model and info.get("model") != model:
        problems.append(f"the export's frames were sized for {info.get('model')} but the recipe trains {model}; "
                        f"re-export with --model {model}")
    for key in ("min_pixels", "max_pixels"):
        want = _get(cfg, f"data.{key}")
        if want is not None and info.get(key) is not None and int(want) != int(info[key]):
            problems.append(f"data.{key}={want} but the frames were exported for {key}={info[key]}: EasyR1 would "
                            f"resize them; re-export with --{key.replace('_', '-')} {want}")
    fps = _get(cfg, "data.video_fps", 2.0)
    if info.get("fps") is not None and abs(float(fps) - float(info["fps"])) > 1e-9:
        problems.append(f"data.video_fps={fps} but the frame lists were sampled at {info['fps']} fps")
    return problems


def check(train_files: str, *, preset: str, style: str, config: str | Path | None = None,
          overrides: Sequence[str] = (), model: str | None = None, allow_path_videos: bool = False) -> list[str]:
    """Every problem found (empty: the run is consistent)."""
    from videorl.target import parse_target

    problems: list[str] = []
    cfg = load_config(config, overrides) if config else {}
    targets: dict[str, Any] = {}
    for row in _rows(train_files):
        tgt = parse_target(row["answer"])
        targets.setdefault(tgt.task, tgt)
    bad = reward_problems(targets, preset, style)
    if bad:
        good = paying_presets(targets, style)
        problems += bad
        problems.append(f"presets that pay every task of this export ({', '.join(sorted(targets))}) in the {style!r} "
                        f"style: {', '.join(good) if good else 'none (drop the tasks no preset scores)'}")
    info_path = Path(train_files.split("@")[0]).with_suffix(".export.json")
    if info_path.is_file():
        problems += export_problems(json.loads(info_path.read_text()), cfg, style=style, model=model,
                                    allow_path_videos=allow_path_videos)
    if cfg:
        problems += gpu_problems(cfg)
    return problems
