"""The house keeps its floors: no module of videorl imports a higher room, and no two modules import each
other in a circle.

Every ``.py`` under ``videorl/`` is parsed (not imported) and every ``import`` / ``from ... import``
in it is read, at module level or inside a function (a lazy import still ties the two modules), relative
imports resolved. A module's *room* is its first name under ``videorl`` (``videorl.video.cache`` lives in
``video``; ``videorl.doctor`` in ``doctor``; the package itself in ``videorl``). :data:`TIERS` lists the
rooms from the bottom up: a module may import its own room and rooms on lower tiers, never a room on its
own tier or above. A new room must be placed in :data:`TIERS` before its imports are allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import videorl

PACKAGE = Path(videorl.__file__).resolve().parent

TIERS: list[set[str]] = [
    {"videorl", "paths", "io", "synth"},  # the package itself (stdlib only) and leaf helpers
    {"record"},
    {"target", "prompts"},
    {"parse", "judge", "video"},
    {"scoring"},  # IoU family, metrics, official protocols, summaries; shared by rewards and metrics
    {"envs"},  # Video-MTR environment and rollout
    {"rewards"},
    {"data", "view"},  # data tools; the static results viewer (videorl view)
    {"predict", "models", "plots"},
    {"plugins"},  # host glue: lmms-eval, EasyR1, TRL, verl
    {"tasks"},  # lmms-eval task folders (their utils.py use plugins)
    {"testing"},
    {"demo", "demo_mtr", "doctor"},
    {"cli"},
    {"__main__"},
]
TIER = {room: i for i, tier in enumerate(TIERS) for room in tier}

# Module pairs that still import each other: cut on another branch, delete the entry after that merge.
KNOWN_CYCLES: set[frozenset[str]] = set()


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ("videorl", *path.relative_to(PACKAGE).with_suffix("").parts)
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = _modules()


def _known(name: str) -> str:
    """The longest prefix of a dotted name that is one of our modules."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def imports_of(name: str, path: Path) -> set[str]:
    """videorl modules that module ``name`` imports anywhere in its file (lazy and TYPE_CHECKING included)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            # ``from videorl.video import sizing`` imports the submodule, ``... import sample_frames`` the package
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        found |= {_known(t) for t in targets if t == "videorl" or t.startswith("videorl.")}
    found.discard(name)
    return found


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "videorl"


def test_every_room_has_a_tier():
    rooms = {room(m) for m in MODULES}
    assert rooms - set(TIER) == set(), "place the new room(s) in TIERS"
    assert set(TIER) - rooms == set(), "a room in TIERS no longer exists"


def test_no_room_imports_a_higher_or_sibling_room():
    upward = sorted(f"{src} ({room(src)}, tier {TIER[room(src)]}) imports {dst} ({room(dst)}, tier {TIER[room(dst)]})"
                    for src, dsts in GRAPH.items() for dst in dsts
                    if room(src) != room(dst) and TIER[room(dst)] >= TIER[room(src)])
    assert upward == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    comp.append(m)
                    if m == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def test_no_import_cycle_between_modules():
    graph = {m: {d for d in deps if frozenset({m, d}) not in KNOWN_CYCLES} for m, deps in GRAPH.items()}
    assert _cycles(graph) == []


def test_the_checks_see_what_they_should():
    # the walk finds lazy, relative and submodule imports (so the tests above are not vacuous)
    assert "videorl.video.exact" in GRAPH["videorl.video.cache"]  # lazy, inside FrameCache._build
    assert "videorl.video.cache" in GRAPH["videorl.video.sampler"]  # lazy, inside sample_frames
    assert "videorl.video.sizing" in GRAPH["videorl.video.sampler"]  # ``from videorl.video import sizing``
    assert "videorl.scoring.summary" in GRAPH["videorl.plots.report"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
