"""Span parser: a table of answer styles with their expected parse, policies, and fuzzing."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from videorl.parse import answer_block, extract_tag, find_span, parse_span, parse_time

# (model output, expected span with duration=None and default policies)
STYLES = [
    # plain ranges
    ("12.5 - 17.0", (12.5, 17.0)),
    ("12.5-17.0", (12.5, 17.0)),
    ("0.25 to 0.75", (0.25, 0.75)),
    ("3 to 7", (3.0, 7.0)),
    ("12.5 – 17.0", (12.5, 17.0)),  # en dash
    ("12.5—17.0", (12.5, 17.0)),  # em dash
    ("12.5 ~ 17.0", (12.5, 17.0)),
    ("12.5～17.0", (12.5, 17.0)),
    ("12.5 → 17.0", (12.5, 17.0)),
    ("12.5 -> 17.0", (12.5, 17.0)),
    ("12.5 --> 17.0", (12.5, 17.0)),
    ("12.5 until 17.0", (12.5, 17.0)),
    (".5 - 2", (0.5, 2.0)),
    # units (lmms-eval reads "7.5s" as 7.0)
    ("7.5s - 9s", (7.5, 9.0)),
    ("12.5 s - 17.0 s", (12.5, 17.0)),
    ("12.5 sec to 17 sec", (12.5, 17.0)),
    ("12.5 secs to 17 secs", (12.5, 17.0)),
    ("3 seconds to 7 seconds", (3.0, 7.0)),
    ("1 second to 2 seconds", (1.0, 2.0)),
    ("10.5 - 20.0 seconds", (10.5, 20.0)),
    ("12.5seconds - 17seconds", (12.5, 17.0)),
    # sentences
    ("The event happens from 3 to 7 seconds.", (3.0, 7.0)),
    ("From 3.2s to 8.4s the person opens the door.", (3.2, 8.4)),
    ("between 3 and 7 seconds", (3.0, 7.0)),
    ("It occurs between the 3 and 7 second marks.", (3.0, 7.0)),
    ("Between 0:05 and 0:10.", (5.0, 10.0)),
    ("The event starts at 3.0 seconds and ends at 7.5 seconds.", (3.0, 7.5)),
    ("It begins around 4.2s and finishes at 9.8s", (4.2, 9.8)),
    ("The action starts at about 2 seconds and stops at 6 seconds.", (2.0, 6.0)),
    ("The person starts at 1.5 s and continues until 4 s.", (1.5, 4.0)),
    ("start: 3, end: 7", (3.0, 7.0)),
    ("Start time: 3.0s, End time: 7.5s", (3.0, 7.5)),
    ("start time = 4; end time = 9", (4.0, 9.0)),
    ("End time: 7.5s, start time: 3s", (3.0, 7.5)),  # reverse order of keys
    ("Start Time: 00:12\nEnd Time: 00:20", (12.0, 20.0)),
    # JSON
    ('{"start_time": "12.5", "end_time": "17.0"}', (12.5, 17.0)),
    ('{"start": 12.5, "end": 17}', (12.5, 17.0)),
    ('{"begin": 4, "end": 9.5}', (4.0, 9.5)),
    ('{"end": 17, "start": 12}', (12.0, 17.0)),
    ('```json\n{"start_time": 3.5, "end_time": 8}\n```', (3.5, 8.0)),
    ('{"start_time": "00:01:02", "end_time": "00:01:05.5"}', (62.0, 65.5)),
    ('{"timestamps": [12.5, 17.0]}', (12.5, 17.0)),
    # brackets and bare pairs
    ("[12.5, 17.0]", (12.5, 17.0)),
    ("(12.5, 17.0)", (12.5, 17.0)),
    ("[12.5s, 17s]", (12.5, 17.0)),
    ("[[3, 7], [10, 12]]", (3.0, 7.0)),
    ("[3 - 7]", (3.0, 7.0)),
    ("12.5, 17.0", (12.5, 17.0)),
    ("12.5 17.0", (12.5, 17.0)),
    # clock formats
    ("00:12 - 00:20", (12.0, 20.0)),  # Temporal-R1's VTG parser gives (12, 0)
    ("1:02.5 to 1:05", (62.5, 65.0)),
    ("01:02:03.5 - 01:02:08", (3723.5, 3728.0)),
    ("00:00:12,500 --> 00:00:17,000", (12.5, 17.0)),  # SRT
    ("[00:00:01, 00:00:05]", (1.0, 5.0)),
    # Qwen3-VL timestamp tokens
    ("<3.0 seconds> <7.0 seconds>", (3.0, 7.0)),
    ("from <3.0 seconds> to <7.0 seconds>", (3.0, 7.0)),
    ("<12.5 seconds>-<17.0 seconds>", (12.5, 17.0)),
    # Chinese
    ("从3秒到7秒", (3.0, 7.0)),
    ("3秒到7秒", (3.0, 7.0)),
    ("3秒至7秒", (3.0, 7.0)),
    ("在3.5秒至7秒之间", (3.5, 7.0)),
    ("开始时间：3秒，结束时间：7秒", (3.0, 7.0)),
    # answer blocks and think blocks
    ("<think>maybe 1 - 2</think><answer>4 - 9</answer>", (4.0, 9.0)),
    ("<think>The video is 30 s long, 1 to 2 is wrong.</think>\n<answer>12.0 - 15.0</answer>", (12.0, 15.0)),
    ("<think>first guess 1 - 2</think> 5 - 8", (5.0, 8.0)),
    ("<answer>3.0 - 7.0", (3.0, 7.0)),  # truncated generation
    ("<ANSWER>3 to 4</ANSWER>", (3.0, 4.0)),
    # numbers that must not be taken
    ("from 3 to 7, and he leaves at 25 seconds", (3.0, 7.0)),
    ("The video is 30 seconds long. The event is from 3 to 7.", (3.0, 7.0)),
    ("The video is out of 30 seconds; the man jumps between 4 and 6 seconds.", (4.0, 6.0)),
    ("Step 1: watch. Step 2: the moment is 3.0 - 7.0.", (3.0, 7.0)),
    ("The 2nd person enters from 4 to 8 s.", (4.0, 8.0)),
    ("He puts the tomato into the pot from 3 to 7.", (3.0, 7.0)),  # no "to" rewriting
    ("v1.5 says 2 - 4", (2.0, 4.0)),
    ("The person starts walking at 2 seconds. The moment is 3.0 - 7.5.", (3.0, 7.5)),
]

NO_SPAN = [
    "",
    "I don't know.",
    "the video is 30 seconds long",
    "the video is out of 30 seconds",
    "He leaves at 25 seconds.",
    "step 2 - 5",
    "option 1 to 3",
    "2024-05-01",
    "The 2nd to 4th scenes.",
    "5 steps",
    "1.2.3 to 4",
    ". to 3",
    "tomato into",
    "<answer>somewhere in the middle</answer> 3 - 7",  # the answer block wins, and it has no span
    "starts at 3 seconds",  # a start without an end
]


@pytest.mark.parametrize(("text", "expected"), STYLES, ids=[s[0][:40] for s in STYLES])
def test_styles(text, expected):
    got = parse_span(text)
    assert got == pytest.approx(expected)


def test_corpus_size():
    assert len(STYLES) >= 60


# The corpus of answer styles in the wild (tests/data/span_styles.jsonl): forms the methods' prompts
# ask for, labels and unit words, minutes, markdown emphasis / lists / tables, number words, JSON and
# tags, think / answer wrappers, and texts that hold no span. Each line: text, span (null: none),
# style (a short name, unique per line), source ("prompt:<method>", "readme:<method>" or "common").
CORPUS = [json.loads(line) for line in
          (Path(__file__).parent / "data" / "span_styles.jsonl").read_text(encoding="utf-8").splitlines()]


def _reads(row) -> bool:
    got = parse_span(row["text"])
    if row["span"] is None or got is None:
        return got is None and row["span"] is None
    return got == pytest.approx(tuple(row["span"]))


def test_wild_corpus_is_read():
    styles = {r["style"] for r in CORPUS}
    assert len(CORPUS) == len(styles) == len({r["text"] for r in CORPUS})  # distinct styles
    assert len(CORPUS) + len(STYLES) + len(NO_SPAN) >= 300
    wrong = [(r["style"], r["text"], r["span"], parse_span(r["text"])) for r in CORPUS if not _reads(r)]
    assert len(wrong) <= 0.01 * len(CORPUS), wrong


@pytest.mark.parametrize(("text", "span"), [
    ("between twelve and fifteen seconds", (12.0, 15.0)),
    ("from twenty-one to 25 seconds", (21.0, 25.0)),
    ("from one hundred to 105 seconds", (100.0, 105.0)),
    ("from one hundred to 105 s", None),  # number words need a seconds / minutes word, not "s"
    ("from two to three minutes", (120.0, 180.0)),
    ("between one and two people", None),  # no time unit: not a span
    ("from twelve to fifteen", None),
    ("from twelve to fifteen seconds, then 30 to 40", (30.0, 40.0)),  # a span in digits wins over words
])
def test_number_words(text, span):
    assert parse_span(text) == span


@pytest.mark.parametrize(("text", "span"), [
    ("from 1 min 5 s to 1 min 10 s", (65.0, 70.0)),
    ("1m05s - 1m10s", (65.0, 70.0)),
    ("1 to 2 minutes", (60.0, 120.0)),  # a bare number before a minutes value is minutes
    ("1.5 min - 2 min", (90.0, 120.0)),
    ("from 1 min 75 s to 2 min", None),  # seconds field >= 60
    ("5m - 7m", None),  # a bare "m" is metres unless seconds follow
])
def test_minutes(text, span):
    assert parse_span(text) == span


def test_markup_is_blanked_but_offsets_and_text_are_the_original():
    text = "Answer: **3.5** - **7.0** s"
    m = find_span(text)
    assert (m.start, m.end) == (3.5, 7.0) and text[m.begin:m.stop] == m.text == "3.5** - **7.0"
    assert parse_span("clip_3 to clip_5") is None  # underscores inside identifiers are not emphasis
    from videorl.parse.spans import _unmarked

    assert _unmarked("3 * 5") == "3   5"  # every asterisk is blanked; "3 * 5" was read as (3, 5) before too
    assert _unmarked("**3.5** _7_ `x` \\[") == "  3.5    7   x   ["


@pytest.mark.parametrize("text", NO_SPAN)
def test_no_span(text):
    assert parse_span(text) is None


def test_think_only_output_is_read_whole():
    # No <answer> tag and nothing after </think>: the whole text is read (documented fallback);
    # format rewards are what penalise a missing answer block.
    assert parse_span("<think>3 - 7</think>") == (3.0, 7.0)


@pytest.mark.parametrize(("token", "expected"), [
    ("12.5", 12.5), ("12.5s", 12.5), ("7.5s", 7.5), ("12 sec", 12.0), ("3 seconds", 3.0),
    ("1:02.5", 62.5),  # 1 * 60 + 2.5
    ("01:02:03.5", 3723.5),  # 3600 + 120 + 3.5
    ("00:01:02,500", 62.5),  # SRT comma milliseconds
    ("12秒", 12.0), (" 4 ", 4.0), ("0", 0.0),
    ("-3", None), ("abc", None), ("1:75", None), ("1:61:00", None), ("3 - 4", None), ("", None), ("2nd", None),
    ("1:59:30", 7170.0),  # 3600 + 59 * 60 + 30: minute 59 is the last valid one
    ("01:60:00", None),
    ("1 min 59.5 s", 119.5), ("1 min 60 s", None),  # the seconds after minutes must be < 60 too
    ("12.5".rjust(64), 12.5), ("12.5".rjust(65), None),  # tokens up to 64 characters are read
    ("1:60", None), ("0:59.5", 59.5), ("1:02.5 s", 62.5),  # seconds of a clock value < 60; a unit after it
    (None, None), (12.5, None),  # not a string: None, never an error
])
def test_parse_time(token, expected):
    assert parse_time(token) == (pytest.approx(expected) if expected is not None else None)


# ---------------------------------------------------------------------- policies
def test_reversed_swap_and_invalid():
    assert parse_span("12 to 8") == (8.0, 12.0)
    assert parse_span("12 to 8", reversed="invalid") is None
    assert parse_span("8 to 12", reversed="invalid") == (8.0, 12.0)


def test_negative_values_give_none():
    assert parse_span("-1 to 5") is None
    assert parse_span("[-1, 5]") is None
    assert parse_span("from -2.5 to 4") is None


def test_minus_after_a_value_is_a_separator():
    assert parse_span("3 -7") == (3.0, 7.0)
    assert parse_span("3s -7s") == (3.0, 7.0)


def test_clamp_end_to_duration():
    assert parse_span("20 - 40", 30.0) == (20.0, 30.0)
    assert parse_span("20 - 40", 30.0, clamp=False) == (20.0, 40.0)
    assert parse_span("40 - 20", 30.0) == (20.0, 30.0)  # swapped first, then clamped


def test_start_after_duration_is_kept_outside():
    # Starts at/after the duration: returned unchanged, scores IoU 0 (never a reversed span).
    assert parse_span("35 - 40", 30.0) == (35.0, 40.0)
    assert parse_span("30 - 40", 30.0) == (30.0, 40.0)


def test_zero_length_kept():
    assert parse_span("5 - 5", 30.0) == (5.0, 5.0)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="reversed"):
        parse_span("1 - 2", reversed="flip")
    with pytest.raises(ValueError, match="duration"):
        parse_span("1 - 2", 0.0)
    with pytest.raises(ValueError, match="duration"):
        parse_span("nothing here", -5.0)


def test_find_span_offsets():
    m = find_span("B; 12.5 - 17.0 is it")
    assert m is not None and (m.start, m.end) == (12.5, 17.0)
    assert m.text == "12.5 - 17.0"


# ---------------------------------------------------------------------- tags
def test_tags():
    assert extract_tag("<think> a </think><answer> b </answer>", "answer") == "b"
    assert extract_tag("<answer>open", "answer") is None
    assert extract_tag("no tags", "think") is None
    assert answer_block("<answer>open ended") == "open ended"
    assert answer_block("  whole  ") == "whole"
    assert answer_block("<Answer>X</Answer>") == "X"


# ---------------------------------------------------------------------- robustness
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_never_raises_on_text(text):
    out = parse_span(text, 30.0)
    assert out is None or (0 <= out[0] <= out[1] or out[0] >= 30.0)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789.:-,;~ s<>[]()toandbetweenstartend秒\n\t\x00")),
               max_size=200))
def test_never_raises_on_numberish_text(text):
    out = parse_span(text, 30.0, reversed="invalid")
    assert out is None or out[0] <= out[1] or out[0] >= 30.0


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1000, allow_nan=False), st.floats(0, 1000, allow_nan=False))
def test_round_trip_of_written_spans(a, b):
    s, e = round(min(a, b), 1), round(max(a, b), 1)
    assert parse_span(f"{s:.1f} - {e:.1f}") == (s, e)
    assert parse_span(f'<answer>{{"start_time": "{s:.1f}", "end_time": "{e:.1f}"}}</answer>') == (s, e)


@pytest.mark.parametrize(("text", "expected"), [
    # "Min" alone (no "min", no "MIN") still turns on the minutes forms
    ("Start: 1 Min 30 s, End: 2 Min", (90.0, 120.0)), ("From 1 Min to 2 Min", (60.0, 120.0)),
    # a minus after words (not right after the previous value) is a sign: the span is negative -> None
    ("3 apples, -1 to 5", None),
    # dates: 1999-05-01 gives no (5, 1); 12-31-99 gives no (12, 31) nor (31, 99)
    ("Recorded 1999-05-01, from 3 to 7", (3.0, 7.0)), ("Filmed 12-31-99.", None),
    # an excluding word reaches at most three separators back: four spaces free the pair
    ("step    3 - 5", (3.0, 5.0)), ("step   3 - 5", None),
    # values in angle brackets pair up (Qwen3-VL timestamps) only when "<" and ">" hug them
    ("Event <3.5 seconds> then <7.0 seconds>", (3.5, 7.0)), ("Event <3.5    > then <7.0    >", None),
    # underscores of emphasis are blanked without any backslash in the text
    ("from _3.5_ to _7_ s", (3.5, 7.0)),
    # keys in reverse order among other keys (not a bare pair): the end is found before the start
    ('{"end": 7, "start": 3, "label": "x"}', (3.0, 7.0)),
    # the gap between two values is at most 24 characters
    ("3 marks</t> to <t>around 7", (3.0, 7.0)), ("3 marks</t> to <t>around  7", None),
    # at most MAX_TOKENS (2000) values are examined: a span written after the 2000th is not read
    ("n 1 " * 1998 + "3 - 7", (3.0, 7.0)), ("n 1 " * 1999 + "3 - 7", None),
    ("n 1 " * 1999 + "between twelve and fifteen seconds", None),  # number words count towards the bound
    # capitalised unit words turn on number words ("Sec" alone, "SEC" alone)
    ("Between Twelve and Fifteen Seconds", (12.0, 15.0)), ("BETWEEN TWELVE AND FIFTEEN SECONDS", (12.0, 15.0)),
    # an invalid minutes value is skipped, the values after it still read
    ("1 min 75 s; from 3 to 7 s", (3.0, 7.0)),
    # a clock value is seconds: no minutes rule for the bare number before it
    ("from 1:30 to 2 min", (90.0, 120.0)), ("1:30 s - 2:00 s", (90.0, 120.0)), ("3 - 0:15", (3.0, 15.0)),
    # number words need a unit on one of the two values (a clock value counts as one)
    ("between twelve and 15, in seconds", None), ("from twelve to 0:15, seconds", (12.0, 15.0)),
    ("between one and two people left, 30 seconds later", None),
    ("between 3 and fifteen people, 30 seconds later", None), ("twelve, 15 seconds", None),
    # "a, b" is a span only inside brackets: both the opening and the closing one
    ("from 3 to 7 2 times", (3.0, 7.0)), ("3 - 7-ish", (3.0, 7.0)),  # no date: no digit right after "-"
    ("Event <  3.5 seconds> then <  7.0 seconds>", (3.5, 7.0)), ("Event <   3.5 > then <   7.0 >", None),
    ("<3.5 seconds> then <7.0 seconds>", (3.5, 7.0)), ("Event <3.5   > then <7.0   >", None),
    # the start keyword's end value is looked for up to 40 values back, each of them
    ("ends at 7" + " x 1" * 39 + " starts at 3", (3.0, 7.0)), ("ends at 7" + " x 1" * 40 + " starts at 3", None),
    ("ends at 7, n 1, starts at 3", (3.0, 7.0)),
    ("3.5, twelve seconds", None),  # a bare pair is two values in digits
    ("3 and 7 apples", None), ("between 3 and 7 apples", (3.0, 7.0)),  # "a and b" needs "between"
    ("(3, 7 apples", None), ("I have 3, 7 apples", None),
    ("Recorded 2010-05-01, from 3 to 7", (3.0, 7.0)),
    ("{step 3 - 5}", None),  # the word before the value is "step", whatever punctuation precedes it
    # an end keyword far before the value (outside the 48-character window) does not cue it
    ("That was the end of the first story, long ago. Now it starts at 3 with 5 dogs.", None),
    ("start" + " " * 43 + "3, later end 7", (3.0, 7.0)), ("start" + " " * 44 + "3, later end 7", None),
    ("Event <3.5  > then <7.0  >", (3.5, 7.0)),  # ">" within three characters after the value
    ("结束7，开始3", (3.0, 7.0)),  # a cue keyword right before the last value
    ("end 7, start结束 3", (3.0, 7.0)),  # a value cued as start and end pairs with another value's end
    # the end cue is looked for up to 40 values after the start
    ("starts at 3" + " x 1" * 39 + " ends at 7", (3.0, 7.0)), ("starts at 3" + " x 1" * 40 + " ends at 7", None),
    # a text of two bare values: at most 200 characters, and nothing but labels and punctuation between them
    ("3 to 7 -", (3.0, 7.0)),
    ("at 1:75, from 3 to 7", (3.0, 7.0)),  # an invalid clock value is skipped, the values after it still read
    ("3 x-1 to 5", None),  # "x-1": the minus follows a word, so it is a sign  # a minus at the very end of the text is no sign of the first value
    ("The start was late: 3 people came, and the end was at 7", None),  # a start keyword must cue the value
    ("3.5, 7.0 " + "=" * 191, (3.5, 7.0)), ("3.5, 7.0 " + "=" * 192, None), ("3.5 apples 7.0", None),
])
def test_span_rules_at_their_edges(text, expected):
    assert parse_span(text) == expected


def test_policy_edges():
    from videorl.parse.spans import apply_span_policy

    assert apply_span_policy(3, 40, duration=30.0) == (3.0, 30.0)  # duration by keyword
    assert apply_span_policy("abc", 5.0) is None  # not a number: None, not an error
    assert parse_span("3 - 40", duration=30.0) == (3.0, 30.0) and find_span(12) is None
    assert apply_span_policy(3.0, -0.5) is None and apply_span_policy(-0.5, 3.0) is None  # any negative value
    assert parse_span("5 - 5", reversed="invalid") == (5.0, 5.0)  # zero length is not reversed
    assert parse_span("0.2 - 0.5", 0.8) == (0.2, 0.5) and apply_span_policy(3.0, float("inf")) is None
    for bad in (float("inf"), float("nan"), True, 0, -0.5):  # a duration must be a finite positive number, not a bool
        with pytest.raises(ValueError, match="duration must be a positive number"):
            parse_span("3 - 7", bad)


def test_a_negative_first_value_keeps_its_sign_in_the_matched_text():
    assert find_span("-3 - 5") == (-3.0, 5.0, 0, 6, "-3 - 5")


def test_number_words_in_capitals_next_to_a_dotted_capital_i():
    # U+0130 lower-cases to two characters, so the word search lower-cases ASCII letters only (offsets kept):
    # every capital A-Z must still map to its lower case, Z included ("ZERO").
    assert parse_span("İstanbul clip: from ZERO to FIFTEEN SECONDS") == (0.0, 15.0)
    assert parse_span("İ: between TWELVE and TWENTY-ONE seconds") == (12.0, 21.0)
    assert parse_span("İ: between TWELVE and A HUNDRED SECONDS") == (12.0, 100.0)  # and A


@pytest.mark.parametrize("text", [
    "1" * 1_000_000, "1 " * 500_000, " " * 1_000_000 + "1", "1 - " * 250_000, "start 1 end " * 100_000,
    "<answer>" * 100_000, "1:" * 500_000, "1." * 500_000, "\x00\x01" * 500_000, "between " * 120_000 + "1",
    "[(" * 300_000, "<1 seconds> " * 90_000,
    # the forms added with the corpus: markdown marks, minutes, number words, tags in gaps
    "**1** " * 150_000, "_1_ to " * 140_000, "`" * 1_000_000, "\\[" * 500_000, "1 min " * 160_000,
    "1m5s " * 200_000, "twenty " * 140_000 + "seconds", "twenty-one to " * 70_000 + "seconds", "1 mark to " * 100_000,
    "<t>1</t>-" * 100_000, "| 1 | " * 160_000, "one " * 250_000 + "1 sec", "x " * 500_000 + "1 sec",
    "\u0130x " * 330_000 + "1 sec",
])
def test_huge_inputs_are_fast(text):
    t0 = time.process_time()  # CPU time: other jobs on a shared machine do not count
    parse_span(text, 30.0)
    assert time.process_time() - t0 < 1.0


_NUM = st.builds(lambda i, d: f"{i}" if d is None else f"{i}.{d}", st.integers(0, 10**9 - 1),
                 st.none() | st.integers(0, 999))
_UNIT = st.sampled_from(["", "s", " s", "sec", " secs", "  seconds", "second", "S", " SEC", "x", "5"])
_SEP = st.sampled_from(["-", " - ", "to", " to ", "  TO ", "~", "–", "—", " -- ", "->", ", ", "-  ", "    -"])
_TAIL = st.sampled_from(["", ".", " ", " .", "..", "!", "x", "\n"])


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["", " ", "\n", "x"]), _NUM, _UNIT, _SEP, _NUM, _UNIT, _TAIL)
def test_fast_path_reads_like_the_general_search(lead, a, ua, sep, b, ub, tail):
    # find_span answers "a - b" style answers with one regular expression; it must agree with the
    # general search on every text of that shape (and near-misses of it).
    from videorl.parse.spans import _find_span_general, find_span

    text = f"{lead}{a}{ua}{sep}{b}{ub}{tail}"
    assert find_span(text) == _find_span_general(text)


# Several events in one answer: the parser returns the *first* span as written (docs/scoring.md,
# "Multi-span outputs"); the others are ignored, in rewards and metrics alike.
@pytest.mark.parametrize(("text", "span"), [
    ("first jump 3–10 s; second jump 12–21 s", (3.0, 10.0)),
    ('[{"start": 3, "end": 10}, {"start": 12, "end": 21}]', (3.0, 10.0)),
    ("<answer>[[3, 10], [12, 21]]</answer>", (3.0, 10.0)),
    ("He jumps twice: from 3 to 10 seconds and again from 12 to 21 seconds.", (3.0, 10.0)),
    ('{"events": [{"start_time": "00:03", "end_time": "00:10"}, {"start_time": "00:12", "end_time": "00:21"}]}',
     (3.0, 10.0)),
    ("12 - 21 and 3 - 10", (12.0, 21.0)),  # first written, not earliest in time
])
def test_multi_span_outputs_give_the_first_span(text, span):
    assert parse_span(text, 30.0) == span


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["step", "Steps", "option", "no", "NOS", "top", "out", "of", "#", ".", ":", " ", "\t",
                                 "\u3000", "x", "é", "ſtep", "K", "rank", "years", "_", "1", "a", "Table"]),
                max_size=6))
def test_exclusion_scan_matches_its_regex(pieces):
    from videorl.parse.spans import _EXCLUDE_BEFORE_RE, _excluded

    before = "".join(pieces)
    assert _excluded(before) == (_EXCLUDE_BEFORE_RE.search(before) is not None)
