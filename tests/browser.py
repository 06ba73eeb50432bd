"""A real browser for tests: Debian's chromium and chromium-driver, driven by Selenium (WebDriver).

Installed the way the host tier builds its environments (``tests/hostenv.py``): on first use, by the
test that needs it, under a file lock (concurrent test processes wait for one install):

- when ``chromium`` and ``chromedriver`` are on ``PATH`` they are used;
- else, when this process is root and ``apt-get`` exists, ``apt-get update`` and
  ``apt-get install -y chromium chromium-driver`` run once (browser downloads at run time, as
  Selenium Manager or Playwright do, are not used);
- else the test is skipped with the reason, and when the environment variable ``CI`` is set a
  browser test that cannot run **fails** instead (:func:`skip_or_fail`), so the tier cannot
  silently stop running in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hostenv import _locked, cache_root

PACKAGES = ("chromium", "chromium-driver")
INSTALL_TIMEOUT_S = 15 * 60


def skip_or_fail(reason: str) -> None:
    """Skip the browser test, or fail it when ``CI`` is set."""
    if os.environ.get("CI"):
        pytest.fail(f"browser test cannot run under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _binaries() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def ensure_chromium() -> tuple[str, str]:
    """``(chromium, chromedriver)`` paths, installing Debian's packages on first use (module docstring)."""
    found = _binaries()
    if found:
        return found
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        skip_or_fail(f"chromium and chromedriver are not installed, and this process cannot apt-get install "
                     f"{' '.join(PACKAGES)} (not root, or no apt-get)")
    cache_root().mkdir(parents=True, exist_ok=True)
    log_path = cache_root() / "chromium-apt.log"
    with _locked(cache_root() / "chromium.lock"):
        if _binaries() is None:
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            with open(log_path, "w") as log:
                for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *PACKAGES]):
                    log.write(f"$ {' '.join(cmd)}\n")
                    log.flush()
                    r = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, timeout=INSTALL_TIMEOUT_S)
                    if r.returncode != 0:
                        pytest.fail(f"installing {' '.join(PACKAGES)} failed ({' '.join(cmd)}, exit {r.returncode}):\n"
                                    f"{log_path.read_text()[-3000:]}", pytrace=False)
    found = _binaries()
    if found is None:
        pytest.fail(f"{' '.join(PACKAGES)} installed but chromium/chromedriver are not on PATH (log: {log_path})",
                    pytrace=False)
    return found


def chrome(width: int = 1400, height: int = 1000):
    """A headless chromium WebDriver (the caller quits it)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        skip_or_fail("selenium is not installed (the dev extra has it: pip install -e '.[dev]')")
    browser, driver = ensure_chromium()
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--mute-audio",
                f"--window-size={width},{height}", "--force-device-scale-factor=1", "--hide-scrollbars",
                "--allow-file-access-from-files", "--autoplay-policy=no-user-gesture-required"):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path=driver), options=opts)


def file_url(path: Path) -> str:
    return path.resolve().as_uri()
