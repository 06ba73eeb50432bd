"""Suite-wide policy: the host tier (tests marked ``host``) must run wherever ``../shared`` is present.

Host-tier tests run the hosts' own code in their own virtual environments (``tests/hostenv.py``).
A user who cloned only the project has no ``../shared`` (EasyR1's source), and there those tests skip
with a reason. Where ``../shared`` is present (CI, the developers' machines) a skipped host test
means the tier silently stopped proving anything, so the session fails. ``VIDEORL_SKIP_HOST_TIER=1``
skips the tier on purpose (for a quick local run) and is reported as such.
"""

from __future__ import annotations

import os

import pytest
from hostenv import SHARED

_skipped_host: list[str] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("VIDEORL_SKIP_HOST_TIER") == "1":
        skip = pytest.mark.skip(reason="VIDEORL_SKIP_HOST_TIER=1: host tier skipped on purpose")
        for item in items:
            if "host" in item.keywords:
                item.add_marker(skip)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "host" in report.keywords:
        _skipped_host.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _skipped_host or not SHARED.exists() or os.environ.get("VIDEORL_SKIP_HOST_TIER") == "1":
        return
    if hasattr(session.config, "workerinput"):  # xdist worker: the controller decides
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"{SHARED} is present, but {len(_skipped_host)} host-tier test(s) skipped:"] + \
        [f"  {n}" for n in _skipped_host[:20]]
    if reporter is not None:
        reporter.write_sep("=", "host tier skipped", red=True)
        for line in lines:
            reporter.write_line(line)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
