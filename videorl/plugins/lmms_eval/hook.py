"""Add videorl's task folder to every lmms-eval ``TaskManager`` (the flag-free route).

lmms-eval 0.7.3 has no task entry point, and its ``LMMS_EVAL_PLUGINS`` task path is appended after
the ``TaskManager`` is built (docs/lmms-eval.md). Its only plugin hook is the ``lmms_eval.models``
entry-point group, loaded whenever ``lmms_eval.models`` is imported (every CLI evaluation and every
``simple_evaluate``). Our entry point therefore wraps the private ``TaskManager.initialize_tasks`` so
that the index it returns also holds our tasks.

Precedence, from weakest to strongest: lmms-eval built-ins < videorl < the user's ``--include_path``.
videorl winning over built-ins is on purpose: ``temporal_grounding_charades`` is ours (the built-in's
parser and prompt have the problems listed in docs/lmms-eval.md); a log line says so once.

The same wrapper also generates and indexes the think variants derived from lmms-eval's own
benchmarks (``<task>_r1``, the suites ``videorl_video_r2_suite`` / ``videorl_video_mtr_suite``;
:mod:`videorl.plugins.lmms_eval.suite`) from the index it just built; a failure there is a warning, never an error.

The wrapper is installed at most once (marked with ``_videorl_wrapped``), only for lmms-eval versions
in :data:`SUPPORTED_LMMS_EVAL`, and can be switched off with ``VIDEORL_LMMS_EVAL_HOOK=0``.
"""

from __future__ import annotations

import functools
import logging
import os
from typing import Any

from videorl.plugins.lmms_eval import SUPPORTED_LMMS_EVAL

log = logging.getLogger(__name__)

_announced: set[str] = set()


def lmms_eval_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lmms_eval")
    except PackageNotFoundError:
        return None


def _vtuple(v: str) -> tuple[int, ...]:
    out = []
    for part in v.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        if not digits:
            break
        out.append(int(digits))
    return tuple(out)


def version_supported(v: str | None) -> bool:
    """True when ``v`` lies in :data:`SUPPORTED_LMMS_EVAL` (``>=low,<high``)."""
    if v is None:
        return False
    low, high = (_vtuple(spec.lstrip("<>=")) for spec in SUPPORTED_LMMS_EVAL)
    return low <= _vtuple(v) < high


def hook_enabled() -> bool:
    return os.environ.get("VIDEORL_LMMS_EVAL_HOOK", "1").strip().lower() not in {"0", "false", "no", "off"}


def install() -> bool:
    """Wrap ``lmms_eval.tasks.TaskManager.initialize_tasks``. Returns True when the wrapper is in place."""
    if not hook_enabled():
        log.info("videorl: VIDEORL_LMMS_EVAL_HOOK=0, task hook not installed; use --include_path")
        return False
    v = lmms_eval_version()
    if not version_supported(v):
        log.warning("videorl: lmms-eval %s is outside the supported range %s; videorl tasks are not added "
                    "automatically (use --include_path \"$(videorl lmms-eval tasks-dir)\")", v,
                    ",".join(SUPPORTED_LMMS_EVAL))
        return False
    from lmms_eval.tasks import TaskManager

    current = TaskManager.initialize_tasks
    if getattr(current, "_videorl_wrapped", False):
        return True
    TaskManager.initialize_tasks = _wrap(current)
    return True


def _wrap(original: Any) -> Any:
    @functools.wraps(original)
    def initialize_tasks(self: Any, include_path: Any = None, include_defaults: bool = True) -> dict:
        from videorl.paths import tasks_dir

        index = original(self, include_path=include_path, include_defaults=include_defaults)
        ours_dir = str(tasks_dir())
        ours = {**self._get_task_and_group(ours_dir), **_derived(self, index)}
        user_paths = [include_path] if isinstance(include_path, str) else list(include_path or [])
        user_paths = [p for p in user_paths if os.path.realpath(p) != os.path.realpath(ours_dir)]
        user: dict = {}
        for path in user_paths:  # the user's folders keep the last word, as lmms-eval orders them
            user = {**self._get_task_and_group(path), **user}
        for name, entry in ours.items():
            prev = index.get(name)
            if name not in user and prev is not None and prev.get("yaml_path") != entry.get("yaml_path"):
                _announce(name, prev.get("yaml_path"))
        return {**index, **ours, **user}

    initialize_tasks._videorl_wrapped = True  # type: ignore[attr-defined]
    return initialize_tasks


def _derived(tm: Any, index: dict) -> dict:
    """The index of the think variants derived from lmms-eval's own tasks (``videorl.plugins.lmms_eval.suite``),
    generated now from ``index``; empty (with a warning) when that fails, so lmms-eval still runs."""
    try:
        from videorl.plugins.lmms_eval.suite import derived_dir

        return tm._get_task_and_group(str(derived_dir(index)))
    except Exception as exc:  # never break lmms-eval's task index
        log.warning("videorl: think variants of lmms-eval tasks not added (%s: %s)", type(exc).__name__, exc)
        return {}


def _announce(name: str, replaced: Any) -> None:
    if name in _announced:
        return
    _announced.add(name)
    where = replaced if isinstance(replaced, str) else "a built-in group/tag"
    log.warning("videorl: task %r is provided by videorl and replaces lmms-eval's built-in (%s)", name, where)
