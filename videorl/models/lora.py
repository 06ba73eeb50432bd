"""Merge a LoRA adapter into its base model and write a complete Hugging Face folder, verified.

``merge_lora(adapter, out)`` (the core of ``videorl export merge-lora``):

1. reads ``adapter/adapter_config.json`` (peft's format, as written by TRL, LLaMA-Factory and
   EasyR1's ``actor/lora_adapter``); the base is ``--base`` or the config's ``base_model_name_or_path``;
2. loads the base (``AutoModelForImageTextToText`` when its config has a vision part, else
   ``AutoModelForCausalLM``), resizes its embeddings when the adapter's saved ``embed_tokens`` /
   ``lm_head`` (``modules_to_save``) have another vocabulary size, and wraps it with the adapter;
3. computes logits of base + adapter (unmerged) on a probe batch: a text prompt, plus a short
   video through the processor when there is one (so LoRA on the vision tower is checked too);
4. merges (``merge_and_unload``: LoRA deltas added to the weights, ``modules_to_save`` copies
   replace the originals), writes weights, config, ``generation_config.json`` (the adapter's, else
   the base's, else the model's), processor and tokenizer (the adapter folder's when it has them,
   else the base's) into a temporary folder beside ``out``;
5. reloads the written folder, recomputes the probe logits and requires them equal to step 3 within
   ``atol`` (default 1e-4 in float32), then renames the folder to ``out``. A mismatch raises
   :class:`MergeError` and leaves ``out`` untouched.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PROBE_TEXT = "When does the person open the door? Answer with the start and end time in seconds."
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "tokenizer.model", "vocab.json")


class MergeError(RuntimeError):
    """The adapter cannot be merged, or the merged model does not reproduce base + adapter."""


@dataclass
class MergeReport:
    """What :func:`merge_lora` did."""

    out: Path
    base: str
    adapter: Path
    max_abs_diff: float
    """Largest |logit difference| between base + adapter and the reloaded merged folder."""
    probe: list[str] = field(default_factory=list)
    """The probe inputs ("text", "video")."""
    modules_to_save: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"merged {self.adapter} into {self.base} -> {self.out}",
                f"modules_to_save: {', '.join(self.modules_to_save) or 'none'}",
                f"verified on a probe batch ({' + '.join(self.probe)}): max |logit diff| {self.max_abs_diff:.2e}",
                f"files: {', '.join(self.files)}"]


def read_adapter_config(adapter: str | os.PathLike) -> dict[str, Any]:
    path = Path(adapter) / "adapter_config.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no adapter_config.json; --adapter must be a peft adapter folder (TRL or "
                                "LLaMA-Factory output_dir / checkpoint-N, EasyR1 global_step_N/actor/lora_adapter)")
    try:
        cfg = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON: {err}") from err
    if str(cfg.get("peft_type", "LORA")).upper() != "LORA":
        raise ValueError(f"{path}: peft_type {cfg.get('peft_type')!r} is not LORA")
    return cfg


def _auto_class(config: Any) -> Any:
    from transformers import AutoModelForCausalLM, AutoModelForImageTextToText

    return AutoModelForImageTextToText if getattr(config, "vision_config", None) is not None else AutoModelForCausalLM


def _saved_vocab(adapter: Path) -> int | None:
    """Rows of the adapter's saved full ``embed_tokens`` / ``lm_head`` copy, if it has one."""
    from safetensors import safe_open

    path = adapter / "adapter_model.safetensors"
    if not path.is_file():
        return None
    with safe_open(str(path), "pt") as fh:
        for key in fh.keys():
            if ("embed_tokens" in key or "lm_head" in key) and "lora_" not in key:
                return int(fh.get_slice(key).get_shape()[0])
    return None


def _processor_source(adapter: Path, base: str) -> str:
    return str(adapter) if any((adapter / f).is_file() for f in _TOKENIZER_FILES) else base


def probe_inputs(processor: Any, model_type: str) -> tuple[dict[str, Any], list[str]]:
    """A text prompt, plus a 4-frame coded video when the processor takes videos and PyAV is there."""
    messages = [{"role": "user", "content": [{"type": "text", "text": PROBE_TEXT}]}]
    tokenizer = getattr(processor, "tokenizer", processor)
    video = None
    if getattr(processor, "video_processor", None) is not None:
        try:
            from videorl.video.qwen import family_of

            family = family_of(model_type)
        except ValueError:
            family = None
        if family is not None:
            video = _probe_video(processor, family)
    if video is not None:
        messages[0]["content"].insert(0, {"type": "video"})
        text = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        return processor(text=[text], return_tensors="pt", **video), ["text", "video"]
    if getattr(tokenizer, "chat_template", None):
        text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    else:
        text = PROBE_TEXT
    return dict(tokenizer([text], return_tensors="pt")), ["text"]


