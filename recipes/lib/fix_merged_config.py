"""Make a merged Qwen2.5-VL checkpoint's config reload as the released one (run after the SFT merge).

transformers 4.57 (the LLaMA-Factory and EasyR1 pin) saves ``Qwen2_5_VLConfig`` with
``text_config.model_type = "qwen2_5_vl_text"``. On reload its ``__getattribute__`` forwards every
attribute that the text config holds, ``model_type`` included, so ``config.model_type`` reads
``qwen2_5_vl_text`` instead of ``qwen2_5_vl``. LLaMA-Factory then no longer knows the model is a
vision-language model: ``freeze_vision_tower`` is ignored and ``lora_target: all`` puts LoRA on the
vision blocks, which fails (``ValueError: Target module Qwen2_5_VLVisionBlock ...``); other code
that dispatches on ``model_type`` (EasyR1, vLLM) is misled the same way. The released checkpoints
carry no ``model_type`` inside ``text_config``, so dropping it restores the released behaviour.

Usage: ``python3 recipes/lib/fix_merged_config.py MODEL_DIR [--check]``. Exit 0 when the config is
(now) fine, 1 with ``--check`` when it needs the fix, 2 on a missing or malformed config.json.
Standard library only: it runs in the host's environment. The write is atomic.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

AFFECTED = {"qwen2_5_vl": "qwen2_5_vl_text", "qwen2_vl": "qwen2_vl_text"}


def needs_fix(config: dict) -> bool:
    """True when ``text_config.model_type`` would shadow the top-level model type on reload."""
    text = config.get("text_config")
    return (isinstance(text, dict) and config.get("model_type") in AFFECTED
            and text.get("model_type") == AFFECTED[config["model_type"]])


def fix_config(model_dir: str | os.PathLike, *, check: bool = False) -> bool:
    """Drop the shadowing ``text_config.model_type`` from ``MODEL_DIR/config.json``; True if it was there."""
    path = Path(model_dir) / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SystemExit(f"error: {path}: no such file (is {model_dir} a merged model folder?)") from None
    except json.JSONDecodeError as exc:
        raise SystemExit(f"error: {path}:{exc.lineno}: malformed JSON ({exc.msg})") from None
    if not needs_fix(config):
        return False
    if check:
        return True
    del config["text_config"]["model_type"]
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".json", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(config, fh, indent=2, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, path)
    return True


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if args else 2
    check = "--check" in args
    dirs = [a for a in args if a != "--check"]
    if len(dirs) != 1:
        print("usage: fix_merged_config.py MODEL_DIR [--check]", file=sys.stderr)
        return 2
    try:
        changed = fix_config(dirs[0], check=check)
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    if check:
        if changed:
            print(f"{dirs[0]}/config.json: text_config.model_type shadows model_type (it reloads as the text "
                  f"model); run python3 recipes/lib/fix_merged_config.py {dirs[0]}")
        return int(changed)
    print(f"{dirs[0]}/config.json: " + ("dropped text_config.model_type (now reloads as the released config)"
                                         if changed else "already reloads as released"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
