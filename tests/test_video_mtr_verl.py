"""Video-MTR on PyPI verl 0.9.1's own classes, in verl's venv (tests/host_verl.py).

- verl's Hydra composes our example config (recipes/verl/qwen2_5_vl_7b_mtr.yaml) with every key known
  to its ppo_trainer config, and its dataclass configs accept the algorithm and rollout sections;
- verl's tool registry builds our tool from recipes/verl/video_mtr_tool.yaml, its reward loader
  loads our reward, its ``get_adv_estimator_fn`` returns our bi-level GAE;
- verl's own ``ToolAgentLoop`` (as our ``video_mtr_agent``, which only records the decoded turns)
  plays one episode on a coded video with a tiny Qwen2.5-VL tokenizer/processor. **Only the inference
  server is replaced**: a CPU stand-in returns scripted replies and records what it was sent. The
  turn rewards equal the hand-worked values, and the times printed in the tool text equal the frame
  codes of the images verl hands to the server (the clock on this path).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess

import pytest
from host_verl import VERL
from hostenv import REPO, require_shared

pytestmark = [pytest.mark.host, pytest.mark.slow]

SCRIPT = r'''
import asyncio, json, re, sys, tempfile, warnings
from pathlib import Path
import torch
warnings.filterwarnings("ignore")
REPO = Path(sys.argv[1]); out = {}
tmp = Path(tempfile.mkdtemp())

# ---- 1. verl's Hydra loads our config; every key exists in ppo_trainer; dataclass configs accept it
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf, DictConfig
import verl.trainer.config as vcfg
base_dir = str(Path(vcfg.__file__).parent)
with initialize_config_dir(config_dir=base_dir, version_base=None):
    base = compose(config_name="ppo_trainer")
ours = OmegaConf.load(REPO / "recipes/verl/qwen2_5_vl_7b_mtr.yaml")
unknown = []
def walk(node, path):
    for k, v in node.items():
        if path == "" and k in ("hydra", "defaults"):
            continue
        p = f"{path}.{k}" if path else k
        parent = base if not path else OmegaConf.select(base, path)
        if not isinstance(parent, DictConfig) or k not in list(parent.keys()):  # keys() lists ??? values too
            unknown.append(p)
        elif isinstance(v, DictConfig):
            walk(v, p)
walk(ours, "")
out["unknown_keys"] = unknown
overrides = json.loads(sys.argv[2])  # the recipe's dry-run launch, as printed
with initialize_config_dir(config_dir=str(REPO / "recipes/verl"), version_base=None):
    cfg = compose(config_name="qwen2_5_vl_7b_mtr", overrides=overrides)
from verl.utils.config import omega_conf_to_dataclass
algo = omega_conf_to_dataclass(cfg.algorithm)
rollout = omega_conf_to_dataclass(cfg.actor_rollout_ref.rollout)
out["train_files"] = cfg.data.train_files
out["algo"] = [algo.adv_estimator, algo.gamma, algo.lam]
out["multi_turn"] = [rollout.multi_turn.format, rollout.multi_turn.max_assistant_turns, cfg.trainer.total_training_steps]

# ---- 2. verl loads our tool, reward and advantage estimator
import videorl.plugins.verl_mtr as mtr
from verl.tools.tool_registry import initialize_tools_from_config
from verl.trainer.ppo.core_algos import get_adv_estimator_fn
from verl.trainer.ppo.reward import get_custom_reward_fn
tools = initialize_tools_from_config(cfg.actor_rollout_ref.rollout.multi_turn.tool_config_path)
out["tools"] = [type(t).__name__ + ":" + t.name for t in tools]
reward_fn = get_custom_reward_fn(cfg)
out["reward_fn"] = reward_fn.args[0].__name__
est = get_adv_estimator_fn("bi_level_gae")
mask = torch.tensor([[1, 1, 0, 1, 1, 0]]); rew = torch.tensor([[0., 0., 0., 0., 1.5, 0.]])
adv, ret = est(token_level_rewards=rew, response_mask=mask, config=algo)
out["gae_returns"] = ret[0].tolist()

# ---- 3. verl's ToolAgentLoop plays one episode; only the inference server is a CPU stand-in
from videorl.synth import make_video, read_frame_code
from videorl.record import SampleRecord
from videorl.envs.video_mtr import VideoMTREnv, MTRConfig
from videorl.target import make_target
# the tiny Qwen2.5-VL's tokenizer and image processor (PIL backend). This venv has no torchvision (PyPI has
# none for the local CPU torch wheel) and transformers insists on a video processor object even when no
# video is processed, so its type check is lifted for this one processor; nothing of verl is touched.
import transformers.processing_utils as pu
from transformers import Qwen2_5_VLProcessor
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil
from videorl.testing.tiny_qwen import CHAT_TEMPLATE, build_tokenizer
v = make_video(tmp / "v.mp4", duration=40, fps=4, size=(128, 96))
rec = SampleRecord(id="q", video=str(v.path), duration=40.0, task="mcq", query="What is held?",
                   options=["a cup", "a ball", "a dog"], answer="B")
env = VideoMTREnv(); obs0 = env.reset(rec)
rec.meta = {"relevant_sample_frames": [i for i, t in enumerate(env.times) if 20.0 <= t <= 27.5],
            "relevant_frames_setting": MTRConfig().setting()}
_check = pu.ProcessorMixin.check_argument_for_proper_class
pu.ProcessorMixin.check_argument_for_proper_class = lambda self, name, arg: None if arg is None else _check(self, name, arg)
processor = Qwen2_5_VLProcessor(image_processor=Qwen2VLImageProcessorPil(
    size={"shortest_edge": 28 * 28 * 4, "longest_edge": 28 * 28 * 1024}), tokenizer=build_tokenizer(),
    video_processor=None, chat_template=CHAT_TEMPLATE)
tok = processor.tokenizer
replies = ["I am not sure.", "<think>the cup is late</think><retrieve>20, 27</retrieve>",
           "<think>it is a ball</think><answer>B</answer>"]
from verl.workers.rollout.replica import TokenOutput
class StandInServer:
    """Stands in for verl's inference server only: scripted replies, records its requests."""
    def __init__(self): self.calls = []
    async def generate(self, request_id, prompt_ids, sampling_params, image_data=None, **kw):
        self.calls.append({"n_prompt": len(prompt_ids), "images": list(image_data or [])})
        ids = tok.encode(replies[len(self.calls) - 1], add_special_tokens=False) + [tok.eos_token_id]
        return TokenOutput(token_ids=ids, log_probs=[0.0] * len(ids), stop_reason="completed")
