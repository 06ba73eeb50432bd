"""``videorl view`` in a real browser: Debian's headless chromium, driven by Selenium (tests/browser.py).

Checks, on a page of two runs over coded synthetic videos:

- typing in the text filter and choosing "parse: failed" change the table's row count (the count the
  page shows, the Bokeh view's indices, and the rows' ids);
- a real click on a table row opens that sample; a click on the ground-truth bar and on the highlighted
  span of a run's text seek the HTML5 player to those spans' starts (``currentTime``);
- the timeline bars sit at the spans' pixel columns: the screenshot is read back and the ground-truth
  and run colours are found at ``left + width * t / duration`` of the SVG (within 2 px);
- a sample whose video is gone shows the frame-cache frames, and a click seeks to the right frame;
- ``index.html#sample=<id>`` (the report's failure links) opens that sample;
- the screenshot is not blank.

With ``VIDEORL_DOCS_IMG=DIR`` the screenshots are also written there (docs/img/ of docs/view.md).
Browser missing and not installable: skipped, or failed when ``CI`` is set (tests/browser.py).
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import numpy as np
import pytest
from browser import chrome, file_url, skip_or_fail

from videorl.io import write_jsonl

pytestmark = pytest.mark.slow

GT, RUN_A, RUN_B = "#2ca02c", "#ff7f0e", "#1f77b4"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    for mod in ("bokeh", "av", "PIL"):
        try:
            __import__(mod)
        except ImportError:
            skip_or_fail(f"{mod} is not installed (pip install -e '.[all]')")
    from videorl.cli import main
    from videorl.synth import make_video
    from videorl.video.cache import FrameCache

    root = tmp_path_factory.mktemp("view")
    make_video(root / "v.mp4", duration=8.0, fps=10, size=(160, 120), events=[(2.0, 5.0)])
    make_video(root / "moved.mp4", duration=8.0, fps=10, size=(160, 120), events=[(2.0, 5.0)])
    FrameCache(root / "cache").get_or_build(root / "moved.mp4", fps=1.0, min_pixels=3136, max_pixels=160 * 120)
    (root / "moved.mp4").unlink()
    base = {"duration": 8.0, "task": "grounding", "spans": [[2.0, 5.0]]}
    a, b = [], []
    for i in range(24):
        row = {**base, "id": f"s{i:02d}", "video": "moved.mp4" if i == 23 else "v.mp4", "query": f"the thing {i}"}
        a.append({**row, "prediction": "no idea" if i % 4 == 0 else "The event is at 1.0 - 4.0 seconds."})
        b.append({**row, "prediction": "<think>the red block</think><answer>2.5 - 6.5</answer>"})
    write_jsonl(root / "base.jsonl", a)
    write_jsonl(root / "tuned.jsonl", b)
    assert main(["view", str(root / "base.jsonl"), str(root / "tuned.jsonl"), "-o", str(root / "out"),
                 "--video-dir", str(root), "--frame-cache", str(root / "cache"), "--title", "base vs tuned"]) == 0
    return root / "out" / "index.html"


@pytest.fixture(scope="module")
def driver():
    d = chrome()
    yield d
    d.quit()


def _wait(fn, timeout=20.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = fn()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


FIND_ROWS = """
function find(root, out) { root.querySelectorAll('.slick-row').forEach(e => out.push(e));
  root.querySelectorAll('*').forEach(e => { if (e.shadowRoot) find(e.shadowRoot, out); }); return out; }
return find(document, []).map(r => { const b = r.getBoundingClientRect();
  return [r.querySelector('.slick-cell').textContent, b.left + 60, b.top + b.height / 2, b.top]; })
  .sort((p, q) => p[3] - q[3]);
