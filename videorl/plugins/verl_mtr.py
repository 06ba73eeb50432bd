"""Video-MTR on verl's multi-turn agent loop (PyPI ``verl==0.9.1``): thin glue over :mod:`videorl.envs.video_mtr`.

Pieces (configured by ``recipes/verl/*.yaml``, see docs/video_mtr.md):

- :class:`VideoMTRToolParser`, registered as ``multi_turn.format=video_mtr``: keeps Video-MTR's own
  action format. A response that is a think block then an answer block ends the episode; any other
  response (a ``<retrieve>s, e</retrieve>`` or an invalid one, which in the original also consumes a
  turn) becomes a call of the ``video_mtr_step`` tool.
- :class:`VideoMTRTool` (a verl ``BaseTool``): replays the episode's responses in a fresh
  :class:`VideoMTREnv` (deterministic, so no per-trajectory state lives in the tool) and returns the
  next observation: the requested segment's frames as **images** (verl 0.9.1's ``ToolAgentLoop``
  rejects video returns) and the text listing each frame's pool index and exact time in seconds.
  The turn's reward is the tool reward. The record travels in ``tools_kwargs.video_mtr_step.create_kwargs.record``.
- :class:`VideoMTRAgentLoop`, registered as agent ``video_mtr_agent``: verl's ``ToolAgentLoop``
  unchanged except that it writes each decoded response into ``extra_fields["video_mtr_responses"]``
  after generating, so the tool and the reward see the exact turn texts (verl passes a trajectory's
  ``extra_fields`` to the reward function as ``extra_info``).
- :func:`compute_score` (``reward.custom_reward_function``): the ``video_mtr_multiturn`` reward on the
  replayed episode: sum of gated turn rewards, with components.
- :class:`VideoMTRAgentLoopOutput`: the agent loop's output whose ``as_dict`` (what verl's v1
  agent-loop worker writes to TransferQueue) lays the episode's **per-turn** gated rewards (returned by
  :func:`compute_score` as ``turn_reward_1 … turn_reward_K``) at each turn's last response token, where
  verl would put the episode score on the last token only. Turn ends are the ends of the runs of 1s in
  ``response_mask`` (tool tokens are 0), the original's ``reward_mask``.
- ``bi_level_gae`` registered with verl's ``register_adv_est`` (:func:`bi_level_gae_estimator`; γ and
  λ from ``algorithm.gamma``/``lam``; ``high_level_gamma`` is 1.0 as in Video-MTR's script: verl's
  ``AlgoConfig`` has no such key and rejects an added one, so it is read only from a plain config). verl 0.9.1's ``compute_advantage`` hands a registered
  estimator only ``token_level_rewards``, ``response_mask``, ``config`` (and ``index``), never the
  critic's values; :class:`VideoMTRTrainer` (``trainer.v1.trainer_mode=video_mtr``, registered with
  verl's v1 ``register_trainer``) is verl's ``PPOTrainerSync`` whose ``_compute_advantage`` binds the
  batch's critic values (:func:`critic_values`) around verl's own ``_compute_advantage``, so the
  estimator called inside verl's ``compute_advantage`` gets them.

verl imports this module in every process through ``VERL_USE_EXTERNAL_MODULES=videorl.plugins.verl_mtr``
(the recipe exports it), so the trainer, estimator and agent loop are registered before verl looks them
up. Known limit: an answer block whose content is invalid for the question type ends the episode here
(the parser cannot know the type), where the original gives the model another turn; the reward still
scores that turn as invalid (0).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from collections.abc import Iterator
from typing import Any

from verl.experimental.agent_loop.agent_loop import AgentLoopOutput
from verl.experimental.agent_loop.agent_loop import register as register_agent_loop
from verl.experimental.agent_loop.tool_agent_loop import ToolAgentLoop
from verl.experimental.agent_loop.tool_parser import FunctionCall, ToolParser
from verl.tools.base_tool import BaseTool
from verl.tools.schemas import OpenAIFunctionToolSchema, ToolResponse
from verl.trainer.ppo.core_algos import register_adv_est
from verl.utils.dataset.rl_dataset import RLHFDataset

from videorl.envs.advantage import turn_ends_from_mask, turn_rewards_to_tokens
from videorl.envs.video_mtr import (
    VERL_AGENT,
    VERL_TOOL,
    MTRConfig,
    Observation,
    Problem,
    VideoMTREnv,
    parse_action,
    problem_type,
    replay,
)
from videorl.record import SampleRecord

log = logging.getLogger(__name__)

TOOL_NAME = VERL_TOOL
RESPONSES_KEY = "video_mtr_responses"
POOL_KEY = "video_mtr_pool_size"
TURN_REWARD_KEY = "turn_reward_{}"  # compute_score's per-turn gated rewards, 1-based
VERL_TRAINER = "video_mtr"  # trainer.v1.trainer_mode
SCHEMA = {"type": "function", "function": {
    "name": TOOL_NAME,
    "description": "Video-MTR environment step: retrieve frames of a segment (<retrieve>start, end</retrieve>).",
    "parameters": {"type": "object", "properties": {"response": {"type": "string",
                                                                 "description": "the model's whole response"}},
                   "required": ["response"]}}}


def decode(tokenizer: Any, ids: list[int]) -> str:
    """Response text with the end-of-turn and padding tokens removed, other special tokens kept
    (a tokenizer may make ``<think>`` special; dropping it would break the action format)."""
    text = tokenizer.decode(ids, skip_special_tokens=False)
    for tok in {tokenizer.eos_token, tokenizer.pad_token, "<|im_end|>", "<|endoftext|>"} - {None}:
        text = text.replace(tok, "")
    return text


def tool_text(obs: Observation) -> tuple[str, list[Any]]:
    """The observation as verl's tool message: images first (verl puts them before the text), then the
    text, whose frame lines name each image's pool index and exact time."""
    n = obs.text.count(Observation.IMAGE)
    text = obs.text
    for j in range(n):
        text = text.replace(f" {Observation.IMAGE}", f" (image {j + 1})", 1)
    images = [] if obs.frames is None else [p["image"] for p in obs.content() if p["type"] == "image"]
    return text, images


