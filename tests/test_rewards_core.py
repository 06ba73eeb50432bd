"""Reward building blocks: format, IoU, overlap, step consistency, accuracy, open QA, grounded QA."""

from __future__ import annotations

import pytest

from videorl.rewards import get
from videorl.rewards.fmt import check_format
from videorl.target import Target

G = Target(task="grounding", duration=30.0, spans=((3.0, 9.0),))
G2 = Target(task="grounding", duration=40.0, spans=((12.1, 17.1), (20.0, 23.5)))
MCQ = Target(task="mcq", duration=20.0, options=("a red ball", "a blue cup", "a dog"), answer="B")
GQA = Target(task="grounded_qa", duration=10.0, spans=((1.2, 5.8),), options=("yes", "no"), answer="A")
OPEN = Target(task="open_qa", duration=10.0, answer="The cat")


@pytest.mark.parametrize("text,strict,lenient,prefix", [
    ("<think>a</think><answer>b</answer>", 1, 1, 1),
    ("  <think>a</think>\n <answer>b</answer>\n", 1, 1, 0),  # strict strips; prefix allows no lead
    ("<think>a</think><answer>b</answer> trailing", 0, 1, 1),
    ("intro <think>a</think><answer>b</answer>", 0, 1, 0),
    ("<answer>b</answer><think>a</think>", 0, 0, 0),  # wrong order
    ("<think>a</think>text<answer>b</answer>", 0, 1, 0),  # text between blocks
    ("<think>a</think><answer>b</answer><answer>c</answer>", 0, 1, 1),  # two answers
    ("<think>a<answer>b</answer>", 0, 0, 0),  # think never closed
    ("", 0, 0, 0),
])
def test_format_modes(text, strict, lenient, prefix):
    assert check_format(text, "strict") == bool(strict)
    assert check_format(text, "lenient") == bool(lenient)
    assert check_format(text, "prefix") == bool(prefix)


def test_format_strict_without_strip_rejects_leading_newline():
    # Video-R2 matches the unstripped text: a leading newline already fails.
    assert not check_format("\n<think>a</think><answer>b</answer>", "strict", strip=False)
    assert get("format", mode="strict")("\n<think>a</think><answer>b</answer>", G).score == 1.0


def test_iou_values_and_edge_cases():
    r = get("iou")
    # [6, 12] vs [3, 9]: inter 3, union 9 -> 1/3
    assert r("<answer>6 - 12</answer>", G).score == pytest.approx(1 / 3)
    # reversed "12 - 6" is swapped by default -> same 1/3; invalid policy -> 0
    assert r("<answer>12 - 6</answer>", G).score == pytest.approx(1 / 3)
    assert get("iou", reversed="invalid")("<answer>12 - 6</answer>", G).score == 0.0
    # [0, 60] clamped to [0, 30]: inter 6, union 30 -> 0.2; unclamped union 60 -> 0.1
    assert r("0 - 60", G).score == pytest.approx(0.2)
    assert get("iou", clamp=False)("0 - 60", G).score == pytest.approx(0.1)
    assert r("no idea", G).score == 0.0 and r("no idea", G).reason == "no span"
    assert r("", G).score == 0.0
    # threshold: IoU 1/3 < 0.5 -> 0; exact -> 1
    assert get("iou", threshold=0.5)("6 - 12", G).score == 0.0
    assert get("iou", threshold=0.5)("3 - 9", G).score == 1.0
    # several GT spans: [13, 22] vs [12.1,17.1] 4.1/9.9 = 0.4141, vs [20,23.5] 2/10 = 0.2 -> max 0.4141
    assert r("13 - 22", G2).score == pytest.approx(4.1 / 9.9)
    # MM:SS is read as seconds: 00:03 - 00:09 = [3, 9]
    assert r("<answer>00:03 - 00:09</answer>", G).score == pytest.approx(1.0)


