"""Video-MTR (``vagen/env/video/{env,reward}.py``): the answer turn's reward and the whole trajectory's.

Both rewards use the environment's own rules (:mod:`videorl.envs.video_mtr`: parsing, answer
validity and correctness, turn rewards, the answer gate), so training, replay and evaluation agree.

``video_mtr`` scores one answer turn: 0.1·valid + (1 − 0.1·(k − 1))·correct for an answer given at
turn k (``turn`` parameter, else the target's extra field ``turn``, else 1). Invalid (not exactly a
think block then an answer block, or an answer that is not valid for the question type) -> 0.

``video_mtr_multiturn`` scores a whole episode: the response is the episode's **last** turn, the
earlier turns are ``target.extra["mtr"]["responses"]`` and the frame pool size is
``target.extra["mtr"]["pool_size"]`` (both written by the environment's host glue, e.g. the verl
tool). It replays the episode (:func:`videorl.envs.video_mtr.replay`) and returns the sum of the
gated turn rewards, with components ``answer``, ``frame``, ``format``, ``success`` and ``turns``.
Relevant frames come from ``target.extra["relevant_sample_frames"]``.

``faithful=True`` reproduces the original's case-sensitive letter check, its numeric decimal-mark
rule, never-correct free-form answers and its gate bug; the default is fixed (see the env module).
"""

from __future__ import annotations

from typing import Any

from videorl.envs.video_mtr import (
    MTRConfig,
    Problem,
    answer_correct,
    answer_reward,
    answer_valid,
    parse_action,
    problem_type,
    replay,
)
from videorl.rewards.base import Reward, RewardResult
from videorl.rewards.registry import register
from videorl.target import Target, TargetError


def _read_whole(reward: Reward, faithful: bool) -> None:
    """Faithful: read long responses whole, as the original does (``Reward.read_whole``, where the
    base class has it; otherwise the base class's usual cut applies)."""
    read_whole = getattr(reward, "read_whole", None)
    if read_whole is not None:
        read_whole(faithful)


def _problem(target: Target) -> Problem:
    return Problem("", list(target.options), target.answer or "",
                   problem_type(target.task, target.answer, target.extra))


@register("video_mtr", kind="preset")
class VideoMTRReward(Reward):
    """Video-MTR answer turn: 0.1·format + (1 − 0.1·(k − 1))·correct; ``faithful`` letters are case-sensitive."""

    name = "video_mtr"
    tasks = ("mcq", "open_qa", "grounded_qa")
    components = ("accuracy", "format")

    def __init__(self, faithful: bool = False, turn: int | None = None, format_reward: float = 0.1) -> None:
        super().__init__()
        if turn is not None and (not isinstance(turn, int) or turn < 1):
            raise ValueError(f"turn must be a positive integer, got {turn!r}")
        self.faithful = faithful
        _read_whole(self, faithful)
        self.turn = turn
        self.format_reward = format_reward

    def score(self, text: str, target: Target) -> RewardResult:
        k = self.turn or target.extra.get("turn", 1)
        k = k if isinstance(k, int) and k >= 1 else 1
        problem = _problem(target)
        act = parse_action(text, 1, faithful=self.faithful)
        if act.kind != "answer":
            return RewardResult(0.0, {"accuracy": 0.0, "format": 0.0}, "invalid: not think then answer")
        if not answer_valid(act.content, problem.ptype, len(problem.options)):
            return RewardResult(0.0, {"accuracy": 0.0, "format": 0.0}, f"invalid answer {act.content[:20]!r}")
        acc = float(answer_correct(act.content, problem.answer, problem.ptype, faithful=self.faithful))
        total = self.format_reward + answer_reward(bool(acc), k, problem.ptype, faithful=self.faithful)
        return RewardResult(total, {"accuracy": acc, "format": 1.0},
                            f"turn {k}: answer {act.content[:20]!r} vs {problem.answer!r}")


@register("video_mtr_multiturn", kind="preset")
class VideoMTRMultiTurnReward(Reward):
    """Video-MTR episode return: replay the turns, apply the answer gate, sum the turn rewards."""

    name = "video_mtr_multiturn"
    tasks = ("mcq", "open_qa", "grounded_qa")
    components = ("answer", "frame", "format", "success", "turns")

    def __init__(self, faithful: bool = False, **env: Any) -> None:
        super().__init__()
        self.config = MTRConfig.from_dict({**env, "faithful": faithful})
        _read_whole(self, faithful)

    def score(self, text: str, target: Target) -> RewardResult:
        mtr = target.extra.get("mtr")
        if not isinstance(mtr, dict) or not isinstance(mtr.get("pool_size"), int) or mtr["pool_size"] < 1:
            raise TargetError("video_mtr_multiturn needs target extra 'mtr' = {'pool_size': int, 'responses': "
                              "[earlier turns]} from the environment's host glue")
        earlier = mtr.get("responses") or []
        if not isinstance(earlier, list):
            raise TargetError(f"target 'mtr.responses' must be a list, got {type(earlier).__name__}")
        relevant = target.extra.get("relevant_sample_frames")
        ep = replay(_problem(target), mtr["pool_size"], [*earlier, text], relevant, self.config)
        rewards = ep.turn_rewards()
        comps = {name: sum(t.parts[name] for t in ep.turns) for name in ("answer", "frame", "format")}
        comps["success"] = float(ep.success)
        comps["turns"] = float(len(ep.turns))
        return RewardResult(sum(rewards), comps, f"turn rewards {[round(r, 3) for r in rewards]}")
