"""A CPU rollout loop: play Video-MTR episodes with a Hugging Face model (``generate``) or a script.

:func:`play_episode` runs one episode through :class:`videorl.envs.video_mtr.VideoMTREnv`: it shows
each observation (text plus its frames as images) to the policy, steps the env with the reply, and
returns the episode log (:meth:`Episode.summary` plus the observations' texts). The context holds
the system prompt, the last ``window_size`` (observation, reply) pairs and the current observation,
as the original's ``window_size`` = 2.

A policy is any callable ``(messages) -> str``: :class:`HFPolicy` wraps a Qwen2.5-VL/Qwen3-VL
checkpoint and its processor (greedy by default, seeded when sampling); :class:`ScriptedPolicy`
replays fixed replies (tests, demos). Needs torch and transformers for :class:`HFPolicy` only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

from videorl.envs.video_mtr import VideoMTREnv
from videorl.record import SampleRecord

log = logging.getLogger(__name__)

Policy = Callable[[list[dict[str, Any]]], str]


class ScriptedPolicy:
    """Replies from a fixed list, in order (then the last one again)."""

    def __init__(self, replies: Sequence[str]) -> None:
        if not replies:
            raise ValueError("a scripted policy needs at least one reply")
        self.replies = list(replies)
        self.calls = 0

    def __call__(self, messages: list[dict[str, Any]]) -> str:
        reply = self.replies[min(self.calls, len(self.replies) - 1)]
        self.calls += 1
        return reply


class HFPolicy:
    """A local vision-language model answering with ``generate`` (CPU is fine for tiny models)."""

    def __init__(self, model_dir: str | os.PathLike, *, max_new_tokens: int = 64, do_sample: bool = False,
                 temperature: float = 0.7, top_p: float = 0.95, seed: int = 0, device: str = "cpu") -> None:
        import torch
        from transformers import AutoModelForImageTextToText, AutoProcessor

        self.processor = AutoProcessor.from_pretrained(model_dir)
        self.model = AutoModelForImageTextToText.from_pretrained(model_dir).to(device).eval()
        from videorl.video.qwen import restore_text_positions_after_vision

        restore_text_positions_after_vision(self.model)  # as the other HF paths (a no-op for images)
        self.device = device
        self.gen = {"max_new_tokens": max_new_tokens, "do_sample": do_sample}
        if do_sample:
            self.gen.update(temperature=temperature, top_p=top_p)
        self.seed = seed
        self._torch = torch

    def __call__(self, messages: list[dict[str, Any]]) -> str:
        images = [p["image"] for m in messages if isinstance(m["content"], list)
                  for p in m["content"] if p.get("type") == "image"]
        prompt = self.processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        inputs = self.processor(text=[prompt], images=images or None, return_tensors="pt").to(self.device)
        self._torch.manual_seed(self.seed)
        with self._torch.no_grad():
            out = self.model.generate(**inputs, **self.gen)
        new = out[0, inputs["input_ids"].shape[1]:]
        return self.processor.decode(new, skip_special_tokens=True)


def play_episode(env: VideoMTREnv, record: SampleRecord, policy: Policy) -> dict[str, Any]:
    """Play one episode; returns the env's episode log with ``observations`` and ``responses``."""
    obs = env.reset(record)
    system = {"role": "system", "content": env.system_prompt()}
    history: list[tuple[dict[str, Any], dict[str, Any]]] = []
    observations, responses = [obs.text], []
    done = False
    while not done:
        user = {"role": "user", "content": obs.content()}
        window = history[-env.config.window_size:] if env.config.window_size > 0 else []
        messages = [system] + [m for pair in window for m in pair] + [user]
        reply = policy(messages)
        responses.append(reply)
        res = env.step(reply)
        log.info("%s turn %d: %s %s -> reward %.2f", record.id, res.info["turn"], res.info["action"],
                 res.info["shown"] or res.info["content"][:20], res.reward)
        history.append((user, {"role": "assistant", "content": reply}))
        obs, done = res.observation, res.done
        observations.append(obs.text)
    assert env.episode is not None
    out = env.episode.summary()
    out.update(id=record.id, observations=observations, responses=responses, pool_times=list(env.times))
    return out


def play_episodes(env: VideoMTREnv, records: Sequence[SampleRecord], policy: Policy, *,
                  show_progress: bool = True) -> list[dict[str, Any]]:
    """:func:`play_episode` over records, with a progress bar."""
    from tqdm import tqdm

    return [play_episode(env, r, policy) for r in tqdm(records, desc="episodes", unit=" ep",
                                                        disable=None if show_progress else True)]


def format_episode(log_: dict[str, Any]) -> str:
    """A short, human-readable table of one episode: turn, action, segment, reward."""
    lines = [f"episode {log_.get('id', '?')}: {log_['problem_type']}, answer {log_['answer']!r} "
             f"(gt {log_['gt']!r}), success {log_['success']}"]
    for t, gated in zip(log_["turns"], log_["turn_rewards"], strict=True):
        what = (f"retrieve {t['content']} -> frames {t['shown']}" if t["action"] == "retrieve"
                else f"answer {t['content']!r}" if t["action"] == "answer" else f"invalid ({t['error'].strip()})")
        iou = "" if t["iou"] is None else f", IoU {t['iou']:.2f}"
        lines.append(f"  turn {t['turn']}: {what[:90]}{iou}; reward {t['reward']:.2f} (after gate {gated:.2f})")
    return "\n".join(lines)


def prediction_rows(records: Sequence[SampleRecord], logs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records with ``prediction`` (the last reply) and ``mtr`` (the episode log), for ``videorl score``."""
    rows = []
    for rec, lg in zip(records, logs, strict=True):
        row = rec.to_dict()
        row["prediction"] = lg["responses"][-1] if lg["responses"] else ""
        row["mtr"] = {k: v for k, v in lg.items() if k != "observations"}
        rows.append(row)
    return rows