server = StandInServer()
from verl.experimental.agent_loop.agent_loop import DictConfigWrap, ToolListWrap, _agent_loop_registry
from verl.experimental.agent_loop.tool_agent_loop import ToolAgentLoop
from verl.utils.import_utils import load_extern_object
dataset_cls = load_extern_object(cfg.data.custom_cls.path, cfg.data.custom_cls.name)
out["dataset_cls"] = dataset_cls.__name__
import hydra
for item in OmegaConf.load(cfg.actor_rollout_ref.rollout.agent.agent_loop_config_path):
    _agent_loop_registry[item.name] = item
messages = [{"role": "system", "content": env.system_prompt()}, {"role": "user", "content": obs0.content()}]
tools_kwargs = {mtr.TOOL_NAME: {"create_kwargs": {"record": rec.to_dict()}}}
async def episode():  # verl's agent loop binds to the running event loop when it is built
    loop = hydra.utils.instantiate(_agent_loop_registry["video_mtr_agent"], trainer_config=DictConfigWrap(config=cfg),
                                   server_manager=server, tokenizer=tok, processor=processor, dataset_cls=dataset_cls,
                                   data_config=DictConfigWrap(cfg.data), hf_model_type="qwen2_5_vl",
                                   tools=ToolListWrap(tools))
    out["loop_is_tool_agent_loop"] = isinstance(loop, ToolAgentLoop)
    return await loop.run({"temperature": 0.7, "top_p": 0.95}, raw_prompt=messages, tools_kwargs=tools_kwargs,
                          extra_info={})
