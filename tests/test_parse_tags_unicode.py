"""Tags are read at the right place after any Unicode text (issue 21, cause 1).

``str.lower`` is not length-preserving (U+0130 'İ' lowers to 'i' + U+0307), so finding a tag in
``text.lower()`` and slicing the original text shifted every later position:
``<think>İ</think><answer>B</answer>`` read the answer ``'<'``. The parsers, the rewards (fixed and
faithful) and ``videorl score`` are checked here after arbitrary Unicode prefixes.
"""

from __future__ import annotations

import json
import sys

from hypothesis import example, given, settings
from hypothesis import strategies as st

from videorl.cli import main
from videorl.parse import answer_block, extract_tag, final_text, parse_option, parse_span
from videorl.parse.tags import TO_ASCII, fold
from videorl.rewards import get
from videorl.target import Target

# Any text without "<" (so it opens no tag), biased towards characters whose case mapping changes length.
GROWS = "İẞǅﬁΐŉǰİİ\u0149\u1e9e"
PREFIX = st.text(alphabet=st.one_of(st.characters(blacklist_characters="<", blacklist_categories=("Cs",)),
                                    st.sampled_from(GROWS)), max_size=40)


def test_the_reported_case():
    text = "<think>İ</think><answer>B</answer>"
    assert extract_tag(text, "answer") == "B"
    assert answer_block(text) == "B" and final_text(text) == "B"
    assert extract_tag("İİİ<Answer> C </ANSWER>", "answer") == "C"  # ASCII case still folds


def test_fold_keeps_length_and_only_lowers_ascii():
    s = "İ<ANSWER>\u212aß"  # U+212A KELVIN SIGN
    assert fold(s) == "İ<answer>\u212aß" and len(fold(s)) == len(s)
    assert "İ".lower() != "İ" and len("İ".lower()) == 2  # the reason fold exists
    # the Kelvin sign lowers to an ASCII "k" under str.lower; a tag written with it is not a tag
    assert extract_tag("<thin\u212a>x</think><answer>A</answer>", "think") is None


def test_to_ascii_lists_every_character_that_lowers_to_ascii():
    found = tuple(chr(cp) for cp in range(128, sys.maxunicode + 1) if any(ord(x) < 128 for x in chr(cp).lower()))
    assert found == TO_ASCII


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(blacklist_categories=("Cs",)), st.sampled_from(GROWS + "\u212a"))))
def test_fold_is_positionwise(text):
    low = fold(text)
    assert len(low) == len(text)
    for a, b in zip(text, low, strict=True):
        assert (b == a.lower()) if a.isascii() else not b.isascii()


@settings(max_examples=300, deadline=None)
@given(prefix=PREFIX, think=PREFIX, letter=st.sampled_from("ABCD"))
@example(prefix="İ", think="", letter="B")
@example(prefix="", think="İstanbul ẞ", letter="D")
def test_parsers_after_any_prefix(prefix, think, letter):
    text = f"{prefix}<think>{think}</think><answer>{letter}</answer>"
    assert extract_tag(text, "answer") == letter
    assert extract_tag(text, "think") == think.strip()
    assert answer_block(text) == letter and final_text(text) == letter
    assert parse_option(text, ["w", "x", "y", "z"]) == letter
    assert final_text(f"{prefix}<think>{think}</think> {letter}") == letter  # untagged answer after </think>


@settings(max_examples=150, deadline=None)
@given(prefix=PREFIX, think=PREFIX)
@example(prefix="İİ", think="ǅ")
def test_span_and_rewards_after_any_prefix(prefix, think):
    text = f"{prefix}<think>{think}</think><answer>3.0 - 7.0</answer>"
    assert parse_span(text, 30.0) == (3.0, 7.0)
    target = Target(task="grounding", duration=30.0, spans=((3.0, 7.0),))
    assert get("iou")(text, target).score == 1.0
    mcq = Target(task="mcq", duration=10.0, options=("w", "x", "y", "z"), answer="C")
    body = f"<think>{prefix}{think}</think><answer>C</answer>"
    for faithful in (False, True):
        assert get("video_r2", faithful=faithful, tar_weight=0)(body, mcq).components["accuracy"] == 1.0
        assert get("versavid_r1", faithful=faithful)(body, mcq).score == 1.0
    js = f'<think>{prefix}{think}</think><answer>{{"start_time": "3", "end_time": "7"}}</answer>'
    assert get("temporal_r1", faithful=True)(js, target).components["iou"] == 1.0
    assert get("temporal_r1")(js, target).components["iou"] == 1.0


def test_videorl_score_after_unicode(tmp_path, capsys):
    rows = [{"id": "g1", "video": "v.mp4", "duration": 30.0, "task": "grounding", "query": "q", "spans": [[3.0, 7.0]],
             "prediction": "<think>İİ İstanbul</think><answer>3.0 - 7.0</answer>"},
            {"id": "m1", "video": "v.mp4", "duration": 30.0, "task": "mcq", "query": "q", "options": ["a", "b", "c", "d"],
             "answer": "B", "prediction": "<think>İ</think><answer>B</answer>"}]
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert main(["score", str(path), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["grounding"]["mIoU"] == 100.0 and got["mcq"]["accuracy"] == 100.0