class VideoMTRDataset(RLHFDataset):
    """verl's ``RLHFDataset`` reading the prompt's images as given (``data.custom_cls``).

    The rows' images are frames our sampler already decoded and sized (PNG paths from
    :mod:`videorl.envs.video_mtr_data`, or PIL images), so they are opened as they are, never
    re-sized or re-sampled; verl's default goes through qwen-vl-utils (which also needs torchvision).
    Videos are not part of Video-MTR's observations and are rejected with a clear error.
    """

    @classmethod
    def _process_multi_modal_info(cls, messages: list[dict], image_patch_size: Any, config: Any) -> tuple:
        from PIL import Image

        images = []
        for m in messages:
            if not isinstance(m.get("content"), list):
                continue
            for item in m["content"]:
                if not isinstance(item, dict):
                    continue
                if item.get("type") == "video" or "video" in item:
                    raise ValueError("Video-MTR prompts carry frames as images, not videos")
                if item.get("type") == "image" or "image" in item:
                    im = item.get("image")
                    if isinstance(im, dict):
                        im = im.get("bytes") or im.get("path")
                    if isinstance(im, bytes):
                        import io

                        im = Image.open(io.BytesIO(im))
                    elif isinstance(im, str):
                        im = Image.open(im.removeprefix("file://"))
                    if not isinstance(im, Image.Image):
                        raise ValueError(f"cannot read a prompt image from {type(im).__name__}")
                    images.append(im.convert("RGB"))
        return images or None, None, cls._extract_audio_info(messages)


@ToolParser.register("video_mtr")
class VideoMTRToolParser(ToolParser):
    """Video-MTR actions as tool calls (see the module docstring)."""

    async def extract_tool_calls(self, responses_ids: list[int], tools: Any = None) -> tuple[str, list[FunctionCall]]:
        text = decode(self.tokenizer, responses_ids)
        if parse_action(text, 1 << 30).kind == "answer":
            return text, []
        return text, [FunctionCall(name=TOOL_NAME, arguments=json.dumps({"response": text}))]


