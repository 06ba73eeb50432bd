"""Parsers for judge replies. Judge output is parsed, never evaluated (no ``eval``; Python-literal
replies go through ``ast.literal_eval``, which only reads literals, on bounded text).

Faithful parsers reproduce the reference code's readings, bugs included; strict ones are the fixed
defaults and return ``None`` when the reply does not say what was asked.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

MAX_REPLY_CHARS = 20000
_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*|\s*```\s*$")
_MARKUP = re.compile(r"[*_`#>\"'\[\]()]")


def robust_json(text: str) -> Any:
    """Video-R2's reading: the whole reply as JSON, else the span from the first ``{`` to the last
    ``}``, else ``{}``. May return a non-dict (a list, a number) when the reply is one."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    i, j = text.find("{"), text.rfind("}")
    if i != -1 and j > i:
        try:
            return json.loads(text[i: j + 1])
        except ValueError:
            return {}
    return {}


def literal_dict(text: str) -> dict[str, Any] | None:
    """A dict from JSON or a Python-literal dict (code fences allowed); ``None`` if it is neither."""
    text = _FENCE.sub("", text[:MAX_REPLY_CHARS].strip())
    i, j = text.find("{"), text.rfind("}")
    if i == -1 or j <= i:
        return None
    body = text[i: j + 1]
    for reader in (json.loads, ast.literal_eval):
        try:
            out = reader(body)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(out, dict):
            return out
    return None


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def decision_first_line(text: str) -> bool | None:
    """Video-R2's TRUE/FALSE rule: the first non-empty line, upper-cased; starts with TRUE or FALSE,
    else exactly one of the two tokens occurs in it, else ``None``."""
    first = _first_line(text).upper()
    if first.startswith("TRUE"):
        return True
    if first.startswith("FALSE"):
        return False
    t, f = "TRUE" in first, "FALSE" in first
    return True if t and not f else False if f and not t else None


def true_false_strict(text: str) -> bool | None:
    """Fixed True/False reading: the first word of the first non-empty line (markup stripped) is
    true/false; else exactly one of the whole words occurs in that line, not negated; else ``None``."""
    line = _MARKUP.sub(" ", _first_line(text)).lower()
    words = re.findall(r"[a-z]+", line)
    if words and words[0] in ("true", "false"):
        return words[0] == "true"
    if re.search(r"\bnot\s+(true|false)\b", line):
        return None
    t, f = "true" in words, "false" in words
    return True if t and not f else False if f and not t else None


def true_anywhere(text: str) -> bool:
    """VersaVid-R1's MixVidQA reading: "True" or "true" anywhere (so "not true" is True)."""
    return "True" in text or "true" in text


def digit_faithful(text: str) -> int:
    """VersaVid-R1's DarkEventInfer reading: 2 if any "2" occurs, else 1 if any "1", else 0."""
    return 2 if "2" in text else 1 if "1" in text else 0


def digit_strict(text: str, allowed: tuple[int, ...] = (0, 1, 2)) -> int | None:
    """Fixed score reading: the first standalone number of the reply (not part of a longer number or
    a decimal); ``None`` when there is none or it is not an allowed score."""
    m = re.search(r"(?<![\d.])\d+(?:\.\d+)?(?!\.?\d)", _MARKUP.sub(" ", text[:MAX_REPLY_CHARS]))
    if m is None or not m.group(0).isdigit():
        return None
    v = int(m.group(0))
    return v if v in allowed else None


def first_json_object(text: str) -> dict[str, Any] | None:
    """Video-R2 VAS's reading: the first ``{...}`` (non-greedy, so no nesting) parsed as JSON."""
    m = re.search(r"\{[\s\S]*?\}", text[:MAX_REPLY_CHARS])
    if m is None:
        return None
    try:
        out = json.loads(m.group(0))
    except ValueError:
        return None
    return out if isinstance(out, dict) else None


def tar_object_strict(text: str) -> dict[str, Any] | None:
    """Fixed reading of a TAR extraction reply: a JSON object (code fences and text around it allowed)
    whose values are all text; ``None`` (a judge failure) for anything else: prose, a truncated ``{...``,
    a list, a number, a non-text value."""
    text = _FENCE.sub("", text[:MAX_REPLY_CHARS].strip())
    try:
        obj = json.loads(text)
    except ValueError:
        i, j = text.find("{"), text.rfind("}")
        if i == -1 or j <= i:
            return None
        try:
            obj = json.loads(text[i: j + 1])
        except ValueError:
            return None
    if not isinstance(obj, dict) or not all(isinstance(v, str) for v in obj.values()):
        return None
    return obj


_LETTER_REPLY = re.compile(r"^(?:(?:the\s+)?(?:final\s+)?(?:answer|option|choice)\s*(?:is)?\s*[:\-]?\s*)?"
                           r"[\s(\[{*_`'\"]*([A-Za-z])[\s)\]}*_`'\".:]*$", re.IGNORECASE)


def letter_strict(text: str, n_options: int) -> str | None | bool:
    """Fixed TAC reading of a judge reply that was asked for one option letter: the letter (upper
    case) when the first non-empty line is a single valid option letter (light punctuation or an
    "Answer:" label allowed); ``None`` when the judge says ``UNKNOWN`` (the text gives no answer);
    ``False`` when the reply is not a verdict (prose, a letter outside the options): a judge failure."""
    line = _first_line(text[:MAX_REPLY_CHARS])
    if re.fullmatch(r"[\W_]*unknown[\W_]*", line, re.IGNORECASE):
        return None
    m = _LETTER_REPLY.match(line)
    if m is None:
        return False
    x = m.group(1).upper()
    return x if ord(x) - 65 < n_options else False


def vas_faithful(text: str) -> int | None:
    """Video-R2 VAS's ``parse_llm_json``: the first ``{...}`` as JSON; a number (``true`` is 1,
    ``false`` 0, as Python's ``isinstance(x, int)`` reads them) rounded and clamped to 0..10; ``None``
    when there is no object, it is not JSON, the score is not a number, or it is not finite."""
    if not isinstance(text, str):
        return None
    m = re.search(r"\{[\s\S]*?\}", text)
    if m is None:
        return None
    try:
        data = json.loads(m.group(0))
        score = data.get("score")
        if isinstance(score, (int, float)):
            return max(0, min(10, int(round(float(score)))))
    except Exception:  # the original catches everything: NaN, infinity, a non-object
        return None
    return None


def vas_strict(text: str) -> int | None:
    """Fixed VAS reading: the first ``{...}`` whose ``score`` is a finite number in [0, 10] (not a
    boolean), rounded; ``None`` (a judge failure) otherwise."""
    d = first_json_object(text or "")
    s = None if d is None else d.get("score")
    if isinstance(s, bool) or not isinstance(s, (int, float)) or not (0 <= s <= 10):
        return None
    return int(round(float(s)))
