"""Host tier, EasyR1: EasyR1's *own* code at the pinned commit, in its own environment (tests/host_easyr1.py).

What runs is EasyR1's: ``PPOConfig`` merging and ``deep_post_init`` (as ``verl.trainer.main`` does),
``RLHFDataset`` + ``StatefulDataLoader`` + ``collate_fn``, ``get_rope_index``,
``FSDPWorker._process_multi_modal_inputs``, ``_get_input_embeds`` and ``AutoRewardManager``, on
``videorl data export easyr1`` output of coded videos (videorl.synth) and tiny models with the
released processor sizes (videorl.testing.tiny_qwen). Deviations from EasyR1's install (CPU torch,
stubbed vllm / flash-attn, ...) are listed in tests/host_easyr1.py; the worker method runs on a
stand-in ``self`` (videorl/testing/easyr1_clock.py says which attributes) because building an
``FSDPWorker`` needs CUDA and a process group.

Each test is one host process (the environment's imports cost ~10-25 s), so pytest-xdist never
computes the same thing twice.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from host_easyr1 import EASYR1, EASYR1_SRC, PRELUDE
from hostenv import REPO, require_shared

pytestmark = pytest.mark.host
RECIPES = REPO / "recipes"
GRPO = ["qwen2_5_vl_7b_grpo", "qwen2_5_vl_3b_grpo", "qwen3_vl_8b_grpo", "qwen3_vl_4b_grpo"]


def host_json(code: str, *args: str, timeout: float = 900) -> dict:
    """Run ``PRELUDE + code`` in the EasyR1 environment; the last stdout line is JSON."""
    require_shared("hosts", "easyr1")
    assert EASYR1_SRC.is_dir()
    env = EASYR1.ensure()
    r = env.script(PRELUDE + code, *args, timeout=timeout, env={"OMP_NUM_THREADS": "1"})
    return json.loads(r.stdout.strip().splitlines()[-1])


CLOCK = """
import json, sys
from pathlib import Path
from videorl.testing.easyr1_clock import measure
work = Path(sys.argv[1])
out = {}
for key, model, videos, kw in json.loads(sys.argv[2]):
    out[key] = measure(model, [tuple(v) for v in videos], work / key, **kw)
