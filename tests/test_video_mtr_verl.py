"""Video-MTR on PyPI verl 0.9.1's own classes, in verl's venv (tests/host_verl.py).

- the recipe's launch, exactly as ``--dry-run`` prints it (its ``VERL_USE_EXTERNAL_MODULES`` included),
  passes what ``verl.trainer.main_ppo`` does before any worker needs a GPU: Hydra composes it on verl's
  ppo_trainer config (every key of ours exists there), ``auto_set_device`` and ``validate_config`` with
  verl's own ``need_reference_policy``/``need_critic``, the v1 task runner's ``transfer_queue`` import
  and ``get_trainer_cls(trainer.v1.trainer_mode)`` (our trainer, registered by the env var), the config
  resolution and verl's dataclass configs of actor, ref, rollout, critic and algorithm;
- verl's tool registry builds our tool from recipes/verl/video_mtr_tool.yaml, its reward loader
  loads our reward, its ``get_adv_estimator_fn`` returns our bi-level GAE;
- verl's own ``ToolAgentLoop`` (as our ``video_mtr_agent``, which only records the decoded turns)
  plays one episode on a coded video with a tiny Qwen2.5-VL tokenizer/processor. **Only the inference
  server is replaced**: a CPU stand-in returns scripted replies and records what it was sent. The
  turn rewards equal the hand-worked values, and the times printed in the tool text equal the frame
  codes of the images verl hands to the server (the clock on this path);
- Video-MTR's algorithm on that episode: verl's own reward worker (``RewardLoopWorker`` → naive reward
  manager → our ``compute_score``) scores it, verl's v1 post-processing (``output.as_dict()``, then
  ``list_of_dict_to_tensordict`` and padding) gives ``rm_scores`` with each turn's reward at its last
  token, and verl's ``compute_advantage_for_multi_trajectories`` → ``compute_advantage`` → our registered
  estimator, with critic values bound as ``VideoMTRTrainer`` binds them, gives the hand-worked bi-level
  GAE returns and the same advantages as videorl's ``bi_level_gae`` (checked against the original's
  function by benchmarks/parity/bi_level_gae.py); plus a hand-worked case with γ = 0.5 and 300 random
  multi-turn trajectories through verl's ``compute_advantage`` (≤ 1e-5).
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

# ---- 1b. what verl.trainer.main_ppo.main and TaskRunnerV1.run do before workers need GPUs
import os, copy
from verl.trainer.ppo.utils import need_critic, need_reference_policy
from verl.utils.config import validate_config
from verl.utils.device import auto_set_device
launch = copy.deepcopy(cfg)
auto_set_device(launch)
validate_config(config=launch, use_reference_policy=need_reference_policy(launch), use_critic=need_critic(launch))
out["validate"] = {"use_v1": bool(launch.trainer.use_v1), "ref": need_reference_policy(launch),
                   "critic": need_critic(launch), "external": os.environ.get("VERL_USE_EXTERNAL_MODULES")}
import transfer_queue  # noqa: F401  (TaskRunnerV1.run's first import)
from verl.trainer.ppo.v1 import PPOTrainerSync, get_trainer_cls
trainer_cls = get_trainer_cls(launch.trainer.v1.trainer_mode)
out["trainer"] = [trainer_cls.__name__, issubclass(trainer_cls, PPOTrainerSync)]
launch.transfer_queue.enable = True
OmegaConf.resolve(launch)
from verl.workers.config import ActorConfig, CriticConfig  # noqa: F401
out["dataclasses"] = sorted(type(omega_conf_to_dataclass(c)).__name__ for c in (
    launch.actor_rollout_ref.actor, launch.actor_rollout_ref.rollout, launch.critic, launch.algorithm))
out["critic_model"] = launch.critic.model.path

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

# ---- 4. Video-MTR's algorithm on that episode, through verl's reward worker, v1 post-processing and
# compute_advantage (what AgentLoopWorkerTQ._agent_loop_postprocess and PPOTrainer._compute_advantage do)
import numpy as np
from tensordict import TensorDict
from verl import DataProto
from verl.experimental.reward_loop.reward_loop import RewardLoopWorker
from verl.trainer.ppo.v1.utils import compute_advantage_for_multi_trajectories
from verl.utils.tensordict_utils import list_of_dict_to_tensordict
from videorl.envs.advantage import bi_level_gae
out["output_class"] = type(res).__name__
tok_dir = tmp / "tok"; tok.save_pretrained(tok_dir)
rcfg = copy.deepcopy(cfg); rcfg.actor_rollout_ref.model.path = str(tok_dir)
worker = RewardLoopWorker(rcfg)
row = {"data_source": "video_mtr", "reward_model": {"ground_truth": json.dumps(target)}, "extra_info": {}}
prompts, responses = torch.tensor(res.prompt_ids), torch.tensor(res.response_ids)
rdata = DataProto(batch=TensorDict({"prompts": prompts[None], "responses": responses[None],
                                    "attention_mask": torch.ones(1, len(prompts) + len(responses), dtype=torch.int64)},
                                   batch_size=1),
                  non_tensor_batch={**{k: np.array([v]) for k, v in row.items()},
                                    "__num_turns__": np.array([res.num_turns]),
                                    "tool_extra_fields": np.array([res.extra_fields], dtype=object)})
result = worker.loop.run_until_complete(worker.compute_score(rdata))
res.reward_score = result["reward_score"]
res.extra_fields["reward_extra_info"] = result["reward_extra_info"]
out["reward_score"] = res.reward_score
fields = res.as_dict()
td = list_of_dict_to_tensordict([fields, fields])  # two copies of the trajectory: a batch, as verl stores it
rm1 = td["rm_scores"][0]
out["turn_end_rewards"] = rm1[mtr.turn_end_mask(torch.as_tensor(res.response_mask)[None])[0]].tolist()
out["rm_total"] = float(rm1.sum())
# the v0 layout for contrast: verl's AgentLoopOutput.as_dict puts the whole score on the last token
from verl.experimental.agent_loop.agent_loop import AgentLoopOutput
plain = AgentLoopOutput.as_dict(res)["rm_scores"]
out["verl_default_nonzero"] = int((plain != 0).sum())

def advantage(batch, values, algo_cfg):
    """PPOTrainer._compute_advantage's steps (rm_scores -> token_level_scores -> rewards -> estimator),
    with the values bound as VideoMTRTrainer binds them."""
    data = DataProto(batch=batch)
    data.batch["token_level_scores"] = data.batch["rm_scores"]
    data.batch["token_level_rewards"] = data.batch["token_level_scores"]
    data.non_tensor_batch["uid"] = np.array([f"u{i}" for i in range(len(data))], dtype=object)
    with mtr.critic_values(values):
        data = compute_advantage_for_multi_trajectories(
            data, batch_keys=[f"u{i}_0_0" for i in range(len(data))], adv_estimator=algo_cfg.adv_estimator,
            gamma=algo_cfg.gamma, lam=algo_cfg.lam, num_repeat=1, config=algo_cfg)
    return data.batch["advantages"], data.batch["returns"]

padded = TensorDict({"response_mask": td["response_mask"], "rm_scores": td["rm_scores"]}, batch_size=2)
m = padded["response_mask"]
turn_of = torch.cumsum(torch.cat([m[:, :1], (m[:, 1:] > m[:, :-1]).long()], 1), 1) * m  # 1, 2, 3 per turn; 0 off
v_const = torch.full(m.shape, 0.5) * m
_, ret = advantage(padded.clone(), v_const, cfg.algorithm)
out["returns_by_turn_const_v"] = [sorted({round(float(x), 6) for x in ret[0][turn_of[0] == k]}) for k in (1, 2, 3)]
g = torch.Generator().manual_seed(0)
v_rand = torch.rand(m.shape, generator=g) * m
adv, ret = advantage(padded.clone(), v_rand, cfg.algorithm)
ref_adv, ref_ret = bi_level_gae(padded["rm_scores"], v_rand, m, mtr.turn_end_mask(m), gamma=1.0, lam=1.0,
                                high_level_gamma=1.0)
out["episode_vs_videorl"] = [float((adv - ref_adv).abs().max()), float((ret - ref_ret).abs().max())]
_, ret0 = advantage(padded.clone(), None, cfg.algorithm)  # no critic bound: V = 0
out["returns_by_turn_no_critic"] = [sorted({round(float(x), 6) for x in ret0[0][turn_of[0] == k]}) for k in (1, 2, 3)]

# hand-worked, γ = 0.5, λ = 1, γ_h = 1: mask [1 1 0 1], turn rewards 1 and 2, V = [0.5 1 - 2]
algo = OmegaConf.create({"adv_estimator": "bi_level_gae", "gamma": 0.5, "lam": 1.0})
hb = TensorDict({"response_mask": torch.tensor([[1, 1, 0, 1]]), "rm_scores": torch.tensor([[0., 1., 0., 2.]])},
                batch_size=1)
adv, ret = advantage(hb, torch.tensor([[0.5, 1.0, 0.0, 2.0]]), algo)
out["hand"] = [adv[0].tolist(), ret[0].tolist()]

# random multi-turn trajectories (KL-like token rewards inside turns), random values, γ, λ, γ_h
worst = 0.0
for trial in range(30):
    B, T = 10, 48
    mk = torch.zeros(B, T, dtype=torch.int64)
    for b in range(B):
        pos = 0
        for _ in range(int(torch.randint(1, 4, (1,), generator=g))):
            ln = int(torch.randint(1, 8, (1,), generator=g)); mk[b, pos:pos + ln] = 1
            pos += ln + int(torch.randint(1, 6, (1,), generator=g))
    ends = mtr.turn_end_mask(mk)
    rw = (torch.randn(B, T, generator=g) * 0.01 + ends * torch.randn(B, T, generator=g)) * mk
    vals = torch.randn(B, T, generator=g) * mk
    gm, lm, hg = [round(float(x), 3) for x in torch.rand(3, generator=g) * 0.5 + 0.5]
    algo = OmegaConf.create({"adv_estimator": "bi_level_gae", "gamma": gm, "lam": lm, "high_level_gamma": hg})
    a, r = advantage(TensorDict({"response_mask": mk, "rm_scores": rw}, batch_size=B), vals, algo)
    ea, er = bi_level_gae(rw, vals, mk, ends, gamma=gm, lam=lm, high_level_gamma=hg)
    worst = max(worst, float((a - ea).abs().max()), float((r - er).abs().max()))
out["random_worst"] = worst

# ---- 5. one PPO update on CPU, staged with verl's own functions (verl 0.9.1's workers need GPUs: FSDP
# engines, a vLLM/SGLang rollout server). Tiny randomly initialised text Qwen2 actor, reference and
# critic (a per-token value head) over the agent-loop episode's real token ids (images as their
# placeholder tokens); rewards from verl's reward worker above.
from transformers import Qwen2Config, Qwen2ForCausalLM, Qwen2ForTokenClassification
from verl.trainer.ppo import core_algos
from verl.trainer.ppo.core_algos import compute_value_loss, get_policy_loss_fn
from verl.trainer.ppo.ray_trainer import apply_kl_penalty, compute_advantage
from verl.utils.torch_functional import logprobs_from_logits
torch.manual_seed(0)
small = dict(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
             num_key_value_heads=2, max_position_embeddings=16384, tie_word_embeddings=False)
actor = Qwen2ForCausalLM(Qwen2Config(**small))
ref = copy.deepcopy(actor)
with torch.no_grad():
    ref.lm_head.weight.add_(torch.randn_like(ref.lm_head.weight) * 0.05)  # a reference that differs: KL > 0
critic = Qwen2ForTokenClassification(Qwen2Config(**small, num_labels=1))
seq = torch.tensor([res.prompt_ids + res.response_ids])
P = len(res.prompt_ids)
resp_mask = torch.tensor([res.response_mask])
def logp(model):
    return logprobs_from_logits(model(input_ids=seq).logits[:, P - 1:-1], seq[:, P:])
def vpred(model):  # the value of each response token's state, as verl's critic reads it
    return model(input_ids=seq).logits[:, P - 1:-1, 0] * resp_mask
with torch.no_grad():
    old_lp, ref_lp, old_v = logp(actor), logp(ref), vpred(critic)
data = DataProto(batch=TensorDict({"response_mask": resp_mask, "rm_scores": td["rm_scores"][:1],
                                   "old_log_probs": old_lp, "ref_log_prob": ref_lp}, batch_size=1))
data.batch["token_level_scores"] = data.batch["rm_scores"]
algo_cfg = launch.algorithm
data, kl_metrics = apply_kl_penalty(data, kl_ctrl=core_algos.get_kl_controller(algo_cfg.kl_ctrl),
                                    kl_penalty=algo_cfg.kl_penalty)
with mtr.critic_values(old_v):
    data = compute_advantage(data, adv_estimator=algo_cfg.adv_estimator, gamma=algo_cfg.gamma, lam=algo_cfg.lam,
                             config=algo_cfg)
adv, ret = data.batch["advantages"], data.batch["returns"]
ea, er = bi_level_gae(data.batch["token_level_rewards"], old_v, resp_mask, mtr.turn_end_mask(resp_mask),
                      gamma=1.0, lam=1.0, high_level_gamma=1.0)
stage = {"kl": kl_metrics["actor/reward_kl_penalty"], "kl_coef": kl_metrics["actor/reward_kl_penalty_coeff"],
         "kl_in_rewards": float((data.batch["token_level_rewards"] - data.batch["token_level_scores"]).abs().max()),
         "adv_vs_videorl": max(float((adv - ea).abs().max()), float((ret - er).abs().max()))}
actor_cfg = omega_conf_to_dataclass(launch.actor_rollout_ref.actor)
critic_cfg = omega_conf_to_dataclass(launch.critic)
LR = 1e-3  # the recipe's optimizer (AdamW, its betas and weight decay); lr raised from 1e-6 / 1e-5 so one
           # step's change is measurable in float32
def snapshot(m):
    return [p.detach().clone() for p in m.parameters()]
def moved(m, snap):
    return max(float((p.detach() - q).abs().max()) for p, q in zip(m.parameters(), snap))
policy_loss = get_policy_loss_fn(actor_cfg.policy_loss.loss_mode)
opt = torch.optim.AdamW(actor.parameters(), lr=LR, betas=tuple(actor_cfg.optim.betas),
                        weight_decay=actor_cfg.optim.weight_decay)
snap = snapshot(actor)
pg_loss, pg_metrics = policy_loss(old_log_prob=old_lp, log_prob=logp(actor), advantages=adv, response_mask=resp_mask,
                                  loss_agg_mode=actor_cfg.loss_agg_mode, config=actor_cfg)
opt.zero_grad(); pg_loss.backward(); opt.step()
with torch.no_grad():
    new_lp = logp(actor)
    pg_after, _ = policy_loss(old_log_prob=old_lp, log_prob=new_lp, advantages=adv, response_mask=resp_mask,
                              loss_agg_mode=actor_cfg.loss_agg_mode, config=actor_cfg)
m = resp_mask.bool()
stage.update(actor_mode=actor_cfg.policy_loss.loss_mode, pg_loss=[float(pg_loss), float(pg_after)],
             actor_moved=moved(actor, snap),
             logp_toward_adv=float(((new_lp - old_lp) * adv)[m].sum()))
opt = torch.optim.AdamW(critic.parameters(), lr=LR, betas=tuple(critic_cfg.optim.betas),
                        weight_decay=critic_cfg.optim.weight_decay)
snap = snapshot(critic)
vf_loss, vf_clipfrac = compute_value_loss(vpreds=vpred(critic), returns=ret, values=old_v, response_mask=resp_mask,
                                          cliprange_value=critic_cfg.cliprange_value,
                                          loss_agg_mode=critic_cfg.loss_agg_mode)
opt.zero_grad(); vf_loss.backward(); opt.step()
with torch.no_grad():
    vf_after, _ = compute_value_loss(vpreds=vpred(critic), returns=ret, values=old_v, response_mask=resp_mask,
                                     cliprange_value=critic_cfg.cliprange_value, loss_agg_mode=critic_cfg.loss_agg_mode)
stage.update(vf_loss=[float(vf_loss), float(vf_after)], critic_moved=moved(critic, snap), n_tokens=int(seq.shape[1]))
out["ppo_step"] = stage

print("RESULT" + json.dumps(out))
'''


TQ_SCRIPT = r'''
import copy, json, sys, torch
from pathlib import Path
from hydra import compose, initialize_config_dir
REPO = Path(sys.argv[1])
with initialize_config_dir(config_dir=str(REPO / "recipes/verl"), version_base=None):
    launch = compose(config_name="qwen2_5_vl_7b_mtr", overrides=json.loads(sys.argv[2]))
import ray
import transfer_queue as tq
import videorl.plugins.verl_mtr as mtr
from verl.trainer.ppo import core_algos
from verl.trainer.ppo.v1 import PPOTrainerSync, get_trainer_cls
from verl.utils.tensordict_utils import list_of_dict_to_tensordict
from videorl.envs.advantage import bi_level_gae
trainer_cls = get_trainer_cls(launch.trainer.v1.trainer_mode)  # registered through VERL_USE_EXTERNAL_MODULES
ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)  # TQ's controller and storage take a CPU each
conf = copy.deepcopy(launch.transfer_queue)
conf.backend.SimpleStorage.num_data_storage_units = 1
tq.init(conf)
out = {}
try:
    # what the v1 agent-loop worker stores per trajectory: a 3-turn episode and a 2-turn one (other length)
    rows = []
    for L, turns, seed in ((9, [0.0, 0.6, 0.9], 1), (6, [0.0, 0.6], 2)):
        g = torch.Generator().manual_seed(seed)
        m = torch.tensor([1, 1, 0, 1, 1, 0, 1, 1, 1][:L])
        lp = torch.randn(L, generator=g) * m
        rows.append({"uid": f"q{seed}", "response_mask": m, "rm_scores": mtr.per_turn_rm_scores(m, turns),
                     "rollout_log_probs": lp, "old_log_probs": lp, "ref_log_prob": lp,
                     "values": torch.rand(L, generator=g) * m})
    keys = ["q1_0_0", "q2_0_0"]
    meta = tq.kv_batch_put(keys=keys, partition_id="train", fields=list_of_dict_to_tensordict(rows), tags=[{}, {}])
    # the trainer's advantage step; __init__ is skipped (it builds GPU worker groups): the step reads only
    # config, use_critic and kl_ctrl_in_reward, set here as __init__ sets them from the launch config
    trainer = object.__new__(trainer_cls)
    trainer.config, trainer.use_critic = launch, True
    trainer.kl_ctrl_in_reward = core_algos.get_kl_controller(launch.algorithm.kl_ctrl)
    trainer._compute_advantage(meta, {})
    fields = ["response_mask", "rm_scores", "values", "advantages", "returns"]
    got = tq.kv_batch_get(keys=keys, partition_id="train", select_fields=fields).to_padded_tensor()
    m = got["response_mask"]
    ea, er = bi_level_gae(got["rm_scores"], got["values"], m, mtr.turn_end_mask(m), gamma=1.0, lam=1.0,
                          high_level_gamma=1.0)
    out["returns"] = got["returns"].tolist()
    out["vs_videorl"] = [float((got["advantages"] - ea)[m.bool()].abs().max()),
                         float((got["returns"] - er)[m.bool()].abs().max())]
    PPOTrainerSync._compute_advantage(trainer, meta, {})  # verl's own step alone: no values reach the estimator
    base = tq.kv_batch_get(keys=keys, partition_id="train", select_fields=["advantages"]).to_padded_tensor()
    za, _ = bi_level_gae(got["rm_scores"], torch.zeros_like(got["values"]), m, mtr.turn_end_mask(m), gamma=1.0,
                         lam=1.0, high_level_gamma=1.0)
    out["verl_alone_vs_v0"] = float((base["advantages"] - za)[m.bool()].abs().max())
    out["values_change_advantages"] = float((base["advantages"] - got["advantages"])[m.bool()].abs().max())
finally:
    tq.close()
    ray.shutdown()
print("RESULT" + json.dumps(out))
'''


@pytest.fixture(scope="module")
def launch(tmp_path_factory) -> tuple[dict[str, str], list[str]]:
    """The recipe's dry-run launch, as printed: (its environment prefix, its Hydra overrides)."""
    require_shared()
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

    data = tmp_path_factory.mktemp("mtr_data")
    for name in ("train.parquet", "val.parquet"):
        (data / name).write_bytes(b"")
    # a local model: verl's validate_config builds the critic's HFModelConfig, which reads the model's config
    model = build_tiny_qwen2_5_vl(tmp_path_factory.mktemp("mtr_model"))
    r = subprocess.run(["bash", str(REPO / "recipes/qwen2_5_vl_7b_mtr_verl.sh"), "--dry-run",
                        "trainer.total_training_steps=500"], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "DATA_DIR": str(data), "MODEL_PATH": str(model)})
    assert r.returncode == 0, r.stderr
    (cmd,) = [shlex.split(x[2:]) for x in r.stdout.splitlines() if x.startswith("$ ")]
    assert cmd[:2] == ["env", "VERL_USE_EXTERNAL_MODULES=videorl.plugins.verl_mtr"]
    launch_env = dict([cmd[1].split("=", 1)])
    cmd = cmd[2:]
    assert cmd[1:5] == ["-m", "verl.trainer.main_ppo", "--config-path", str(REPO / "recipes/verl")]
    return launch_env, cmd[cmd.index("--config-name") + 2:]


