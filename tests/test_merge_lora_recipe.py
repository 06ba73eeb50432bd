"""``videorl export merge-lora`` on tiny models (adapters written the way TRL / LLaMA-Factory and EasyR1 write
them, with modules_to_save), and the TRL GRPO recipe's dry run and input checks."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")
pytest.importorskip("av")

from peft import LoraConfig, get_peft_model  # noqa: E402
from transformers import AutoModelForImageTextToText, AutoProcessor  # noqa: E402

from videorl.models.lora import MergeError, merge_lora, probe_inputs  # noqa: E402
from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return build_tiny_qwen2_5_vl(tmp_path_factory.mktemp("base"))


def _adapter(base: Path, out: Path, style: str) -> Path:
    """A trained-looking adapter: LoRA on q/v (LM) and the vision qkv, lora_B random (at init it is zero and a
    merge would change nothing), full copies of embed_tokens and lm_head (modules_to_save) perturbed."""
    model = AutoModelForImageTextToText.from_pretrained(base)
    cfg = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "qkv"],
                     modules_to_save=["embed_tokens", "lm_head"])
    peft_model = get_peft_model(model, cfg)
    torch.manual_seed(1)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)
            elif "modules_to_save" in name:
                p.add_(torch.randn_like(p) * 0.1)
    if style == "peft":  # TRL and LLaMA-Factory: save_pretrained, tokenizer/processor beside it
        peft_model.save_pretrained(out)
        AutoProcessor.from_pretrained(base).save_pretrained(out)
    else:  # EasyR1's FSDP checkpoint manager: actor/lora_adapter with asdict(config) + the peft state dict
        from peft import get_peft_model_state_dict
        from safetensors.torch import save_file

        out.mkdir(parents=True)
        conf = dataclasses.asdict(peft_model.peft_config["default"])
        conf["task_type"] = getattr(conf["task_type"], "value", conf["task_type"])
        conf["peft_type"] = conf["peft_type"].value
        conf["target_modules"] = list(conf["target_modules"])
        conf["modules_to_save"] = list(conf["modules_to_save"])
        (out / "adapter_config.json").write_text(json.dumps(conf, default=str))
        save_file({k: v.contiguous() for k, v in get_peft_model_state_dict(peft_model).items()},
                  str(out / "adapter_model.safetensors"))
    return out


@pytest.mark.parametrize("style", ["peft", "easyr1"])
def test_merge_round_trip_equal_logits(base, tmp_path, style):
    adapter = _adapter(base, tmp_path / "adapter", style)
    report = merge_lora(adapter, tmp_path / "merged")
    assert report.max_abs_diff <= 1e-4 and report.probe == ["text", "video"]
    assert report.modules_to_save == ["embed_tokens", "lm_head"]
    out = tmp_path / "merged"
    for name in ("config.json", "generation_config.json", "model.safetensors", "tokenizer.json",
                 "tokenizer_config.json", "processor_config.json"):
        assert (out / name).is_file(), name
    # independent check: base != merged on the probe (the adapter matters), merged == base + adapter
    processor = AutoProcessor.from_pretrained(out)
    inputs, _ = probe_inputs(processor, "qwen2_5_vl")
    from peft import PeftModel

    with torch.no_grad():
        plain = AutoModelForImageTextToText.from_pretrained(base).eval()
        base_logits = plain(**inputs).logits
        with_adapter = PeftModel.from_pretrained(plain, str(adapter)).eval()(**inputs).logits
        merged = AutoModelForImageTextToText.from_pretrained(out).eval()
        merged_logits = merged(**inputs).logits
    assert (base_logits - merged_logits).abs().max() > 0.1
    assert torch.allclose(with_adapter, merged_logits, atol=1e-4)
    # lm_head / embed_tokens are the adapter's trained copies
    fresh = AutoModelForImageTextToText.from_pretrained(base)  # `plain` now carries the adapter (peft wraps in place)
    assert not torch.equal(merged.lm_head.weight, fresh.lm_head.weight)
    gen = json.loads((out / "generation_config.json").read_text())
    assert gen["eos_token_id"] == processor.tokenizer.eos_token_id


def test_merge_refuses_a_wrong_merge_and_writes_nothing(base, tmp_path, monkeypatch):
    from peft import PeftModel

    adapter = _adapter(base, tmp_path / "adapter", "peft")
    # a broken merge: drop the adapter instead of merging it
    monkeypatch.setattr(PeftModel, "merge_and_unload", lambda self, *a, **k: self.base_model.unload(), raising=False)
    with pytest.raises(MergeError, match="differ from base \\+ adapter"):
        merge_lora(adapter, tmp_path / "merged")
    assert not (tmp_path / "merged").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["adapter"]  # no temporary folder left behind


def test_merge_lora_cli_errors(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "videorl", "export", "merge-lora", "--adapter", str(tmp_path),
                        "--out", str(tmp_path / "o")], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and "no adapter_config.json" in r.stderr
    r = subprocess.run([sys.executable, "-m", "videorl", "export", "merge-lora", "--help"], capture_output=True,
                       text=True, env=env, timeout=120)
    assert r.returncode == 0 and "generation_config.json" in r.stdout


# --- the TRL GRPO recipe ----------------------------------------------------------------------------------

def _recipe(*args: str, **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIDEORL_", "CUDA_"))}
    env.update(PYTHON=sys.executable, PYTHONPATH=str(ROOT), **env_extra)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not (Path(p) / "nvidia-smi").exists())
    return subprocess.run(["bash", str(ROOT / "recipes" / "trl_grpo.sh"), *args], capture_output=True, text=True,
                          env=env, timeout=300)


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    from videorl.testing.grpo_task import make_colour_task

    return make_colour_task(tmp_path_factory.mktemp("recipe"), n=2)


def test_trl_recipe_dry_run(records, base):
    r = _recipe("--dry-run", "--max_steps", "3", "--lora-rank", "64", RECORDS=str(records), MODEL_PATH=str(base),
                REWARD_PRESET="default_mcq")
    assert r.returncode == 0, r.stderr
    [launch] = [shlex.split(line[2:]) for line in r.stdout.splitlines() if line.startswith("$ ")]
    assert launch[:3] == [sys.executable, "-m", "accelerate.commands.launch"]
    assert launch[launch.index("--config_file") + 1] == str(ROOT / "recipes" / "trl_grpo_accelerate.yaml")
    assert launch[launch.index("--num_processes") + 1] == "8"
    assert launch[-5:] == [str(ROOT / "recipes" / "trl_grpo.py"), "--max_steps", "3", "--lora-rank", "64"]
    resolved = json.loads(r.stdout.rsplit("nothing is launched\n", 1)[1].split("\n$ ", 1)[0])
    g = resolved["grpo"]
    # Video-R2 GRPO (methods.md 1.5): 8 generations, beta 0.04, 1024 tokens, T 0.9, top_p 1, top_k 50, lr 1e-6
    assert (g["num_generations"], g["beta"], g["max_completion_length"]) == (8, 0.04, 1024)
    assert (g["temperature"], g["top_p"], g["top_k"], g["learning_rate"]) == (0.9, 1.0, 50, 1e-6)
    assert g["max_steps"] == 3 and resolved["samples"] == 2 and resolved["lora"]["rank"] == 64
    assert "8 GPU(s) per node" in r.stderr


def test_trl_recipe_refuses_vllm_and_reports_every_problem(records, base, tmp_path):
    r = _recipe("--dry-run", "--use_vllm", "true", "--style", "nope", RECORDS=str(records),
                MODEL_PATH=str(base), REWARD_PRESET="no_such_preset")
    assert r.returncode == 2
    for needle in ("--use_vllm is refused", "--style 'nope'", "no_such_preset", "3 problem(s)"):
        assert needle in r.stderr, needle
    r = _recipe(RECORDS=str(tmp_path / "missing.jsonl"), MODEL_PATH=str(tmp_path))
    assert r.returncode == 2 and "RECORDS: file not found" in r.stderr and "no NVIDIA GPU" in r.stderr
    assert "without config.json" in r.stderr
