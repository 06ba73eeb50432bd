"""The reward result type and the base class every reward derives from.

A reward is a small pure function of (response text, :class:`~videorl.target.Target`) returning a
:class:`RewardResult`. It is written as a class so that a parametrised reward is a picklable
callable with a stable ``__name__`` (TRL names reward columns after it; multiprocessing and Ray
pickle it), never a closure.

Contract: **a reward never raises on model text.** ``None``, bytes, non-strings, empty or huge
strings and binary noise all give a score and a reason (see :func:`as_text`). A malformed *target*
is a data error raised as :class:`~videorl.target.TargetError` by whoever parses it (the adapters).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from videorl.judge.step import judge_step
from videorl.target import Target

MAX_RESPONSE_CHARS = 65536
"""Longer responses are cut before parsing to their first :data:`HEAD_CHARS` characters and their
last ``MAX_RESPONSE_CHARS - HEAD_CHARS`` (joined by ``"\n…\n"``): the head keeps the opening
``<think>`` (the layout rewards need it) and the tail the answer block. This bounds the time a
pathological generation can cost; GRPO responses are far shorter."""

HEAD_CHARS = 4096

FAITHFUL_MAX_CHARS = 1 << 20
"""The cut for faithful rewards: the originals read the whole text, so faithful mode reads responses
up to 1 MiB characters unchanged (longer ones are cut as above: documented class ``over_1mib``)."""


class RewardResult:
    """One reward value with its parts.

    ``score``: the reward. ``components``: named parts (stable names such as ``iou``, ``format``,
    ``accuracy``), each a float. ``reason``: a short human-readable explanation (why it is 0, what
    was parsed), for logs and ``videorl rewards score``.

    ``reason`` may be given as a string, as a function of no arguments returning one, or as a tuple
    ``(template, *args)`` read as ``template.format(*args)``: the last two are formatted only when
    read (a training step reads none of the 4096 reasons it produces, and formatting them was a
    fifth of the reward's time; a tuple of numbers also costs the garbage collector nothing). Treat
    a result as immutable.
    """

    __slots__ = ("score", "components", "_reason")

    def __init__(self, score: float, components: dict[str, float] | None = None,
                 reason: str | Callable[[], str] | tuple[Any, ...] = "") -> None:
        self.score = score
        self.components = {} if components is None else components
        self._reason = reason

    @property
    def reason(self) -> str:
        r = self._reason
        if not isinstance(r, str):
            r = self._reason = r[0].format(*r[1:]) if isinstance(r, tuple) else r()
        return r

    def as_dict(self) -> dict[str, float]:
        """``{"overall": score, **components}``: the flat numeric form the adapters return."""
        out = {"overall": float(self.score)}
        out.update({k: float(v) for k, v in self.components.items()})
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RewardResult):
            return NotImplemented
        return (self.score, self.components, self.reason) == (other.score, other.components, other.reason)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (RewardResult, (self.score, self.components, self.reason))  # a lazy reason is formatted

    def __repr__(self) -> str:
        return f"RewardResult(score={self.score!r}, components={self.components!r}, reason={self.reason!r})"


class UnsupportedTaskError(ValueError):
    """A reward was asked to score a task it does not handle: a configuration error."""


def as_text(response: Any, max_chars: int = MAX_RESPONSE_CHARS, keep_nul: bool = False) -> str:
    """Coerce any model output to text: ``None`` -> ``""``; bytes decoded as UTF-8 with
    replacement; other objects via ``str``; NUL characters removed (unless ``keep_nul``: faithful
    rewards read the text as the originals do); over ``max_chars`` characters, cut to its head and
    tail (see :data:`MAX_RESPONSE_CHARS`)."""
    if response is None:
        return ""
    if isinstance(response, (bytes, bytearray)):
        response = bytes(response).decode("utf-8", errors="replace")
    elif not isinstance(response, str):
        response = str(response)
    if not keep_nul and "\x00" in response:
        response = response.replace("\x00", "")
    if len(response) > max_chars:
        head = min(HEAD_CHARS, max_chars // 4)
        response = response[:head] + "\n…\n" + response[len(response) - (max_chars - head):]
    return response


class Reward:
    """Base class: subclasses set ``name`` and implement :meth:`score`.

    ``tasks`` lists the target tasks the reward handles (``None`` = any). ``components`` lists the
    component names it reports, so adapters can give every sample of a batch the same keys.
    Constructor keyword arguments are the reward's parameters; :meth:`params` returns them.
    """

    name: ClassVar[str] = "reward"
    _max_chars: int = MAX_RESPONSE_CHARS  # faithful rewards set FAITHFUL_MAX_CHARS on the instance
    _keep_nul: bool = False  # ... and keep NUL characters
    tasks: ClassVar[tuple[str, ...] | None] = None
    components: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.__name__ = self.name

    def __call__(self, response: Any, target: Target) -> RewardResult:
        tasks = self.tasks
        if tasks is not None and target.task not in tasks:
            raise UnsupportedTaskError(
                f"reward {self.name!r} scores tasks {list(self.tasks)}, not {target.task!r} "
                f"(sample {target.id!r}); use a preset that dispatches on the task, e.g. 'default'")
        if type(response) is not str or len(response) > self._max_chars or (
                "\x00" in response and not self._keep_nul):
            response = as_text(response, self._max_chars, self._keep_nul)
        with judge_step():  # all judge calls of this call share one deadline (videorl.judge.step)
            return self.score(response, target)

    def many(self, responses: Sequence[Any], targets: Sequence[Target]) -> list[RewardResult]:
        """Score a batch (what the host adapters call). Same contract as ``__call__``; rewards that
        call an LLM judge override :meth:`score_many` to run their calls concurrently."""
        if len(responses) != len(targets):
            raise ValueError(f"{len(responses)} responses but {len(targets)} targets")
        for target in targets:
            if self.tasks is not None and target.task not in self.tasks:
                self(None, target)  # raises UnsupportedTaskError with the message above
        with judge_step():  # one training step: all its judge calls share one deadline
            return self.score_many([as_text(r, self._max_chars, self._keep_nul) for r in responses], list(targets))

    def read_whole(self, faithful: bool) -> None:
        """Faithful rewards read responses up to :data:`FAITHFUL_MAX_CHARS` uncut and keep NUL
        characters (the originals read the text as it is); call from ``__init__``."""
        self._max_chars = FAITHFUL_MAX_CHARS if faithful else MAX_RESPONSE_CHARS
        self._keep_nul = faithful

    def score(self, text: str, target: Target) -> RewardResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def score_many(self, texts: list[str], targets: list[Target]) -> list[RewardResult]:
        """Score coerced texts; per sample by default."""
        return [self.score(x, t) for x, t in zip(texts, targets, strict=True)]

    def component_names(self) -> tuple[str, ...]:
        return self.components or (self.name,)

    def params(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.params() == self.params()  # type: ignore[union-attr]

    __hash__ = None  # type: ignore[assignment]

    def batch(self, scores: list[float]) -> list[float]:
        """Batch-level post-processing of the overall scores (identity by default; the Lwt235 preset
        can z-score). Adapters call it once per batch."""
        return scores