print(json.dumps(out))
"""


def test_qwen2_5_vl_clock_is_exact_through_easyr1(tmp_path: Path) -> None:
    """Frame lists at exactly k/2 s: EasyR1 tells Qwen2.5-VL each patch's true start (M-RoPE ids)."""
    runs = [["frames", "qwen2_5_vl", [[6.0, 30.0], [5.0, 29.97]], {}],
            ["paths", "qwen2_5_vl", [[8.0, 29.97]], {"paths": True}]]
    res = host_json(CLOCK, str(tmp_path), json.dumps(runs))
    exact_30, ntsc = res["frames"]["rows"]
    # 30 fps: the frame at k/2 s exists, so true - told is exactly 0 for every patch
    assert exact_30["max_abs_err_s"] == 0.0 and exact_30["patches"] == 6 and exact_30["frames"] == 12
    # 29.97 fps: the nearest frame to k/2 s is at most half a frame (1/59.94 s) away, and that is all
    assert ntsc["max_abs_err_s"] <= 0.5 / 29.97 + 1e-6
    for row in res["frames"]["rows"]:
        # no step of EasyR1 resized the exported frames, the worker saw the same frames as the dataset,
        # and the model's video features equal the video tokens (EasyR1's _get_input_embeds check)
        assert row["frame_hw"] == row["model_hw"] == row["export_hw"] == [168, 280]
        assert row["worker_frames_match"] and row["embed_error"] is None
        assert row["video_features"] == row["video_tokens"] == row["patches"] * (168 // 28) * (280 // 28)
    # the baseline the export replaces: a path video, sampled by qwen-vl-utils' linspace and timed with
    # second_per_grid_ts = 2 / sample_fps truncated by get_rope_index, is told frames up to ~0.5 s early
    (path_row,) = res["paths"]["rows"]
    assert path_row["max_abs_err_s"] > 0.2


def test_qwen3_vl_recipe_passes_easyr1_forward_with_released_processor(tmp_path: Path) -> None:
    """Released Qwen3-VL processor sizes (image min 65536, video min 4096, do_sample_frames true): with the
    recipe's overlay EasyR1's forward check passes and the <t seconds> markers are the frames' times."""
    runs = [["overlay", "qwen3_vl", [[6.0, 30.0], [5.0, 29.97]], {}],
            ["released", "qwen3_vl", [[6.0, 30.0]], {"processor_overlay": False}]]
    res = host_json(CLOCK, str(tmp_path), json.dumps(runs))
    for row in res["overlay"]["rows"]:
        assert row["embed_error"] is None and row["video_features"] == row["video_tokens"]
        assert row["told_patches"] == row["patches"] == row["frames"] // 2  # no second sampling
        assert row["model_hw"] == row["export_hw"] == [160, 288] and row["worker_frames_match"]
        # told = the patch's mean frame time as the processor prints it (one decimal, 0.25 -> "0.2")
        assert row["max_abs_err_s"] <= 0.05 + 0.5 / row["fps"] + 1e-6
    assert res["overlay"]["rows"][0]["max_abs_err_vs_printed_truth_s"] == 0.0  # 30 fps: identical text
    # the released processor as is: frames sampled again at an assumed 24 fps and upscaled by the worker's
    # image processor -> EasyR1's forward raises (the crash the overlay fixes)
    (bad,) = res["released"]["rows"]
    assert bad["told_patches"] < bad["patches"] and "do not match" in bad["embed_error"]


CONTRACT = """
import json, sys
import numpy as np, torch
from omegaconf import OmegaConf
from verl.trainer.config import PPOConfig
from verl.protocol import DataProto
from verl.workers.reward import AutoRewardManager
from transformers import AutoConfig, AutoProcessor
from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl, build_tiny_qwen3_vl

spec = json.loads(open(sys.argv[1]).read())
out = {"configs": {}}
for name, (yaml_path, overrides) in spec["launches"].items():
    cfg = OmegaConf.merge(OmegaConf.structured(PPOConfig()), OmegaConf.load(yaml_path), OmegaConf.from_dotlist(overrides))
    ppo = OmegaConf.to_object(cfg)
    ppo.deep_post_init()
    out["configs"][name] = {"video_fps": ppo.data.video_fps, "min_pixels": ppo.data.min_pixels,
                            "max_pixels": ppo.data.max_pixels, "reward": ppo.worker.reward.reward_function,
                            "kwargs": dict(ppo.worker.reward.reward_function_kwargs),
                            "trust_remote_code": ppo.worker.actor.model.trust_remote_code}
reward_cfg = ppo.worker.reward

q25 = build_tiny_qwen2_5_vl(spec["work"] + "/q25")
q3 = build_tiny_qwen3_vl(spec["work"] + "/q3", released_sizes=True)
out["tiny"] = {}
for d in (q25, q3):
    proc = AutoProcessor.from_pretrained(d)
    ids = proc.tokenizer("<think>a</think><answer>B</answer>", add_special_tokens=False)["input_ids"]
    out["tiny"][AutoConfig.from_pretrained(d).model_type] = {
        "tokenizer": type(proc.tokenizer).__name__, "decoded": proc.tokenizer.decode(ids, skip_special_tokens=True),
        "image_min": proc.image_processor.size["shortest_edge"], "video_min": proc.video_processor.size["shortest_edge"],
        "do_sample_frames": proc.video_processor.do_sample_frames}

tok = AutoProcessor.from_pretrained(q25).tokenizer
resp = [tok(t + "<|im_end|>", add_special_tokens=False)["input_ids"] for t in spec["responses"]]
width = max(map(len, resp))
responses = torch.tensor([r + [tok.pad_token_id] * (width - len(r)) for r in resp])
mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in resp])
data = DataProto.from_single_dict({"responses": responses, "response_mask": mask,
                                   "ground_truth": np.array(spec["ground_truths"], dtype=object)})
manager = AutoRewardManager(reward_cfg, tok)
scores, metrics = manager.compute_reward(data)
out["reward"] = {"overall": metrics["overall"], "token_sum": scores.sum(-1).tolist(), "keys": sorted(metrics)}
print(json.dumps(out))
"""


def _export(records: Path, out: Path, family: str) -> None:
    for name in ("train", "val"):
        r = subprocess.run([sys.executable, "-m", "videorl", "data", "export", "easyr1", str(records), "--out", str(out),
                            "--name", name, "--style", "r1", "--model", family, "--frames-cache", str(out / "fc")],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr


def test_recipes_and_reward_through_easyr1_config_and_reward_manager(tmp_path: Path) -> None:
    """Every GRPO recipe's dry-run launch builds in EasyR1's PPOConfig; EasyR1's AutoRewardManager loads the
    reward file by path and pays the export's correct r1 answers 1.0 (think tags survive its decode)."""
    require_shared("hosts", "easyr1")
    from videorl.prompts import target
    from videorl.record import read_records
    from videorl.synth import make_video

    make_video(tmp_path / "v.mp4", duration=4.0, fps=10, size=(64, 48))
    recs = [{"id": "g", "video": "v.mp4", "duration": 4.0, "task": "grounding", "query": "a door opens",
             "spans": [[1.0, 2.5]]},
            {"id": "m", "video": "v.mp4", "duration": 4.0, "task": "mcq", "query": "what happens?",
             "options": ["a door opens", "a dog runs"], "answer": "A"},
            {"id": "q", "video": "v.mp4", "duration": 4.0, "task": "grounded_qa", "query": "what happens?",
             "options": ["a door opens", "a dog runs"], "answer": "B", "spans": [[0.5, 3.0]]}]
    records = tmp_path / "records.jsonl"
    records.write_text("".join(json.dumps({**r, "video": str(tmp_path / r["video"])}) + "\n" for r in recs))
    launches = {}
    for name in GRPO:
        family = "qwen3_vl" if name.startswith("qwen3") else "qwen2_5_vl"
        data = tmp_path / family
        if not data.exists():
            _export(records, data, family)
        env = {"PATH": "/usr/bin:/bin", "PYTHON": sys.executable, "DATA_DIR": str(data), "HOME": str(tmp_path),
               "PYTHONPATH": str(REPO)}
        r = subprocess.run(["bash", str(RECIPES / f"{name}.sh"), "--dry-run"], capture_output=True, text=True,
                           env=env, timeout=300)
        assert r.returncode == 0, r.stderr
        cmd = shlex.split([line for line in r.stdout.splitlines() if line.startswith("$ ")][-1][2:])
        launches[name] = [cmd[3].removeprefix("config="), cmd[4:]]
    rows = [json.loads(line) for line in (tmp_path / "qwen2_5_vl" / "train.jsonl").read_text().splitlines()]
    by_id = {rec.id: rec for _, rec, _ in read_records(records)}
    spec = {"launches": launches, "work": str(tmp_path / "tiny"),
            "responses": [target(by_id[row["id"]], "r1") for row in rows],
            "ground_truths": [row["answer"] for row in rows]}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    res = host_json(CONTRACT, str(tmp_path / "spec.json"))
    for name, cfg in res["configs"].items():
        assert (cfg["video_fps"], cfg["min_pixels"], cfg["max_pixels"]) == (2.0, 3136, 50176), name
        assert cfg["reward"].endswith("videorl/plugins/easyr1/reward.py") and cfg["kwargs"] == {"preset": "default"}
        assert cfg["trust_remote_code"] == name.startswith("qwen3")  # the Qwen3-VL overlay's processor class
    # transformers 4.57.1: the tiny checkpoints load as released (Qwen2 tokenizer, think tags kept by a
    # skip_special_tokens decode, released Qwen3-VL processor sizes)
    for t in res["tiny"].values():
        assert t["tokenizer"] == "Qwen2TokenizerFast" and t["decoded"] == "<think>a</think><answer>B</answer>"
    assert (res["tiny"]["qwen3_vl"]["image_min"], res["tiny"]["qwen3_vl"]["video_min"]) == (65536, 4096)
    assert res["tiny"]["qwen3_vl"]["do_sample_frames"] is True
    # default preset, r1 answers: grounding 0.9 IoU 1 + 0.1 format 1, mcq and grounded_qa likewise -> 1.0 each
    assert res["reward"]["overall"] == pytest.approx([1.0, 1.0, 1.0])
    assert res["reward"]["token_sum"] == pytest.approx([1.0, 1.0, 1.0]) and "overall" in res["reward"]["keys"]
