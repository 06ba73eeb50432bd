"""Reward functions for video RL: one library, a registry, and adapters for EasyR1, verl and TRL.

A reward is a pure function of (response text, :class:`~videorl.target.Target`) returning a
:class:`RewardResult` (``score``, ``components``, ``reason``); it never raises on model text.
Rewards are registered by name (``videorl rewards list``); build one with :func:`get` or
:func:`build`, mix them with :func:`composite`::

    from videorl.rewards import get, build
    from videorl.target import parse_target

    reward = get("default_grounding")                  # or get("temporal_r1", faithful=True)
    res = reward("<think>...</think><answer>3.0 - 9.0</answer>", parse_target(target_json))
    mix = build({"components": {"iou": 0.9, "format": {"weight": 0.1, "mode": "strict"}}})

Importing this package is light: the built-in rewards are imported on first use of the registry.
"""

from __future__ import annotations

from typing import Any

from videorl.rewards.base import Reward, RewardResult, UnsupportedTaskError, as_text
from videorl.rewards.registry import UnknownRewardError, entries, get, lookup, names, register
from videorl.target import Target, TargetError, parse_target

__all__ = ["Reward", "RewardResult", "Target", "TargetError", "UnknownRewardError", "UnsupportedTaskError",
           "as_text", "build", "composite", "entries", "get", "lookup", "names", "parse_target", "register",
           "score"]


def composite(spec: Any = None, **kwargs: Any) -> Reward:
    """A weighted sum of registered rewards (see :mod:`videorl.rewards.combine`)."""
    from videorl.rewards.combine import composite as _composite

    return _composite(spec, **kwargs)


def build(spec: Any, **params: Any) -> Reward:
    """A reward from a name (``"default"``), a :class:`Reward` (returned as is), or a composite spec
    (a dict / JSON / YAML text or file with ``components``). ``params`` go to a named reward."""
    if isinstance(spec, Reward):
        if params:
            raise ValueError("parameters cannot be applied to an already built reward")
        return spec
    if isinstance(spec, str) and not spec.lstrip().startswith("{") and "\n" not in spec \
            and not spec.endswith((".json", ".yaml", ".yml")):
        return get(spec, **params)
    if params:
        raise ValueError("give parameters inside the composite spec")
    return composite(spec)


def score(reward: Any, response: Any, target: Any) -> RewardResult:
    """Score one response: ``reward`` as for :func:`build`, ``target`` a Target or its JSON/dict."""
    t = target if isinstance(target, Target) else parse_target(target)
    return build(reward)(response, t)