def _result(r: subprocess.CompletedProcess[str]) -> dict:
    line = [x for x in r.stdout.splitlines() if x.startswith("RESULT")]
    assert line, r.stdout[-3000:] + r.stderr[-3000:]
    return json.loads(line[-1][len("RESULT"):])


@pytest.fixture(scope="module")
def verl_run(launch):
    launch_env, overrides = launch
    return _result(VERL.ensure().script(SCRIPT, str(REPO), json.dumps(overrides), timeout=900, env=launch_env))


def test_verl_hydra_loads_our_config_and_the_recipe_launch_with_no_unknown_keys(verl_run):
    assert verl_run["unknown_keys"] == []
    assert verl_run["train_files"].endswith("train.parquet")
    assert verl_run["algo"] == ["bi_level_gae", 1.0, 1.0]
    assert verl_run["multi_turn"] == ["video_mtr", 3, 500]


def test_the_recipe_launch_passes_verl_main_ppo_config_path(verl_run):
    assert verl_run["validate"] == {"use_v1": True, "ref": True, "critic": True,
                                    "external": "videorl.plugins.verl_mtr"}
    assert verl_run["trainer"] == ["VideoMTRTrainer", True]
    assert verl_run["dataclasses"] == sorted(["FSDPActorConfig", "FSDPCriticConfig", "RolloutConfig", "AlgoConfig"])
    assert verl_run["critic_model"].endswith("mtr_model0")  # the actor's model (run_7B.sh: same path)


