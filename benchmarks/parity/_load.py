"""Import one file of a reference method's checkout unchanged, with the smallest stubs.

The parity harness (``benchmarks/bench_parity.py``) runs the originals' own functions beside videorl's
faithful mode. The project never contains their code: every module is read from the user's checkout at
run time. Most of those files import heavy or unrelated packages at module level (``torch``, ``openai``,
``trl``, the project's own logging helpers) that the reward functions themselves never call; the caller
names those imports in ``stubs`` and this loader puts them into ``sys.modules`` only while the file
executes, then restores ``sys.modules`` as it was (the loaded module keeps its own references).

    from _load import load_module, stub
    tvg = load_module(root, "verl/utils/reward_score/tvg.py")
    utils = load_module(root, "train/src/train/reward_utils.py")
    funcs = load_module(root, "train/src/train/reward_funcs.py", stubs={
        "torch": stub("torch"), "openai": stub("openai", OpenAI=object),
        "src.train.reward_utils": utils,
        "src.train.temporal_grounding_reward": stub("tgr", calculate_grounding_reward=None)})

Dotted stub names get their parent packages as empty stub packages, unless the parent is already
imported (``"sympy.parsing.latex"`` stubs only that submodule when the real ``sympy`` is loaded: import
what must stay real before calling). ``sys.path`` is restored too (some files append to it). A dotted ``name`` (``"rewards.reward_registry"``) makes the file a
member of a package whose ``__path__`` is the file's folder in the checkout, so its relative imports
(``from .temporal_iou import X``) load the checkout's sibling files unchanged; those are removed from
``sys.modules`` afterwards too.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["load_module", "stub"]

_COUNTER = itertools.count()


def stub(name: str, /, **attrs: Any) -> ModuleType:
    """An empty module named ``name`` carrying ``attrs`` (e.g. ``stub("torch", Tensor=object)``)."""
    mod = ModuleType(name)
    mod.__dict__.update(attrs)
    return mod


def _package(name: str, path: Path | None) -> ModuleType:
    pkg = ModuleType(name)
    pkg.__path__ = [str(path)] if path is not None else []  # type: ignore[attr-defined]
    pkg.__package__ = name
    return pkg


def load_module(checkout: Path, relpath: str, *, stubs: dict[str, ModuleType] | None = None,
                name: str | None = None) -> ModuleType:
    """Execute ``checkout/relpath`` as a fresh module and return it.

    ``stubs`` maps import names to modules placed in ``sys.modules`` while the file runs. ``name`` is the
    module's ``__name__`` (default: a unique private name); a dotted name gives it a package in the
    file's folder for relative imports. ``sys.modules`` is restored afterwards: every key this call
    added or replaced is put back as it was, except real third-party modules imported on the way.
    Raises ``FileNotFoundError`` naming the missing file.
    """
    path = Path(checkout) / relpath
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not found in the checkout (expected {relpath!r})")
    mod_name = name or f"_videorl_parity_{path.stem}_{next(_COUNTER)}"
    install: dict[str, ModuleType] = {}
    for key, mod in (stubs or {}).items():
        parts = key.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if parent not in install and parent not in (stubs or {}) and parent not in sys.modules:
                install[parent] = _package(parent, None)
        install[key] = mod
    ours: set[str] = set()  # package prefixes whose new members are removed afterwards
    if "." in mod_name:
        pkg_name = mod_name.rsplit(".", 1)[0]
        parts = pkg_name.split(".")
        for i in range(1, len(parts) + 1):
            parent = ".".join(parts[:i])
            if parent not in install:
                install[parent] = _package(parent, path.parent if i == len(parts) else None)
        ours.add(parts[0])
    ours.update(k.split(".")[0] for k in install if k.split(".")[0] in install)
    saved = {k: sys.modules[k] for k in list(install) + [mod_name] if k in sys.modules}
    saved_path = list(sys.path)
    before = set(sys.modules)
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    try:
        sys.modules.update(install)
        sys.modules[mod_name] = module
        spec.loader.exec_module(module)
    finally:
        for key in list(sys.modules):
            if key in install or key == mod_name or (key not in before and key.split(".")[0] in ours):
                del sys.modules[key]
        sys.modules.update(saved)
        sys.path[:] = saved_path
    return module
