"""``videorl report``: formatted numbers, failures linked to the viewer; the timeline keeps its labels.

The timeline PNG is read back: no text touches the picture's top or bottom edge (a clipped title or
x-label would), and the title and the x-label are drawn (dark pixels in their bands).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("matplotlib")
Image = pytest.importorskip("PIL.Image")

from videorl.cli import main  # noqa: E402


def _dark_rows(path):
    with Image.open(path) as im:
        img = np.asarray(im.convert("L")).astype(int)
    return np.flatnonzero((img < 100).any(axis=1)), img.shape[0]


@pytest.mark.parametrize("per_page", [1, 2])
def test_timeline_title_and_xlabel_are_not_clipped(tmp_path, per_page):
    base = {"video": "v.mp4", "duration": 8.0, "task": "grounding", "spans": [[1.0, 2.5]], "prediction": "2 - 4",
            "sample_index": 0, "predict": {"parsed_span_video": [2.0, 4.0]}}
    rows = [{**base, "id": f"sample {k} gjpqy", "query": "the red block appears gjpqy " * 4} for k in range(per_page)]
    (tmp_path / "p.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["plot", "timeline", str(tmp_path / "p.jsonl"), "-o", str(tmp_path / "out"), "--no-frames",
                 "--per-page", str(per_page)]) == 0
    dark, height = _dark_rows(tmp_path / "out" / "timeline_0000.png")
    assert dark.min() >= 2 and dark.max() <= height - 3  # nothing cut at the edges
    assert dark.min() <= 20  # the title is there, near the top
    assert dark.max() >= height - 30  # the x-label is there, near the bottom


def test_report_formats_numbers_and_links_failures_to_the_viewer(tmp_path):
    pytest.importorskip("bokeh")
    rows = []
    for i in range(3):
        miou = [100.0, 25.0, 0.0][i]
        rows.append({"id": f"r/{i}", "video": "v.mp4", "duration": 10.0, "task": "grounding", "query": f"q{i}",
                     "spans": [[0.0, 4.0]], "prediction": ["0 - 4", "3 - 7", "<garbage>"][i],
                     "scores": {"parsed_span": None, "R1@0.3": 100.0 * (miou >= 30), "R1@0.5": 100.0 * (miou >= 50),
                                "R1@0.7": 100.0 * (miou >= 70), "mIoU": miou, "parse_fail": 100.0 * (i == 2)}})
    rows.append({**rows[0], "id": "r/3", "prediction": "", "predict": {"error": "VideoNotFoundError: v.mp4"},
                 "scores": {**rows[2]["scores"]}})
    src = tmp_path / "per.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["report", str(src), "-o", str(tmp_path / "rep")]) == 0
    page = (tmp_path / "rep" / "index.html").read_text()
    # R1@0.3: 1 of 4 = 25.00; mIoU (100 + 25 + 0 + 0) / 4 = 31.25; 33.333... would show unformatted
    assert ">25.00<" in page and ">31.25<" in page and ">4<" in page and "3333" not in page
    assert "view/index.html#sample=r%2F2" in page and "view/index.html#sample=r%2F3" in page
    assert "VideoNotFoundError: v.mp4" in page and "Failures (2 of 2 shown)" in page
    assert (tmp_path / "rep" / "view" / "index.html").is_file()
    assert main(["report", str(src), "-o", str(tmp_path / "rep2"), "--no-viewer"]) == 0
    assert "#sample=" not in (tmp_path / "rep2" / "index.html").read_text()


def test_fmt_number():
    from videorl.plots.report import fmt_number

    assert fmt_number(41.666666666666664) == "41.67" and fmt_number(3720, "count") == "3,720"
    assert fmt_number(None) == "n/a" and fmt_number(float("nan")) == "n/a"
