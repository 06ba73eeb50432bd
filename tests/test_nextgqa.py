"""NExT-GQA metrics as the official evaluation computes them: worked table and the real gsub file."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from videorl.record import SampleRecord
from videorl.scoring import aggregate, evaluate_nextgqa, nextgqa_iou_iop, score_sample, segment_iou_iop

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
GSUB = SHARED / "data" / "nextgqa" / "gsub_test.json"


# Worked table of methods.md §5.1
@pytest.mark.parametrize(("gts", "pred", "exp_iou", "exp_iop"), [
    ([[1.2, 5.8]], [2.0, 8.0], 0.5588, 0.6333),  # inter 5.8-2 = 3.8; union 8-1.2 = 6.8; |p| = 6
    ([[12.1, 17.1], [20, 23.5]], [13, 22], 0.4141, 0.4556),  # 4.1/9.9 and 4.1/9 from segment 1
    ([[1.2, 5.8]], [3, 3], 0.0, 1.0),  # point inside
    ([[1.2, 5.8]], [8, 2], 0.0, 0.0),  # reversed: IoU (2-8)/(5.8-1.2) < 0 -> 0, IoP 0
    ([[0.5, 12.6]], [0, 35], 0.3457, 0.3457),  # 12.1 / 35
])
def test_worked_table(gts, pred, exp_iou, exp_iop):
    t_iou, t_iop = nextgqa_iou_iop(pred, gts)
    assert t_iou == pytest.approx(exp_iou, abs=5e-5)
    assert t_iop == pytest.approx(exp_iop, abs=5e-5)


def test_unclamped_intersection_is_negative_per_segment():
    # disjoint: inter = min(5, 20) - max(0, 10) = -5, union = 20 - 0 = 20 -> -0.25; IoP -5/10 = -0.5
    assert segment_iou_iop([10, 20], [0, 5]) == pytest.approx((-0.25, -0.5))
    assert nextgqa_iou_iop([10, 20], [[0, 5]]) == (0.0, 0.0)
    assert segment_iou_iop([5, 5], [0, 5]) == (0.0, 1.0)  # point on the boundary is inside
    assert segment_iou_iop([6, 6], [0, 5]) == (0.0, 0.0)
    assert nextgqa_iou_iop(None, [[0, 5]]) == (0.0, 0.0)


def test_evaluate_small_files():
    gsub = {"100": {"duration": 30, "fps": 30.0, "location": {"0": [[0.0, 10.0]], "1": [[5.0, 9.0], [20.0, 22.0]]}},
            "200": {"duration": 10, "fps": 30.0, "location": {"3": [[1.0, 2.0]]}}}
    ground = {"100_0": [0.0, 5.0],  # IoU 0.5, IoP 1
              "100_1": [20.0, 24.0]}  # seg 2: inter 2, union 4, IoU 0.5; IoP 2/4 = 0.5
    qa = {"100_0": {"answer": "x", "prediction": "x"}, "100_1": {"answer": "x", "prediction": "y"}}
    out = evaluate_nextgqa(gsub, ground, qa)  # "200_3" has no prediction: skipped
    assert out["count"] == 2
    assert out["mIoU"] == pytest.approx(50.0)
    assert out["mIoP"] == pytest.approx(75.0)
    assert out["IoU@0.5"] == pytest.approx(100.0) and out["IoP@0.5"] == pytest.approx(100.0)
    assert out["Acc@GQA"] == pytest.approx(50.0)  # only 100_0 is answered right
    counted = evaluate_nextgqa(gsub, ground, qa, missing="count")
    assert counted["count"] == 3 and counted["mIoU"] == pytest.approx(100 / 3)
    # Gaussian mode: normalised [0, 0.5] * 30 = [0, 15]: IoU 10/15, IoP 10/15
    g = evaluate_nextgqa(gsub, {"100_0": [0.0, 0.5]}, gaussian=True)
    assert g["mIoU"] == pytest.approx(200 / 3) and g["Acc@GQA"] == 0.0


@pytest.fixture(scope="module")
def gsub():
    if not GSUB.exists():
        pytest.skip(f"real NExT-GQA annotations not found at {GSUB} (the ../shared folder beside the repo)")
    return json.loads(GSUB.read_text())


def test_real_counts(gsub):
    n_q = sum(len(a["location"]) for a in gsub.values())
    n_seg = sum(len(s) for a in gsub.values() for s in a["location"].values())
    assert (len(gsub), n_q, n_seg) == (999, 5553, 6600)  # the data README's counts


def test_real_gt_as_prediction(gsub):
    # Predicting each question's first GT segment: tIoU = tIoP = 1 for every question.
    ground = {f"{v}_{q}": locs[0] for v, a in gsub.items() for q, locs in a["location"].items()}
    out = evaluate_nextgqa(gsub, ground)
    assert out["count"] == 5553
    assert out["mIoU"] == pytest.approx(100.0) and out["mIoP"] == pytest.approx(100.0)
    assert out["IoU@0.5"] == pytest.approx(100.0)


def test_real_whole_video(gsub):
    # Predicting [0, D]: a segment [s, e] with e <= D overlaps it by e - max(s, 0) within a hull
    # of D - min(s, 0) (36 real segments start at -0.1 or -0.2), so
    # tIoU = max (e - max(s, 0)) / (D - min(s, 0)) and tIoP = max (e - max(s, 0)) / D.
    ground, exp_iou, exp_iop = {}, [], []
    for v, a in gsub.items():
        d = a["duration"]
        for q, locs in a["location"].items():
            assert all(e <= d for _, e in locs)
            ground[f"{v}_{q}"] = [0, d]
            exp_iou.append(max((e - max(s, 0)) / (d - min(s, 0)) for s, e in locs))
            exp_iop.append(max((e - max(s, 0)) / d for s, e in locs))
    out = evaluate_nextgqa(gsub, ground)
    assert out["mIoU"] == pytest.approx(100 * sum(exp_iou) / len(exp_iou), rel=1e-9)
    assert out["mIoP"] == pytest.approx(100 * sum(exp_iop) / len(exp_iop), rel=1e-9)
    assert out["IoP@0.5"] == pytest.approx(100 * sum(x >= 0.5 for x in exp_iop) / len(exp_iop))


def test_real_negative_starts(gsub):
    # Not in the data README: 36 segments start before 0 (-0.1 / -0.2). The official evaluator
    # uses them as they are; a point at 0 lies inside such a segment.
    neg = [(v, q, s) for v, a in gsub.items() for q, locs in a["location"].items() for s in locs if s[0] < 0]
    assert len(neg) == 36 and min(s[0] for _, _, s in neg) == -0.2
    v, q, seg = neg[0]
    assert nextgqa_iou_iop([0, 0], [seg]) == (0.0, 1.0)


def test_real_points_and_skip(gsub):
    # Midpoint of the first segment as a point: IoU 0, IoP 1; predict only every other question.
    keys = [(v, q, locs) for v, a in gsub.items() for q, locs in a["location"].items()]
    ground = {f"{v}_{q}": [(locs[0][0] + locs[0][1]) / 2] * 2 for i, (v, q, locs) in enumerate(keys) if i % 2 == 0}
    out = evaluate_nextgqa(gsub, ground)
    assert out["count"] == len(ground) == 2777  # ceil(5553 / 2): the rest are skipped
    assert out["mIoU"] == 0.0 and out["mIoP"] == pytest.approx(100.0)


def test_real_gaussian_round_trip(gsub):
    # Normalised GT (divided by the integer duration) multiplied back and rounded to 0.1 gives the GT.
    ground = {f"{v}_{q}": [locs[0][0] / a["duration"], locs[0][1] / a["duration"]]
              for v, a in gsub.items() for q, locs in a["location"].items()}
    out = evaluate_nextgqa(gsub, ground, gaussian=True)
    assert out["mIoU"] == pytest.approx(100.0)


def test_real_score_sample_matches_file_evaluator(gsub):
    # The per-sample path (records + model text + aggregate "skip") equals the file-level evaluator.
    rng = random.Random(0)
    records, rows, ground, qa = [], [], {}, {}
    # records reject negative starts, so leave the 36 questions that have them out here
    items = [(v, a, q, locs) for v, a in gsub.items() for q, locs in a["location"].items()
             if all(s >= 0 for s, _ in locs)]
    for v, a, q, locs in rng.sample(items, 600):
        dur = float(a["duration"])
        rec = SampleRecord(id=f"{v}_{q}", video=f"{v}.mp4", duration=dur, task="grounded_qa", query="why",
                           spans=locs, options=["a", "b", "c", "d", "e"], answer="C").validate()
        kind = rng.random()
        s = round(rng.uniform(0, dur), 1)
        e = round(s + rng.uniform(0, dur / 2), 1)  # may end past the duration: never clipped
        letter = rng.choice("ABCDE")
        if kind < 0.1:
            text = f"{letter}"  # no span: skipped by the official evaluation
        else:
            text = f"<answer>{letter}; {s} - {e}</answer>"
            ground[rec.id] = [s, e]
        qa[rec.id] = {"answer": "C", "prediction": letter}
        records.append(rec)
        rows.append(score_sample(rec, text))
    sub = {}
    for rec in records:
        v, q = rec.id.split("_")
        sub.setdefault(v, {"duration": gsub[v]["duration"], "location": {}})["location"][q] = gsub[v]["location"][q]
    official = evaluate_nextgqa(sub, ground, qa)
    ours = aggregate(rows, "grounded_qa", nextgqa_missing="skip")
    for k in ("Acc@GQA", "mIoP", "IoP@0.3", "IoP@0.5", "mIoU", "IoU@0.3", "IoU@0.5"):
        assert ours[k] == pytest.approx(official[k], abs=1e-9), k
    assert official["count"] == len(ground)
