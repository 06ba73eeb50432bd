"""The base of rewards that ask an LLM judge (Video-R2's TAR, VersaVid-R1's judge rewards).

A judged reward scores a whole batch at once (:meth:`Reward.score_many`): it builds every judge
request of the batch, sends them concurrently through one shared :class:`~videorl.judge.JudgeClient`,
then scores. Scoring one response is a batch of one. Parameters common to all:

- ``judge``: the judge's settings, a dict of :class:`~videorl.judge.JudgeConfig` fields
  (``base_url``, ``model``, ``concurrency``, ``timeout``, ``deadline``, ``max_retries``,
  ``cache_dir``, ``sampling``...); missing connection fields come from the environment. Resolved on
  first use, so a reward builds and pickles without a server.
- ``on_error``: ``zero`` | ``nan`` | ``raise`` (:mod:`videorl.judge.policy`): what a sample whose
  judge calls failed scores. A reply that is not a verdict counts as a failure in fixed mode (each
  reward documents what a verdict is). Failures are counted and logged once per batch.
- ``prompts_from``: a checkout of the original method (:mod:`videorl.judge.prompts`) whose own
  prompts the faithful judge requests use.

All judge calls of one training step (the outermost ``Reward.many`` / ``__call__``) share one
deadline (:mod:`videorl.judge.step`).

The API key never appears in ``repr``, ``params()`` or logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from videorl.rewards.base import Reward, RewardResult
from videorl.target import Target


class JudgedReward(Reward):
    """A reward computed from LLM-judge replies; subclasses implement :meth:`score_many`."""

    judged = True  # needs a judge server to score (tests and docs list these)

    def __init__(self, judge: Mapping[str, Any] | None = None, on_error: str = "zero") -> None:
        from videorl.judge.policy import check_on_error

        super().__init__()
        self.judge = dict(judge or {})
        self.on_error = check_on_error(on_error)

    def params(self) -> dict[str, Any]:
        out = super().params()
        if out.get("judge", {}).get("api_key"):
            out["judge"] = {**out["judge"], "api_key": "***"}
        return out

    def client(self) -> Any:
        """The process-wide judge client for this reward's settings."""
        from videorl.judge.client import shared_client

        return shared_client(self.judge)

    def ask(self, requests: list[Any]) -> tuple[list[Any], Any]:
        """Send ``requests`` (chat message lists) concurrently: ``(replies, batch stats)``."""
        return self.client().complete(requests)

    def ask_checked(self, requests: list[Any], validate: Any, on_invalid: str | None = None) -> tuple[list[Any], Any]:
        """:meth:`ask` with a verdict check (one ``text -> bool`` or one per request). A reply that is not
        a verdict is never cached; fixed mode (``on_invalid="fail"``, the default unless the reward is
        faithful) re-asks it and then counts it as a judge failure; faithful mode (``"keep"``) reads it
        as the original does."""
        mode = on_invalid or ("keep" if getattr(self, "faithful", False) else "fail")
        return self.client().complete(requests, validate=validate, on_invalid=mode)

    def report(self, stats: Any, failed: int, total: int) -> None:
        from videorl.judge.policy import report

        report(f"reward {self.name!r}", stats, failed, total, self.on_error)

    def failed(self, reason: str, components: Mapping[str, float]) -> RewardResult:
        """The result of a sample whose judge calls failed, under ``on_error``."""
        from videorl.judge.policy import failed_value

        v = failed_value(self.on_error)
        return RewardResult(v, {k: v for k in components}, f"judge failed ({reason}); on_error={self.on_error}")

    def score(self, text: str, target: Target) -> RewardResult:
        return self.score_many([text], [target])[0]
