"""``--protocol official``: the reference evaluators' numbers, cross-checked to 1e-9.

The reference functions below are written in this test from the published definitions (notes
methods.md §5.1 for NExT-GQA's ``eval_ground.py``, §6 and the issue for ``eval_tvg.py``, which
lmms-eval's charades_sta task and Temporal-R1 use); they share no code with videorl.scoring.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from videorl.cli import main
from videorl.record import RecordError, SampleRecord
from videorl.scoring import score_sample

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


# ---------------------------------------------------------------- references, from the definitions
def ref_tvg_iou(gt, pred):
    """eval_tvg: a missing prediction becomes [gt_end + 10, gt_end + 20]; the two values of a
    prediction are put in order; IoU = max(min(ends) - max(starts), 0) / (max(ends) - min(starts))."""
    if pred is None:
        pred = [gt[1] + 10, gt[1] + 20]
    elif not pred[1] > pred[0]:
        pred = [pred[1], pred[0]]
    overlap = min(gt[1], pred[1]) - max(gt[0], pred[0])
    return max(overlap, 0) / (max(gt[1], pred[1]) - min(gt[0], pred[0]))


def ref_tvg_report(ious):
    n = len(ious)
    out = {f"R1@{t}": sum(1 for v in ious if v >= t) * 100 / n for t in (0.3, 0.5, 0.7)}
    out["mIoU"] = sum(ious) * 100 / n
    return out


def ref_gqa_pair(pred, gts):
    """eval_ground: per GT segment, a point scores IoU 0 and IoP 1 when inside; otherwise the signed
    overlap over the hull (IoU, 0 for an empty hull) and over the prediction's length (IoP, 0 unless
    end > start). Each maximum starts at 0 and is taken on its own."""
    best_iou = best_iop = 0.0
    ps, pe = pred
    for gs, ge in gts:
        if ps == pe:
            seg_iou, seg_iop = 0.0, (1.0 if gs <= ps <= ge else 0.0)
        else:
            overlap = min(ge, pe) - max(gs, ps)
            hull = max(ge, pe) - min(gs, ps)
            seg_iou = overlap / hull if hull > 0 else 0.0
            seg_iop = overlap / (pe - ps) if pe > ps else 0.0
        best_iou, best_iop = max(best_iou, seg_iou), max(best_iop, seg_iop)
    return best_iou, best_iop


def ref_gqa_report(rows):
    """rows: (pred or None, gts, answer correct). Questions without a prediction are skipped."""
    kept = [(ref_gqa_pair(p, g), ok) for p, g, ok in rows if p is not None]
    n = len(kept)
    return {"Acc@GQA": 100 * sum(1 for (_, iop), ok in kept if ok and iop >= 0.5) / n,
            "mIoP": 100 * sum(iop for (_, iop), _ in kept) / n,
            "IoP@0.3": 100 * sum(1 for (_, iop), _ in kept if iop >= 0.3) / n,
            "IoP@0.5": 100 * sum(1 for (_, iop), _ in kept if iop >= 0.5) / n,
            "mIoU": 100 * sum(iou for (iou, _), _ in kept) / n,
            "IoU@0.3": 100 * sum(1 for (iou, _), _ in kept if iou >= 0.3) / n,
            "IoU@0.5": 100 * sum(1 for (iou, _), _ in kept if iou >= 0.5) / n}


def grounding(gt, duration, rid="g"):
    """A grounding record with the file's span ``gt`` (kept raw when it leaves the video)."""
    cut = [max(gt[0], 0.0), min(gt[1], duration)]
    return SampleRecord.from_dict({"id": rid, "video": "v.mp4", "duration": duration, "task": "grounding",
                                   "query": "q", "spans": [cut], "raw_spans": None if cut == gt else [gt]})