"""


def _rows(d):
    return [r for r in d.execute_script(FIND_ROWS) if r[0]]


def _click(d, x, y):
    for kind in ("mousePressed", "mouseReleased"):  # a real mouse click at page pixels, through CDP
        d.execute_cdp_cmd("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})


def _screenshot(d, name):
    from PIL import Image

    png = d.get_screenshot_as_png()
    out = os.environ.get("VIDEORL_DOCS_IMG")
    if out:
        img = Image.open(io.BytesIO(png)).convert("RGB")
        img = img.crop((0, 0, img.width, min(img.height, 820)))
        img.thumbnail((1000, 1000))
        Path(out).mkdir(parents=True, exist_ok=True)
        img.save(Path(out) / f"{name}.png", optimize=True)
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _columns(img, colour, y0, y1):
    target = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    hit = (np.abs(img[int(y0):int(y1)] - target).max(axis=2) <= 10).any(axis=0)
    cols = np.flatnonzero(hit)
    return (int(cols.min()), int(cols.max())) if cols.size else None


def test_viewer_in_headless_chromium(page, driver):
    from selenium.webdriver.common.by import By

    d = driver
    t_start = time.monotonic()
    d.get(file_url(page))
    _wait(lambda: d.execute_script("return document.body.dataset.ready"), what="the Bokeh document")
    count = d.find_element(By.ID, "count")
    assert count.text == "24 of 24"
    assert len(_wait(lambda: _rows(d), what="table rows")) == 24

    # the filter changes the row count: free text, then "parse: failed" of the first run
    d.find_element(By.ID, "f-text").send_keys("thing 1")  # s01, s10 .. s19
    _wait(lambda: count.text == "11 of 24", what="the text filter")
    assert d.execute_script("return Bokeh.documents[0].get_model_by_name('filter').indices.length") == 11
    assert sorted(r[0] for r in _rows(d)) == ["s01", *[f"s{i}" for i in range(10, 20)]]
    d.find_element(By.ID, "f-text").clear()
    d.execute_script("const e = document.getElementById('f-text'); e.dispatchEvent(new Event('input'));")
    d.execute_script("const e = document.getElementById('f-parse'); e.value = 'fail'; "
                     "e.dispatchEvent(new Event('change'));")
    _wait(lambda: count.text == "6 of 24", what="the parse filter")  # s00, s04, ..., s20
    assert sorted(r[0] for r in _rows(d)) == [f"s{i:02d}" for i in range(0, 24, 4)]
    d.execute_script("const e = document.getElementById('f-parse'); e.value = ''; e.dispatchEvent(new Event('change'));")
    _wait(lambda: count.text == "24 of 24", what="no filter")

    # a real click on the row of s01 opens it
    row = _wait(lambda: next((r for r in _rows(d) if r[0] == "s01"), None), what="row s01")
    _click(d, row[1], row[2])
    _wait(lambda: d.execute_script("return document.body.dataset.sample") == "s01", what="sample s01 to open")

    # clicking the ground-truth bar seeks the player to its start (2.0 s), the highlighted span to 1.0 s
    player = d.find_element(By.ID, "player")
    bars = d.find_elements(By.CSS_SELECTOR, "#tl-svg rect.bar")
    assert [float(b.get_attribute("data-t")) for b in bars] == [2.0, 1.0, 2.5]  # truth, base, tuned
    bars[0].click()
    _wait(lambda: abs(d.execute_script("return arguments[0].currentTime", player) - 2.0) < 0.05,
          what="the player to seek to 2.0 s")
    mark = d.find_element(By.CSS_SELECTOR, "#runs mark[data-t]")
    assert mark.text == "1.0 - 4.0 seconds"
    mark.click()
    _wait(lambda: abs(d.execute_script("return arguments[0].currentTime", player) - 1.0) < 0.05,
          what="the player to seek to 1.0 s")
    assert d.execute_script("return arguments[0].error", player) is None  # the video decoded

    # the bars sit at the spans' pixel columns (read back from the screenshot)
    d.execute_script("document.getElementById('player').pause(); document.getElementById('playhead').remove();")
    _wait(lambda: d.execute_script("return !arguments[0].seeking && arguments[0].readyState >= 2", player),
          what="the player to show the frame")
    if os.environ.get("VIDEORL_DOCS_IMG"):  # a picture for the docs: let the player settle (no loading spinner)
        time.sleep(1.5)
    img = _screenshot(d, "view")
    assert img.std() > 20  # not blank
    svg = d.execute_script("const r = document.getElementById('tl-svg').getBoundingClientRect(); "
                           "return [r.left, r.top, r.height]")
    g = d.execute_script("return window.VIDEORL.timeline")
    width = g["width"] - g["left"] - g["right"]

    def col(t):
        return svg[0] + g["left"] + width * t / 8.0

    for k, (colour, (t0, t1)) in enumerate(((GT, (2.0, 5.0)), (RUN_A, (1.0, 4.0)), (RUN_B, (2.5, 6.5)))):
        y = svg[1] + g["top"] + k * (g["track"] + g["gap"])
        got = _columns(img, colour, y + 3, y + g["track"] - 3)
        assert got is not None, f"no {colour} bar in track {k}"
        assert abs(got[0] - col(t0)) <= 2 and abs(got[1] - col(t1)) <= 2, (colour, got, col(t0), col(t1))

    # a sample whose video is gone: the frame-cache frames, and a click seeks to the frame at or before t
    d.find_element(By.ID, "f-text").send_keys("s23")
    _wait(lambda: count.text == "1 of 24", what=f"the filter to s23 ({count.text!r}, {d.find_element(By.ID, 'f-text').get_attribute('value')!r})")
    row = _wait(lambda: next((r for r in _rows(d) if r[0] == "s23"), None), what="row s23")
    _click(d, row[1], row[2])
    _wait(lambda: d.execute_script("return document.body.dataset.sample") == "s23", what="sample s23 to open")
    frames = d.find_elements(By.CSS_SELECTOR, "#frames img")
    assert [float(f.get_attribute("data-t")) for f in frames] == [float(k) for k in range(8)]
    assert "not reachable" in d.find_element(By.ID, "note").text and not player.is_displayed()
    d.find_elements(By.CSS_SELECTOR, "#tl-svg rect.bar")[2].click()  # tuned: 2.5 - 6.5 s -> the 2 s frame
    current = _wait(lambda: d.find_elements(By.CSS_SELECTOR, "#frames img.current"), what="a current frame")
    assert float(current[0].get_attribute("data-t")) == 2.0
    _wait(lambda: d.execute_script("return [...document.querySelectorAll('#frames img')].every(i => i.complete "
                                   "&& i.naturalWidth > 0)"), what="the frame thumbnails to load")
    assert _screenshot(d, "view_frames").std() > 20

    # the report's failure links: index.html#sample=<id> opens that sample
    d.get(file_url(page) + "#sample=s05")
    _wait(lambda: d.execute_script("return document.body.dataset.ready"), what="the Bokeh document")
    _wait(lambda: d.execute_script("return document.body.dataset.sample") == "s05", what="sample s05 from the URL")
    assert time.monotonic() - t_start < 60
