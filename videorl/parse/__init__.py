"""Parsers for model output: time spans, option letters and both together (grounded QA).

Pure standard library. Every parser reads the ``<answer>`` block when there is one and never raises
on any string; see :mod:`videorl.parse.spans` and :mod:`videorl.parse.options` for the accepted
forms and the documented policies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from videorl.parse.options import normalize_text, parse_option
from videorl.parse.spans import (
    REVERSED_POLICIES,
    SpanMatch,
    apply_span_policy,
    find_span,
    parse_span,
    parse_time,
)
from videorl.parse.tags import answer_block, extract_tag, final_text

__all__ = [
    "REVERSED_POLICIES",
    "SpanMatch",
    "answer_block",
    "apply_span_policy",
    "extract_tag",
    "final_text",
    "find_span",
    "normalize_text",
    "parse_grounded",
    "parse_option",
    "parse_span",
    "parse_time",
]


def parse_grounded(text: str, options: Sequence[str], duration: float | None = None, *, as_written: bool = False,
                   **span_kw: Any) -> tuple[str | None, tuple[float, float] | None]:
    """``(letter, span)`` from a grounded-QA answer such as ``"B; 12.5 - 17.0"``.

    The span is found first (:func:`parse_span` rules, ``span_kw`` = ``reversed`` / ``clamp``);
    its characters are then removed and the option letter is read from what is left
    (:func:`parse_option` rules), so the numbers of the span cannot be mistaken for anything else.
    Either part may be None independently. ``as_written=True`` returns the span exactly as written
    (negative or reversed values kept, no policy: the official NExT-GQA protocol).
    """
    ans = final_text(text)
    found = find_span(ans)
    span = None
    rest = ans
    if found is not None:
        span = ((found.start, found.end) if as_written
                else apply_span_policy(found.start, found.end, duration, **span_kw))
        rest = (ans[: found.begin] + " " + ans[found.stop:]).strip()
        rest = rest.strip(" \t\n;,|/")
    elif duration is not None or span_kw:
        apply_span_policy(0.0, 0.0, duration, **span_kw)  # validate the arguments
    letter = parse_option(rest, options) if rest else None
    return letter, span