# ---------------------------------------------------------------- worked by hand (Charades / ANet)
HAND = [
    # gt, duration, prediction, IoU worked by hand
    ([12.7, 19.9], 18.58, [13.0, 20.5], 6.9 / 7.8),        # GT past the duration: scored as given
    ([2.0, 12.0], 25.0, [-3.0, 30.0], 10 / 33),            # negative start kept
    ([1.2, 5.8], 30.0, [8.0, 2.0], 3.8 / 6.8),             # reversed: put in order, [2, 8]
    ([1.2, 5.8], 30.0, [3.0, 3.0], 0.0),                   # a point: no overlap
    ([24.3, 30.4], 30.96, None, 0.0),                      # missing: [40.4, 50.4], no overlap
    ([24.3, 30.4], 30.96, [24.0, 35.0], 6.1 / 11.0),       # prediction past the duration, not clamped
    ([10.0, 20.0], 30.0, [0.0, 5.0], 0.0),                 # disjoint
    ([10.0, 20.0], 30.0, [5.0, 10.0], 0.0),                # touching
    ([10.0, 20.0], 30.0, [12.0, 14.0], 0.2),               # inside: 2 / 10
    ([10.0, 20.0], 30.0, [10.0, 20.0], 1.0),               # identical
    ([0.0, 10.0], 30.0, [0.0, 5.0], 0.5),                  # exactly 0.5: counts for R1@0.5
    ([0.0, 1.0], 30.0, [0.0, 0.5 - 1e-12], 0.5 - 1e-12),   # just below: does not
    ([0.0, 10.0], 30.0, [0.0, 7.0], 0.7),                  # exactly 0.7
    ([3.0, 9.0], 12.0, [-5.0, -1.0], 0.0),                 # all before the video
]


@pytest.mark.parametrize("gt, duration, pred, iou", HAND)
def test_tvg_cases_worked_by_hand(gt, duration, pred, iou):
    rec = grounding(gt, duration)
    kw = {"prediction": "no time here"} if pred is None else {"prediction_span": pred}
    got = score_sample(rec, protocol="official", **kw)
    assert got["mIoU"] == pytest.approx(100 * iou, abs=1e-9)
    for t in (0.3, 0.5, 0.7):
        assert got[f"R1@{t}"] == (100.0 if iou >= t else 0.0)
    assert got["parse_fail"] == (100.0 if pred is None else 0.0)
    assert ref_tvg_iou(gt, pred) == pytest.approx(iou, abs=1e-12)  # the reference agrees with the hand


def test_text_predictions_are_read_as_written():
    rec = grounding([12.7, 19.9], 18.58)
    # read by our parser, never clamped: 13 - 20.5 against the file's [12.7, 19.9]
    assert score_sample(rec, "<answer>13 - 20.5</answer>", protocol="official")["mIoU"] == \
        pytest.approx(100 * 6.9 / 7.8, abs=1e-9)
    # the default protocol clamps both and scores [13, 18.58] against [12.7, 18.58]
    assert score_sample(rec, "<answer>13 - 20.5</answer>")["mIoU"] == pytest.approx(100 * 5.58 / 5.88, abs=1e-9)
    got = score_sample(rec, "from 19 to 15 seconds", protocol="official")
    assert got["parsed_span"] == [19.0, 15.0] and got["mIoU"] == pytest.approx(100 * 4 / 7.2, abs=1e-9)  # [15, 19] in [12.7, 19.9]


# ---------------------------------------------------------------- NExT-GQA (§5.1 and the issue)
GQA = [
    ([[1.2, 5.8]], [2.0, 8.0], 3.8 / 6.8, 3.8 / 6.0),
    ([[12.1, 17.1], [20, 23.5]], [13.0, 22.0], 4.1 / 9.9, 4.1 / 9.0),
    ([[1.2, 5.8]], [3.0, 3.0], 0.0, 1.0),
    ([[1.2, 5.8]], [8.0, 2.0], 0.0, 0.0),
    ([[0.5, 12.6]], [0.0, 35.0], 12.1 / 35, 12.1 / 35),
    ([[2.0, 12.0]], [-3.0, 30.0], 10 / 33, 10 / 33),  # the example: 30.3, not refused
]