res = asyncio.run(episode())
ef = res.extra_fields
out["responses"] = ef[mtr.RESPONSES_KEY]
out["tool_rewards"] = ef["tool_rewards"]
out["num_turns"] = res.num_turns
out["mask_runs"] = len([1 for a, b in zip([0] + res.response_mask, res.response_mask) if b == 1 and a == 0])
target = make_target(rec); target.update(rec.meta)
out["score"] = reward_fn(data_source="video_mtr", solution_str=tok.decode(res.response_ids),
                         ground_truth=json.dumps(target), extra_info=dict(ef))
# the clock: the retrieved images the server received, against the times in the tool text
last = server.calls[-1]["images"]
retrieved = last[-8:]
codes = [read_frame_code(__import__("numpy").asarray(im)).index for im in retrieved]
out["codes_s"] = [c / 4 for c in codes]
out["n_images"] = [len(c["images"]) for c in server.calls]
# the tool text of the retrieve turn, as verl put it in the conversation
text = tok.decode(res.prompt_ids + res.response_ids)
out["tool_times"] = [float(t) for t in re.findall(r"frame_idx:\d+ time:([\d.]+)s \(image", text)][-8:]
out["invalid_notice"] = "previous response was invalid" in text
print("RESULT" + json.dumps(out))
'''


@pytest.fixture(scope="module")
def verl_run(tmp_path_factory):
    require_shared()
    data = tmp_path_factory.mktemp("mtr_data")
    for name in ("train.parquet", "val.parquet"):
        (data / name).write_bytes(b"")
    r = subprocess.run(["bash", str(REPO / "recipes/qwen2_5_vl_7b_mtr_verl.sh"), "--dry-run",
                        "trainer.total_training_steps=500"], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "DATA_DIR": str(data)})
    assert r.returncode == 0, r.stderr
    (cmd,) = [shlex.split(x[2:]) for x in r.stdout.splitlines() if x.startswith("$ ")]
    assert cmd[1:5] == ["-m", "verl.trainer.main_ppo", "--config-path", str(REPO / "recipes/verl")]
    overrides = cmd[cmd.index("--config-name") + 2:]
    env = VERL.ensure()
    r = env.script(SCRIPT, str(REPO), json.dumps(overrides), timeout=900)
    line = [x for x in r.stdout.splitlines() if x.startswith("RESULT")]
    assert line, r.stdout[-3000:] + r.stderr[-3000:]
    return json.loads(line[-1][len("RESULT"):])


def test_verl_hydra_loads_our_config_and_the_recipe_launch_with_no_unknown_keys(verl_run):
    assert verl_run["unknown_keys"] == []
    assert verl_run["train_files"].endswith("train.parquet")
    assert verl_run["algo"] == ["bi_level_gae", 1.0, 1.0]
    assert verl_run["multi_turn"] == ["video_mtr", 3, 500]


def test_verl_loads_tool_reward_and_advantage(verl_run):
    assert verl_run["tools"] == ["VideoMTRTool:video_mtr_step"]
    assert verl_run["reward_fn"] == "compute_score"
    # critic-free bi-level GAE, γ = γ_h = λ = 1: both turns' tokens get the episode return 1.5
    assert verl_run["gae_returns"] == pytest.approx([1.5, 1.5, 0.0, 1.5, 1.5, 0.0])


def test_verl_tool_agent_loop_episode_rewards_and_clock(verl_run):
    assert verl_run["loop_is_tool_agent_loop"]
    assert len(verl_run["responses"]) == 3 and verl_run["responses"][1].endswith("<retrieve>20, 27</retrieve>")
    assert verl_run["tool_rewards"] == pytest.approx([0.0, 0.6])  # invalid turn, then IoU 3/21 -> 1
    assert verl_run["invalid_notice"] and verl_run["mask_runs"] == 3
    s = verl_run["score"]
    assert s["score"] == pytest.approx(0.0 + 0.6 + 0.9) and s["success"] == 1.0 and s["turns"] == 3.0
    assert verl_run["n_images"] == [16, 16, 24]  # 16 initial, none for the invalid turn, + 8 retrieved
    assert verl_run["tool_times"] == pytest.approx([20.0 + i for i in range(8)], abs=5e-4)
    assert verl_run["codes_s"] == pytest.approx(verl_run["tool_times"], abs=5e-4)  # text time = frame code
