"""Faithful rewards equal the released code (issue 21), pinned without the originals.

``benchmarks/bench_parity.py`` runs the released functions beside faithful mode on 10,000+ seeded
completions per reward. These tests pin, with hand-worked values, the behaviours that run found
(causes 2, 3, 5, 6 of the issue) and every difference kept on purpose (the classes named in
docs/rewards.md: ``rouge_unstemmed``, ``math_verify_absent``, ``rouge_lcs_cap``, ``over_1mib``).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from videorl.rewards import get
from videorl.rewards.base import FAITHFUL_MAX_CHARS, MAX_RESPONSE_CHARS, as_text
from videorl.rewards.faithful import textmatch, versavid
from videorl.rewards.faithful.lwt235 import default_parse, faithful_overlap
from videorl.rewards.faithful.video_r2 import faithful_accuracy, question_type
from videorl.rewards.fmt import check_format
from videorl.target import Target

MCQ = Target(task="mcq", duration=10.0, options=("w", "x", "y", "z"), answer="B")
SPAN = Target(task="grounding", duration=30.0, spans=((3.0, 9.0),))


def _open(answer: str) -> Target:
    return Target(task="open_qa", duration=10.0, answer=answer)


# --- cause 2: a block may run over extra tags (the released regexes) ---------------------------------

# The released rule, written from its description: <think>, anything, </think>, whitespace, <answer>,
# anything, </answer>; "anything" may hold tags (DOTALL).
R1 = re.compile(r"<think>.*?</think>\s*<answer>.*?</answer>", re.DOTALL)
TOKENS = ["<think>", "</think>", "<answer>", "</answer>", " ", "\n", "a", "B", "\u2003", "<Answer>"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=10))
def test_r1_modes_equal_the_regex(parts):
    text = "".join(parts)
    assert check_format(text, "r1") == (R1.fullmatch(text) is not None)
    assert check_format(text, "r1_prefix") == (R1.match(text) is not None)


def test_repeated_and_nested_tags_pass_the_faithful_gates():
    two = "<think>a</think><answer>B</answer><answer>C</answer>"
    r2 = get("video_r2", faithful=True, tar_weight=0)
    assert r2(two, MCQ).components == {"accuracy": 1.0, "format": 1.0}
    assert get("video_r2", tar_weight=0)(two, MCQ).components["format"] == 0.0  # fixed: each tag once
    extra = "<think>a</think>so</think><answer>B</answer>"
    assert get("versavid_r1", faithful=True)(extra, MCQ).score == 1.0
    assert check_format("\n<think>a</think><answer>B</answer>", "r1") is False  # nothing stripped


# --- cause 5: Video-R2's numeric typing in the original's branch order -------------------------------

def test_video_r2_types_in_the_original_order():
    assert question_type("+5") == "numerical" and faithful_accuracy("+5", "+5") == 1.0
    assert question_type("1,5") == "free"  # not a thousands group, has a comma: ROUGE
    # tokens 1 5 vs 1 5 apples: R1 F = 0.8, R2 F = 2/3, RL F = 0.8 -> mean 0.7556
    assert faithful_accuracy("1,5", "1,5 apples") == pytest.approx((0.8 + 2 / 3 + 0.8) / 3)
    assert question_type("3.14159") == "regression"
    assert faithful_accuracy("3.14159", "3") == pytest.approx(1 - (0.14159 + 1e-9) / (3.14159 + 1e-9))
    assert faithful_accuracy("3", "3.0") == 0.0 and faithful_accuracy("1,000", "1000.0") == 1.0
    assert faithful_accuracy("cat", "car") == 1.0  # "c" starts both: multiple choice by the GT's letter


def test_video_r2_faithful_reads_only_lower_case_answer_tags():
    r2f, r2 = get("video_r2", faithful=True, tar_weight=0), get("video_r2", tar_weight=0)
    upper = "<think>a</think><ANSWER>STOP</ANSWER>"
    assert r2f(upper, _open("STOP")).components["accuracy"] == 0.0  # the original reads "" here
    assert r2(upper, _open("STOP")).components["accuracy"] == 1.0  # fixed reads any case


# --- cause 3: LWT235-VTG's own parser -------------------------------------------------------------

@pytest.mark.parametrize(("text", "span"), [
    ("[0.42 0.57]", (0.42, 0.57)), ("(0.42 0.57)", (0.42, 0.57)), ("( 0.1 0.2)", None),
    ("start0.42 end0.57", (0.42, 0.57)), ("START: 0.1, End: 0.2", (0.1, 0.2)),
    ("start: 0.1, end: 0.2, the end: 0.3", (0.1, 0.3)),  # the last end on the line wins
    ("start 0.1 end 0.2\nend 0.9", (0.1, 0.2)),  # ... but not past a newline
    ("start: 0.1\nend: 0.2", None), ("start 0.1 blend 0.5", (0.1, 0.5)), ("0.2 to 0.4 [0.5 0.6]", (0.2, 0.4)),
])
def test_lwt235_parser_as_released(text, span):
    assert default_parse(text) == span


def test_lwt235_ratios_carry_the_trainers_scale():
    # normalised GT (0.1, 0.3) and prediction (0.1, 0.2), both divided by the duration 100 again:
    # intersection 0.001, GT length 0.002, so recall = 0.001 / (0.002 + 1e-8), not 0.5.
    iou, rec, prec = faithful_overlap((0.1, 0.2), (0.1, 0.3), 100.0)
    assert rec == pytest.approx(0.001 / (0.002 + 1e-8), rel=1e-12) and rec != 0.5
    assert iou == pytest.approx(0.001 / (0.002 + 1e-8), rel=1e-12)
    assert prec == pytest.approx(0.001 / (0.001 + 1e-8), rel=1e-12)


# --- cause 6: long responses ------------------------------------------------------------------------

def test_long_responses_keep_the_answer():
    think = "<think>" + "padding " * 9000 + "</think>"  # 72,015 characters
    js = think + '<answer>{"start_time": "3", "end_time": "9"}</answer>'
    assert len(js) > MAX_RESPONSE_CHARS
    faithful = get("temporal_r1", faithful=True)(js, SPAN)
    assert faithful.components == {"iou": 1.0, "format": 1.0}  # the original reads the whole text
    fixed = get("temporal_r1")(js, SPAN)
    assert fixed.components == {"iou": 1.0, "format": 1.0}  # head and tail kept: <think> and the answer
    mcq = think + "<answer>B</answer>"
    assert get("video_r2", tar_weight=0)(mcq, MCQ).components == {"accuracy": 1.0, "format": 1.0}


def test_over_1mib_class():
    """``over_1mib``: faithful rewards cut only responses over 1 MiB characters (head + tail)."""
    r = get("video_r2", faithful=True, tar_weight=0)
    assert r._max_chars == FAITHFUL_MAX_CHARS and get("video_r2", tar_weight=0)._max_chars == MAX_RESPONSE_CHARS
    big = "<think>" + "x" * FAITHFUL_MAX_CHARS + "</think><answer>B</answer>"
    cut = as_text(big, FAITHFUL_MAX_CHARS)
    assert cut.startswith("<think>xxx") and cut.endswith("</think><answer>B</answer>") and "\n…\n" in cut
    assert len(cut) == FAITHFUL_MAX_CHARS + 3
    assert r(big, MCQ).components == {"accuracy": 1.0, "format": 1.0}
    assert r.params() == get("video_r2", faithful=True, tar_weight=0).params()  # not a parameter


# --- documented classes ------------------------------------------------------------------------------

def test_rouge_unstemmed_class(monkeypatch):
    """``rouge_unstemmed``: without NLTK, faithful ROUGE does not stem (rouge_score's use_stemmer=True)."""
    pytest.importorskip("nltk")
    assert textmatch.rouge_mean("the man runs", "the man running", stem=True) == 1.0  # run / run
    monkeypatch.setattr(textmatch, "_STEM", [None])
    # unstemmed: unigrams 2/3 -> F 2/3; bigrams "the man" 1 of 2 -> 1/2; LCS 2 -> 2/3
    assert textmatch.rouge_mean("the man runs", "the man running", stem=True) == pytest.approx((2 / 3 + 1 / 2 + 2 / 3) / 3)


def test_math_verify_absent_class(monkeypatch):
    """``math_verify_absent``: without math_verify the released symbolic first step is skipped."""
    text = "<think>a</think><answer>so it is 2.5</answer>"
    target = Target(task="mcq", duration=10.0, options=("w", "x"), answer="2.5", extra={"solution": "<answer>2.5</answer>"})
    reward = get("versavid_r1", faithful=True)
    monkeypatch.setattr(versavid, "_MV", [None])
    assert reward(text, target).score == 0.0  # letter reading: "so it is 2.5"[0] != "2"
    calls = []

    def parse(s):
        calls.append(s)
        return re.findall(r"\d+(?:\.\d+)?", s)[-1:]

    monkeypatch.setattr(versavid, "_MV", [(parse, lambda a, b: float(a == b))])
    assert reward(text, target).score == 1.0
    assert calls == [text, "<answer>2.5</answer>"]  # the whole completion, then the solution


def test_rouge_lcs_cap_class(monkeypatch):
    """``rouge_lcs_cap``: past MAX_LCS_CELLS token pairs, ROUGE-L reads a cut hypothesis."""
    ref, hyp = "a b c d", "x x x x a b c d"
    full = textmatch.rouge_mean(ref, hyp, cap=None)
    monkeypatch.setattr(textmatch, "MAX_LCS_CELLS", 16)  # 4 x 8 = 32 cells > 16: LCS on "x x x x"
    cut = textmatch.rouge_mean(ref, hyp, cap=None)
    r1, r2 = textmatch.rouge_n(list("abcd"), list("xxxxabcd"), 1), textmatch.rouge_n(list("abcd"), list("xxxxabcd"), 2)
    assert full == pytest.approx((r1 + r2 + textmatch.rouge_l(list("abcd"), list("xxxxabcd"))) / 3)
    assert cut == pytest.approx((r1 + r2 + 0.0) / 3)


def test_faithful_rewards_keep_nul_characters():
    text = "\x00<think>a</think><answer>B</answer>"  # the released regex does not start at a NUL
    assert get("video_r2", faithful=True, tar_weight=0)(text, MCQ).components["format"] == 0.0
    assert get("video_r2", tar_weight=0)(text, MCQ).components["format"] == 1.0  # fixed drops NULs
    assert get("versavid_r1", faithful=True).many([text.encode()], [MCQ])[0].components["format"] == 0.0
