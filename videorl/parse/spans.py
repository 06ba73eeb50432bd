"""Read one time span out of free-form model output.

:func:`parse_span` reads the ``<answer>`` block when there is one (else the text after a closed
``<think>`` block, else the whole text) and finds the first span written in any of these forms:

- ranges ``a - b``, ``a to b``, ``a ~ b``, ``a → b``, ``a -> b``, ``a --> b`` (SRT), en/em dashes,
  ``from a to b``, ``a until b``, ``between a and b``, ``从a秒到b秒``, ``a秒至b秒``;
- pairs in brackets ``[a, b]``, ``(a, b)``; an answer made only of two numbers ``a, b``;
- start/end phrases and keys: ``starts at a ... ends at b``, ``start: a, end: b``, ``Start time:
  00:12``, JSON objects with ``start`` / ``end`` / ``start_time`` / ``end_time`` / ``begin`` keys
  (numbers or numeric strings, in either order, also inside a ```json fence), ``开始时间：a秒``;
- Qwen3-VL timestamp tokens ``<12.5 seconds>`` (the first two make the span), values in tags
  (``<t>3.5</t>-<t>7.0</t>``), ``mark`` / ``(start)`` / ``around`` / ``the`` / ``second`` around a
  separator (``from the 3.5-second mark to the 7-second mark``), label words around a bare pair
  (``Output: 3.5, 7.0``, a two-column markdown table), ``onset`` / ``offset`` cues;
- markdown: ``*`` and backticks, underscores opening or closing emphasis and the backslash before ``[``
  are blanked (same length, so offsets and the matched text are the original's) before the search;
- number words (``zero`` to ``one hundred``, ``twenty-one``) in a span with a seconds or minutes
  word in the text (``between twelve and fifteen seconds``); read only when no span is written in
  digits, so ``between one and two people`` is no span and a digit span wins.

A time value (:func:`parse_time`) is seconds with an optional unit (``s``, ``sec``, ``secs``,
``second(s)``, ``3.5-second``, ``秒``), minutes (``1 min 5 s``, ``2 minutes``, ``1.5 min``,
``1m05s``; a bare number before a minutes value is minutes: ``1 to 2 minutes``), ``MM:SS(.f)``,
``HH:MM:SS(.f)`` or SRT ``HH:MM:SS,mmm``. ``7.5s`` is 7.5.

Numbers that belong to other phrases are not taken: ordinals (``2nd``), numbers glued to words
(``step2``, ``v1.5``), dates (``2024-05-01``), pairs introduced by ``step``, ``option``, ``frame``,
``chapter`` ... and lone numbers (``the video is 30 seconds long``, ``leaves at 25 seconds``). When
several forms appear, the one that starts first wins: ``from 3 to 7, and he leaves at 25 seconds``
gives (3, 7). Words are never rewritten, so ``tomato`` or ``into`` cannot turn into separators.

Policies (after a span is found), in this order:

1. a negative value (``-1 to 5``) gives None;
2. a reversed span (start > end): ``reversed="swap"`` (default, as lmms-eval) swaps it,
   ``reversed="invalid"`` gives None;
3. with ``clamp=True`` and a ``duration``, an end past the duration is clamped to it. A span that
   *starts* at or after the duration is returned unchanged: it lies outside the video and scores
   IoU 0 against any ground truth (it is never turned into a reversed or empty span);
4. a zero-length span (``5 - 5``) is returned as it is; it scores IoU 0 (NExT-GQA scores it as a
   point, see ``videorl.scoring.nextgqa``).

No span gives None. The functions never raise on any string and run in linear time: the regular
expressions are anchored on bounded windows, and at most :data:`MAX_TOKENS` numbers are examined.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from typing import NamedTuple

from videorl.parse.tags import final_text

MAX_TOKENS = 2_000
"""At most this many time values of a text are examined (a bound on the work for huge inputs)."""

REVERSED_POLICIES = ("swap", "invalid")

_UNIT = (r"(?:(?:[ \t]{0,2}|-)(?:seconds?|secs?(?:\.(?=[ \t]{1,3}(?:to|till|until|-|–|—)[ \t]))?|s)(?![A-Za-z0-9_])"
         r"|[ \t]{0,2}秒钟?)")
_SECS = r"(?:seconds?|secs?|s)(?![A-Za-z0-9_])"
_HMS = r"(?P<hms>[0-9]{1,3}:[0-9]{1,2}(?::[0-9]{1,2})?(?:\.[0-9]{1,6}|,[0-9]{3}(?![0-9:]))?)(?![0-9]|:[0-9])"
_NUM = r"(?P<num>[0-9]{1,9}(?:\.[0-9]{1,9})?|\.[0-9]{1,9})(?!\.?[0-9]|:[0-9])"
# minutes: "1 min 5 s", "2 minutes", "1.5 min", "1m05s" (a bare "m" only with seconds after it)
_MIN = (r"(?P<min>[0-9]{1,4}(?:\.[0-9]{1,3})?)[ \t]{0,2}(?:(?:minutes?|mins?)(?![A-Za-z0-9_])"
        r"(?:[ \t,]{0,2}(?:and[ \t]{1,2})?(?P<msec>[0-9]{1,2}(?:\.[0-9]{1,3})?)[ \t]{0,2}" + _SECS + r")?"
        r"|m(?P<msec2>[0-9]{1,2}(?:\.[0-9]{1,3})?)" + _SECS + r")")
# Groups: 1 hms, 2 min, 3 msec, 4 msec2, 5 num (then 6 unit in the token expressions).
_TIME_BODY = r"(?:" + _HMS + r"|" + _MIN + r"|" + _NUM + r")"
# Without the minutes form (groups 1 hms, 2 num, then 3 unit): the faster expression for the usual
# text, which has no minutes.
_PLAIN_BODY = r"(?:" + _HMS + r"|" + _NUM + r")"
# A time value: not glued to a word or a number before it, not followed by letters (2nd, 5x) unless
# they are a unit.
_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9_.:])" + _TIME_BODY + r"(?P<unit>" + _UNIT + r")?(?![A-Za-z0-9_])",
                       re.IGNORECASE)
_PLAIN_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9_.:])" + _PLAIN_BODY + r"(?P<unit>" + _UNIT + r")?(?![A-Za-z0-9_])",
                             re.IGNORECASE)
_M_DIGIT_RE = re.compile(r"[0-9][mM][0-9]")


def _has_minute_word(text: str) -> bool:
    """Whether ``text`` may hold a minutes value written with a word (plain substring tests: much
    faster than a case-insensitive search, and most texts have none)."""
    return "min" in text or "Min" in text or "MIN" in text


def _has_unit_word(text: str) -> bool:
    """Whether ``text`` has a seconds or minutes word (number words need one)."""
    return "sec" in text or "min" in text or "Sec" in text or "Min" in text or "SEC" in text or "MIN" in text
_TIME_FULL_RE = re.compile(r"\s*" + _TIME_BODY + r"(?:" + _UNIT + r")?\s*", re.IGNORECASE)

# What may stand between the two values of a range (the gap is at most _MAX_GAP characters).
_MAX_GAP = 24
_SIMPLE_GAP_RE = re.compile(
    r"\s{0,3}>?\s{0,3}(?:-->|->|=>|→|⟶|-{1,2}|–|—|~|～|〜|to|till|until|through|thru|至|到)\s{0,3}<?\s{0,3}",
    re.IGNORECASE)
# ... and, when that fails, with "mark(s)", a "(start)" label, tags, "around" / "the" / "second" around it
_GAP_TAG = r"(?:\s{0,3}</?[A-Za-z]{1,8}>)?"
_RANGE_GAP_RE = re.compile(
    r"(?:\s{1,2}marks?|\s{0,2}\((?:start|begin|beginning|end)\))?" + _GAP_TAG +
    r"\s{0,3}>?\s{0,3}(?:-->|->|=>|→|⟶|-{1,2}|–|—|~|～|〜|to|till|until|through|thru|至|到)\s{0,3}<?\s{0,3}" +
    _GAP_TAG + r"(?:\s{0,3}(?:(?:around|about|approximately|approx\.|roughly|~)\s{0,2})?"
    r"(?:the\s{1,3})?(?:second\s{1,3})?)?",
    re.IGNORECASE)
_AND_GAP_RE = re.compile(r"\s{1,3}and\s{1,3}", re.IGNORECASE)
_BETWEEN_BEFORE_RE = re.compile(r"between\s{1,3}(?:the\s{1,3})?$", re.IGNORECASE)
_COMMA_GAP_RE = re.compile(r"\s{0,3}[,;]\s{0,3}")
_OPEN_BEFORE_RE = re.compile(r"[\[(]\s{0,3}$")
_CLOSE_AFTER_RE = re.compile(r"\s{0,3}[\])]")
# A word right before the first value that makes the pair something other than a time span.
_EXCLUDE_BEFORE_RE = re.compile(
    r"(?:\b(?:steps?|options?|choices?|questions?|frames?|chapters?|pages?|items?|no|nos|numbers?|version|"
    r"rounds?|phases?|parts?|levels?|figures?|tables?|sections?|rank|top|ages?|years?|out\s{1,3}of)"
    r"|#)[\s.:]{0,3}$",
    re.IGNORECASE)
_EXCLUDE_WORDS = frozenset(
    w + suffix for w in ("step", "option", "choice", "question", "frame", "chapter", "page", "item", "number",
                         "round", "phase", "part", "level", "figure", "table", "section", "age", "year")
    for suffix in ("", "s")) | {"no", "nos", "version", "rank", "top"}

# Start / end cues that may precede a value within _CUE_WINDOW characters.
_CUE_WINDOW = 48
_FILLER = (r"(?:\s|[\"':=(<>|：，,]|\b(?:at|is|was|will|be|would|around|approximately|about|roughly|from|of|"
           r"the|time|timestamp|mark|point|moment|event|action|segment|clip|activity|~)\b|大约|约|在)*$")
_START_KW_RE = re.compile(r"start|begin|began|onset|开始|起始", re.IGNORECASE)
_END_KW_RE = re.compile(r"end|finish|stop|conclud|until|till|offset|结束|终止", re.IGNORECASE)
_CUE_TAIL = r"(?:[ _-]?(?:time(?:stamp)?|sec(?:ond)?s?|point|ts))?"
_START_CUE_RE = re.compile(
    r"(?:\b(?:start|begin|began|onset)\w{0,6}" + _CUE_TAIL + r"|开始(?:时间)?|起始(?:时间)?)"
    r"[\"']?" + _FILLER, re.IGNORECASE)
_END_CUE_RE = re.compile(
    r"(?:\b(?:end|finish|stop|conclud|offset)\w{0,5}" + _CUE_TAIL + r"|\buntil|\btill|"
    r"结束(?:时间)?|终止(?:时间)?)"
    r"[\"']?" + _FILLER, re.IGNORECASE)
# What else a text of exactly two values may hold to be read as "start, end": punctuation, table
# rules and these label words ("Output: 3.5, 7.0", a two-column markdown table).
_BARE_REST_RE = re.compile(
    r"(?:[\s\[\](){}<>,;:\"'*`.|=_-]|\b(?:start|end|begin|time|timestamps?|seconds?|secs?|s|answer|output|"
    r"prediction|predicted|span|segment|range|interval|final)\b)*", re.IGNORECASE)
# Markdown and LaTeX marks that are blanked out (same length, so offsets hold) before the search:
# emphasis and code marks hugging text (**3.5**, _7 s_, `3 - 7`) and the backslash of \[ \].
# Asterisks and backticks are all blanked (a character table: fast on any input; a lone "3 * 5" reads
# the same either way); underscores only when they are emphasis, not inside identifiers (clip_3).
_STAR_TICK = {ord("*"): " ", ord("`"): " "}
_MARKUP_RE = re.compile(r"\\(?=[\[\]()])|(?<![A-Za-z0-9])_{1,3}(?=\S)|(?<=\S)_{1,3}(?![A-Za-z0-9])")
_DIGIT_RE = re.compile(r"[0-9]")
# English number words 0-100 ("twelve", "twenty-one", "one hundred"), read as values only in a span
# with a time unit ("between twelve and fifteen seconds"; "between one and two people" is no span).
_ONES = r"one|two|three|four|five|six|seven|eight|nine"
_WORD_NUM = (r"(?:one|a)[ \t]hundred|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:" + _ONES +
             r"))?|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|zero|" + _ONES)
_WORD_TOKEN = (r"\b(?P<w>" + _WORD_NUM + r")(?P<wunit>(?:[ \t]{1,2}|-)(?:seconds?|secs?|(?P<wmin>minutes?|"
               r"mins?)))?\b")
_WORD_TOKEN_LOWER_RE = re.compile(_WORD_TOKEN)
"""Searched in the lower-cased text (number words are ASCII)."""
_ASCII_LOWER = {c: c + 32 for c in range(65, 91)}
_WORD_VALUES = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_WORD_VALUES.update({w: 10 * (i + 2) for i, w in enumerate(
    "twenty thirty forty fifty sixty seventy eighty ninety".split())})


def _word_value(words: str) -> float:
    parts = re.split(r"[- \t]+", words.lower())
    if parts[-1] == "hundred":
        return 100.0
    return float(sum(_WORD_VALUES[w] for w in parts))
# Fast path: an answer that is only "a - b" / "a to b seconds" (the common case in RL rollouts).
# Every text it matches is read the same way by the general search below (a property test checks
# this); anything else falls through to the general search.
_FAST_NUM = r"[0-9]{1,9}(?:\.[0-9]{1,9})?"
_FAST_UNIT = r"(?:[ \t]{0,2}(?:seconds?|secs?|s))?"
_FAST_RE = re.compile(r"\s*(?P<a>" + _FAST_NUM + r")" + _FAST_UNIT + r"(?![A-Za-z0-9_])\s{0,3}(?:-|–|—|~|to)\s{0,3}"
                      r"(?P<b>" + _FAST_NUM + r")(?P<unit>" + _FAST_UNIT + r")(?![A-Za-z0-9_])\s*\.?\s*",
                      re.IGNORECASE)


class SpanMatch(NamedTuple):
    """A span as written in the text, before any policy: values may be negative or reversed.

    ``begin`` / ``stop`` are the character offsets of the matched part in the *searched text*
    (the answer block), used to remove the span before reading an option letter. (An immutable
    named tuple: built for every parsed response, so it is kept cheap.)
    """

    start: float
    end: float
    begin: int
    stop: int
    text: str


class _Tok:
    """One time value of the text (a plain slotted class: built for every number, so kept cheap).
    ``word``: written in words; ``unit``: 0 a bare number, 1 seconds (a unit, or a clock value),
    2 minutes (a bare number before a minutes value is minutes too: ``1 to 2 minutes``)."""

    __slots__ = ("value", "start", "end", "negative", "word", "unit")

    def __init__(self, value: float, start: int, end: int, negative: bool, word: bool = False,
                 unit: int = 0) -> None:
        self.value = value
        self.start = start
        self.end = end
        self.negative = negative
        self.word = word
        self.unit = unit


def parse_time(token: str) -> float | None:
    """One time value in seconds: ``"12.5"``, ``"12.5s"``, ``"1:02.5"`` (62.5), ``"01:02:03.5"``
    (3723.5), ``"00:01:02,500"`` (62.5), ``"12秒"``. Minutes and seconds fields must be < 60.

    Anything else (negative values, words, several values) gives None; never raises.
    """
    if not isinstance(token, str) or len(token) > 64:
        return None
    m = _TIME_FULL_RE.fullmatch(token)
    if m is None:
        return None
    return _value(m)


def _value(m: re.Match) -> float | None:
    num = m.group(5)  # "num" (positional groups are faster to read than named ones)
    if num is not None:
        return float(num)
    mins = m.group(2)
    if mins is not None:  # minutes, with seconds (< 60) or not
        secs = m.group(3) or m.group(4)
        if secs is not None and float(secs) >= 60:
            return None
        return float(mins) * 60 + (float(secs) if secs is not None else 0.0)
    return _clock(m.group(1))


def _clock(hms: str) -> float | None:
    """``M:SS(.f)`` / ``H:MM:SS(.f)`` / SRT ``H:MM:SS,mmm`` in seconds; None when a field is >= 60."""
    parts = hms.replace(",", ".").split(":")
    secs = float(parts[-1])
    if secs >= 60:
        return None
    if len(parts) == 3:
        if int(parts[1]) >= 60:
            return None
        return int(parts[0]) * 3600 + int(parts[1]) * 60 + secs
    return int(parts[0]) * 60 + secs


def _tokens(text: str, minutes: bool) -> list[_Tok]:
    """The time values of ``text`` written in digits, in order; ``minutes``: also minutes forms."""
    out: list[_Tok] = []
    prev_end = -1
    for m in (_TOKEN_RE if minutes else _PLAIN_TOKEN_RE).finditer(text):
        if minutes:
            v = _value(m)
            if v is None:
                continue
            unit = 2 if m.group(2) is not None else 0 if m.lastindex == 5 else 1
        else:  # the usual text: groups 1 hms, 2 num, 3 unit, read in one call
            hms, num, unit_text = m.group(1, 2, 3)
            if num is not None:
                v, unit = float(num), 0 if unit_text is None else 1
            else:
                v, unit = _clock(hms), 1
                if v is None:
                    continue
        s = m.start()
        negative = False
        if s > 0 and text[s - 1] in "-−":
            # A minus right after the previous value (only spaces between) is a range separator.
            negative = not (prev_end >= 0 and text[prev_end: s - 1].strip() == "")
        out.append(_Tok(v, s, m.end(), negative, False, unit))
        prev_end = m.end()
        if len(out) >= MAX_TOKENS:
            break
    return out


def _word_tokens(text: str, limit: int) -> list[_Tok]:
    """At most ``limit`` number words of ``text`` (a case-sensitive search of the lower-cased text
    when lower-casing keeps every offset: several times faster than a case-insensitive one)."""
    if limit <= 0:
        return []
    low = text.lower()
    if len(low) != len(text):  # a character lower-cases to several (U+0130): lower ASCII letters only
        low = text.translate(_ASCII_LOWER)
    found = _WORD_TOKEN_LOWER_RE.finditer(low)
    return [_Tok(_word_value(m.group("w")) * (60 if m.group("wmin") else 1), m.start(), m.end(), False, True,
                 2 if m.group("wmin") else 1 if m.group("wunit") else 0)
            for m in itertools.islice(found, limit)]


def _pair_ok(a: _Tok, b: _Tok) -> bool:
    """Values written in words make a span only with a time unit on one of the two values."""
    return not (a.word or b.word) or a.unit or b.unit


def _signed(t: _Tok) -> float:
    return -t.value if t.negative else t.value


def _begin(t: _Tok) -> int:
    return t.start - 1 if t.negative else t.start


def _is_range(text: str, a: _Tok, b: _Tok) -> bool:
    gap_start, gap_end = a.end, _begin(b)
    if gap_end - gap_start > _MAX_GAP or gap_end < gap_start:
        return False
    # The separator is checked first (cheap, and it fails for most pairs), the exclusions after.
    gap = text[gap_start:gap_end]
    a0 = _begin(a)
    before = text[max(0, a0 - 24): a0]
    if _SIMPLE_GAP_RE.fullmatch(gap) or _RANGE_GAP_RE.fullmatch(gap):
        pass
    elif _AND_GAP_RE.fullmatch(gap):
        if not _BETWEEN_BEFORE_RE.search(before):
            return False
    elif _COMMA_GAP_RE.fullmatch(gap):
        if not (_OPEN_BEFORE_RE.search(before) and _CLOSE_AFTER_RE.match(text, b.end)):
            return False
    else:
        return False
    if _excluded(before):
        return False
    # dates such as 2024-05-01: a digit and "-" or "/" right before the first value or right after the second
    if before[-1:] in ("-", "/") and "0" <= before[-2:-1] <= "9":
        return False
    return not (text[b.end:b.end + 1] in ("-", "/") and "0" <= text[b.end + 1:b.end + 2] <= "9")


def _excluded(before: str) -> bool:
    """``_EXCLUDE_BEFORE_RE.search(before)``, answered without the regular expression for the usual
    case (the word before the value is plain ASCII): a scan of ``before`` is several times faster."""
    i, k = len(before), 0
    while k < 3 and i > 0 and (before[i - 1] in ".:" or before[i - 1].isspace()):
        i, k = i - 1, k + 1
    if i == 0:
        return False
    if before[i - 1] == "#":
        return True
    j = i
    while j > 0 and (before[j - 1].isalnum() or before[j - 1] == "_"):
        j -= 1
    word = before[j:i]
    if not word:
        return False
    if not word.isascii() or word.lower() == "of":  # case folding beyond ASCII, "out of": ask the regex
        return _EXCLUDE_BEFORE_RE.search(before) is not None
    return word.lower() in _EXCLUDE_WORDS


def _cued(text: str, t: _Tok, kw_ends: list[int], cue_re: re.Pattern) -> bool:
    lo = _begin(t) - _CUE_WINDOW
    i = bisect.bisect_left(kw_ends, lo)
    if i >= len(kw_ends) or kw_ends[i] > _begin(t):
        return False
    return cue_re.search(text[max(0, lo): _begin(t)]) is not None


def _angled(text: str, t: _Tok) -> bool:
    return text[max(0, t.start - 3): t.start].strip().endswith("<") and \
        text[t.end: t.end + 3].strip().startswith(">")


def find_span(text: str) -> SpanMatch | None:
    """The first span written in ``text`` (searched as is: call it on the answer block), without
    policies. None when there is none. Never raises on a string."""
    if not isinstance(text, str) or not text:
        return None
    fast = _FAST_RE.fullmatch(text)
    if fast is not None:
        lo, hi = fast.start("a"), fast.end("unit")
        return SpanMatch(float(fast.group("a")), float(fast.group("b")), lo, hi, text[lo:hi])
    return _find_span_general(text)


def _unmarked(text: str) -> str:
    """``text`` with markdown / LaTeX marks blanked out (same length), when it has any."""
    if "*" in text or "`" in text:
        text = text.translate(_STAR_TICK)
    if "_" in text or "\\" in text:
        text = _MARKUP_RE.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _find_span_general(original: str) -> SpanMatch | None:
    digits = _DIGIT_RE.search(original) is not None
    if not digits and not _has_unit_word(original):
        return None  # every time value has a digit, or is a number word with a unit
    text = _unmarked(original)
    # Values in digits first (minutes forms when a minutes word is there); only when they hold no
    # span, again with glued minutes ("1m05s") and number words: the usual text pays nothing for them.
    minutes = _has_minute_word(text)
    keywords: dict[int, list[list[int]]] = {}  # keyword positions by scan limit, shared by both passes
    toks = _tokens(text, minutes) if digits else []
    found = _search(text, toks, keywords) if toks else None
    if found is None:
        more = False
        if digits and not minutes and _M_DIGIT_RE.search(text) is not None:
            toks, more = _tokens(text, True), True
        if _has_unit_word(text):
            words = _word_tokens(text, MAX_TOKENS - len(toks))
            if words:
                toks, more = sorted(toks + words, key=lambda t: t.start), True
        if more:
            found = _search(text, toks, keywords)
    if found is not None and text is not original:
        found = found._replace(text=original[found.begin:found.stop])
    return found


def _search(text: str, toks: list[_Tok], keywords: dict[int, list[list[int]]]) -> SpanMatch | None:
    if not toks:
        return None
    limit = toks[-1].start + 1  # keywords after the last examined value cannot cue it
    # Keyword positions are only needed when the first values do not already form a range: found lazily.
    kw: list[list[int]] = []
    angled: _Tok | None = None
    end_cache: dict[int, bool] = {}

    def end_cued(j: int) -> bool:
        if j not in end_cache:
            end_cache[j] = _cued(text, toks[j], kw[1], _END_CUE_RE)
        return end_cache[j]

    for i, a in enumerate(toks):
        if i + 1 < len(toks) and _is_range(text, a, toks[i + 1]) and (
                not (a.word or toks[i + 1].word) or _pair_ok(a, toks[i + 1])):
            return _match(text, a, toks[i + 1])
        if not kw:
            if limit not in keywords:
                keywords[limit] = [[m.end() for m in _START_KW_RE.finditer(text, 0, limit)],
                                   [m.end() for m in _END_KW_RE.finditer(text, 0, limit)]]
            kw = keywords[limit]
        if kw[0] and kw[1] and _cued(text, a, kw[0], _START_CUE_RE):
            j = next((j for j in range(i + 1, min(len(toks), i + 41)) if end_cued(j)), None)
            if j is None:  # keys in reverse order: {"end": 7, "start": 3}
                j = next((j for j in range(i - 1, max(-1, i - 41), -1) if end_cued(j)), None)
            if j is not None and _pair_ok(a, toks[j]):
                return _match(text, a, toks[j])
        if _angled(text, a) and not a.word:
            if angled is not None:
                return _match(text, angled, a)
            angled = a
    if len(toks) == 2 and len(text) <= 200 and not (toks[0].word or toks[1].word):
        rest = text[: _begin(toks[0])] + text[toks[0].end: _begin(toks[1])] + text[toks[1].end:]
        if _BARE_REST_RE.fullmatch(rest):
            return _match(text, toks[0], toks[1])
    return None


def _match(text: str, a: _Tok, b: _Tok) -> SpanMatch:
    lo, hi = min(_begin(a), _begin(b)), max(a.end, b.end)
    start = _signed(a) * 60 if a.unit == 0 and b.unit == 2 else _signed(a)
    return SpanMatch(start, _signed(b), lo, hi, text[lo:hi])


def _check_policy(duration: float | None, reversed: str) -> None:
    if reversed not in REVERSED_POLICIES:
        raise ValueError(f"reversed must be one of {list(REVERSED_POLICIES)}, got {reversed!r}")
    if duration is not None and (isinstance(duration, bool) or not math.isfinite(duration) or duration <= 0):
        raise ValueError(f"duration must be a positive number of seconds, got {duration!r}")


def apply_span_policy(start: float, end: float, duration: float | None = None, *, reversed: str = "swap",
                      clamp: bool = True) -> tuple[float, float] | None:
    """Apply the module's policies (negative -> None, reversed, clamping) to a raw span."""
    _check_policy(duration, reversed)
    try:
        s, e = float(start), float(end)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(s) and math.isfinite(e)) or s < 0 or e < 0:
        return None
    if s > e:
        if reversed == "invalid":
            return None
        s, e = e, s
    if clamp and duration is not None and s < duration:
        e = min(e, float(duration))
    return (s, e)


def parse_span(text: str, duration: float | None = None, *, reversed: str = "swap",
               clamp: bool = True) -> tuple[float, float] | None:
    """The span ``(start, end)`` in seconds written in ``text``, or None (see the module docstring
    for the accepted forms and the policies). Never raises on a string."""
    found = find_span(final_text(text))
    if found is None:
        # Also validate the arguments when nothing was found, so that misuse is never silent.
        _check_policy(duration, reversed)
        return None
    return apply_span_policy(found.start, found.end, duration, reversed=reversed, clamp=clamp)
