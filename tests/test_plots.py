"""Plots are read back as images: size, not blank, and bars at the pixel columns of known spans."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("av")
Image = pytest.importorskip("PIL.Image")


def _rgb(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")).astype(int)


def _columns(img, colour, rows):
    """Pixel columns (in the given rows) whose colour is within 12 of ``colour`` on every channel."""
    target = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    hit = (np.abs(img[rows] - target).max(axis=2) <= 12).any(axis=0)
    cols = np.flatnonzero(hit)
    return (int(cols.min()), int(cols.max())) if cols.size else None


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    from videorl.synth import make_video
    from videorl.video import sample_frames

    root = tmp_path_factory.mktemp("plots")
    make_video(root / "v.mp4", duration=8.0, fps=10, size=(160, 120), events=[(1.0, 2.5)])
    _, meta = sample_frames(root / "v.mp4", fps=2.0, min_pixels=56 * 56, max_pixels=160 * 120)
    base = {"id": "a", "video": str(root / "v.mp4"), "duration": 8.0, "task": "grounding", "query": "red block",
            "spans": [[1.0, 2.5]], "options": [], "answer": None, "meta": {}, "schema_version": 1}
    preds = [[2.0, 4.0], None]
    return root, [{**base, "prediction": "x", "sample_index": k,
                   "predict": {"parsed_span": p, "parsed_span_video": p, "frame_times": meta.timestamps,
                               "sampling": {"fps": 2.0, "nframes": None}}} for k, p in enumerate(preds)]


def test_timeline_bars_at_the_right_columns(rows, tmp_path):
    from videorl.cli import main
    from videorl.plots.timeline import DPI, GT_COLOUR, LEFT, PANEL_INCHES, PRED_COLOUR, WIDTH

    root, data = rows
    (tmp_path / "p.jsonl").write_text("".join(json.dumps(r) + "\n" for r in data))
    assert main(["plot", "timeline", str(tmp_path / "p.jsonl"), "-o", str(tmp_path / "out")]) == 0
    img = _rgb(tmp_path / "out" / "timeline_0000.png")
    w, h = 10 * DPI, int(PANEL_INCHES * DPI)
    assert img.shape == (h, w, 3)
    assert img.std() > 20  # not blank

    def col(t):  # second t of the 0-8 s axis -> pixel column
        return w * (LEFT + WIDTH * t / 8.0)

    bars = slice(int(h * 0.45), h)  # the lower part of the panel holds the bars
    gt = _columns(img, GT_COLOUR, bars)
    pred = _columns(img, PRED_COLOUR, bars)
    # truth 1.0-2.5 s -> columns 80 + 880 * 1/8 = 190 .. 80 + 880 * 2.5/8 = 355
    assert gt is not None and abs(gt[0] - col(1.0)) <= 2 and abs(gt[1] - col(2.5)) <= 2
    # sample 0 predicted 2.0-4.0 s -> columns 300 .. 520; sample 1 had no span: no second bar
    assert pred is not None and abs(pred[0] - col(2.0)) <= 2 and abs(pred[1] - col(4.0)) <= 2
    strip = img[int(h * 0.1):int(h * 0.42), int(col(0)) + 2:int(col(8)) - 2]
    assert (np.abs(strip - 255).max(axis=2) > 30).mean() > 0.9  # the frame strip is filled with thumbnails


def test_report_pngs_and_html(tmp_path):
    from videorl.cli import main
    from videorl.plots.report import duration_buckets, recall_curve

    rows = []
    for i, (miou, dur) in enumerate([(80.0, 10.0), (40.0, 20.0), (60.0, 20.0), (0.0, 100.0)]):
        fail = 100.0 if i == 3 else 0.0
        rows.append({"id": f"r{i}", "video": "v.mp4", "duration": dur, "task": "grounding", "query": f"q{i}",
                     "spans": [[0.0, 1.0]], "prediction": "<garbage>" if fail else "1 - 2",
                     "scores": {"parsed_span": None, "R1@0.3": 100.0 * (miou >= 30), "R1@0.5": 100.0 * (miou >= 50),
                                "R1@0.7": 100.0 * (miou >= 70), "mIoU": miou, "parse_fail": fail}})
    # R1@0.5: r0 (0.8) and r2 (0.6) of 4 -> 50 %; at t = 0 the failure still does not count -> 75 %
    assert recall_curve([0.8, 0.4, 0.6, None], [0.0, 0.5, 0.9]) == [75.0, 50.0, 0.0]
    # buckets: 0-15 s: r0 (80); 15-30 s: r1, r2 -> (40 + 60) / 2 = 50; 60-120 s: r3 (0)
    assert duration_buckets(rows) == [("0-15 s", 1, 80.0), ("15-30 s", 2, 50.0), ("60-120 s", 1, 0.0)]
    src = tmp_path / "per.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["report", str(src), "-o", str(tmp_path / "rep")]) == 0
    for name in ("recall_curve", "iou_hist", "miou_by_duration"):
        img = _rgb(tmp_path / "rep" / f"{name}.png")
        assert img.shape == (350, 500, 3) and img.std() > 10
    page = (tmp_path / "rep" / "index.html").read_text()
    assert "recall_curve.png" in page and "r3" in page and "&lt;garbage&gt;" in page
    assert main(["report", str(tmp_path / "missing.jsonl")]) == 2
