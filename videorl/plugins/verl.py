"""videorl rewards for upstream verl's ``custom_reward_function``.

Config::

    reward.custom_reward_function.path=pkg://videorl.plugins.verl
    reward.custom_reward_function.name=compute_score
    reward.custom_reward_function.reward_kwargs={preset: default_grounding}

verl calls ``compute_score(data_source=..., solution_str=..., ground_truth=..., extra_info=...)``
per sample. The target is ``extra_info["target"]`` when present, else ``ground_truth`` (videorl
target JSON or dict, as in ``reward_model.ground_truth``). Returns ``{"score": overall, <components>}``;
verl logs every key. Keyword arguments are as for EasyR1 (``preset``, ``weights``, ``spec``, preset
parameters); keys verl adds for reward models (``reward_router_address``, ``reward_model_tokenizer``)
are ignored. A malformed target raises ``TargetError``. Batch transforms (z-score) do not apply:
verl scores one sample at a time.
"""

from __future__ import annotations

from typing import Any

from videorl.rewards.hosts import parse_targets, reward_from_options, score_batch

_HOST_KEYS = frozenset({"reward_router_address", "reward_model_tokenizer", "data_source", "num_turns",
                        "rollout_reward_scores"})


def compute_score(data_source: Any = None, solution_str: Any = None, ground_truth: Any = None,
                  extra_info: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, float]:
    """Score one verl sample (see the module docstring)."""
    options = {k: v for k, v in kwargs.items() if k not in _HOST_KEYS}
    reward = reward_from_options(**options)
    raw = extra_info["target"] if isinstance(extra_info, dict) and "target" in extra_info else ground_truth
    (target,) = parse_targets([raw])
    (res,) = score_batch(reward, [solution_str], [target])
    out = {"score": res.pop("overall")}
    out.update(res)
    return out
