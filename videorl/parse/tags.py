"""Tag helpers: find the ``<answer>`` (or any ``<tag>``) block in model output.

All functions use plain ``str.find`` scans, never regular expressions over the whole text, so they
run in linear time on any input, and they never raise on a string.

Tag names match case-insensitively in ASCII only (``<Answer>`` counts, ``<ANSWER>`` too). The scans run
on :func:`fold`, a lower-cased copy of the text with the same length, so a position found in it is the
same position in the text. (``str.lower`` alone is not length-preserving: U+0130 'İ' lowers to two
characters and would shift every later slice; and U+212A KELVIN SIGN lowers to an ASCII "k".)
"""

from __future__ import annotations

import functools

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# The only non-ASCII characters whose lower-case form holds an ASCII character (checked over all of
# Unicode by tests/test_parse_tags_unicode.py for the running Python).
TO_ASCII = ("\u0130", "\u212a")


def fold(text: str) -> str:
    """A copy of ``text`` of the same length in which A–Z are lowered and no non-ASCII character
    becomes ASCII, so an ASCII tag is found in it exactly where it is in ``text``, case-insensitively.

    ``str.lower`` is used when it keeps the length and no character lowers to ASCII (then every
    character maps to one character: the usual case, fast); otherwise only A–Z are lowered.
    """
    low = text.lower()
    if len(low) == len(text) and "\u212a" not in text:  # U+0130 always changes the length
        return low
    return text.translate(_ASCII_LOWER)


def extract_tag(text: str, tag: str) -> str | None:
    """Body of the first ``<tag>...</tag>`` in ``text``, stripped; None when there is no closed pair.

    Matching of the tag name is case-insensitive (``<Answer>`` counts). An opening tag without a
    closing one gives None here (see :func:`answer_block` for the lenient form).
    """
    if not isinstance(text, str) or not tag:
        return None
    return _extract(text, fold(text), tag)


@functools.lru_cache(maxsize=64)
def _pair(tag: str) -> tuple[str, str]:
    t = fold(tag)
    return f"<{t}>", f"</{t}>"


def _extract(text: str, low: str, tag: str) -> str | None:
    open_t, close_t = _pair(tag)
    i = low.find(open_t)
    if i < 0:
        return None
    j = low.find(close_t, i + len(open_t))
    if j < 0:
        return None
    return text[i + len(open_t): j].strip()


def answer_block(text: str) -> str:
    """The text to read an answer from.

    - the body of the first ``<answer>...</answer>`` when there is one;
    - else, when an ``<answer>`` tag is opened but never closed (a truncated generation), everything
      after it up to the end of the text;
    - else the whole text.

    The result is stripped. Non-string input gives ``""``.
    """
    if not isinstance(text, str):
        return ""
    return _answer_block(text, fold(text))


def _answer_block(text: str, low: str) -> str:
    body = _extract(text, low, "answer")
    if body is not None:
        return body
    i = low.find("<answer>")
    if i >= 0:
        return text[i + len("<answer>"):].strip()
    return text.strip()


def final_text(text: str) -> str:
    """:func:`answer_block`, except that without any ``<answer>`` tag the reasoning is dropped.

    When the text has no ``<answer>`` tag but closes a ``<think>`` block, the part after the last
    ``</think>`` is used when it is not empty (the model answered after reasoning, without tags).
    An unclosed ``<think>`` (the model never finished reasoning) is kept as it is.
    """
    if not isinstance(text, str):
        return ""
    if "<" not in text:  # no tag at all (folding cannot create one): skip the scans
        return text.strip()
    low = fold(text)
    if "<answer>" in low:
        return _answer_block(text, low)
    j = low.rfind("</think>")
    if j >= 0:
        tail = text[j + len("</think>"):].strip()
        if tail:
            return tail
    return text.strip()