def test_overlap_recall_precision_f1():
    # [2.5, 7.5] vs [3, 7] on 10 s: inter 4, |p| 5, |g| 4 -> recall 1, precision 0.8, F1 1.6/1.8
    t = Target(task="grounding", duration=10.0, spans=((3.0, 7.0),))
    res = get("overlap")("2.5 to 7.5", t)
    assert res.components == pytest.approx({"recall": 1.0, "precision": 0.8, "f1": 0.8888888888888888})
    assert res.score == pytest.approx(0.8888888888888888)
    assert get("overlap", mode="recall")("0 - 10", t).score == 1.0  # the whole video: recall 1
    assert get("overlap", mode="precision")("0 - 10", t).score == pytest.approx(0.4)  # 4 / 10


def test_step_consistency_in_seconds():
    r = get("step_consistency")
    assert r("12.0 to 15.0", G).score == 1.0  # ordered and inside [0, 30] (the original gives 0.5)
    assert r("15 to 12", G).score == 0.5  # not monotonic, but inside
    assert r("20 to 45", G).score == 0.5  # ordered, past the end
    assert r("40 to 35", G).score == 0.0  # neither
    assert r("nothing", G).score == 0.0


def test_accuracy_and_open_accuracy():
    acc = get("accuracy")
    assert acc("<think>..</think><answer>B</answer>", MCQ).score == 1.0
    assert acc("<answer>(A)</answer>", MCQ).score == 0.0
    assert acc("<answer>a blue cup</answer>", MCQ).score == 1.0  # by option text
    assert acc("", MCQ).score == 0.0 and acc("", MCQ).reason == "no option"
    op = get("open_accuracy")
    assert op("<answer>cat.</answer>", OPEN).score == 1.0  # "The cat" -> "cat", "cat." -> "cat"
    assert op("<answer>a dog</answer>", OPEN).score == 0.0


def test_grounded_qa_nextgqa_values():
    r = get("grounded_qa")
    # GT [1.2, 5.8] vs [2, 8]: IoU 3.8/6.8 = 0.5588, IoP 3.8/6 = 0.6333 (NExT-GQA worked values)
    res = r("<answer>A; 2.0 - 8.0</answer>", GQA)
    assert res.components["iou"] == pytest.approx(3.8 / 6.8)
    assert res.components["iop"] == pytest.approx(3.8 / 6)
    assert res.components["acc_gqa"] == 1.0  # correct and IoP >= 0.5
    assert res.score == pytest.approx(0.5 * 1 + 0.5 * 3.8 / 6.8)
    # wrong letter: accuracy 0, score = 0.5 * IoU
    assert r("<answer>B; 2.0 - 8.0</answer>", GQA).score == pytest.approx(0.5 * 3.8 / 6.8)
    # point prediction inside the GT: IoU 0, IoP 1 (NExT-GQA's point rule)
    pt = r("<answer>A; 3 - 3</answer>", GQA)
    assert (pt.components["iou"], pt.components["iop"], pt.components["acc_gqa"]) == (0.0, 1.0, 1.0)
    assert get("grounded_qa", mode="acc_gqa")("<answer>A; 3 - 3</answer>", GQA).score == 1.0
    # letter without span
    assert r("<answer>A</answer>", GQA).score == pytest.approx(0.5)


def test_default_presets_weights():
    # default_grounding: 0.9 IoU + 0.1 lenient format. "6 - 12" with tags: 0.9/3 + 0.1 = 0.4
    assert get("default_grounding")("<think>x</think><answer>6 - 12</answer>", G).score == pytest.approx(0.4)
    d = get("default")
    assert d("<think>x</think><answer>B</answer>", MCQ).score == pytest.approx(1.0)
    assert d("B", MCQ).score == pytest.approx(0.9)  # right, no layout
    res = d("<think>x</think><answer>A; 2 - 8</answer>", GQA)
    # 0.9 * (0.5 + 0.5 * 0.5588) + 0.1
    assert res.score == pytest.approx(0.9 * (0.5 + 0.5 * 3.8 / 6.8) + 0.1)
    assert set(d.component_names()) >= {"iou", "format", "accuracy", "grounded_qa", "iop"}


def test_unsupported_task_is_a_configuration_error():
    from videorl.rewards import UnsupportedTaskError

    with pytest.raises(UnsupportedTaskError, match="iou"):
        get("iou")("3 - 9", MCQ)
    cap = Target(task="caption", duration=5.0, answer="a man runs")
    with pytest.raises(UnsupportedTaskError, match="judge"):
        get("default")("a man runs", cap)