def test_verl_loads_tool_reward_and_advantage(verl_run):
    assert verl_run["tools"] == ["VideoMTRTool:video_mtr_step"]
    assert verl_run["reward_fn"] == "compute_score"
    # critic-free bi-level GAE, γ = γ_h = λ = 1: both turns' tokens get the episode return 1.5
    assert verl_run["gae_returns"] == pytest.approx([1.5, 1.5, 0.0, 1.5, 1.5, 0.0])


def test_per_turn_rewards_at_turn_ends_through_verl_reward_worker(verl_run):
    assert verl_run["output_class"] == "VideoMTRAgentLoopOutput"
    assert verl_run["reward_score"] == pytest.approx(1.5)
    # invalid turn 0, retrieve with better IoU 0.1 + 0.5, correct answer at turn 3: 0.1 + 1 − 0.2
    assert verl_run["turn_end_rewards"] == pytest.approx([0.0, 0.6, 0.9])
    assert verl_run["rm_total"] == pytest.approx(1.5)
    assert verl_run["verl_default_nonzero"] == 1  # verl's own layout: the score on the last token only


def test_bi_level_gae_through_verl_compute_advantage(verl_run):
    # V = 0.5 everywhere, γ = λ = γ_h = 1: each turn's tokens return that turn's return-to-go
    # (turn 3: 0.9; turn 2: 0.6 + 0.9; turn 1: 0 + 1.5), whatever the constant value
    assert verl_run["returns_by_turn_const_v"] == [[1.5], [1.5], [0.9]]
    assert verl_run["returns_by_turn_no_critic"] == [[1.5], [1.5], [0.9]]
    assert max(verl_run["episode_vs_videorl"]) <= 1e-5
    # γ = 0.5: high level A2 = 2 − 2 = 0, A1 = 1 + 2 − 1 = 2; returns R = [3, 2]; token 0:
    # δ = 0.5·1 − 0.5 = 0, A = 0.5·2 = 1. Raw A = [1, 2, ·, 0] whitened (mean 1, var 1) = [0, 1, ·, −1]
    adv, ret = verl_run["hand"]
    assert ret == pytest.approx([1.5, 3.0, 0.0, 2.0], abs=1e-6)
    assert adv == pytest.approx([0.0, 1.0, 0.0, -1.0], abs=1e-5)
    assert verl_run["random_worst"] <= 1e-5


