"""``videorl view`` without a browser: the data the page shows, computed independently here.

(The page itself is driven in headless chromium by tests/test_view_browser.py.)
"""

from __future__ import annotations

import json
import re

import pytest

pytest.importorskip("bokeh")

from videorl.cli import main  # noqa: E402
from videorl.io import write_jsonl  # noqa: E402
from videorl.view.page import highlight, iou_bucket, table_columns  # noqa: E402


def _data_js(out):
    text = (out / "data.js").read_text()
    assert text.startswith("window.VIDEORL = ") and text.endswith(";\n")
    return json.loads(text[len("window.VIDEORL = "):-2])


def test_highlight_is_the_part_the_parser_read():
    text = "<think>maybe 3 - 4</think><answer>from 12.5 to 17.0 seconds</answer>"
    a, b = highlight(text, "grounding", None)
    assert text[a:b].startswith("12.5") and "17.0" in text[a:b]  # the answer block, not the reasoning
    text = "I pick (B) because of the red block"
    a, b = highlight(text, "mcq", "B")
    assert text[a:b] == "B"
    assert highlight("nothing here", "grounding", None) is None


def test_iou_buckets():
    assert [iou_bucket(v, "ok") for v in (0.0, 0.1, 0.3, 0.49, 0.5, 0.7, 1.0)] == \
        ["0", "0-0.3", "0.3-0.5", "0.3-0.5", "0.5-0.7", "0.7-1", "0.7-1"]
    assert iou_bucket(0.0, "fail") == "none" and iou_bucket(None, "ok") == "none"


def test_two_runs_side_by_side_with_deltas_and_media(tmp_path, capsys):
    av = pytest.importorskip("av")  # noqa: F841
    from videorl.synth import make_video
    from videorl.video.cache import FrameCache

    make_video(tmp_path / "v.mp4", duration=8.0, fps=10, size=(160, 120))
    make_video(tmp_path / "moved.mp4", duration=8.0, fps=10, size=(160, 120))
    FrameCache(tmp_path / "cache").get_or_build(tmp_path / "moved.mp4", fps=1.0, min_pixels=3136, max_pixels=160 * 120)
    (tmp_path / "moved.mp4").unlink()  # not reachable any more: the viewer shows the cached frames
    base = {"duration": 8.0, "task": "grounding", "spans": [[2.0, 5.0]]}
    a = [{**base, "id": "s0", "video": "v.mp4", "query": "q0", "prediction": "1.0 - 4.0"},
         {**base, "id": "s1", "video": "moved.mp4", "query": "q1", "prediction": "no idea"},
         {**base, "id": "s2", "video": "gone.mp4", "query": "q2", "prediction": "2 - 5", "clip": [1.0, 7.0],
          "meta": {"subtask": "clipped"}}]
    b = [{**a[0], "prediction": "2.0 - 5.0"}, {**a[1], "prediction": "0 - 8"}]
    write_jsonl(tmp_path / "a.jsonl", a)
    write_jsonl(tmp_path / "b.jsonl", b)
    out = tmp_path / "out"
    assert main(["view", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"), "-o", str(out), "--video-dir",
                 str(tmp_path), "--frame-cache", str(tmp_path / "cache")]) == 0
    assert "3 samples of 2 run(s)" in capsys.readouterr().out
    data = _data_js(out)
    assert data["runs"] == ["a", "b"] and [s["id"] for s in data["samples"]] == ["s0", "s1", "s2"]
    s0, s1, s2 = data["samples"]
    # [1, 4] vs [2, 5]: 2 / 4; [2, 5] exact; [0, 8] vs [2, 5]: 3 / 8
    assert s0["runs"][0]["iou"] == pytest.approx(0.5) and s0["runs"][1]["iou"] == pytest.approx(1.0)
    assert s1["runs"][0]["parse"] == "fail" and s1["runs"][1]["iou"] == pytest.approx(3 / 8)
    assert s2["runs"][1] is None  # only in run a
    # clip [1, 7]: the model's "2 - 5" is 3 - 6 in video seconds, the axis is the clip
    assert s2["runs"][0]["span"] == [3.0, 6.0] and (s2["t0"], s2["t1"], s2["duration"]) == (1.0, 7.0, 6.0)
    assert s0["media"] == {"kind": "video", "src": "../v.mp4"}  # relative to the page
    assert s1["media"]["kind"] == "frames" and [f["t"] for f in s1["media"]["frames"]] == [float(k) for k in range(8)]
    assert all((out / f["src"]).is_file() for f in s1["media"]["frames"])
    assert s2["media"]["kind"] == "none" and "gone.mp4" in s2["media"]["reason"]
    cols = table_columns(data)
    assert cols["delta1"][:2] == [pytest.approx(0.5), pytest.approx(3 / 8)]
    assert cols["bucket0"] == ["0.5-0.7", "none", "0.5-0.7"]  # s2: [2, 5] vs [1, 4] on the clip clock and cols["task"][2] == "grounding/clipped"
    page = (out / "index.html").read_text()
    assert "<script src=\"data.js\"></script>" in page
    assert not re.search(r"""<(script|link)[^>]+(src|href)=["']https?://""", page)  # no CDN: Bokeh's JS is inlined
    assert "Bokeh" in page and len(page) > 500_000


def test_scales_to_20000_samples(tmp_path):
    """20,000 samples build in bounded time (the page's table is virtualised; see the browser test)."""
    import time

    from videorl.view.page import build_viewer

    rows = []
    for i in range(20000):
        raw = {"id": f"s{i}", "video": "v.mp4", "duration": 30.0, "task": "grounding", "query": f"q{i}",
               "spans": [[2.0, 5.0]], "prediction": f"{i % 7}.0 - {i % 7 + 3}.5"}
        rows.append(("grounding", raw, {"parsed_span": [i % 7, i % 7 + 3.5], "parsed_answer": None, "R1@0.3": 100.0,
                                        "R1@0.5": 0.0, "R1@0.7": 0.0, "mIoU": 40.0, "parse_fail": 0.0}))
    t0 = time.perf_counter()
    build_viewer([("a", rows), ("b", rows)], tmp_path / "big", video_dir=tmp_path)
    assert time.perf_counter() - t0 < 60
    assert len(_data_js(tmp_path / "big")["samples"]) == 20000
