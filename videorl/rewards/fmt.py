"""Format rewards: is the response laid out as ``<think>...</think>`` then ``<answer>...</answer>``?

Modes (1.0 when the rule holds, else 0.0):

- ``strict``: the whole response is one think block, optional whitespace, one answer block, and
  nothing else (each tag exactly once). R1-style rewards (DeepSeek-R1, Temporal-R1's ``r1v``,
  Video-R2) use this rule; ``strip=True`` (default) ignores whitespace around the whole response,
  ``strip=False`` reproduces Video-R2, where a leading newline already gives 0.
- ``lenient``: a complete think block and a later complete answer block are both present, in that
  order; text around them is allowed. Our default: it teaches the layout without punishing a
  trailing end-of-turn remnant.
- ``prefix``: the response *starts* with think block, whitespace, answer block; trailing text is
  allowed, leading whitespace is not (VersaVid-R1's gate).
- ``answer``: an answer block is present (for ``direct``-style prompts without reasoning).
- ``r1``: the R1 regex rule as Video-R2's and Temporal-R1's (``r1v``) released code applies it: the
  whole response is ``<think>``, anything, ``</think>``, whitespace, ``<answer>``, anything,
  ``</answer>``, where "anything" may hold further tags. So ``<think>a</think><answer>B</answer>
  <answer>C</answer>`` passes (the first answer block runs over the second), and so does
  ``<think>a</think>so</think><answer>B</answer>``. No stripping.
- ``r1_prefix``: the same rule anchored at the start only (VersaVid-R1's ``re.match``): trailing text
  after some ``</answer>`` is allowed.

Edge cases: empty or ``None`` response -> 0; tags are case-sensitive; an empty think or answer body
still counts as the layout (the answer rewards judge the content).
"""

from __future__ import annotations

import re

from videorl.rewards.base import Reward, RewardResult
from videorl.rewards.registry import register
from videorl.target import Target

FORMAT_MODES = ("strict", "lenient", "prefix", "answer", "r1", "r1_prefix")
T0, T1, A0, A1 = "<think>", "</think>", "<answer>", "</answer>"
_SEP = re.compile(r"</think>\s*<answer>")


def r1_layout(text: str, *, full: bool = True) -> bool:
    r"""The ``r1`` (``full``) or ``r1_prefix`` rule, in linear time.

    ``<think>.*?</think>\s*<answer>.*?</answer>`` (DOTALL) matches at the start exactly when the text
    starts with ``<think>`` and some ``</think>\s*<answer>`` after it is followed by an ``</answer>``;
    the first such separator ends earliest, so it is the only one to try. Whole-text matching
    additionally needs the text to end with ``</answer>`` after that separator.
    """
    if not text.startswith(T0):
        return False
    m = _SEP.search(text, len(T0))
    if m is None:
        return False
    if full:
        return text.endswith(A1) and m.end() <= len(text) - len(A1)
    return text.find(A1, m.end()) >= 0


def _ordered(text: str, start: int = 0) -> tuple[int, int] | None:
    """Indices (start of ``<think>``, end of ``</answer>``) of the first think-then-answer layout."""
    i = text.find(T0, start)
    if i < 0:
        return None
    j = text.find(T1, i + len(T0))
    if j < 0:
        return None
    k = text.find(A0, j + len(T1))
    if k < 0:
        return None
    m = text.find(A1, k + len(A0))
    if m < 0:
        return None
    return i, m + len(A1)


def check_format(text: str, mode: str = "lenient", *, strip: bool = True) -> bool:
    """Whether ``text`` follows the layout of ``mode`` (see the module docstring)."""
    if mode == "answer":
        k = text.find(A0)
        return k >= 0 and text.find(A1, k + len(A0)) >= 0
    if mode == "lenient":
        return _ordered(text) is not None
    if mode in ("r1", "r1_prefix"):
        return r1_layout(text, full=mode == "r1")
    t = text.strip() if (strip and mode == "strict") else text
    if not t.startswith(T0):
        return False
    if mode == "strict":
        if not t.endswith(A1) or any(t.count(tag) != 1 for tag in (T0, T1, A0, A1)):
            return False
        j, k = t.find(T1), t.find(A0)
        return j < k and not t[j + len(T1):k].strip()
    # prefix
    j = t.find(T1)
    if j < 0:
        return False
    rest = t[j + len(T1):].lstrip()
    return rest.startswith(A0) and rest.find(A1) > 0


@register("format")
class FormatReward(Reward):
    """Think/answer layout: 1 if the response follows ``mode`` (strict | lenient | prefix | answer), else 0."""

    name = "format"
    components = ("format",)

    def __init__(self, mode: str = "lenient", strip: bool = True) -> None:
        super().__init__()
        if mode not in FORMAT_MODES:
            raise ValueError(f"format mode must be one of {FORMAT_MODES}, got {mode!r}")
        self.mode = mode
        self.strip = strip
        # The only two possible results, built once (results are immutable): no allocation per response.
        self._results = (RewardResult(0.0, {"format": 0.0}, f"format {mode}: layout not followed"),
                         RewardResult(1.0, {"format": 1.0}, f"format {mode}: ok"))

    def score(self, text: str, target: Target) -> RewardResult:
        return self._results[check_format(text, self.mode, strip=self.strip)]
