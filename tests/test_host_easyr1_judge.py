"""The judge rewards where users run them: EasyR1's own AutoRewardManager (its DataProto, its
by-path loading of our reward file, its batch call) in the EasyR1 host environment
(tests/host_easyr1.py: transformers 4.57.1, sentence-transformers 5.1.2), against the loopback
judge server, with the tiny offline sentence embedder.

The EasyR1 environment does not carry ``openai`` (EasyR1 does not need it); the ``judge`` extra's
client is installed beside it with ``pip install --target`` into a cached side folder, and put on
``PYTHONPATH``, as a user's ``pip install videorl[judge]`` would add it. openai 1.x here, 3.x in the
development environment: the client works with both.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from host_easyr1 import EASYR1, PRELUDE
from hostenv import cache_root, require_shared

OPENAI_PIN = "openai==1.109.1"

SCRIPT = r"""
import json, sys
import numpy as np, torch
from verl.protocol import DataProto
from verl.workers.reward import AutoRewardManager
from verl.workers.reward.config import RewardConfig
from videorl.plugins.easyr1 import reward_path
from videorl.testing.judge_server import JudgeServer
from videorl.testing.tiny_embedder import build_tiny_embedder
from videorl.testing.tiny_qwen import build_tokenizer

spec = json.loads(open(sys.argv[1]).read())
emb = str(build_tiny_embedder(spec["work"] + "/bow", "man opens door dog jumps cat sleeps".split()))

def reply(messages):
    text = messages[-1]["content"]
    if "QUESTION:" in text:
        return "TRUE\nconsistent"
    if "[vec]" in text:
        return json.dumps({"00:12": "A man opens a door.", "01:00": "Cat sleeps."})
    if "Ground truth" in text or "Groun" in text:
        return "True"
    return "Score: 1. It misses step 2."

tok = build_tokenizer()
out = {}
with JudgeServer(default=reply) as srv:
    for preset, texts, gts in spec["cases"]:
        # the tiny tokenizer registers <think>/</think> as special tokens: keep them in the decoded text
        resp = [tok(t, add_special_tokens=False)["input_ids"] for t in texts]
        width = max(map(len, resp))
        data = DataProto.from_single_dict({
            "responses": torch.tensor([r + [tok.pad_token_id] * (width - len(r)) for r in resp]),
            "response_mask": torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in resp]),
            "ground_truth": np.array(gts, dtype=object)})
        kwargs = {"preset": preset, "judge": {"base_url": srv.base_url, "model": "judge"}}
        if preset == "video_r2":
            kwargs.update(embedder=emb, embedder_device="cpu")
        cfg = RewardConfig(reward_function=reward_path(with_function=True), reward_function_kwargs=kwargs,
                           skip_special_tokens=False)
        cfg.post_init()
        scores, metrics = AutoRewardManager(cfg, tok).compute_reward(data)
        out[preset] = {"overall": metrics["overall"], "token_sum": scores.sum(-1).tolist(), "metrics": dict(metrics),
                       "keys": sorted(metrics), "received": srv.received}
print("RESULT " + json.dumps(out))
"""


def _side_packages() -> Path:
    """``openai`` installed with its dependencies into a cached folder (built once, stamped)."""
    from hostenv import _locked  # the same build lock the host environments use

    folder = cache_root() / f"easyr1-judge-side-{OPENAI_PIN.replace('==', '-')}"
    stamp = folder / ".videorl-ok"
    if not stamp.exists():
        with _locked(folder.with_suffix(".lock")):
            if not stamp.exists():
                env = EASYR1.ensure()
                r = subprocess.run([str(env.python), "-m", "pip", "install", "-q", "--target", str(folder),
                                    OPENAI_PIN], capture_output=True, text=True, timeout=900)
                if r.returncode != 0:
                    pytest.fail(f"installing {OPENAI_PIN} beside the EasyR1 environment failed:\n{r.stderr[-3000:]}")
                stamp.write_text(OPENAI_PIN)
    return folder


@pytest.mark.host
def test_judge_rewards_through_easyr1_reward_manager(tmp_path):
    require_shared("hosts", "easyr1")
    env = EASYR1.ensure()
    side = _side_packages()
    tg = {"00:10-00:15": "man opens the door.", "00:30": "dog jumps."}
    mcq = json.dumps({"task": "mcq", "duration": 90, "options": ["yes", "no"], "answer": "A",
                      "temporal_grounding": tg, "question": "Does he open it?"})
    dark = json.dumps({"task": "open_qa", "duration": 10, "answer": "the man sits",
                       "problem_type": "DarkEventInfer", "question": "What happens?"})
    cases = [
        ["video_r2", ["<think>[vec] I watch.</think><answer>A</answer>"] * 4, [mcq] * 4],
        ["versavid_r1", ["<think>t</think><answer>he sits</answer>", "<answer>he sits</answer>"], [dark] * 2],
    ]
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"work": str(tmp_path), "cases": cases}))
    r = env.script(PRELUDE + SCRIPT, str(spec), env={"PYTHONPATH": str(side)}, timeout=900)
    out = json.loads(next(ln for ln in r.stdout.splitlines() if ln.startswith("RESULT "))[7:])
    # video_r2: accuracy 1 + format 1 + gate 1 · F1 TAR 1/2 (methods.md §9 vector) = 2.5 for each sample,
    # placed by EasyR1 on the last response token
    v = out["video_r2"]
    assert v["overall"] == [2.5] * 4 and v["token_sum"] == pytest.approx([2.5] * 4)
    assert {"tar", "gate", "accuracy", "format"} <= set(v["keys"]) and v["received"] == 2  # one batch, deduplicated
    # versavid_r1 DarkEventInfer: strict digit parse of "Score: 1. ... step 2." = 1; no think block: format gate 0
    assert out["versavid_r1"]["overall"] == [1.0, 0.0]

