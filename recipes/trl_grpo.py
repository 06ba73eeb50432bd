"""GRPO with TRL's GRPOTrainer on videorl records: video through videorl's sampler and Qwen glue (exact
clock), rewards from any videorl preset, LoRA optional. Video-R2's GRPO defaults (one node, transformers
generation; ../shared/notes/methods.md 1.4-1.5): num_generations 8, beta 0.04, max completion 1024,
temperature 0.9, top_p 1.0, top_k 50, lr 1e-6, weight decay 0.01, cosine, bf16, vision tower frozen.

Usage (one process; for 8 GPUs use recipes/trl_grpo.sh, which launches this file with accelerate):

    python recipes/trl_grpo.py --model Qwen/Qwen2.5-VL-7B-Instruct --records train.jsonl [--video-dir DIR]
        [--reward-preset default] [--style r1] [--lora-rank 0] [--dry-run] [--any_GRPOConfig_field value ...]

Recipe options: --model, --records (a videorl records JSONL: `videorl data prepare` output), --video-dir
(relative videos; default $VIDEORL_VIDEO_DIR, else the records file's folder), --output-dir
[./checkpoints/videorl/trl_grpo], --reward-preset [default] and --reward-kwargs (JSON, preset parameters),
--style (prompt style: direct, r1, r1_json) [r1], --fps [2.0], --min-pixels [3136], --max-pixels [50176]
(the EasyR1 recipes' and eval's values, so SFT, RL and eval see the same frames), --frame-cache DIR,
--lora-rank [0 = full fine-tuning of the language model] (--lora-alpha 64, --lora-dropout 0.05; the vision
tower is excluded), --dry-run (check the inputs, print the resolved configuration; loads no weights).
Any other --key value is a GRPOConfig field (e.g. --max_steps 100 --num_generations 4).

Refused: --use_vllm true (TRL passes vLLM token ids and images only; the video would be dropped) and
--use_transformers_continuous_batching true. Exit status 2 lists every input problem at once.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

VIDEO_R2 = {"num_generations": 8, "beta": 0.04, "max_completion_length": 1024, "temperature": 0.9,
            "top_p": 1.0, "top_k": 50, "learning_rate": 1e-6, "weight_decay": 0.01, "lr_scheduler_type": "cosine",
            "per_device_train_batch_size": 1, "gradient_accumulation_steps": 1, "num_train_epochs": 1,
            "loss_type": "grpo", "scale_rewards": "group", "bf16": True, "gradient_checkpointing": True,
            "logging_steps": 1, "save_steps": 100, "log_completions": True, "report_to": "none"}
"""GRPOConfig values set unless given on the command line."""

log = logging.getLogger("trl_grpo")


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    p = argparse.ArgumentParser(prog="recipes/trl_grpo.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=os.environ.get("MODEL_PATH", "Qwen/Qwen2.5-VL-7B-Instruct"))
    p.add_argument("--records", default=os.environ.get("RECORDS"), help="videorl records JSONL")
    p.add_argument("--video-dir", default=os.environ.get("VIDEO_DIR"))
    p.add_argument("--output-dir", default=os.environ.get("OUTPUT_DIR", "./checkpoints/videorl/trl_grpo"))
    p.add_argument("--reward-preset", default=os.environ.get("REWARD_PRESET", "default"))
    p.add_argument("--reward-kwargs", default="{}", help="JSON object of preset parameters")
    p.add_argument("--style", default=os.environ.get("PROMPT_STYLE", "r1"))
    p.add_argument("--fps", type=float, default=2.0)
    p.add_argument("--min-pixels", type=int, default=3136)
    p.add_argument("--max-pixels", type=int, default=50176)
    p.add_argument("--frame-cache", default=None)
    p.add_argument("--lora-rank", type=int, default=int(os.environ.get("LORA_RANK", "0")))
    p.add_argument("--lora-alpha", type=int, default=64)
    p.add_argument("--lora-dropout", type=float, default=0.05)
    p.add_argument("--dry-run", action="store_true")
    return p.parse_known_args(argv)


def grpo_config(rest: list[str], output_dir: str) -> Any:
    """GRPOConfig from the leftover ``--key value`` arguments over :data:`VIDEO_R2` (unknown keys: error)."""
    import torch
    from transformers import HfArgumentParser
    from trl import GRPOConfig

    given = {a[2:].split("=", 1)[0].replace("-", "_") for a in rest if a.startswith("--")}
    values = dict(VIDEO_R2)
    # Video-R2's global batch of 8 (8 GPUs x 1): one prompt's 8 generations per step on any number of processes
    values["per_device_train_batch_size"] = max(1, 8 // int(os.environ.get("WORLD_SIZE", "1")))
    if not torch.cuda.is_available():  # bf16 needs a GPU; a CPU run (or dry run here) uses float32
        values["bf16"] = False
        log.info("no CUDA device: bf16 off (on GPUs the recipe trains in bf16)")
    defaults = [f"--{k}={v}" for k, v in values.items() if k not in given]
    if "output_dir" not in given:
        defaults.append(f"--output_dir={output_dir}")
    (config,) = HfArgumentParser(GRPOConfig).parse_args_into_dataclasses(defaults + rest)
    return config


def check(args: argparse.Namespace, rest: list[str]) -> tuple[list[str], Any, Any]:
    """Every input problem (as messages), the GRPOConfig and the dataset (None where they failed)."""
    from videorl.prompts import STYLES
    from videorl.record import RecordError

    problems: list[str] = []
    config = dataset = None
    try:
        config = grpo_config(rest, args.output_dir)
    except (SystemExit, ValueError) as err:
        problems.append(f"GRPOConfig arguments {rest}: {err}")
    for flag in ("use_vllm", "use_transformers_continuous_batching"):
        if config is not None and getattr(config, flag):
            problems.append(f"--{flag} is refused: TRL would drop the video (vLLM gets token ids and images only); "
                            "the transformers generation path keeps the exact clock")
    if config is not None and config.num_generations < 2:
        problems.append(f"--num_generations {config.num_generations}: GRPO needs at least 2 per prompt")
    if args.style not in STYLES:
        problems.append(f"--style {args.style!r}: choose one of {', '.join(STYLES)}")
    model = Path(args.model)
    if model.is_dir() and not (model / "config.json").is_file():
        problems.append(f"--model {args.model}: a directory without config.json (not a saved model)")
    elif not model.is_dir() and (args.model.startswith((".", "/")) or args.model.count("/") != 1):
        problems.append(f"--model {args.model}: neither a model directory nor a hub id like Qwen/Qwen2.5-VL-7B-Instruct")
    try:
        kwargs = json.loads(args.reward_kwargs)
        if not isinstance(kwargs, dict):
            raise ValueError("not a JSON object")
        from videorl.rewards.hosts import reward_from_options

        reward_from_options(preset=args.reward_preset, **kwargs)
    except (ValueError, KeyError, TypeError) as err:
        problems.append(f"--reward-preset {args.reward_preset} --reward-kwargs {args.reward_kwargs}: {err}")
    if not args.records:
        problems.append("--records (or RECORDS) is not set: a videorl records JSONL (videorl data prepare)")
    elif not Path(args.records).is_file():
        problems.append(f"--records: file not found: {args.records}")
    else:
        from videorl.plugins.trl_video import records_dataset

        try:
            dataset = records_dataset(args.records, style=args.style if args.style in STYLES else "r1",
                                      video_dir=args.video_dir)
        except (RecordError, OSError) as err:
            problems.append(str(err))
    return problems, config, dataset


def main(argv: list[str] | None = None) -> int:
    args, rest = parse(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="[trl_grpo] %(levelname)s %(message)s")
    problems, config, dataset = check(args, rest)
    if problems:
        for msg in problems:
            print(f"[trl_grpo] error: {msg}", file=sys.stderr)
        print(f"[trl_grpo] {len(problems)} problem(s); nothing launched. See: python recipes/trl_grpo.py --help",
              file=sys.stderr)
        return 2
    resolved = {"model": args.model, "records": str(Path(args.records).resolve()), "samples": len(dataset),
                "reward": {"preset": args.reward_preset, **json.loads(args.reward_kwargs)}, "style": args.style,
                "video": {"fps": args.fps, "min_pixels": args.min_pixels, "max_pixels": args.max_pixels,
                          "frame_cache": args.frame_cache},
                "lora": {"rank": args.lora_rank, "alpha": args.lora_alpha, "dropout": args.lora_dropout}
                if args.lora_rank else None,
                "grpo": {k: getattr(config, k) for k in (*VIDEO_R2, "output_dir", "max_steps", "seed")}}
    print(("== trl_grpo: dry run, nothing is launched\n" if args.dry_run else "== trl_grpo\n")
          + json.dumps(resolved, indent=2, default=str))
    if args.dry_run:
        return 0
    return train(args, config, dataset)


def train(args: argparse.Namespace, config: Any, dataset: Any) -> int:
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from videorl.plugins.trl import VideoRLReward
    from videorl.plugins.trl_video import VideoGRPOTrainer

    dtype = torch.bfloat16 if config.bf16 else torch.float32
    model = AutoModelForImageTextToText.from_pretrained(args.model, dtype=dtype)
    processor = AutoProcessor.from_pretrained(args.model, padding_side="left")
    peft_config = None
    if args.lora_rank:
        from peft import LoraConfig

        # the language model's linear layers; the vision tower and merger stay as they are
        peft_config = LoraConfig(r=args.lora_rank, lora_alpha=args.lora_alpha, lora_dropout=args.lora_dropout,
                                 target_modules=r".*language_model.*\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)",
                                 task_type="CAUSAL_LM")
    else:
        visual = getattr(getattr(model, "model", model), "visual", None)
        for p in visual.parameters() if visual is not None else ():
            p.requires_grad_(False)  # Video-R2 GRPO: full LLM, vision tower and merger frozen
    reward = VideoRLReward(args.reward_preset, **json.loads(args.reward_kwargs))
    trainer = VideoGRPOTrainer(model=model, processing_class=processor, args=config, reward_funcs=[reward],
                               train_dataset=dataset, peft_config=peft_config, video_fps=args.fps,
                               video_min_pixels=args.min_pixels, video_max_pixels=args.max_pixels,
                               frame_cache=args.frame_cache)
    trainer.train()
    trainer.save_model(config.output_dir)
    if trainer.accelerator.is_main_process:
        processor.save_pretrained(config.output_dir)
        log.info("saved %s%s", config.output_dir,
                 " (LoRA adapter: merge with `videorl export merge-lora`)" if peft_config else "")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
