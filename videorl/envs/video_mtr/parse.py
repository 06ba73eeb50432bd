"""Video-MTR action parsing and answer checks: the strict think-then-answer/retrieve layout, the
retrieve range, answer validity by problem type and answer correctness (faithful or fixed).

Nothing here raises on model text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from videorl.envs.video_mtr.config import FREE_FORM, FREE_FORM_MAX_CHARS, MC, NUMERICAL, PROBLEM_TYPES
from videorl.record import LETTERS
from videorl.scoring.episodes import _float, _has_mark, answer_correct  # noqa: F401  (one definition, in scoring)

_RETRIEVE_RE = re.compile(r"^\s*(\d+)\s*,\s*(\d+)\s*$")


@dataclass(frozen=True)
class Action:
    """A parsed response: ``kind`` is ``answer``, ``retrieve`` or ``invalid``."""

    kind: str
    content: str = ""
    start: int | None = None
    end: int | None = None
    error: str = ""


def _layout(text: str, tag: str) -> str | None:
    """Body of ``tag`` when ``text`` (stripped) is exactly think block, whitespace, ``<tag>...</tag>``.

    The same language as the original's anchored, DOTALL regular expression
    ``^\\s*<think>(.*?)</think>\\s*<tag>(.*?)</tag>\\s*$``: any ``</think>`` may close the think block
    as long as the rest is one tag block reaching the end. Linear scans, no backtracking.
    """
    t = text.strip()
    open_t, close_t = f"<{tag}>", f"</{tag}>"
    if not t.startswith("<think>") or not t.endswith(close_t):
        return None
    i = t.find("</think>", len("<think>"))
    while i >= 0:
        rest = t[i + len("</think>"):].lstrip()
        if rest.startswith(open_t) and len(rest) >= len(open_t) + len(close_t):
            return rest[len(open_t): len(rest) - len(close_t)].strip()
        i = t.find("</think>", i + 1)
    return None


def _first_block(text: str, tag: str) -> str | None:
    """Body of ``tag`` in the leftmost match of ``<think>(.*?)</think>\\s*<tag>(.*?)</tag>`` (DOTALL),
    as ``re.search`` finds it in the raw text: the first ``</think>`` after the first ``<think>``
    that is followed by whitespace and ``<tag>``, and the body up to the **first** ``</tag>`` after
    it. The original reads its action from this match once its anchored check passed, so in
    ``<think>a</think><answer>B</answer><answer>C</answer>`` the answer is ``B``. Linear scans."""
    start = text.find("<think>")
    if start < 0:
        return None
    open_t, close_t = f"<{tag}>", f"</{tag}>"
    i = text.find("</think>", start + len("<think>"))
    while i >= 0:
        k = i + len("</think>")
        while k < len(text) and text[k].isspace():
            k += 1
        if text.startswith(open_t, k):
            b = k + len(open_t)
            e = text.find(close_t, b)
            return None if e < 0 else text[b:e]  # no close here means none after any later </think>
        i = text.find("</think>", i + 1)
    return None


_INVALID_LAYOUT = ("the response does not follow <think>...</think> then <answer>...</answer> "
                   "or <retrieve>start_frame, end_frame</retrieve>. ")


def parse_action(text: Any, pool_size: int, *, faithful: bool = False) -> Action:
    """Parse one response against a pool of ``pool_size`` frames; never raises.

    Both modes decide the action's kind by the anchored layout (:func:`_layout`). The content is the
    whole anchored block in the fixed mode (so a reply with a second answer block is invalid there:
    ``B</answer><answer>C`` is not a letter), and the block of the first unanchored match in the
    faithful mode (:func:`_first_block`, ``B``), as the original reads it.
    """
    if not isinstance(text, str):
        return Action("invalid", error="the response is not text")
    kind = "answer" if _layout(text, "answer") is not None else (
        "retrieve" if _layout(text, "retrieve") is not None else None)
    if kind is None:
        return Action("invalid", error=_INVALID_LAYOUT)
    body = _first_block(text, kind) if faithful else _layout(text, kind)
    if body is None:  # cannot happen: an anchored match is also an unanchored one
        return Action("invalid", error=_INVALID_LAYOUT)
    if faithful:
        body = body.strip()
    if kind == "answer":
        return Action("answer", content=body)
    m = _RETRIEVE_RE.match(body)
    try:
        s, e = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    except ValueError:  # more digits than int() accepts
        s, e = None, None
    if s is None or e is None or s > e:
        return Action("invalid", content=body, error="retrieve needs 'start_frame, end_frame' with start <= end. ")
    if e > pool_size - 1:
        return Action("invalid", content=body, start=s, end=e,
                      error=f"retrieve range {s}, {e} is outside the frames 0..{pool_size - 1}. ")
    return Action("retrieve", content=body, start=s, end=e)


def problem_type(task: str, answer: str | None, meta: Mapping[str, Any] | None = None) -> str:
    """``multiple choice`` for mcq/grounded_qa, ``numerical`` when the answer is a number (or
    ``meta["problem_type"]`` says so), else ``free-form``."""
    declared = (meta or {}).get("problem_type")
    if declared in PROBLEM_TYPES:
        return declared
    if task in ("mcq", "grounded_qa"):
        return MC
    return NUMERICAL if answer is not None and _float(answer) is not None else FREE_FORM


def answer_valid(answer: str, ptype: str, n_options: int) -> bool:
    """The original's answer validity rule by problem type (see the module docstring)."""
    a = answer.strip()
    if ptype == MC:
        return len(a) == 1 and a.upper() in LETTERS[:n_options]
    if ptype == NUMERICAL:
        return _float(a) is not None
    return len(a) <= FREE_FORM_MAX_CHARS
