"""What a failed judge call scores: the ``on_error`` policy of each judge reward or metric.

- ``zero``: the judged part scores 0 (what Video-R2 and VersaVid-R1 do, silently; here it is counted);
- ``nan``: the judged part is NaN, so a trainer that skips NaN rewards (TRL's ``nansum``,
  Video-R2's trainer) leaves the sample out instead of biasing the group's advantage;
- ``raise``: :class:`JudgeError` at the end of the batch, naming the count and the kinds.

Failures are counted and logged **once per batch** (one warning line), never per call.
"""

from __future__ import annotations

import logging
import math

from videorl.judge.client import JudgeStats
from videorl.judge.config import ON_ERROR, JudgeConfigError

log = logging.getLogger("videorl.judge")


class JudgeError(RuntimeError):
    """Judge calls failed under ``on_error="raise"``."""


def check_on_error(on_error: str) -> str:
    if on_error not in ON_ERROR:
        raise JudgeConfigError(f"on_error must be one of {list(ON_ERROR)}, got {on_error!r}")
    return on_error


def failed_value(on_error: str) -> float:
    """The score of a failed judged part under ``on_error`` (``raise`` is handled by :func:`report`)."""
    return math.nan if on_error == "nan" else 0.0


def report(what: str, stats: JudgeStats, failed_samples: int, total_samples: int, on_error: str) -> None:
    """Log one line for the batch; raise :class:`JudgeError` under ``raise`` when a sample failed."""
    if failed_samples == 0 and stats.retries == 0:
        log.debug("%s: %s", what, stats.summary())
        return
    msg = (f"{what}: {stats.summary()}; {failed_samples} of {total_samples} samples scored by "
           f"on_error={on_error!r}")
    if failed_samples and on_error == "raise":
        raise JudgeError(msg)
    (log.warning if failed_samples else log.info)(msg)
