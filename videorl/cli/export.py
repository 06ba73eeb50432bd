"""``videorl export``: write trained models in the Hugging Face layout.

    videorl export merge-lora --adapter OUTPUT/checkpoint-500 --out merged/ [--base Qwen/Qwen2.5-VL-7B-Instruct]

``merge-lora`` merges a peft LoRA adapter (TRL, LLaMA-Factory, or EasyR1's
``global_step_N/actor/lora_adapter``) into its base and writes weights, config,
``generation_config.json``, processor and tokenizer; it checks that the written model's logits
equal base + adapter on a probe batch before the folder appears (see :mod:`videorl.models.lora`).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("export", help="merge a LoRA adapter and write a complete Hugging Face folder",
                              description="Write trained models in the Hugging Face layout.")
    sub = p.add_subparsers(dest="export_command", metavar="ACTION")
    m = sub.add_parser("merge-lora", help="merge a peft LoRA adapter into its base model, verified on a probe batch",
                       description="Merge a peft LoRA adapter (TRL, LLaMA-Factory, EasyR1 actor/lora_adapter) into "
                                   "its base model and write weights, config, generation_config.json, processor and "
                                   "tokenizer. The written model's logits must equal base + adapter on a probe batch "
                                   "(text, plus a short video for Qwen-VL) within --atol, else nothing is written.")
    m.add_argument("--adapter", required=True, help="adapter folder (with adapter_config.json)")
    m.add_argument("--out", required=True, help="output folder (must be empty or absent unless --overwrite)")
    m.add_argument("--base", help="base model folder or hub id (default: the adapter's base_model_name_or_path)")
    m.add_argument("--dtype", default="float32", choices=("float32", "bfloat16", "float16"),
                   help="dtype to load, merge and save in (default float32; bfloat16 needs a larger --atol)")
    m.add_argument("--atol", type=float, default=1e-4, help="largest allowed |logit difference| (default 1e-4)")
    m.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    m.set_defaults(func=run_merge_lora)
    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])


def run_merge_lora(args: argparse.Namespace) -> int:
    from videorl.models.lora import MergeError, merge_lora

    try:
        report = merge_lora(args.adapter, args.out, base=args.base, dtype=args.dtype, atol=args.atol,
                            overwrite=args.overwrite)
    except (MergeError, FileExistsError) as err:
        print(f"videorl export merge-lora: error: {err}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    return 0
