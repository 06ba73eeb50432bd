"""Parity: the reference methods' own released functions beside videorl's faithful mode.

Runs every ``benchmarks/parity/*.py`` module (names not starting with ``_``) on its seeded corpus
and writes ``benchmarks/results/bench_parity.json``, rendered into the README (method · reward ->
agreement %). Each module imports the original's files unchanged from a local checkout at the pinned
commit (the project never contains their code) and compares them with videorl, reward by reward.
A difference is either a documented class (named in docs/rewards.md or docs/data.md, pinned by a
test) or "unexplained"; the goal is 100 % or documented classes only.

    python benchmarks/bench_parity.py [--originals DIR] [--temporal-r1 PATH ...] [--n 10000] [--seed 0]
                                      [--only MODULE]

``--originals DIR`` (or ``VIDEORL_ORIGINALS``) holds the checkouts under their default folder names
(Temporal-R1, Video-R2, LWT235-VTG, VidBridge-R1, Video-MTR, Video-R1, JamesKrW-verl); ``--<key>
PATH`` points at one checkout elsewhere. A module whose checkout is missing, or that fails, is
reported as skipped with the reason; the others still run.

The originals' own dependencies (``REQUIREMENTS`` of each module, e.g. ``rouge-score==0.1.2``) are
installed once with ``pip install --target`` into ``~/.cache/videorl/parity-deps/<hash>`` (or
``VIDEORL_PARITY_DEPS``) and put on ``sys.path`` of this process only: beside the project's
environment, never into it (pinned ones win over older copies in the environment; see ``install``). ``--no-install`` skips that step (modules that need them then skip).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "parity"))
from _results import row, write_result  # noqa: E402

CHECKOUTS = {"temporal_r1": "Temporal-R1", "video_r2": "Video-R2", "lwt235_vtg": "LWT235-VTG",
             "vidbridge_r1": "VidBridge-R1", "video_mtr": "Video-MTR", "video_r1": "Video-R1",
             "jameskrw_verl": "JamesKrW-verl"}
TARGET = "100 % or documented classes"


def modules(only: list[str] | None = None) -> list[Any]:
    """The parity modules, sorted by file name (``--only`` keeps the named ones). A module that fails
    to import is returned as the exception, named after its file (reported as skipped)."""
    out: list[Any] = []
    for path in sorted((HERE / "parity").glob("*.py")):
        if path.stem.startswith("_") or (only and path.stem not in only):
            continue
        try:
            out.append(importlib.import_module(path.stem))
        except Exception as exc:  # one module never fails the whole run
            exc.parity_name = path.stem  # type: ignore[attr-defined]
            out.append(exc)
    return out


def deps_dir(reqs: list[str]) -> Path:
    base = Path(os.environ.get("VIDEORL_PARITY_DEPS") or Path.home() / ".cache" / "videorl" / "parity-deps")
    return base / hashlib.sha256("\n".join(sorted(set(reqs))).encode()).hexdigest()[:16]


def _roots(target: Path, dist: str) -> set[str]:
    """Top-level import names of distribution ``dist`` installed in ``target`` (from its RECORD)."""
    norm = dist.lower().replace("-", "_")
    out: set[str] = set()
    for info in target.glob("*.dist-info"):
        if info.name.lower().replace("-", "_").split("-")[0] != norm and \
                not info.name.lower().startswith(norm + "-"):
            continue
        for line in (info / "RECORD").read_text(encoding="utf-8").splitlines():
            first = line.split(",")[0].split("/")[0]
            if first and not first.endswith((".dist-info", ".data")) and first not in ("..", "bin", "__pycache__"):
                out.add(first[:-3] if first.endswith(".py") else first)
    return out


def install(reqs: list[str]) -> Path | None:
    """Install ``reqs`` beside the environment (once per set) and put the folder first on ``sys.path``.

    The folder keeps the pinned requirements (``name==version``: these must win over an older copy in
    the environment, e.g. ``math-verify`` or ``antlr4``) and the dependencies the environment lacks;
    every other package pip put there is removed, so the environment's own ``numpy``, ``sympy``, …
    stay the ones imported.
    """
    if not reqs:
        return None
    target = deps_dir(reqs)
    done = target / ".videorl-done"
    if not done.exists():
        import importlib.util
        import shutil

        print(f"installing the originals' dependencies beside the environment: {' '.join(sorted(set(reqs)))}")
        tmp = target.with_name(target.name + f".tmp{os.getpid()}")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target", str(tmp), *sorted(set(reqs))],
                       check=True)
        keep: set[str] = set()
        for r in reqs:
            if "==" in r:
                keep |= _roots(tmp, r.split("==")[0].strip())
        for entry in tmp.iterdir():
            name = entry.name[:-3] if entry.name.endswith(".py") else entry.name
            name = name[:-5] if name.endswith(".libs") else name  # numpy.libs goes with numpy
            if entry.name.endswith(".dist-info") or name in keep or entry.name in ("bin", "__pycache__"):
                continue
            if importlib.util.find_spec(name) is not None:  # the environment has it: use the environment's
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        for info in tmp.glob("*.dist-info"):  # the records of what was removed
            files = [ln.split(",")[0] for ln in (info / "RECORD").read_text(encoding="utf-8").splitlines()]
            if not any((tmp / f).exists() for f in files if f and ".dist-info/" not in f):
                shutil.rmtree(info)
        (tmp / ".videorl-done").write_text("\n".join(sorted(set(reqs))) + "\n")
        if target.exists():  # a concurrent run finished first
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.rename(target)
    sys.path.insert(0, str(target))
    return target


def checkouts(args: argparse.Namespace) -> dict[str, Path]:
    root = args.originals or os.environ.get("VIDEORL_ORIGINALS")
    out = {}
    for key, folder in CHECKOUTS.items():
        given = getattr(args, key)
        path = Path(given) if given else (Path(root) / folder if root else None)
        if path is not None and path.is_dir():
            out[key] = path
    return out


def percent(agree: int, n: int) -> str:
    p = 100.0 * agree / n if n else 0.0
    return "100 %" if agree == n else f"{p:.2f} %"


def rows_for(name: str, results: dict[str, dict]) -> list[dict[str, Any]]:
    rows = []
    for reward, r in results.items():
        assert r["agree"] + sum(r["classes"].values()) == r["n"], f"{name}/{reward}: counts do not add up"
        classes = ", ".join(f"{k} {v}" for k, v in sorted(r["classes"].items()))
        result = f"{percent(r['agree'], r['n'])} equal ({r['agree']:,}/{r['n']:,})"
        if classes:
            result += f"; differences: {classes}"
        metrics = {"n": r["n"], "agree": r["agree"], **{f"class:{k}": v for k, v in r["classes"].items()}}
        rows.append({**row(f"parity {r['method']} · {reward}", result, TARGET, **metrics),
                     "module": name, "method": r["method"], "reward": reward, "examples": r.get("examples", {})})
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--originals", help="folder holding the checkouts under their default names "
                                        "(default: env VIDEORL_ORIGINALS)")
    for key, folder in CHECKOUTS.items():
        ap.add_argument(f"--{key.replace('_', '-')}", dest=key, metavar="PATH", help=f"checkout of {folder}")
    ap.add_argument("--n", type=int, default=10000, help="completions per reward (default 10000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", action="append", help="run only this module (repeatable)")
    ap.add_argument("--no-install", action="store_true", help="do not install the originals' dependencies")
    ap.add_argument("--results-dir", type=Path, default=None, help="where to write bench_parity.json")
    args = ap.parse_args(argv)
    found = checkouts(args)
    mods = modules(args.only)
    if not args.no_install:
        reqs = sorted({r for m in mods if not isinstance(m, Exception) and set(getattr(m, "NEEDS", [])) <= set(found)
                       for r in getattr(m, "REQUIREMENTS", [])})
        install(reqs)
    rows: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    for mod in mods:
        if isinstance(mod, Exception):
            skipped[mod.parity_name] = f"import failed: {type(mod).__name__}: {mod}"
            print(f"{mod.parity_name}: skipped ({skipped[mod.parity_name]})")
            continue
        name = getattr(mod, "NAME", mod.__name__)
        missing = [k for k in getattr(mod, "NEEDS", []) if k not in found]
        if missing:
            skipped[name] = f"no checkout for {', '.join(missing)} (give --originals or --{missing[0].replace('_', '-')})"
            print(f"{name}: skipped ({skipped[name]})")
            continue
        t0 = time.perf_counter()
        try:
            res = mod.run({k: found[k] for k in found}, args.n, args.seed)
        except Exception as exc:  # one module never fails the whole run
            skipped[name] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
            print(f"{name}: skipped ({skipped[name]})")
            continue
        got = rows_for(name, res)
        for r in got:
            print(f"{name}: {r['what']}: {r['result']}")
        print(f"{name}: {time.perf_counter() - t0:.1f} s")
        rows += got
    for name, why in skipped.items():
        rows.append({**row(f"parity {name}", f"skipped: {why}", TARGET), "module": name, "skipped": why})
    if not rows:
        print("nothing ran")
        return 1
    write_result(__file__, rows, results_dir=args.results_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
