"""``videorl predict --vllm-arg``: further vllm.LLM arguments as KEY=VALUE, values read as JSON."""

from __future__ import annotations

import argparse

import pytest

from videorl.cli.predict import _key_value


def test_vllm_arg_values_are_json_when_they_parse():
    assert _key_value("max_model_len=32768") == ("max_model_len", 32768)
    assert _key_value("enforce_eager=true") == ("enforce_eager", True)
    assert _key_value("gpu_memory_utilization=0.85") == ("gpu_memory_utilization", 0.85)
    assert _key_value('limit_mm_per_prompt={"video": 2}') == ("limit_mm_per_prompt", {"video": 2})
    assert _key_value("quantization=fp8") == ("quantization", "fp8")
    assert _key_value("kv_cache_dtype=") == ("kv_cache_dtype", "")
    for bad in ("enforce_eager", "=1"):
        with pytest.raises(argparse.ArgumentTypeError, match="KEY=VALUE"):
            _key_value(bad)


def test_vllm_arg_needs_the_vllm_backend(tmp_path, capsys):
    from videorl.cli import main

    (tmp_path / "r.jsonl").write_text("")
    assert main(["predict", str(tmp_path / "r.jsonl"), "--model", "m", "--vllm-arg", "enforce_eager=true"]) == 2
    assert "--vllm-arg needs --backend vllm" in capsys.readouterr().err