@pytest.mark.parametrize("gts, pred, iou, iop", GQA)
def test_nextgqa_worked_values(gts, pred, iou, iop):
    rec = SampleRecord.from_dict({"id": "q", "video": "v.mp4", "duration": 35.0, "task": "grounded_qa",
                                  "query": "why", "spans": gts, "options": ["a", "b"], "answer": "A"})
    got = score_sample(rec, prediction_span=pred, prediction_answer="A", protocol="official")
    assert got["mIoU"] == pytest.approx(100 * iou, abs=1e-9) and got["mIoP"] == pytest.approx(100 * iop, abs=1e-9)
    assert ref_gqa_pair(pred, gts) == pytest.approx((iou, iop), abs=1e-12)


# ---------------------------------------------------------------- a reference set through the CLI
def _reference_set(rng: random.Random):
    """(records with predictions, per-line reference inputs)."""
    lines, tvg, gqa = [], [], []
    fixed = [([12.7, 19.9], 18.58, [13.0, 20.5]), ([2.0, 12.0], 25.0, [-3.0, 30.0]), ([1.2, 5.8], 30.0, [8.0, 2.0]),
             ([1.2, 5.8], 30.0, [3.0, 3.0]), ([24.3, 30.4], 30.96, None), ([24.3, 30.4], 30.96, [24.0, 35.0]),
             ([0.0, 1.0], 30.0, [0.0, 0.5 - 1e-12]), ([0.0, 10.0], 30.0, [0.0, 5.0])]
    for _ in range(60):
        dur = round(rng.uniform(10, 60), 2)
        s = round(rng.uniform(0, dur - 2), 1)
        e = round(s + rng.uniform(1, 12), 1)  # may end past the duration
        kind = rng.random()
        if kind < 0.1:
            pred = None
        elif kind < 0.2:
            pred = [e, s]
        elif kind < 0.3:
            pred = [s + 1, s + 1]
        else:
            pred = [round(rng.uniform(-3, dur + 5), 2), round(rng.uniform(-3, dur + 5), 2)]
        fixed.append(([s, e], dur, pred))
    for i, (gt, dur, pred) in enumerate(fixed):
        rec = {"id": f"t{i}", "video": "v.mp4", "duration": dur, "task": "grounding", "query": "q", "spans": [gt]}
        rec.update({"prediction": "I cannot tell."} if pred is None else {"prediction_span": pred})
        lines.append(rec)  # spans as the file gives them: past the duration is accepted by --protocol official
        tvg.append((gt, pred))
    for i in range(40):
        dur = rng.randint(15, 60)
        gts = [[round(rng.uniform(-0.2, dur - 3), 1)] for _ in range(rng.choice([1, 1, 2]))]
        for g in gts:
            g.append(round(g[0] + rng.uniform(1, 8), 1))
        kind = rng.random()
        pred = (None if kind < 0.15 else [gts[0][1], gts[0][0]] if kind < 0.25 else
                [gts[0][0] + 0.5] * 2 if kind < 0.35 else
                [round(rng.uniform(-4, dur), 1), round(rng.uniform(0, dur + 4), 1)])
        ok = rng.random() < 0.6
        rec = {"id": f"q{i}", "video": "v.mp4", "duration": float(dur), "task": "grounded_qa", "query": "why",
               "spans": gts, "options": ["a", "b", "c"], "answer": "B", "prediction_answer": "B" if ok else "C"}
        if pred is not None:
            rec["prediction_span"] = pred
        else:
            rec["prediction"] = "B"
        lines.append(rec)
        gqa.append((pred, gts, ok))
    return lines, tvg, gqa


def test_reference_set_through_the_cli(tmp_path, capsys):
    lines, tvg, gqa = _reference_set(random.Random(12))
    path = tmp_path / "preds.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    per = tmp_path / "per.jsonl"
    assert main(["score", str(path), "--protocol", "official", "--json", "--per-sample", str(per)]) == 0
    got = json.loads(capsys.readouterr().out)
    want = ref_tvg_report([ref_tvg_iou(g, p) for g, p in tvg])
    for k, v in want.items():
        assert got["grounding"][k] == pytest.approx(v, abs=1e-9), k
    want = ref_gqa_report(gqa)
    for k, v in want.items():
        assert got["grounded_qa"][k] == pytest.approx(v, abs=1e-9), k
    assert got["grounded_qa"]["count"] == len(gqa)
    rows = [json.loads(x) for x in per.read_text().splitlines()]
    for row, (g, p) in zip(rows, tvg, strict=False):  # per-sample values at full precision
        assert row["scores"]["mIoU"] == pytest.approx(100 * ref_tvg_iou(g, p), abs=1e-9)
    # The default protocol refuses the spans past the duration, naming the line.
    from videorl.cli.score import score_file

    with pytest.raises(RecordError, match=r"preds.jsonl:1: field 'spans\[0\]': ends after the duration"):
        score_file(path, show_progress=False)


