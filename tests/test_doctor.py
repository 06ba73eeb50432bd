"""``videorl doctor``: wrong versions are caught with their fix, ranges agree with pyproject.toml."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

from videorl.doctor import SUPPORTED, TESTED, check_host, satisfies, version_tuple

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("version", "spec", "ok"), [
    ("4.2.12", "<4.3", True),
    ("4.3.0", "<4.3", False),
    ("4.3.1", "<4.3", False),
    ("5.20.0", ">=5.20,<5.24", True),
    ("5.23.9", ">=5.20,<5.24", True),
    ("5.24.0", ">=5.20,<5.24", False),
    ("5.19.1", ">=5.20,<5.24", False),
    ("0.7.3", "==0.7.3", True),
    ("0.7.3.post1", "==0.7.3", True),  # release part only
    ("2.8.0+cu128", "==2.8.0", True),  # local part ignored
    ("1.0", ">=1.0.0", True),  # padded with zeros
])
def test_satisfies_by_hand(version, spec, ok):
    assert satisfies(version, spec) is ok


def test_version_tuple():
    assert version_tuple("2.15.0+cu132") == (2, 15, 0)
    assert version_tuple("5.0.0rc1") == (5, 0, 0)


def _extras_specs() -> dict[str, str]:
    """name -> specifier of every requirement in pyproject.toml's extras (markers dropped)."""
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    out = {}
    for reqs in extras.values():
        for req in reqs:
            m = re.match(r"^([A-Za-z0-9._-]+)(\[[^\]]*\])?\s*([^;]*)", req)
            if m and m.group(1) != "videorl":
                out[m.group(1).lower()] = m.group(3).replace(" ", "")
    return out


def test_supported_ranges_are_pyprojects():
    specs = _extras_specs()
    for name, (spec, _) in SUPPORTED.items():
        assert sorted(spec.split(",")) == sorted(specs[name].split(",")), name


def test_tested_versions_are_the_eval_constraints():
    pins = dict(re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", (REPO / "third_party" / "constraints-eval.txt").read_text(),
                           re.M))
    for name, version in TESTED.items():
        assert pins.get(name) == version, name
        if name in SUPPORTED:  # the tested version is inside the allowed range
            assert satisfies(version, SUPPORTED[name][0]), name


def _fake_dists(folder: Path, **versions: str) -> Path:
    """dist-info folders as pip writes them: importlib.metadata finds these first on PYTHONPATH."""
    for name, version in versions.items():
        d = folder / f"{name}-{version}.dist-info"
        d.mkdir(parents=True)
        (d / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    return folder


def _doctor(*args: str, fake: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(fake) if fake else None, str(REPO), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "videorl", "doctor", "--quick", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_doctor_catches_a_wrong_filelock_and_transformers_with_the_fix(tmp_path):
    r = _doctor(fake=_fake_dists(tmp_path, filelock="4.3.1", transformers="5.24.0"))
    assert r.returncode == 1, r.stdout
    out = r.stdout
    assert "[FAIL] filelock: 4.3.1 is installed; videorl needs filelock<4.3" in out
    assert 'fix: pip install "filelock<4.3"' in out
    assert "[FAIL] transformers: 5.24.0 is installed; videorl needs transformers>=5.20,<5.24" in out
    assert 'fix: pip install "transformers>=5.20,<5.24"' in out
    assert out.strip().splitlines()[-1] == "videorl doctor: 2 problem(s) would break a run, " + \
        f"{out.count('[WARN]')} warning(s)"


def test_doctor_warns_on_a_version_newer_than_tested(tmp_path):
    r = _doctor("--json", fake=_fake_dists(tmp_path, torch="9.1.0"))
    import json

    checks = {c["name"]: c for c in json.loads(r.stdout)}
    assert checks["torch"]["status"] == "warn" and "newer than the newest tested" in checks["torch"]["detail"]
    assert checks["torch"]["fix"] == f'pip install "torch=={TESTED["torch"]}"'


def test_doctor_checks_a_host_interpreter_against_its_pins():
    # this interpreter is the eval environment, not EasyR1's: the host check must say what is wrong
    c = check_host("easyr1", sys.executable)
    assert c.status == "fail" and "verl is not installed" in c.detail
    assert "third_party/install_easyr1.sh" in c.fix
    assert check_host("easyr1", "/no/such/python").status == "fail"
