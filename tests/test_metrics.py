"""Per-sample metrics in percent and their aggregation, on small hand-worked sets."""

from __future__ import annotations

import math

import pytest

from videorl.record import SampleRecord
from videorl.scoring import (
    GQA_METRICS,
    GROUNDING_METRICS,
    MCQ_METRICS,
    OPEN_QA_METRICS,
    aggregate,
    metrics_for,
    normalize_answer,
    score_sample,
)

OPTS = ["picks up a cup", "opens the door", "sits down"]


def grounding(spans=((3.0, 7.0),), duration=30.0, clip=None):
    return SampleRecord(id="g", video="v.mp4", duration=duration, task="grounding", query="q",
                        spans=[list(s) for s in spans], clip=clip).validate()


def mcq(answer="B"):
    return SampleRecord(id="m", video="v.mp4", duration=30.0, task="mcq", query="q", options=list(OPTS),
                        answer=answer).validate()


def gqa(spans=((3.0, 7.0),), answer="B", duration=30.0):
    return SampleRecord(id="q", video="v.mp4", duration=duration, task="grounded_qa", query="q",
                        spans=[list(s) for s in spans], options=list(OPTS), answer=answer).validate()


def test_metric_names():
    assert metrics_for("grounding") == GROUNDING_METRICS == ("R1@0.3", "R1@0.5", "R1@0.7", "mIoU", "parse_fail")
    assert metrics_for("mcq") == MCQ_METRICS == ("accuracy", "parse_fail")
    assert metrics_for("grounded_qa") == GQA_METRICS
    assert metrics_for("open_qa") == OPEN_QA_METRICS
    assert metrics_for("caption") == ()
    with pytest.raises(ValueError, match="unknown task"):
        metrics_for("ranking")


def test_grounding_set():
    rec = grounding()  # GT [3, 7]
    rows = [
        score_sample(rec, "3 - 7"),  # IoU 1
        score_sample(rec, "<answer>2 - 6</answer>"),  # inter 6-3 = 3, union 7-2 = 5: IoU 0.6
        score_sample(rec, "from 5 to 15 seconds"),  # inter 7-5 = 2, union 15-3 = 12: IoU 0.1667
        score_sample(rec, "I cannot tell"),  # parse failure, stays in the denominator
    ]
    assert rows[1] == {"parsed_span": [2.0, 6.0], "parsed_answer": None, "R1@0.3": 100.0, "R1@0.5": 100.0,
                       "R1@0.7": 0.0, "mIoU": pytest.approx(60.0), "parse_fail": 0.0}
    assert rows[3]["parsed_span"] is None and rows[3]["parse_fail"] == 100.0 and rows[3]["mIoU"] == 0.0
    agg = aggregate(rows, "grounding")
    assert agg["R1@0.3"] == pytest.approx(50.0)  # 2 of 4
    assert agg["R1@0.5"] == pytest.approx(50.0)  # 2 of 4
    assert agg["R1@0.7"] == pytest.approx(25.0)  # 1 of 4
    assert agg["mIoU"] == pytest.approx((100 + 60 + 100 * 2 / 12 + 0) / 4)  # 44.1667
    assert agg["parse_fail"] == pytest.approx(25.0)
    assert list(agg) == list(GROUNDING_METRICS)


def test_grounding_threshold_is_inclusive():
    rec = grounding(spans=((0.0, 10.0),))
    row = score_sample(rec, "0 - 5")  # IoU 5 / 10 = 0.5 exactly
    assert row["R1@0.5"] == 100.0 and row["R1@0.7"] == 0.0


def test_grounding_clamp_and_reversed():
    rec = grounding(spans=((20.0, 30.0),))
    # "20 - 40" clamped to (20, 30): IoU 1; unclamped: 10 / 20 = 0.5
    assert score_sample(rec, "20 - 40")["mIoU"] == pytest.approx(100.0)
    assert score_sample(rec, "20 - 40", clamp=False)["mIoU"] == pytest.approx(50.0)
    assert score_sample(rec, "30 - 20")["mIoU"] == pytest.approx(100.0)  # swapped
    row = score_sample(rec, "30 - 20", reversed="invalid")
    assert row["parse_fail"] == 100.0 and row["mIoU"] == 0.0
    # starts after the duration: kept outside the video, IoU 0, not a failure
    row = score_sample(rec, "35 - 40")
    assert row["parsed_span"] == [35.0, 40.0] and row["mIoU"] == 0.0 and row["parse_fail"] == 0.0


def test_grounding_on_the_clip_clock():
    rec = grounding(spans=((12.0, 15.0),), clip=[10.0, 20.0])  # model clock: GT [2, 5], duration 10
    assert score_sample(rec, "2 - 5")["mIoU"] == pytest.approx(100.0)
    row = score_sample(rec, "12 - 15")  # video-clock answer: outside the 10 s clip
    assert row["mIoU"] == 0.0 and row["parsed_span"] == [12.0, 15.0]
    assert score_sample(rec, "4 - 30")["parsed_span"] == [4.0, 10.0]  # clamped to the clip length


def test_multiple_gt_spans_take_the_best():
    rec = grounding(spans=((0.0, 4.0), (10.0, 14.0)))
    assert score_sample(rec, "10 - 14")["mIoU"] == pytest.approx(100.0)


