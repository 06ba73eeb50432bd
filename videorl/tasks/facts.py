"""Facts about videorl's lmms-eval task folder, read without lmms-eval: which tasks and groups exist
(:func:`task_names`) and which prepared data each reads (:func:`task_data`).

The task folder owns these facts; ``videorl lmms-eval run`` (missing-data messages) and ``videorl
doctor`` (the data check) both read them here.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from videorl.tasks import tasks_dir


def task_names() -> dict[str, Path]:
    """``{task or group name: yaml path}`` of videorl's task folder, read without lmms-eval."""
    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    out: dict[str, Path] = {}
    for path in sorted(tasks_dir().rglob("*.yaml")):
        cfg = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
        name = cfg.get("group") if isinstance(cfg.get("task"), list) else cfg.get("task")
        if isinstance(name, str):
            out[name] = path
    return out


def _task_config(path: Path) -> dict:
    """A task YAML with its ``include`` merged in; ``!function utils.f`` becomes the string ``utils.f``."""

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_multi_constructor("!", lambda loader, suffix, node: loader.construct_scalar(node)
                                  if isinstance(node, yaml.ScalarNode) else None)
    cfg = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    if isinstance(cfg.get("include"), str):
        cfg = {**_task_config(path.parent / cfg["include"]), **{k: v for k, v in cfg.items() if k != "include"}}
    return cfg


def task_data(name: str) -> list[tuple[str, str, str]]:
    """``[(task, dataset, split), ...]`` of prepared data that videorl task or group ``name`` reads
    (empty for tasks that need none, such as the hub and synthetic ones; groups are expanded)."""
    import importlib

    from videorl.plugins.lmms_eval.docs import PreparedDocs
    path = task_names().get(name)
    if path is None:
        return []
    cfg = _task_config(path)
    if isinstance(cfg.get("task"), list):
        return [req for sub in cfg["task"] if isinstance(sub, str) for req in task_data(sub)]
    hook = cfg.get("process_docs")
    if not isinstance(hook, str) or "." not in hook:
        return []
    module, attr = hook.rsplit(".", 1)
    pkg = ".".join(("videorl", "tasks", *path.parent.relative_to(tasks_dir()).parts, module))
    fn = getattr(importlib.import_module(pkg), attr, None)
    return [(name, fn.dataset, fn.split)] if isinstance(fn, PreparedDocs) else []
