"""Our recommended rewards, and dispatch on the target's task.

- ``default_grounding`` = 0.9·IoU + 0.1·format (lenient). IoU is what grounding is evaluated on
  (mIoU, R1@0.5), so the reward pays exactly for the metric; a small format weight keeps the
  think/answer layout without Temporal-R1's problem that format alone pays 0.5 for a useless
  answer; lenient format does not punish a stray end-of-turn remnant. Reversed spans are swapped
  and spans clipped to the duration (the core parser's policy, the same as evaluation).
- ``default_mcq`` = 0.9·accuracy + 0.1·format (lenient).
- ``default_grounded_qa`` = 0.9·grounded_qa + 0.1·format, where grounded_qa = 0.5·accuracy +
  0.5·IoU (a dense signal for both parts; NExT-GQA's Acc@GQA is reported as a component).
- ``default_open_qa`` = 0.9·open_accuracy (normalised exact match) + 0.1·format.
- ``default``: dispatches on ``target.task`` to the four above. ``caption`` targets raise
  :class:`UnsupportedTaskError`: caption rewards need a judge (a later issue).

Each weight is a keyword argument (``iou_weight``/``answer_weight``, ``format_weight``), as is
``format_mode``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from videorl.rewards.base import Reward, RewardResult, UnsupportedTaskError
from videorl.rewards.combine import Composite
from videorl.rewards.registry import get, register
from videorl.target import Target


class _Default(Composite):
    answer_reward = "iou"
    answer_key = "iou"

    def __init__(self, answer_weight: float = 0.9, format_weight: float = 0.1, format_mode: str = "lenient",
                 **answer_params: Any) -> None:
        self._own = {"answer_weight": answer_weight, "format_weight": format_weight, "format_mode": format_mode,
                     **answer_params}
        super().__init__({self.answer_key: {"reward": self.answer_reward, "weight": answer_weight, **answer_params},
                          "format": {"weight": format_weight, "mode": format_mode}})
        self.__name__ = self.name

    def params(self) -> dict[str, Any]:
        return dict(self._own)


@register("default_grounding", kind="preset")
class DefaultGrounding(_Default):
    """Recommended grounding reward: 0.9·IoU + 0.1·format (lenient)."""

    name = "default_grounding"
    tasks = ("grounding",)

    def __init__(self, iou_weight: float = 0.9, format_weight: float = 0.1, format_mode: str = "lenient",
                 **iou_params: Any) -> None:
        super().__init__(iou_weight, format_weight, format_mode, **iou_params)


@register("default_mcq", kind="preset")
class DefaultMCQ(_Default):
    """Recommended multiple-choice reward: 0.9·accuracy + 0.1·format (lenient)."""

    name = "default_mcq"
    tasks = ("mcq",)
    answer_reward = answer_key = "accuracy"


@register("default_grounded_qa", kind="preset")
class DefaultGroundedQA(_Default):
    """Recommended grounded-QA reward: 0.9·(0.5·accuracy + 0.5·IoU) + 0.1·format (lenient)."""

    name = "default_grounded_qa"
    tasks = ("grounded_qa",)
    answer_reward = answer_key = "grounded_qa"


@register("default_open_qa", kind="preset")
class DefaultOpenQA(_Default):
    """Recommended open-answer reward: 0.9·normalised exact match + 0.1·format (lenient)."""

    name = "default_open_qa"
    tasks = ("open_qa",)
    answer_reward = "open_accuracy"
    answer_key = "accuracy"


@register("dispatch")
class Dispatch(Reward):
    """Per-task rewards: ``Dispatch(grounding="iou", mcq={"reward": "accuracy"})`` scores each target
    with the reward given for its task (a name, a ``{"reward": name, **params}`` dict, or a Reward)."""

    name = "dispatch"

    def __init__(self, rewards: Mapping[str, Any] | None = None, **by_task: Any) -> None:
        super().__init__()
        spec = {**(rewards or {}), **by_task}
        if not spec:
            raise ValueError("dispatch needs at least one task -> reward")
        self.by_task: dict[str, Reward] = {}
        for task, val in spec.items():
            if isinstance(val, Reward):
                self.by_task[task] = val
            elif isinstance(val, Mapping):
                params = dict(val)
                self.by_task[task] = get(params.pop("reward"), **params)
            else:
                self.by_task[task] = get(val)

    def params(self) -> dict[str, Any]:
        return {"rewards": {t: r.name for t, r in self.by_task.items()}}

    def component_names(self) -> tuple[str, ...]:
        names: list[str] = []
        for r in self.by_task.values():
            names += [n for n in r.component_names() if n not in names]
        return tuple(names)

    def score(self, text: str, target: Target) -> RewardResult:
        reward = self.by_task.get(target.task)
        if reward is None:
            raise UnsupportedTaskError(
                f"reward {self.name!r} has no reward for task {target.task!r} (sample {target.id!r}); it "
                f"scores {sorted(self.by_task)}" + ("; caption rewards need a judge (later issue)"
                                                    if target.task == "caption" else ""))
        return reward(text, target)

    def score_many(self, texts: list[str], targets: list[Target]) -> list[RewardResult]:
        out: list[RewardResult | None] = [None] * len(texts)
        by_task: dict[str, list[int]] = {}
        for i, t in enumerate(targets):
            by_task.setdefault(t.task, []).append(i)
        for task, idx in by_task.items():
            reward = self.by_task.get(task)
            if reward is None:
                return [self.score(texts[idx[0]], targets[idx[0]])]  # raises UnsupportedTaskError
            for i, res in zip(idx, reward.many([texts[i] for i in idx], [targets[i] for i in idx]), strict=True):
                out[i] = res
        return out  # type: ignore[return-value]

    def batch(self, scores: list[float]) -> list[float]:
        return scores


@register("default", kind="preset")
class DefaultReward(Dispatch):
    """Recommended reward for any task: dispatches to default_grounding / _mcq / _grounded_qa / _open_qa."""

    name = "default"

    def __init__(self, format_weight: float = 0.1, format_mode: str = "lenient") -> None:
        self.format_weight = format_weight
        self.format_mode = format_mode
        kw = {"format_weight": format_weight, "format_mode": format_mode}
        super().__init__({"grounding": DefaultGrounding(**kw), "mcq": DefaultMCQ(**kw),
                          "grounded_qa": DefaultGroundedQA(**kw), "open_qa": DefaultOpenQA(**kw)})

    def params(self) -> dict[str, Any]:
        return {"format_weight": self.format_weight, "format_mode": self.format_mode}