def test_prediction_span_field():
    rec = grounding()
    assert score_sample(rec, prediction_span=[3, 7])["mIoU"] == pytest.approx(100.0)
    assert score_sample(rec, prediction_span=[-1, 7])["parse_fail"] == 100.0  # negative: policy -> None
    with pytest.raises(ValueError, match="finite"):
        score_sample(rec, prediction_span=[float("nan"), 7])
    with pytest.raises(ValueError, match=r"\[start, end\]"):
        score_sample(rec, prediction_span=[3])
    with pytest.raises(ValueError, match="no prediction"):
        score_sample(rec)


def test_mcq_set():
    rec = mcq("B")
    rows = [score_sample(rec, "(B)"), score_sample(rec, "The answer is C"), score_sample(rec, "no idea"),
            score_sample(rec, prediction_answer="b"), score_sample(rec, prediction_answer="opens the door")]
    assert [r["parsed_answer"] for r in rows] == ["B", "C", None, "B", "B"]
    agg = aggregate(rows, "mcq")
    assert agg["accuracy"] == pytest.approx(60.0)  # 3 of 5
    assert agg["parse_fail"] == pytest.approx(20.0)  # 1 of 5, kept in the denominator


def test_mcq_article_is_not_option_a():
    rec = mcq("A")
    row = score_sample(rec, "The person sits down on a chair.")  # by text: C "sits down"
    assert row["parsed_answer"] == "C" and row["accuracy"] == 0.0


def test_grounded_qa_sample():
    rec = gqa(spans=((12.1, 17.1), (20.0, 23.5)), answer="B")
    row = score_sample(rec, "B; 13 - 22")
    # tIoU = 4.1 / 9.9 = 0.4141, tIoP = 4.1 / 9 = 0.4556 (methods.md §5.1)
    assert row["mIoU"] == pytest.approx(41.41, abs=0.01)
    assert row["mIoP"] == pytest.approx(45.56, abs=0.01)
    assert (row["IoU@0.3"], row["IoU@0.5"], row["IoP@0.3"], row["IoP@0.5"]) == (100.0, 0.0, 100.0, 0.0)
    assert row["Acc@QA"] == 100.0 and row["Acc@GQA"] == 0.0  # tIoP < 0.5
    row = score_sample(rec, "B; 12.5 - 15")  # inside the first segment: IoP 1
    assert row["Acc@GQA"] == 100.0 and row["mIoP"] == pytest.approx(100.0)


def test_grounded_qa_is_never_clamped():
    rec = gqa(spans=((20.0, 30.0),), duration=30.0)
    row = score_sample(rec, "B; 20 - 40")  # official: not clipped, IoU 10/20, IoP 10/20
    assert row["parsed_span"] == [20.0, 40.0]
    assert row["mIoU"] == pytest.approx(50.0) and row["mIoP"] == pytest.approx(50.0)


def test_grounded_qa_point_prediction():
    rec = gqa(spans=((1.2, 5.8),))
    row = score_sample(rec, "B; 3 - 3")  # point inside: IoU 0, IoP 1
    assert row["mIoU"] == 0.0 and row["mIoP"] == 100.0 and row["Acc@GQA"] == 100.0


def test_grounded_qa_count_vs_skip():
    rec = gqa(spans=((0.0, 10.0),), answer="B")
    rows = [
        score_sample(rec, "B; 0 - 10"),  # correct, IoU 1
        score_sample(rec, "C; 0 - 5"),  # wrong, IoU 0.5, IoP 1
        score_sample(rec, "B"),  # letter only: span missing
        score_sample(rec, "nothing"),  # both missing
    ]
    count = aggregate(rows, "grounded_qa")
    assert count["Acc@QA"] == pytest.approx(50.0)  # 2 of 4
    assert count["mIoU"] == pytest.approx(37.5)  # (100 + 50) / 4
    assert count["Acc@GQA"] == pytest.approx(25.0)  # 1 of 4
    assert count["parse_fail"] == pytest.approx(50.0)
    skip = aggregate(rows, "grounded_qa", nextgqa_missing="skip")
    assert skip["mIoU"] == pytest.approx(75.0)  # (100 + 50) / 2
    assert skip["mIoP"] == pytest.approx(100.0)
    assert skip["IoU@0.5"] == pytest.approx(100.0)
    assert skip["Acc@GQA"] == pytest.approx(50.0)  # 1 of 2 with a span
    assert skip["Acc@QA"] == pytest.approx(2 / 3 * 100)  # 2 of 3 with a letter
    assert skip["parse_fail"] == pytest.approx(50.0)  # always over every sample
    assert math.isnan(aggregate([rows[3]], "grounded_qa", nextgqa_missing="skip")["mIoU"])
    with pytest.raises(ValueError):
        aggregate(rows, "grounded_qa", nextgqa_missing="drop")


def test_open_qa():
    rec = SampleRecord(id="o", video="v.mp4", duration=5.0, task="open_qa", query="what?", answer="the red ball")
    assert normalize_answer("The  Red-Ball!") == "red ball"
    assert score_sample(rec, "<answer>A red ball.</answer>")["accuracy"] == 100.0
    assert score_sample(rec, "a blue ball")["accuracy"] == 0.0
    row = score_sample(rec, "  ")
    assert row["parse_fail"] == 100.0 and row["accuracy"] == 0.0


def test_caption_has_no_metric():
    rec = SampleRecord(id="c", video="v.mp4", duration=5.0, task="caption", answer="a man walks")
    assert score_sample(rec, "A man walks.") == {"parsed_span": None, "parsed_answer": "A man walks."}
    assert aggregate([{}], "caption") == {}


def test_bad_policy_names():
    with pytest.raises(ValueError, match="reversed"):
        score_sample(grounding(), "1 - 2", reversed="flip")
