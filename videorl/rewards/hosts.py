"""What the EasyR1, verl and TRL adapters share: build a reward from host keyword arguments and
score a batch of (response, ground truth) with every sample getting the same keys.

Host keyword arguments (EasyR1 ``worker.reward.reward_function_kwargs``, verl ``reward_kwargs``,
TRL constructor arguments):

- ``preset``: a registered name (default ``"default"``, which dispatches on the target's task);
- ``weights``: a composite's components (``{"iou": 0.8, "format": {"weight": 0.2, "mode": "strict"}}``);
  replaces the preset, so giving both is an error;
- ``spec``: a composite spec file (YAML/JSON) or text; also replaces the preset;
- anything else: parameters of the preset (``faithful``, ``format_weight``, ``zscore``, ...).

Malformed targets (policy): the first malformed ground truth of a batch raises
:class:`~videorl.target.TargetError` naming the sample's index and id. It is a data bug, caught at
step 1, never hidden as a zero reward. Model text never raises.

Keys: every result dict has ``overall`` (after the reward's batch transform, e.g. Lwt235's
z-score; then ``raw`` holds the untransformed score) plus **every component the reward can report**
(its declared names, plus any other seen in the batch); a component that does not apply to a sample
(``iou`` of an MCQ sample under ``default``) is 0.0, so batch means of such components are diluted
by the samples of other tasks.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from videorl.rewards.base import Reward, RewardResult
from videorl.target import Target, TargetError, parse_target

log = logging.getLogger(__name__)

_CACHE: dict[str, Reward] = {}


def reward_from_options(preset: str | None = None, weights: Any = None, spec: Any = None,
                        **params: Any) -> Reward:
    """The reward described by host keyword arguments (see the module docstring); built once per
    distinct set of arguments and cached."""
    from videorl.rewards import build, composite

    key = json.dumps({"preset": preset, "weights": weights, "spec": spec, "params": params}, sort_keys=True,
                     default=repr)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    given = [n for n, v in (("preset", preset), ("weights", weights), ("spec", spec)) if v is not None]
    if len(given) > 1:
        raise ValueError(f"give one of 'preset', 'weights' or 'spec' in the reward kwargs, not {given}")
    if weights is not None or spec is not None:
        if params:
            raise ValueError(f"parameters {sorted(params)} apply to a preset; put them in 'weights' or 'spec'")
        reward = composite({"components": weights}) if weights is not None else composite(spec)
    else:
        reward = build(preset or "default", **params)
    _CACHE[key] = reward
    log.info("videorl reward: %r", reward)
    return reward


def _target_id(raw: Any) -> str | None:
    try:
        obj = json.loads(raw) if isinstance(raw, (str, bytes)) else raw
        return obj.get("id") if isinstance(obj, dict) else None
    except (ValueError, TypeError):
        return None


def parse_targets(ground_truths: Sequence[Any]) -> list[Target]:
    """Parse each ground truth (JSON str, dict, or numpy object array) once per distinct string.

    Raises :class:`TargetError` for the first malformed one, naming its index and id.
    """
    seen: dict[str, Target] = {}
    out = []
    for i, gt in enumerate(ground_truths):
        if isinstance(gt, str) and gt in seen:
            out.append(seen[gt])
            continue
        try:
            t = parse_target(gt)
        except TargetError as err:
            raise TargetError(f"malformed videorl reward target at batch index {i} (id {_target_id(gt)!r}): "
                              f"{err}. The answer column must hold videorl target JSON "
                              f"(`videorl data export easyr1` writes it)") from None
        if isinstance(gt, str):
            seen[gt] = t
        out.append(t)
    return out


def score_batch(reward: Reward, responses: Sequence[Any], targets: Sequence[Target]) -> list[dict[str, float]]:
    """``[{"overall": ..., <component>: ...}, ...]`` with the same keys for every sample."""
    if len(responses) != len(targets):
        raise ValueError(f"{len(responses)} responses but {len(targets)} ground truths")
    results: list[RewardResult] = reward.many(responses, targets)  # judge rewards batch their calls
    keys = [k for k in reward.component_names() if k != "overall"]
    for res in results:
        keys += [k for k in res.components if k not in keys and k != "overall"]
    raw = [float(r.score) for r in results]
    overall = reward.batch(raw)
    transformed = overall is not raw
    out = []
    for i, res in enumerate(results):
        d = {"overall": float(overall[i])}
        if transformed:
            d["raw"] = raw[i]
        for k in keys:
            d[k] = float(res.components.get(k, 0.0))
        out.append(d)
    return out
