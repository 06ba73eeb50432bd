"""One judge deadline per training step, shared by every judge call made inside it.

A step is the outermost reward call of a batch (:meth:`videorl.rewards.base.Reward.many` or
``__call__``) or the judge metrics of ``videorl score``. A preset that asks several judged rewards
one after another (``versavid_r1``: DarkEventInfer, MixVidQA and caption; ``video_r2``: extraction,
then the gate) and TAC + VAS in ``score`` therefore share one deadline: a dead judge costs at most
one deadline per step, whatever the preset.

The deadline starts at the step's first judge batch (work before it does not eat into it) and is
the ``deadline`` of the first client used in the step; a later client with a shorter deadline
shortens it. Steps nest: an inner :func:`judge_step` inside an open one joins it. Stdlib only (this
module is imported by the reward base class).
"""

from __future__ import annotations

import contextvars
import time
from dataclasses import dataclass


@dataclass
class Step:
    """The open step: ``deadline_at`` (``time.monotonic()``) once its first judge batch started."""

    deadline_at: float | None = None
    started: bool = False

    def bound(self, deadline: float | None) -> float | None:
        """The absolute deadline of a batch starting now under a client ``deadline`` (seconds)."""
        now = time.monotonic()
        mine = None if deadline is None else now + deadline
        if not self.started:
            self.started = True
            self.deadline_at = mine
        elif mine is not None and (self.deadline_at is None or mine < self.deadline_at):
            self.deadline_at = mine
        return self.deadline_at


_CURRENT: contextvars.ContextVar[Step | None] = contextvars.ContextVar("videorl_judge_step", default=None)


def current_step() -> Step | None:
    """The step open in this context, if any."""
    return _CURRENT.get()


class judge_step:  # noqa: N801 - used like a function: ``with judge_step() as step``
    """Open a step (or join the one already open). A class, not a generator: every reward call enters
    one, so joining must cost no more than a context-variable read (bench_rewards)."""

    __slots__ = ("_step", "_token")

    def __enter__(self) -> Step:
        step = _CURRENT.get()
        if step is not None:
            self._token = None
            return step
        self._step = Step()
        self._token = _CURRENT.set(self._step)
        return self._step

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _CURRENT.reset(self._token)
