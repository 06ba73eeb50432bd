"""videorl rewards for EasyR1 (loaded by path as the module ``custom_reward_fn``).

Recipe::

    worker.reward.reward_function=$(videorl easyr1 reward-path --with-function)
    worker.reward.reward_function_kwargs='{"preset": "default_grounding"}'

EasyR1 calls ``compute_score(reward_inputs, **reward_function_kwargs)`` once per rollout batch with
``response``, ``response_length`` and ``ground_truth`` per sample. The ground truth is videorl's
target JSON (``videorl data export easyr1`` writes it into the answer column; a dict or a numpy
object array holding one also works). Returns one dict per sample: ``overall`` plus every component
(same keys for all samples; components that do not apply are 0.0), which EasyR1 logs as
``reward/<key>``. Keyword arguments: ``preset`` (default ``"default"``), ``weights`` or ``spec`` for a
composite, and preset parameters (``faithful``, ``format_weight``, ``zscore``, ...). A malformed
ground truth raises ``TargetError`` naming the sample at the first batch.

Absolute imports only: this file runs outside the package.
"""

from __future__ import annotations

from typing import Any

from videorl.rewards.hosts import parse_targets, reward_from_options, score_batch

REWARD_TYPE = "batch"
REWARD_NAME = "videorl"


def compute_score(reward_inputs: list[dict[str, Any]], **kwargs: Any) -> list[dict[str, float]]:
    """Score one EasyR1 batch (see the module docstring)."""
    reward = reward_from_options(**kwargs)
    targets = parse_targets([item["ground_truth"] for item in reward_inputs])
    return score_batch(reward, [item["response"] for item in reward_inputs], targets)