def test_count_switch_keeps_missing_spans(tmp_path, capsys):
    lines, _, gqa = _reference_set(random.Random(5))
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines if x["task"] == "grounded_qa"))
    assert main(["score", str(path), "--protocol", "official", "--json", "--nextgqa-missing", "count"]) == 0
    got = json.loads(capsys.readouterr().out)["grounded_qa"]
    pairs = [ref_gqa_pair(p, g) if p is not None else (0.0, 0.0) for p, g, _ in gqa]
    assert got["mIoU"] == pytest.approx(100 * sum(i for i, _ in pairs) / len(gqa), abs=1e-9)


# ---------------------------------------------------------------- the real annotation files
def _need(*parts):
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"real annotation file {p} not present (../shared/data)")
    return p


def _official_agrees(tmp_path, capsys, lines, task, want):
    """Score ``lines`` with ``videorl score --protocol official --json``; each metric of ``want`` agrees."""
    path = tmp_path / f"{task}.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    assert main(["score", str(path), "--protocol", "official", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)[task]
    for k, v in want.items():
        assert got[k] == pytest.approx(v, abs=1e-9), k
    return got, path


def test_real_charades_with_synthetic_predictions(tmp_path, capsys):
    from videorl.data.prepare import charades_sta

    ann, durs = _need("charades_sta", "charades_sta_test.txt"), _need("charades_sta", "charades.json")
    records = charades_sta.convert(ann, durs).records
    rng = random.Random(0)
    # the reference reads the file itself: "VID START END##sentence"
    file_spans = [[float(x) for x in line.split("##")[0].split()[1:]] for line in ann.read_text().splitlines()]
    assert len(records) == len(file_spans) == 3720
    assert sum(r.raw_spans is not None for r in records) == 562
    lines, ious = [], []
    for rec, gt in zip(records, file_spans, strict=True):
        kind = rng.random()
        pred = (None if kind < 0.05 else [gt[1], gt[0]] if kind < 0.1 else
                [round(gt[0] + rng.uniform(-4, 4), 1), round(gt[1] + rng.uniform(-4, 4), 1)])
        d = rec.to_dict()
        d.update({"prediction": "?"} if pred is None else {"prediction_span": pred})
        lines.append(d)
        ious.append(ref_tvg_iou(gt, pred))
    got, path = _official_agrees(tmp_path, capsys, lines, "grounding", ref_tvg_report(ious))
    assert main(["score", str(path), "--json"]) == 0  # our protocol: clamped, a different number
    assert json.loads(capsys.readouterr().out)["grounding"]["mIoU"] != pytest.approx(got["mIoU"], abs=1e-6)


def test_real_nextgqa_with_synthetic_predictions(tmp_path, capsys):
    from videorl.data.prepare import nextgqa

    csv_path, gsub_path = _need("nextgqa", "test.csv"), _need("nextgqa", "gsub_test.json")
    records = nextgqa.convert(csv_path, gsub_path).records
    gsub = json.loads(gsub_path.read_text())
    rng = random.Random(1)
    lines, rows = [], []
    for rec in records:
        gts = gsub[rec.meta["video_id"]]["location"][str(rec.meta["qid"])]  # straight from the file
        kind = rng.random()
        pred = (None if kind < 0.05 else [gts[0][1], gts[0][0]] if kind < 0.1 else
                [round(rng.uniform(-2, rec.duration), 1), round(rng.uniform(0, rec.duration + 2), 1)])
        ok = rng.random() < 0.5
        d = rec.to_dict()
        d["prediction_answer"] = rec.answer if ok else ("A" if rec.answer != "A" else "B")
        if pred is not None:
            d["prediction_span"] = pred
        else:
            d["prediction"] = d["prediction_answer"]
        lines.append(d)
        rows.append((pred, gts, ok))
    _official_agrees(tmp_path, capsys, lines, "grounded_qa", ref_gqa_report(rows))


