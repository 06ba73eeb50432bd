"""Video-MTR on verl's multi-turn agent loop (PyPI ``verl==0.9.1``): thin glue over :mod:`videorl.envs.video_mtr`.

Pieces (all configured by ``recipes/verl/video_mtr/*.yaml``, see docs/video_mtr.md):

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
- ``bi_level_gae`` registered with verl's ``register_adv_est`` (:func:`bi_level_gae_estimator`; γ and
  λ from ``algorithm.gamma``/``lam``; verl's algorithm config has no ``high_level_gamma``, so it is
  1.0 as in Video-MTR's script).

Known limits of verl 0.9.1, stated plainly: a registered advantage estimator receives only
``token_level_rewards``, ``response_mask`` and ``config`` (no critic values), and verl places the
trajectory score on the last response token. The registered estimator therefore takes the turn ends
from ``response_mask`` (tool tokens are 0), uses the critic's values when a caller passes ``values``
and zeros otherwise (critic-free: each turn's advantage is its discounted return), and sees the
episode return at the last turn end rather than per-turn rewards. Also, an answer block whose content
is invalid for the question type ends the episode here (the parser cannot know the type), where the
original gives the model another turn; the reward still scores that turn as invalid (0).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from verl.experimental.agent_loop.agent_loop import register as register_agent_loop
from verl.experimental.agent_loop.tool_agent_loop import ToolAgentLoop
from verl.experimental.agent_loop.tool_parser import FunctionCall, ToolParser
from verl.tools.base_tool import BaseTool
from verl.tools.schemas import OpenAIFunctionToolSchema, ToolResponse
from verl.trainer.ppo.core_algos import register_adv_est
from verl.utils.dataset.rl_dataset import RLHFDataset

from videorl.envs.video_mtr import VERL_AGENT, VERL_TOOL, MTRConfig, Observation, VideoMTREnv, parse_action
from videorl.record import SampleRecord

log = logging.getLogger(__name__)

TOOL_NAME = VERL_TOOL
RESPONSES_KEY = "video_mtr_responses"
POOL_KEY = "video_mtr_pool_size"
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
    """verl's ``ToolAgentLoop``, recording each decoded response in ``extra_fields`` (for tool and reward)."""

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
    return out


def compute_score_faithful(data_source: Any = None, solution_str: Any = None, ground_truth: Any = None,
                           extra_info: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, float]:
    """:func:`compute_score` in faithful mode (verl 0.9.1's reward config has no keyword arguments)."""
    return compute_score(data_source, solution_str, ground_truth, extra_info, faithful=True, **kwargs)


def _turn_ends(response_mask: Any) -> Any:
    """1 at the last token of every run of 1s in ``response_mask`` (each assistant turn's end)."""
    import torch

    m = torch.as_tensor(response_mask).bool()
    nxt = torch.zeros_like(m)
    nxt[:, :-1] = m[:, 1:]
    return m & ~nxt


@register_adv_est("bi_level_gae")
def bi_level_gae_estimator(token_level_rewards: Any, response_mask: Any, config: Any = None,
                           values: Any = None, **kwargs: Any) -> tuple[Any, Any]:
    """verl entry of :func:`videorl.envs.advantage.bi_level_gae` (see the module docstring for limits)."""
    import torch

    from videorl.envs.advantage import bi_level_gae

    def get(key: str, default: float) -> Any:
        return config.get(key, default) if hasattr(config, "get") else getattr(config, key, default)

    vals = torch.zeros_like(token_level_rewards, dtype=torch.float32) if values is None else values
    rewards = token_level_rewards.float()
    ends = _turn_ends(response_mask)
    # verl puts the trajectory score on the last response token; that is the last turn end
    return bi_level_gae(rewards, vals, response_mask, ends, gamma=float(get("gamma", 1.0)),
                        lam=float(get("lam", 1.0)), high_level_gamma=float(get("high_level_gamma", 1.0)))
