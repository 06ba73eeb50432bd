"""Host-tier virtual environments: run the hosts' *own* code (EasyR1, LLaMA-Factory, verl, vLLM...) in tests.

The hosts pin versions that cannot live beside videorl's development environment (EasyR1 and
LLaMA-Factory want transformers 4.57.1; verl 0.9.1 wants transformers < 5.11; EasyR1's package is
called ``verl`` like PyPI's verl). Each host therefore gets its own virtual environment, built on
first use by the test that needs it and cached between runs::

    from hostenv import HostEnv, require_shared   # tests/ is on sys.path (rootdir-relative imports)

    EASYR1 = HostEnv("easyr1", steps=[["torch==2.13.0", "transformers==4.57.1", ...],
                                      ["--no-deps", SHARED / "hosts" / "easyr1"]])

    @pytest.mark.host
    def test_dataset_clock():
        env = EASYR1.ensure()                 # builds once (locked), then reuses
        r = env.run(["-c", "import verl"])   # host python, videorl on PYTHONPATH

Rules:

- The cache lives in ``$VIDEORL_HOSTENV_DIR`` (default ``~/.cache/videorl/hostenvs``), one folder per
  environment, named ``<name>-<key>``; the key hashes the Python version, the install steps and the
  contents list of any local source folder. A folder is used only when its ``.videorl-ok`` stamp
  exists, so an interrupted build is rebuilt, never half-used. A file lock serialises builds across
  pytest-xdist workers and concurrent runs.
- videorl itself is *not* installed in a host environment: :meth:`Env.run` puts the checkout under
  test first on ``PYTHONPATH``, so the host runs exactly the code being tested.
- Local source folders (EasyR1 from ``../shared/hosts/easyr1``, which CI lays read-only) are copied to
  a temporary folder before ``pip install``, so the build never writes into them.
- A failed build *fails* the test with the tail of the pip log (a broken host install must not pass
  as a skip). Tests that need ``../shared`` call :func:`require_shared`, which skips with a reason
  when it is absent; ``tests/conftest.py`` turns any skipped ``host`` test into a suite failure when
  ``../shared`` is present, so the tier cannot silently stop running in CI.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
STAMP = ".videorl-ok"
BUILD_TIMEOUT_S = 40 * 60


def require_shared(*parts: str) -> Path:
    """Path under ``../shared``; skip the test with a reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the host tier needs the ../shared folder beside the checkout "
                    "(EasyR1's source, the real annotation files)")
    return path


def cache_root() -> Path:
    root = os.environ.get("VIDEORL_HOSTENV_DIR")
    return Path(root).expanduser() if root else Path.home() / ".cache" / "videorl" / "hostenvs"


def _tree_digest(folder: Path) -> str:
    """Cheap digest of a source folder: relative paths and sizes of its files."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and ".git" not in p.parts:
            h.update(f"{p.relative_to(folder)}:{p.stat().st_size}\n".encode())
    return h.hexdigest()


@dataclass(frozen=True)
class Env:
    """A built host environment."""

    name: str
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    def environ(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PYTHONHOME", None)
        env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        env["PATH"] = f"{self.root / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.root)
        env.setdefault("HF_HUB_OFFLINE", "1")
        env.setdefault("TOKENIZERS_PARALLELISM", "false")
        if extra:
            env.update(extra)
        return env

    def run(self, args: Sequence[str | os.PathLike[str]], *, env: dict[str, str] | None = None,
            cwd: str | os.PathLike[str] | None = None, timeout: float = 900,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``python ARGS`` in this environment; on failure (``check``) fail the test with its output."""
        cmd = [str(self.python), *map(str, args)]
        r = subprocess.run(cmd, env=self.environ(env), cwd=cwd, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            pytest.fail(f"{self.name} host command failed (exit {r.returncode}): {' '.join(cmd)}\n"
                        f"--- stdout (tail) ---\n{r.stdout[-6000:]}\n--- stderr (tail) ---\n{r.stderr[-6000:]}",
                        pytrace=False)
        return r

    def script(self, code: str, *args: str, **kw) -> subprocess.CompletedProcess[str]:
        """Run a Python snippet (``python -c CODE ARGS``) in this environment."""
        return self.run(["-c", code, *args], **kw)


@dataclass(frozen=True)
class HostEnv:
    """Recipe of a host environment: ``steps`` are ``pip install`` argument lists run in order.

    An argument that is a :class:`~pathlib.Path` to a local folder is copied to a temporary folder
    first and its contents list enters the cache key.
    """

    name: str
    steps: tuple[tuple[str | Path, ...], ...] = field(default=())

    def __init__(self, name: str, steps: Sequence[Sequence[str | Path]]):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "steps", tuple(tuple(s) for s in steps))

    def key(self) -> str:
        h = hashlib.sha256()
        h.update(f"{sys.version_info[:3]}|{self.name}\n".encode())
        for step in self.steps:
            for arg in step:
                if isinstance(arg, Path):
                    h.update(f"path:{arg.name}:{_tree_digest(arg)}\n".encode())
                else:
                    h.update(f"{arg}\n".encode())
            h.update(b"--\n")
        return h.hexdigest()[:12]

    def path(self) -> Path:
        return cache_root() / f"{self.name}-{self.key()}"

    def ensure(self) -> Env:
        """Build the environment unless a complete one is cached; return it."""
        root = self.path()
        if (root / STAMP).exists():
            return Env(self.name, root)
        root.parent.mkdir(parents=True, exist_ok=True)
        with _locked(root.with_suffix(".lock")):
            if not (root / STAMP).exists():
                self._build(root)
        return Env(self.name, root)

    def _build(self, root: Path) -> None:
        if root.exists():
            shutil.rmtree(root)
        log_path = root.with_suffix(".log")
        t0 = time.monotonic()
        with open(log_path, "w") as log, tempfile.TemporaryDirectory(prefix=f"hostenv-{self.name}-") as tmp:
            def call(cmd: list[str]) -> None:
                log.write(f"$ {' '.join(cmd)}\n")
                log.flush()
                r = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT_S,
                                   env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_USER")})
                if r.returncode != 0:
                    log.flush()
                    tail = log_path.read_text()[-4000:]
                    shutil.rmtree(root, ignore_errors=True)
                    pytest.fail(f"building the {self.name} host environment failed: {' '.join(cmd)}\n"
                                f"(full log: {log_path})\n{tail}", pytrace=False)

            call([sys.executable, "-m", "venv", str(root)])
            py = str(root / "bin" / "python")
            call([py, "-m", "pip", "install", "-q", "--upgrade", "pip", "setuptools", "wheel"])
            for i, step in enumerate(self.steps):
                args: list[str] = []
                for arg in step:
                    if isinstance(arg, Path):
                        dest = Path(tmp) / f"{i}-{arg.name}"
                        shutil.copytree(arg, dest, ignore=shutil.ignore_patterns(".git"))
                        for p in [dest, *dest.rglob("*")]:  # CI lays ../shared read-only
                            p.chmod(p.stat().st_mode | 0o200)
                        args.append(str(dest))
                    else:
                        args.append(arg)
                call([py, "-m", "pip", "install", "-q", *args])
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())
        info = {"name": self.name, "key": self.key(), "build_s": round(time.monotonic() - t0, 1),
                "size_gb": round(size / 1e9, 2), "steps": [[str(a) for a in s] for s in self.steps]}
        (root / STAMP).write_text(json.dumps(info, indent=1))
        print(f"[hostenv] built {self.name} in {info['build_s']} s, {info['size_gb']} GB: {root}", file=sys.stderr)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
