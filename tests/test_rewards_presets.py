"""Reference-method presets: the worked vectors of easyr1.md §9.1 and methods.md §9, faithful vs fixed."""

from __future__ import annotations

import pytest

from videorl.rewards import get
from videorl.rewards.faithful.lwt235 import default_parse, zscore
from videorl.target import Target, TargetError

# Temporal-R1: gt = [0.1, 0.3] normalised on L = 30 s, i.e. [3, 9] s.
TR1 = Target(task="grounding", duration=30.0, spans=((3.0, 9.0),))


def _j(s, e, quoted=True, think=True):
    q = '"' if quoted else ""
    body = f'<answer>{{"start_time": {q}{s}{q}, "end_time": {q}{e}{q}}}</answer>'
    return (f"<think>I watch.</think>\n{body}" if think else body)


# (case, response, faithful total, fixed total)
TEMPORAL_R1_TABLE = [
    ("exact match", _j("3.0", "9.0"), 1.0, 1.0),
    # [6, 12] vs [3, 9]: tIoU 3/9 = 0.333 -> 0.5*0.333 + 0.5 = 0.667
    ("half-shifted", _j("6.0", "12.0"), 0.5 / 3 + 0.5, 0.5 / 3 + 0.5),
    # faithful format needs quoted values -> 0.5; fixed format accepts numbers -> 1.0
    ("unquoted numbers", _j("3.0", "9.0", quoted=False), 0.5, 1.0),
    ("no think block", _j("3.0", "9.0", think=False), 0.5, 0.5),
    # faithful: reversed -> tIoU 0, format 1 -> 0.5; fixed swaps -> 1.0
    ("reversed span", _j("9.0", "3.0"), 0.5, 1.0),
    # faithful: no JSON -> 0; fixed parser reads "3-9" -> IoU 1, no format -> 0.5
    ("free text", "3-9 seconds", 0.0, 0.5),
    ("zero-length span", _j("6.0", "6.0"), 0.5, 0.5),
    # faithful: [0, 2] vs [0.1, 0.3] normalised: 0.2 / 2 = 0.1 -> 0.55; fixed clamps to [0, 30]: 6/30 -> 0.6
    ("[0, 60] on 30 s", _j("0", "60"), 0.55, 0.6),
]


@pytest.mark.parametrize("case,text,faithful,fixed", TEMPORAL_R1_TABLE, ids=[c[0] for c in TEMPORAL_R1_TABLE])
def test_temporal_r1_table(case, text, faithful, fixed):
    assert get("temporal_r1", faithful=True)(text, TR1).score == pytest.approx(faithful, abs=1e-9)
    assert get("temporal_r1")(text, TR1).score == pytest.approx(fixed, abs=1e-9)


def test_temporal_r1_table_rounded_as_published():
    published = [1.0, 0.667, 0.5, 0.5, 0.5, 0.0, 0.5, 0.55]
    got = [round(get("temporal_r1", faithful=True)(t, TR1).score, 3) for _, t, _, _ in TEMPORAL_R1_TABLE]
    assert got == published


def test_temporal_r1_faithful_components_and_failures():
    r = get("temporal_r1", faithful=True)
    res = r(_j("6.0", "12.0"), TR1)
    assert res.components == pytest.approx({"iou": 1 / 3, "format": 1.0})
    for bad in ["<think>a</think><answer>{not json}</answer>", '<answer>{"start_time": "x", "end_time": "9"}</answer>',
                '<answer>{"start_time": "3"}</answer>', "<answer>[3, 9]</answer>", None, b"\xff\xfe"]:
        assert r(bad, TR1).components["iou"] == 0.0


