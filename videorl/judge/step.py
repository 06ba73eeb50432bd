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

import contextlib
import contextvars
import time
from collections.abc import Iterator
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


@contextlib.contextmanager
def judge_step() -> Iterator[Step]:
    """Open a step (or join the one already open)."""
    step = _CURRENT.get()
    if step is not None:
        yield step
        return
    step = Step()
    token = _CURRENT.set(step)
    try:
        yield step
    finally:
        _CURRENT.reset(token)
