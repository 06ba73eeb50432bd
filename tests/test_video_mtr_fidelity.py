"""Video-MTR faithful vs fixed, pinned without the original's checkout: the answer turn as the
original's regexes and ``reward_fn`` score it (values worked out by hand from its released code,
methods.md §4.2-4.3), and MRA's exact boundaries (hand-worked table)."""

from __future__ import annotations

import pytest

from videorl.envs.video_mtr import (
    MC,
    NUMERICAL,
    MTRConfig,
    Problem,
    mean_relative_accuracy,
    parse_action,
    replay,
)
from videorl.rewards import get
from videorl.target import Target

T = "<think>a</think>"
MCQ = Target(task="mcq", duration=10.0, options=("x", "y", "z"), answer="B")


def num(gt: str, turn: int = 1) -> Target:
    return Target(task="open_qa", duration=10.0, answer=gt, extra={"problem_type": NUMERICAL, "turn": turn})


@pytest.mark.parametrize("text,target,faithful,fixed", [
    # the original reads the first answer block once the anchored layout matched: "B" -> 0.1 + 1.0
    (f"{T}<answer>B</answer><answer>C</answer>", MCQ, 1.1, 0.0),
    (f"{T}<answer>C</answer> <answer>B</answer>", MCQ, 0.1, 0.0),  # first block "C": valid, wrong
    (f"{T}<answer>B</answer>\n", MCQ, 1.1, 1.1),
    (f"\u00a0{T}\u2003<answer>B</answer>", MCQ, 1.1, 1.1),  # Unicode whitespace is \s and strip()
    (f"İ{T}<answer>B</answer>", MCQ, 0.0, 0.0),  # text before the think block: no layout
    ("<THINK>a</THINK><answer>B</answer>", MCQ, 0.0, 0.0),  # tags are case-sensitive
    (f"{T}<answer>b</answer>", MCQ, 0.1, 1.1),  # valid (upper-cased) but compared case-sensitively
    # numbers are not turn-discounted in the original: a correct "3" at turn 3 scores 1.1
    (f"{T}<answer>3</answer>", num("3", 3), 1.1, 0.9),
    (f"{T}<answer>3.0</answer>", num("3", 1), 0.1, 1.1),  # decimal marks disagree
    (f"{T}<answer>1.5</answer>", num("1,5", 1), 0.1, 0.1),  # "," is a mark too, float("1,5") fails: 0
    (f"{T}<answer>inf</answer>", num("inf", 2), 1.1, 0.1),  # round(inf, 2) == inf in the original
    (f"{T}<answer>7</answer><answer>8</answer>", num("7", 1), 1.1, 0.0),
])
def test_answer_turn_faithful_and_fixed(text, target, faithful, fixed):
    assert get("video_mtr", faithful=True)(text, target).score == pytest.approx(faithful)
    assert get("video_mtr")(text, target).score == pytest.approx(fixed)


def test_mc_discount_is_unclamped_in_the_original():
    good = f"{T}<answer>B</answer>"
    assert get("video_mtr", faithful=True, turn=12)(good, MCQ).score == pytest.approx(0.0)  # 0.1 + (1 - 1.1)
    assert get("video_mtr", faithful=True, turn=15)(good, MCQ).score == pytest.approx(-0.3)
    assert get("video_mtr", turn=15)(good, MCQ).score == pytest.approx(0.1)


def test_retrieve_reads_the_first_block_in_faithful_mode():
    text = f"{T}<retrieve>2, 5</retrieve><retrieve>30, 39</retrieve>"
    act = parse_action(text, 40, faithful=True)
    assert (act.kind, act.start, act.end) == ("retrieve", 2, 5)
    assert parse_action(text, 40).kind == "invalid"
    ep = replay(Problem("q", ["x", "y"], "A", MC), 40, [text, f"{T}<answer>A</answer>"], [2, 3, 4, 5],
                MTRConfig(faithful=True))
    assert ep.turns[0].shown == [2, 3, 4, 5] and ep.turn_rewards() == pytest.approx([0.6, 1.0])


# MRA: relative error r = |p - g| / |g|; θ counts when r < 1 - θ, θ = 0.50, 0.55, …, 0.95
@pytest.mark.parametrize("p,g,mra", [
    (10, 10, 1.0),     # r 0: all ten
    (13, 10, 0.4),     # r 0.3: θ 0.50-0.65 (0.3 < 0.3 is false at θ 0.70), the paper's value
    (7, 10, 0.4),
    (-13, -10, 0.4),
    (3.5, 5, 0.4),     # r 1.5 / 5 = 0.3
    (11, 10, 0.8),     # r 0.1: θ up to 0.85
    (0.45, 0.5, 0.8),
    (12, 10, 0.6),     # r 0.2: θ up to 0.75
    (6.5, 10, 0.3),    # r 0.35: θ 0.50-0.60
    (10.5, 10, 0.9),   # r 0.05: θ up to 0.90
    (15, 10, 0.0),     # r 0.5 is not < 0.5
    (0, 0, 1.0), (1, 0, 0.0),
])
def test_mra_hand_worked_table(p, g, mra):
    assert mean_relative_accuracy(p, g) == mra