@register_agent_loop(VERL_AGENT)
class VideoMTRAgentLoop(ToolAgentLoop):
    """verl's ``ToolAgentLoop``, recording each decoded response in ``extra_fields`` (for tool and reward)
    and returning a :class:`VideoMTRAgentLoopOutput` (per-turn rewards at the turn ends)."""

    async def run(self, sampling_params: dict[str, Any], *args: Any, **kwargs: Any) -> AgentLoopOutput:
        out = await super().run(sampling_params, *args, **kwargs)
        return VideoMTRAgentLoopOutput.model_construct(_fields_set=set(out.model_fields_set), **dict(out))

    async def _handle_generating_state(self, agent_data: Any, sampling_params: dict[str, Any],
                                       ignore_termination: bool = False) -> Any:
        state = await super()._handle_generating_state(agent_data, sampling_params, ignore_termination)
        text = decode(self.tokenizer, agent_data.response_ids)
        agent_data.extra_fields.setdefault(RESPONSES_KEY, []).append(text)
        return state


class VideoMTRTool(BaseTool):
    """verl tool stepping :class:`VideoMTREnv` (config keys: ``env`` = MTRConfig fields, ``video_dir``)."""

    def __init__(self, config: dict, tool_schema: OpenAIFunctionToolSchema | None = None) -> None:
        schema = tool_schema or OpenAIFunctionToolSchema.model_validate(SCHEMA)
        super().__init__(config, schema)
        self.env_config = MTRConfig.from_dict(config.get("env"))
        self.video_dir = config.get("video_dir")

    async def execute(self, instance_id: str, parameters: dict[str, Any], **kwargs: Any) -> tuple[ToolResponse, float, dict]:
        agent_data = kwargs.get("agent_data")
        if agent_data is None:
            return ToolResponse(text="video_mtr_step needs verl's agent loop (no agent_data given)"), 0.0, {}
        raw = (agent_data.tools_kwargs.get(self.name) or {}).get("create_kwargs", {}).get("record")
        if raw is None:
            raise ValueError(f"no record: set tools_kwargs.{self.name}.create_kwargs.record in the data row")
        record = SampleRecord.from_dict(json.loads(raw) if isinstance(raw, str) else raw).validate()
        responses = list(agent_data.extra_fields.get(RESPONSES_KEY) or [str(parameters.get("response", ""))])
        env = VideoMTREnv(self.env_config, video_dir=self.video_dir)
        env.reset(record)
        for r in responses[:-1]:
            if env.episode is not None and env.episode.done:
                break
            env.step(r)
        agent_data.extra_fields[POOL_KEY] = env.episode.pool_size if env.episode else 0
        if env.episode is None or env.episode.done:
            return ToolResponse(text="The episode is over."), 0.0, {}
        res = env.step(responses[-1])
        text, images = tool_text(res.observation)
        metrics = {"turn": res.info["turn"], "action": res.info["action"], "iou": res.info["iou"]}
        response = ToolResponse(text=text, image=images) if images else ToolResponse(text=text)
        return response, float(res.reward), metrics