def test_temporal_r1_dual():
    r = get("temporal_r1_dual")
    mcq = Target(task="mcq", duration=10.0, options=("x", "y"), answer="B")
    assert r("<think>t</think><answer>B</answer>", mcq).score == 1.0
    assert r("<think>t</think><answer>A</answer>", mcq).score == 0.5  # format only
    assert r("<think>t</think><answer>6 - 12</answer>", TR1).score == pytest.approx(0.5 / 3 + 0.5)
    gqa = Target(task="grounded_qa", duration=30.0, spans=((3.0, 9.0),), options=("x", "y"), answer="A")
    # answer = mean(accuracy 1, tIoU 1/3) = 2/3 -> 0.5 * 2/3 + 0.5
    assert r("<think>t</think><answer>A; 6 - 12</answer>", gqa).score == pytest.approx(0.5 * 2 / 3 + 0.5)


# Qwen3-VL-GRPO-VTG (Lwt235): "0.25 to 0.75" vs (0.3, 0.7) normalised.
LWT = Target(task="grounding", duration=10.0, spans=((3.0, 7.0),))


def test_lwt235_vectors():
    res = get("qwen3_vl_grpo_vtg", faithful=True)("0.25 to 0.75", LWT)
    # inter 0.4, union 0.5 -> IoU 0.8; recall 0.4/0.4 = 1; precision 0.4/0.5 = 0.8; F1 1.6/1.8 = 0.8889
    assert res.components["iou"] == pytest.approx(0.8)
    assert res.components["recall"] == pytest.approx(1.0)
    assert res.components["precision"] == pytest.approx(0.8)
    assert res.components["f1"] == pytest.approx(0.8889, abs=1e-4)
    # (1.0 * 0.8 + 0.5 * 1.0) / 1.5 = 0.8667
    assert res.score == pytest.approx(1.3 / 1.5)
    # the fixed mode in seconds gives the same on "2.5 to 7.5"
    assert get("qwen3_vl_grpo_vtg")("2.5 to 7.5", LWT).score == pytest.approx(1.3 / 1.5)


def test_lwt235_faithful_bugs():
    f = get("qwen3_vl_grpo_vtg", faithful=True)
    assert default_parse("00:12 - 00:20") == (12.0, 0.0)  # MM:SS broken
    assert f("00:12 - 00:20", LWT).score == 0.0
    assert f("12 to 8", LWT).score == 0.0  # reversed -> zero length
    assert default_parse("-1 to 5") == (1.0, 5.0)  # sign lost
    assert default_parse("2024-05-01: 3 to 5") == (2024.0, 5.0)
    assert default_parse("10.5s to 20s") is None
    assert default_parse(". to 3") is None and default_parse("1.2.3 to 4") is None
    assert default_parse("[12.3, 18.9]") == (12.3, 18.9)
    # StepConsistency assumes normalised times: "12.0 to 15.0" -> monotonic 1, end <= 1 fails -> 0.5
    assert f("12.0 to 15.0", LWT).components["step_consistency"] == 0.5
    # fixed: seconds, MM:SS read properly: 00:03 - 00:07 = [3, 7] -> IoU 1, recall 1
    assert get("qwen3_vl_grpo_vtg")("00:03 - 00:07", LWT).score == pytest.approx(1.0)


def test_lwt235_zscore():
    # scores [1, 2, 3]: mean 2, unbiased std 1 -> [-1, 0, 1]
    assert zscore([1.0, 2.0, 3.0]) == pytest.approx([-1.0, 0.0, 1.0], abs=1e-6)
    assert zscore([5.0]) == [5.0]
    assert zscore([0.0] * 10 + [1.0], clip=2.0)[-1] == 2.0  # (1 - 1/11) / 0.3015 = 3.02 -> clipped
    assert get("qwen3_vl_grpo_vtg", zscore=True).batch([1.0, 2.0, 3.0]) == pytest.approx([-1, 0, 1], abs=1e-6)


MCQ = Target(task="mcq", duration=10.0, options=("w", "x", "y", "z"), answer="B")