def _probe_video(processor: Any, family: str) -> dict[str, Any] | None:
    try:
        from videorl.synth import make_video
        from videorl.video import sample_frames
        from videorl.video.qwen import processor_video_kwargs
    except ImportError:  # pragma: no cover - the video extra is not installed
        return None
    vp = processor.video_processor
    with tempfile.TemporaryDirectory() as tmp:
        path = make_video(Path(tmp) / "probe.mp4", duration=2.0, fps=4, size=(64, 48), events=[(0.5, 1.5)]).path
        frames, meta = sample_frames(path, fps=2.0, min_pixels=64 * 64, max_pixels=64 * 64,
                                     patch_size=int(vp.patch_size),
                                     merge_size=int(vp.merge_size))
    return processor_video_kwargs([(frames, meta)], family)


def _logits(model: Any, inputs: dict[str, Any]) -> Any:
    import torch

    with torch.no_grad():
        return model(**inputs).logits.float()


def merge_lora(adapter: str | os.PathLike, out: str | os.PathLike, *, base: str | None = None,
               dtype: str = "float32", atol: float = 1e-4, overwrite: bool = False) -> MergeReport:
    """Merge ``adapter`` into its base and write a verified Hugging Face folder at ``out``."""
    import torch
    from peft import PeftModel
    from transformers import AutoConfig, AutoProcessor, GenerationConfig

    adapter = Path(adapter)
    cfg = read_adapter_config(adapter)
    base = base or cfg.get("base_model_name_or_path")
    if not base:
        raise ValueError(f"{adapter / 'adapter_config.json'}: no base_model_name_or_path; pass --base")
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise FileExistsError(f"{out} exists and is not empty; pass --overwrite to replace it")
    config = AutoConfig.from_pretrained(base)
    auto = _auto_class(config)
    torch_dtype = getattr(torch, dtype)
    log.info("loading base %s (%s, %s)", base, auto.__name__, dtype)
    model = auto.from_pretrained(base, dtype=torch_dtype).eval()
    vocab = _saved_vocab(adapter)
    if vocab is not None and vocab != model.get_input_embeddings().weight.shape[0]:
        log.info("resizing embeddings %d -> %d (the adapter's saved embed_tokens/lm_head)",
                 model.get_input_embeddings().weight.shape[0], vocab)
        model.resize_token_embeddings(vocab)
    try:
        peft_model = PeftModel.from_pretrained(model, str(adapter)).eval()
    except (ValueError, RuntimeError, KeyError) as err:
        raise MergeError(f"{adapter}: cannot load the adapter onto {base}: {err}") from err
    proc_src = _processor_source(adapter, base)
    try:
        processor = AutoProcessor.from_pretrained(proc_src)
    except (OSError, ValueError):
        from transformers import AutoTokenizer

        processor = AutoTokenizer.from_pretrained(proc_src)
    inputs, probe = probe_inputs(processor, config.model_type)
    expected = _logits(peft_model, inputs)
    merged = peft_model.merge_and_unload()
    gen_src = next((str(p) for p in (adapter, Path(base)) if (p / "generation_config.json").is_file()), None)
    if gen_src is not None:
        merged.generation_config = GenerationConfig.from_pretrained(gen_src)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        merged.save_pretrained(tmp)
        merged.generation_config.save_pretrained(tmp)
        processor.save_pretrained(tmp)
        reloaded = auto.from_pretrained(tmp, dtype=torch_dtype).eval()
        diff = float((_logits(reloaded, inputs) - expected).abs().max())
        if not diff <= atol:
            raise MergeError(f"merged model's logits differ from base + adapter by {diff:.3e} > atol {atol:g} on "
                             f"the probe batch ({' + '.join(probe)}); nothing written to {out}")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    report = MergeReport(out=out, base=str(base), adapter=adapter, max_abs_diff=diff, probe=probe,
                         modules_to_save=list(cfg.get("modules_to_save") or []),
                         files=sorted(p.name for p in out.iterdir()))
    log.info("%s", "; ".join(report.lines()))
    return report