def compute_score(data_source: Any = None, solution_str: Any = None, ground_truth: Any = None,
                  extra_info: dict[str, Any] | None = None, faithful: bool = False, **kwargs: Any) -> dict[str, float]:
    """verl reward: replay the episode from ``extra_info`` and score it with ``video_mtr_multiturn``."""
    from videorl.rewards import get
    from videorl.target import parse_target

    info = extra_info or {}
    target = parse_target(info.get("target", ground_truth))
    responses = list(info.get(RESPONSES_KEY) or [solution_str or ""])
    pool = info.get(POOL_KEY)
    if not isinstance(pool, int) or pool < 1:  # no tool call happened: the pool size comes with the data
        pool = int(target.extra.get("pool_size", 0)) or 1
    extra = dict(target.extra)
    extra["mtr"] = {"pool_size": pool, "responses": responses[:-1]}
    from dataclasses import replace

    env_kw = {k: v for k, v in kwargs.items() if k in MTRConfig.__dataclass_fields__}
    res = get("video_mtr_multiturn", faithful=faithful, **env_kw)(responses[-1], replace(target, extra=extra))
    out = {"score": res.score}
    out.update(res.components)
    # the same episode's gated turn rewards (they sum to the score), one key per possible turn, so verl's
    # per-sample reward_extra_info has the same keys for every trajectory
    config = MTRConfig.from_dict({**env_kw, "faithful": faithful})
    problem = Problem("", list(target.options), target.answer or "",
                      problem_type(target.task, target.answer, target.extra))
    turns = replay(problem, pool, responses, target.extra.get("relevant_sample_frames"), config).turn_rewards()
    if abs(sum(turns) - res.score) > 1e-6:
        raise AssertionError(f"turn rewards {turns} do not sum to the episode score {res.score}")
    for k in range(max(config.max_turns, len(turns))):
        out[TURN_REWARD_KEY.format(k + 1)] = float(turns[k]) if k < len(turns) else 0.0
    return out


def turn_rewards_from_info(info: Any) -> list[float] | None:
    """The per-turn rewards :func:`compute_score` returned (``turn_reward_1 …``), or None if absent."""
    if not isinstance(info, dict) or TURN_REWARD_KEY.format(1) not in info:
        return None
    out, k = [], 1
    while TURN_REWARD_KEY.format(k) in info:
        out.append(float(info[TURN_REWARD_KEY.format(k)]))
        k += 1
    return out


def per_turn_rm_scores(response_mask: Any, turn_rewards: list[float]) -> Any:
    """Token-level reward row (a float32 tensor the length of ``response_mask``): reward of turn k at
    the last token of the k-th run of 1s. Turns beyond the runs (a response cut by the length limit)
    add to the last run's end, so the row always sums to the episode return."""
    import torch

    mask = [int(x) for x in torch.as_tensor(response_mask).tolist()]
    ends = turn_ends_from_mask(mask)
    if not ends:
        ends = [len(mask) - 1]  # no response token at all: verl's own placement (last position)
    rewards = list(turn_rewards[:len(ends)])
    rewards += [0.0] * (len(ends) - len(rewards))
    rewards[-1] += sum(turn_rewards[len(ends):])
    return torch.tensor(turn_rewards_to_tokens(rewards, ends, len(mask)), dtype=torch.float32)


class VideoMTRAgentLoopOutput(AgentLoopOutput):
    """verl's ``AgentLoopOutput`` whose ``rm_scores`` hold each turn's reward at that turn's end.

    verl's v1 agent-loop worker scores the finished trajectory (``reward_score``, the episode return,
    and ``extra_fields["reward_extra_info"]``, the reward function's dict) and then stores
    ``output.as_dict()``; verl's ``as_dict`` puts ``reward_score`` on the last token. Here the same
    total is spread as Video-MTR's rollout manager does (``multi_turn_token_level_rewards``): each
    turn's gated reward on its last response token. Without per-turn keys it is verl's layout.
    """

    def as_dict(self) -> dict[str, Any]:
        out = super().as_dict()
        turns = turn_rewards_from_info((self.extra_fields or {}).get("reward_extra_info"))
        if "rm_scores" in out and turns is not None:
            if abs(sum(turns) - float(self.reward_score)) > 1e-5:
                raise ValueError(f"per-turn rewards {turns} do not sum to reward_score {self.reward_score}")
            out["rm_scores"] = per_turn_rm_scores(out["response_mask"], turns)
        return out


def compute_score_faithful(data_source: Any = None, solution_str: Any = None, ground_truth: Any = None,
                           extra_info: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, float]:
    """:func:`compute_score` in faithful mode (verl 0.9.1's reward config has no keyword arguments)."""
    return compute_score(data_source, solution_str, ground_truth, extra_info, faithful=True, **kwargs)


