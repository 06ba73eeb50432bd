"""videorl rewards as TRL ``GRPOTrainer`` reward functions.

::

    from videorl.plugins.trl import VideoRLReward
    trainer = GRPOTrainer(..., reward_funcs=[VideoRLReward("default_grounding")], train_dataset=ds)

The dataset needs a column holding videorl target JSON (default name ``target``; dicts work too).
TRL calls ``f(prompts=..., completions=..., completion_ids=..., **columns)`` with every other
dataset column as a per-sample list (plus ``trainer_state``, ``log_extra``, ``log_metric``);
completions are strings, or conversational lists of messages whose last assistant ``content`` is a
string or a list of ``{"type": "text", "text": ...}`` parts. Returns one float per completion.

``VideoRLReward(preset, component="iou")`` returns one component instead of the overall score, so
several components can be separate TRL reward functions with their own ``reward_weights``. With
``log_components=True`` (default) the batch mean of every component is sent to ``log_metric`` as
``videorl/<component>``. Instances are picklable and have a stable ``__name__`` (``videorl_<preset>``
or ``videorl_<preset>_<component>``), which TRL uses to name the reward's log column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from videorl.rewards.hosts import parse_targets, reward_from_options, score_batch


def completion_text(completion: Any) -> str:
    """The text of one TRL completion: a string, or the assistant message(s) of a conversation."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Sequence) and completion and isinstance(completion[-1], Mapping):
        parts = []
        for msg in completion:
            if msg.get("role", "assistant") != "assistant":
                continue
            content = msg.get("content", "")
            if isinstance(content, str):
                parts.append(content)
            elif isinstance(content, Sequence):
                parts += [p.get("text", "") for p in content if isinstance(p, Mapping) and p.get("type") == "text"]
        return "".join(parts)
    return "" if completion is None else str(completion)


class VideoRLReward:
    """A videorl preset (or composite) as a TRL reward function: lists in, list of floats out."""

    def __init__(self, preset: str | None = None, *, target_column: str = "target", component: str | None = None,
                 log_components: bool = True, **options: Any) -> None:
        self.preset = preset
        self.target_column = target_column
        self.component = component
        self.log_components = log_components
        self.options = options
        self.reward = reward_from_options(preset=preset, **options)
        base = f"videorl_{preset or ('composite' if options.get('weights') or options.get('spec') else 'default')}"
        self.__name__ = f"{base}_{component}" if component else base

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("reward", None)  # rebuilt from the options on unpickling
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.reward = reward_from_options(preset=self.preset, **self.options)

    def __call__(self, prompts: Sequence[Any] | None = None, completions: Sequence[Any] = (),
                 completion_ids: Any = None, **kwargs: Any) -> list[float]:
        if self.target_column not in kwargs:
            raise KeyError(f"{self.__name__}: the dataset has no {self.target_column!r} column with videorl "
                           f"targets (columns: {sorted(k for k in kwargs if k not in _TRL_KEYS)})")
        targets = parse_targets(kwargs[self.target_column])
        rows = score_batch(self.reward, [completion_text(c) for c in completions], targets)
        log_metric = kwargs.get("log_metric")
        if self.log_components and callable(log_metric) and rows and self.component is None:
            for key in rows[0]:
                if key != "overall":
                    log_metric(f"videorl/{key}", sum(r[key] for r in rows) / len(rows))
        key = self.component or "overall"
        if rows and key not in rows[0]:
            raise KeyError(f"{self.__name__}: reward has no component {key!r}; it reports {sorted(rows[0])}")
        return [r[key] for r in rows]


_TRL_KEYS = frozenset({"trainer_state", "log_extra", "log_metric", "environments"})