def test_one_ppo_update_of_actor_and_critic_staged_with_verl_functions(verl_run):
    st = verl_run["ppo_step"]
    # KL in the reward (recipe: use_kl_in_reward, coefficient 0.001) against a reference that differs
    assert st["kl"] > 0 and st["kl_coef"] == pytest.approx(0.001) and st["kl_in_rewards"] > 0
    assert st["adv_vs_videorl"] <= 1e-5  # the advantages the losses use are bi-level GAE with critic values
    assert st["actor_mode"] == "vanilla"
    assert st["actor_moved"] > 0 and st["critic_moved"] > 0
    assert st["pg_loss"][1] < st["pg_loss"][0]  # one step lowers the clipped surrogate loss
    assert st["logp_toward_adv"] > 0  # log-probs moved with the advantages' sign
    assert st["vf_loss"][1] < st["vf_loss"][0]


def test_video_mtr_trainer_advantage_step_on_a_live_transfer_queue(launch):
    """VideoMTRTrainer._compute_advantage (verl's v1 method body, our values binding) on a real
    TransferQueue in a local Ray (CPU), as the trainer runs it between the critic and the updates."""
    launch_env, overrides = launch
    st = _result(VERL.ensure().script(TQ_SCRIPT, str(REPO), json.dumps(overrides), timeout=600, env=launch_env))
    # γ = λ = γ_h = 1: each turn's tokens return that turn's return-to-go (0 + 0.6 + 0.9, 0.6 + 0.9, 0.9),
    # the 2-turn trajectory 0.6, 0.6; verl pads it to the batch's length with 0
    assert st["returns"][0] == pytest.approx([1.5, 1.5, 0, 1.5, 1.5, 0, 0.9, 0.9, 0.9], abs=1e-6)
    assert st["returns"][1] == pytest.approx([0.6, 0.6, 0, 0.6, 0.6, 0, 0, 0, 0], abs=1e-6)
    assert max(st["vs_videorl"]) <= 1e-5  # advantages use the critic's values from TransferQueue
    assert st["verl_alone_vs_v0"] <= 1e-5  # verl's own step: the estimator would see V = 0
    assert st["values_change_advantages"] > 1e-3