# ---------------------------------------------------------------- raw spans in records
def test_raw_spans_field():
    base = {"id": "a", "video": "v.mp4", "duration": 10.0, "task": "grounding", "query": "q", "spans": [[3.0, 10.0]]}
    rec = SampleRecord.from_dict({**base, "raw_spans": [[3, 11.5]]})
    assert rec.raw_spans == [[3.0, 11.5]] and rec.to_dict()["raw_spans"] == [[3.0, 11.5]]
    assert "raw_spans" not in SampleRecord.from_dict(base).to_dict()  # absent unless the file differs
    for bad, field in [([[3.0]], "raw_spans[0]"), ([[3.0, float("nan")]], "raw_spans[0]"), ([], "raw_spans"),
                       ("3-11", "raw_spans")]:
        with pytest.raises(RecordError, match=re.escape(f"field '{field}'")):
            SampleRecord.from_dict({**base, "raw_spans": bad})


def test_as_raw_spans_moves_out_of_video_spans():
    from videorl.scoring.official import as_raw_spans

    line = {"id": "a", "video": "v.mp4", "duration": 10.0, "task": "grounding", "query": "q",
            "spans": [[-0.2, 4.0], [8.0, 11.5]]}
    out = as_raw_spans(line)
    assert out["spans"] == [[0.0, 4.0], [8.0, 10.0]] and out["raw_spans"] == line["spans"]
    inside = {**line, "spans": [[1.0, 4.0]]}
    assert as_raw_spans(inside) is inside and as_raw_spans("junk") == "junk"


def test_official_edges_by_hand():
    from videorl.scoring.official import as_raw_spans, given_span, raw_gt_spans, tvg_iou, tvg_sample

    # a clipped record: raw spans move by the clip start (5 s), both ends, and are never cut
    rec = SampleRecord.from_dict({"id": "a", "video": "v.mp4", "duration": 40.0, "task": "grounding", "query": "q",
                                  "spans": [[10.0, 20.0]], "raw_spans": [[10.0, 45.0]], "clip": [5.0, 30.0],
                                  "schema_version": 1})
    assert raw_gt_spans(rec) == [[5.0, 40.0]]
    # a missing prediction becomes [end of the first span + 10, + 20] = [15, 25]; against a second span
    # [12, 30]: inter 10, hull 18 -> IoU 0.5556 (R1@0.3 and R1@0.5 hit, R1@0.7 does not)
    out = tvg_sample(None, [[0, 5], [12, 30]])
    assert out == {"R1@0.3": 100.0, "R1@0.5": 100.0, "R1@0.7": 0.0, "mIoU": pytest.approx(100 * 10 / 18)}
    assert tvg_iou((3, 3), (3, 3)) == 0.0  # an empty hull scores 0
    for bad in ([1, 2, 3], [1], 5, ["3", "4"], [True, 2], [1, float("inf")]):
        with pytest.raises(ValueError, match="prediction_span"):
            given_span(bad)
    # lines as_raw_spans must leave alone: a duration that is not a positive number, malformed spans
    for duration in (-5, 0, True, "10"):
        line = {"spans": [[1, 20]], "duration": duration}
        assert as_raw_spans(line) is line
    for spans in (5, [5], [[1, 2, 3]], [[5]], [["0", "20"]], [[True, 20]], [["a", "b"]]):
        line = {"spans": spans, "duration": 10}
        assert as_raw_spans(line) is line
    assert as_raw_spans({"spans": [[0, 2]], "duration": 0.5}) == {"spans": [[0.0, 0.5]], "duration": 0.5,
                                                                 "raw_spans": [[0, 2]]}
