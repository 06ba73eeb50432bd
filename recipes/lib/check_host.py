"""Check that a host framework is installed at the version the recipes are written for.

Usage: ``python3 recipes/lib/check_host.py {easyr1,llamafactory,eval,eval-vllm}``; exit 0 when the
environment matches, 1 with one line per problem otherwise. Standard library only: it runs in the
host's own environment, which may hold another transformers than videorl's development one.

What is checked:

- every ``name==version`` line of ``third_party/constraints-<host>.txt`` whose package is installed
  (the local part, as in ``2.8.0+cu128``, is ignored) and the host package itself, which must be
  installed; packages the constraints list but the environment lacks are only reported when they
  are required (``REQUIRED``);
- for EasyR1 also that ``import verl`` is EasyR1 (``verl.__version__`` equals ``EASYR1_VERSION`` in
  ``third_party/pins.env``; PyPI verl has other versions and must not be installed beside it) and,
  when its source tree is a git checkout, that HEAD is ``EASYR1_COMMIT``;
- that ``videorl`` is importable (the EasyR1 reward file and the lmms-eval plugin import it).

``VIDEORL_ALLOW_UNPINNED=1`` turns version mismatches into warnings (printed, exit 0).
"""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

THIRD_PARTY = Path(__file__).resolve().parents[2] / "third_party"
CONSTRAINTS = {
    "easyr1": "constraints-easyr1.txt",
    "llamafactory": "constraints-llamafactory.txt",
    "eval": "constraints-eval.txt",
    "eval-vllm": "constraints-easyr1.txt",
}
# Distributions that must be present, per host.
REQUIRED = {
    "easyr1": ("verl", "transformers", "vllm", "torch", "omegaconf"),
    "llamafactory": ("llamafactory", "transformers", "torch"),
    "eval": ("lmms-eval", "transformers", "torch"),
    "eval-vllm": ("vllm", "transformers", "torch"),
}
_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")


def read_pins_env(path: Path = THIRD_PARTY / "pins.env") -> dict[str, str]:
    """NAME=value lines of pins.env (comments and blank lines skipped)."""
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            out[key.strip()] = value.strip()
    return out


def exact_pins(path: Path) -> dict[str, str]:
    """``name -> version`` for each ``name==version`` line (names normalised as PEP 503)."""
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        m = _PIN.match(line)
        if m:
            pins[normalise(m.group(1))] = m.group(2)
    return pins


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed(name: str) -> str | None:
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return None


def check(host: str) -> list[str]:
    problems: list[str] = []
    pins = exact_pins(THIRD_PARTY / CONSTRAINTS[host])
    if host == "easyr1":
        pins["verl"] = read_pins_env()["EASYR1_VERSION"]
    if host == "eval-vllm":
        pins["lmms-eval"] = read_pins_env()["LMMS_EVAL_VERSION"]
    required = set(REQUIRED[host]) | ({"lmms-eval"} if host == "eval-vllm" else set())
    for name, want in sorted(pins.items()):
        have = installed(name)
        if have is None:
            if name in required:
                problems.append(f"{name} is not installed (pinned {want}; see third_party/install_*.sh)")
            continue
        if have.split("+", 1)[0] != want:
            problems.append(f"{name} {have} is installed, the recipes are pinned to {want}")
    if host == "easyr1" and installed("verl") is not None:
        problems += _check_easyr1_source()
    if importlib.util.find_spec("videorl") is None:
        problems.append("videorl is not importable in this environment: pip install -e <videorl checkout>")
    return problems


def _check_easyr1_source() -> list[str]:
    spec = importlib.util.find_spec("verl")
    if spec is None or spec.origin is None:
        return ["`import verl` fails although a verl distribution is installed"]
    src = Path(spec.origin).resolve().parents[1]
    if not (src / ".git").exists():
        return []  # installed without git metadata: the version check above is all we can do
    want = read_pins_env()["EASYR1_COMMIT"]
    try:
        head = subprocess.run(["git", "-C", str(src), "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError) as err:
        return [f"cannot read the EasyR1 commit in {src}: {err}"]
    if head != want:
        return [f"EasyR1 in {src} is at commit {head}, the recipes are pinned to {want}"]
    return []


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in CONSTRAINTS:
        print(f"usage: check_host.py {{{','.join(CONSTRAINTS)}}}", file=sys.stderr)
        return 2
    problems = check(argv[0])
    if not problems:
        return 0
    lenient = os.environ.get("VIDEORL_ALLOW_UNPINNED", "") == "1"
    for p in problems:
        print(("warning: " if lenient else "") + p)
    return 0 if lenient else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