_CRITIC_VALUES: contextvars.ContextVar[Any] = contextvars.ContextVar("video_mtr_critic_values", default=None)


@contextlib.contextmanager
def critic_values(values: Any) -> Iterator[None]:
    """Bind the batch's critic values (``[batch, T]``, padded as ``token_level_rewards``) for
    :func:`bi_level_gae_estimator` while verl's ``compute_advantage`` runs (it passes no values to a
    registered estimator). ``None`` = critic-free (V = 0)."""
    token = _CRITIC_VALUES.set(values)
    try:
        yield
    finally:
        _CRITIC_VALUES.reset(token)


@register_adv_est("bi_level_gae")
def bi_level_gae_estimator(token_level_rewards: Any, response_mask: Any, config: Any = None,
                           values: Any = None, **kwargs: Any) -> tuple[Any, Any]:
    """verl entry of :func:`videorl.envs.advantage.bi_level_gae` (see the module docstring).

    ``token_level_rewards`` carry each turn's reward at its last token (:class:`VideoMTRAgentLoopOutput`)
    plus any token-level KL term; the turn ends are the ends of the runs of ``response_mask``; the values
    are ``values`` if given, else those bound by :func:`critic_values`, else zeros."""
    import torch

    from videorl.envs.advantage import bi_level_gae

    def get(key: str, default: float) -> Any:
        v = config.get(key, default) if hasattr(config, "get") else getattr(config, key, default)
        return default if v is None else v

    vals = values if values is not None else _CRITIC_VALUES.get()
    if vals is None:
        vals = torch.zeros_like(token_level_rewards, dtype=torch.float32)
    elif tuple(vals.shape) != tuple(token_level_rewards.shape):
        raise ValueError(f"critic values {tuple(vals.shape)} do not match token_level_rewards "
                         f"{tuple(token_level_rewards.shape)}")
    ends = turn_end_mask(response_mask)
    adv, ret = bi_level_gae(token_level_rewards.float(), vals.float(), response_mask, ends,
                            gamma=float(get("gamma", 1.0)), lam=float(get("lam", 1.0)),
                            high_level_gamma=float(get("high_level_gamma", 1.0)))
    device = token_level_rewards.device
    return adv.to(device), ret.to(device)


def turn_end_mask(response_mask: Any) -> Any:
    """``[batch, T]`` bool: 1 at the last token of every run of 1s in ``response_mask``."""
    import torch

    m = torch.as_tensor(response_mask).bool()
    nxt = torch.zeros_like(m)
    nxt[:, :-1] = m[:, 1:]
    return m & ~nxt


def _register_trainer() -> Any:
    """Register :class:`VideoMTRTrainer` with verl's v1 trainer registry (needs ``transfer_queue``)."""
    try:
        import transfer_queue as tq
        from verl.trainer.ppo.v1 import PPOTrainerSync, register_trainer
    except ImportError as e:  # verl's default trainer needs it too; main_ppo fails with its own message
        log.debug("verl v1 trainer not available (%s): trainer_mode=%s not registered", e, VERL_TRAINER)
        return None

    @register_trainer(VERL_TRAINER)
    class VideoMTRTrainer(PPOTrainerSync):
        """verl's synchronous v1 PPO trainer; its advantage step hands the critic's values to
        ``bi_level_gae`` (verl's ``compute_advantage`` passes them only to its built-in GAE)."""

        def _compute_advantage(self, batch: Any, metrics: dict) -> Any:
            values = None
            if self.use_critic:
                data = tq.kv_batch_get(keys=batch.keys, partition_id=batch.partition_id,
                                       select_fields=["response_mask", "values"])
                values = data.to_padded_tensor()["values"]  # padded as verl pads the other fields
            with critic_values(values):
                return super()._compute_advantage(batch, metrics)

    VideoMTRTrainer.__qualname__ = "VideoMTRTrainer"  # importable by name (module attribute below)
    return VideoMTRTrainer


VideoMTRTrainer = _register_trainer()
