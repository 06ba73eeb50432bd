"""The reward registry: name -> factory, filled lazily from the built-in modules and from the
``videorl.rewards`` entry-point group of installed packages.

Register a reward class (or any function returning a :class:`~videorl.rewards.base.Reward`)::

    from videorl.rewards import Reward, RewardResult, register

    @register("my_reward")
    class MyReward(Reward):
        name = "my_reward"
        def score(self, text, target):
            return RewardResult(float("yes" in text), {"my_reward": float("yes" in text)}, "")

A third-party package exposes it without videorl knowing it, in its ``pyproject.toml``::

    [project.entry-points."videorl.rewards"]
    my_reward = "mypkg.rewards:MyReward"    # an object: registered under the entry-point name
    mypkg = "mypkg.rewards"                  # or a module whose @register decorators run on import

Registered names can then be used anywhere a name is accepted (``get``, composites, presets,
``videorl rewards``, the EasyR1/verl/TRL adapters).

Rules: a name registered twice by different objects raises ``ValueError`` (re-registering the very
same object, e.g. on module reload, is a no-op); an unknown name raises :class:`UnknownRewardError`
listing close matches. The registry is built on first use, never at import time.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "videorl.rewards"

BUILTIN_MODULES = (
    "videorl.rewards.fmt",
    "videorl.rewards.grounding",
    "videorl.rewards.choice",
    "videorl.rewards.combine",
    "videorl.rewards.presets",
    "videorl.rewards.faithful.temporal_r1",
    "videorl.rewards.faithful.lwt235",
    "videorl.rewards.faithful.video_r2_tar",
    "videorl.rewards.faithful.video_r2",
    "videorl.rewards.faithful.versavid_judge",
    "videorl.rewards.faithful.versavid",
    "videorl.rewards.faithful.video_mtr",
)

KINDS = ("reward", "preset", "placeholder")


class UnknownRewardError(KeyError, ValueError):
    """No reward of that name is registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class Entry:
    name: str
    factory: Callable[..., Any]
    kind: str
    summary: str
    source: str  # "videorl" or the distribution / entry point that provided it


_REGISTRY: dict[str, Entry] = {}
_FAILED: dict[str, str] = {}  # entry-point name -> error text, for a clear message on use
_state = {"loaded": False, "loading": False}


def _summary(obj: Any) -> str:
    doc = (inspect.getdoc(obj) or "").strip()
    return " ".join(doc.split("\n\n")[0].split())


def register(name: str, *, kind: str = "reward", summary: str | None = None,
             source: str = "videorl") -> Callable[[Any], Any]:
    """Decorator registering a reward class or factory under ``name``.

    ``kind``: ``reward`` (a building block), ``preset`` (a method's full reward), or ``placeholder``
    (reserved for a later issue; building it raises). ``summary`` defaults to the first docstring
    line and is what ``videorl rewards list`` shows.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if not name or not isinstance(name, str):
        raise ValueError(f"reward name must be a non-empty string, got {name!r}")

    def deco(obj: Any) -> Any:
        if getattr(obj, "__module__", None) not in BUILTIN_MODULES:
            ensure_loaded()  # so that a third-party name clashing with a built-in one is caught here
        old = _REGISTRY.get(name)
        if old is not None:
            same = (getattr(old.factory, "__module__", None), getattr(old.factory, "__qualname__", None)) == \
                (getattr(obj, "__module__", None), getattr(obj, "__qualname__", None))
            if not same:
                raise ValueError(f"reward name {name!r} is already registered by "
                                 f"{old.factory.__module__}.{old.factory.__qualname__} ({old.source})")
        _REGISTRY[name] = Entry(name, obj, kind, summary if summary is not None else _summary(obj), source)
        return obj

    return deco


def _load_entry_points() -> None:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(getattr(ep, "dist", None), "name", None) or ep.value
        try:
            obj = ep.load()
        except Exception as exc:  # a broken plugin must not take down the built-in rewards
            _FAILED[ep.name] = f"{type(exc).__name__}: {exc}"
            log.error("videorl.rewards entry point %r (%s) failed to load: %s", ep.name, ep.value, exc)
            continue
        if inspect.ismodule(obj):
            continue  # its @register decorators ran on import
        if not callable(obj):
            _FAILED[ep.name] = f"entry point {ep.value!r} is not callable"
            log.error("videorl.rewards entry point %r (%s) is not callable", ep.name, ep.value)
            continue
        try:
            register(ep.name, source=dist)(obj)
        except ValueError as exc:
            _FAILED[ep.name] = str(exc)
            log.error("videorl.rewards entry point %r: %s", ep.name, exc)


def ensure_loaded() -> None:
    """Import the built-in reward modules and the entry-point plugins (once)."""
    if _state["loaded"] or _state["loading"]:
        return
    _state["loading"] = True
    try:
        for mod in BUILTIN_MODULES:
            importlib.import_module(mod)
        _load_entry_points()
        _state["loaded"] = True
    finally:
        _state["loading"] = False


def entries() -> dict[str, Entry]:
    """All registered rewards, sorted by kind then name."""
    ensure_loaded()
    order = {k: i for i, k in enumerate(("preset", "reward", "placeholder"))}
    return dict(sorted(_REGISTRY.items(), key=lambda kv: (order[kv[1].kind], kv[0])))


def names() -> list[str]:
    return list(entries())


def lookup(name: str) -> Entry:
    """The entry for ``name``; :class:`UnknownRewardError` with close matches when absent."""
    ensure_loaded()
    if name in _REGISTRY:
        return _REGISTRY[name]
    if name in _FAILED:
        raise UnknownRewardError(f"reward {name!r} comes from a plugin that failed to load: {_FAILED[name]}")
    close = difflib.get_close_matches(name, list(_REGISTRY), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    raise UnknownRewardError(f"unknown reward {name!r}{hint} (see `videorl rewards list`)")


def get(name: str, **params: Any) -> Any:
    """Build the reward registered as ``name`` with keyword ``params``.

    Bad parameters raise ``TypeError``/``ValueError`` naming the reward.
    """
    entry = lookup(name)
    try:
        return entry.factory(**params)
    except TypeError as exc:
        raise TypeError(f"reward {name!r}: {exc}") from None