def test_video_r2_faithful_vs_fixed():
    from videorl.rewards.faithful.video_r2 import faithful_accuracy

    assert faithful_accuracy("cat", "car") == 1.0  # "cat" looks like letter C
    assert faithful_accuracy("B", "Answer: B") == 0.0  # read as "A"
    assert faithful_accuracy("B", "(B)") == 0.0
    assert faithful_accuracy("3", "3.0") == 0.0  # decimal-mark mismatch
    assert faithful_accuracy("1,234", "1234.0") == 1.0  # both have a mark; 1234 == 1234
    assert faithful_accuracy("3.14159", "3.0") == pytest.approx(1 - (0.14159 + 1e-9) / (3.14159 + 1e-9))
    # OCR: "stop sign" vs "stop" -> WER 1/2 -> 0.5 (first letter "s" is not a-e)
    assert faithful_accuracy("stop sign", "stop") == 0.5
    ans = "<think>t</think><answer>Answer: B</answer>"
    assert get("video_r2", faithful=True, tar_weight=0)(ans, MCQ).score == 1.0  # accuracy 0 + format 1
    assert get("video_r2", tar_weight=0)(ans, MCQ).score == 2.0  # accuracy 1 + format 1
    open_t = Target(task="open_qa", duration=10.0, answer="cat")
    car = "<think>t</think><answer>car</answer>"
    assert get("video_r2", faithful=True, tar_weight=0)(car, open_t).components["accuracy"] == 1.0
    assert get("video_r2", tar_weight=0)(car, open_t).components["accuracy"] == 0.0  # WER 1 -> 0
    num = Target(task="open_qa", duration=10.0, answer="3")
    assert get("video_r2", tar_weight=0)("<answer>3.0</answer>", num).components["accuracy"] == 1.0
    # faithful format does not strip
    assert get("video_r2", faithful=True, tar_weight=0)("\n" + ans, MCQ).components["format"] == 0.0


def test_versavid_faithful_vs_fixed():
    f, x = get("versavid_r1", faithful=True), get("versavid_r1")
    good = "<think>t</think> <answer>B</answer>"
    assert f(good, MCQ).score == 1.0 and x(good, MCQ).score == 1.0
    assert f("<think>t</think><answer>B)</answer>", MCQ).score == 0.0  # "B)" fails faithfully
    assert x("<think>t</think><answer>B)</answer>", MCQ).score == 1.0
    # any "A." inside the text wins in the original
    sent = "<think>t</think><answer>Not A. The answer is B.</answer>"
    assert f(sent, MCQ).score == 0.0
    assert f("<think>t</think><answer>\\boxed{B}</answer>", MCQ).score == 1.0
    # format gate: leading whitespace gives 0 faithfully, fixed strips it
    assert f(" " + good, MCQ).score == 0.0 and x(" " + good, MCQ).score == 1.0
    assert f("<answer>B</answer>", MCQ).score == 0.0  # no think: gate closed


def test_video_mtr_turn_decay_and_case():
    f, x = get("video_mtr", faithful=True), get("video_mtr")
    good = "<think>t</think><answer>B</answer>"
    assert f(good, MCQ).score == pytest.approx(1.1)  # 0.1 + 1.0
    assert get("video_mtr", turn=3)(good, MCQ).score == pytest.approx(0.9)  # 0.1 + 0.8
    lower = "<think>t</think><answer>b</answer>"
    assert f(lower, MCQ).score == pytest.approx(0.1)  # valid, but case-sensitive mismatch
    assert x(lower, MCQ).score == pytest.approx(1.1)
    assert f("<think>t</think><answer>B.</answer>", MCQ).score == 0.0  # invalid answer
    assert f("<answer>B</answer>", MCQ).score == 0.0  # bad format
    t2 = Target(task="mcq", duration=10.0, options=MCQ.options, answer="B", extra={"turn": 2})
    assert x(good, t2).score == pytest.approx(1.0)  # 0.1 + 0.9
    with pytest.raises(TargetError, match="mtr"):  # the episode reward needs the env's turn log
        get("video_mtr_multiturn")(good, MCQ)
