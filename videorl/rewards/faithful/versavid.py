"""VersaVid-R1 / VidBridge-R1 (``src/open_r1_video/grpo.py``): reward = format (a 0/1 gate) × task reward.

Only the multiple-choice task reward is rule-based; DarkEventInfer, MixVidQA and caption rewards call
LLM judges and are a later issue (``versavid_r1_judge`` is a registered placeholder that raises).

Faithful (the released code):

- format gate: the response **starts** with a think block, whitespace, an answer block; trailing
  text is allowed, leading whitespace is not;
- answer: the ``<answer>`` body, up to the end of the text when the closing tag is missing,
  stripped; empty gives 0;
- letter: the first of A…G for which the answer contains "X.", "{X}" or "\\boxed{X}"; else the first
  whose lower-case "x. " occurs; else the whole answer string. Reward 1 if it equals the first
  character of the GT. So "B" alone works (whole string), "B)" fails, and any "A." inside a
  sentence wins. (The released code first tries ``math_verify`` on the whole completion; that step
  is omitted here: it needs ``math_verify``, and for letter answers it rarely decides.)

Fixed (default): the same gate, applied after stripping leading whitespace; the core option parser.
"""

from __future__ import annotations

from videorl.parse import parse_option
from videorl.rewards.base import Reward, RewardResult
from videorl.rewards.fmt import check_format
from videorl.rewards.registry import register
from videorl.target import Target

_LETTERS = "ABCDEFG"


def versavid_answer(text: str) -> str:
    """The ``<answer>`` body, accepting a missing closing tag; "" without an ``<answer>`` tag."""
    i = text.find("<answer>")
    if i < 0:
        return ""
    body = text[i + len("<answer>"):]
    j = body.find("</answer>")
    return (body[:j] if j >= 0 else body).strip()


def versavid_letter(answer: str) -> str:
    """VersaVid-R1's letter reading (see the module docstring)."""
    for x in _LETTERS:
        if f"{x}." in answer or f"{{{x}}}" in answer or f"\\boxed{{{x}}}" in answer:
            return x
    for x in _LETTERS:
        if f"{x.lower()}. " in answer:
            return x
    return answer


@register("versavid_r1", kind="preset")
class VersaVidReward(Reward):
    """VersaVid-R1 MCQ: format gate × accuracy; ``faithful`` uses its letter reading ("A.", "{A}", "\\boxed{A}")."""

    name = "versavid_r1"
    tasks = ("mcq", "grounded_qa")
    components = ("accuracy", "format")

    def __init__(self, faithful: bool = False) -> None:
        super().__init__()
        self.faithful = faithful

    def score(self, text: str, target: Target) -> RewardResult:
        if self.faithful:
            fmt = float(check_format(text, "prefix"))
            ans = versavid_answer(text)
            got = versavid_letter(ans) if ans else None
            acc = float(got is not None and got == (target.answer or "")[:1])
        else:
            fmt = float(check_format(text.lstrip(), "prefix"))
            ans = versavid_answer(text)
            got = parse_option(ans, list(target.options)) if ans else None
            acc = float(got is not None and got == target.answer)
        return RewardResult(fmt * acc, {"accuracy": acc, "format": fmt},
                            f"answer {str(got)[:20]!r} vs {target.answer}; format gate {fmt:g}")


@register("versavid_r1_judge", kind="placeholder")
def versavid_r1_judge(**params: object) -> Reward:
    """VersaVid-R1's judge rewards (DarkEventInfer, MixVidQA, caption AutoDQ): need an LLM judge (later issue)."""
    raise NotImplementedError("reward 'versavid_r1_judge' (DarkEventInfer / MixVidQA / caption) needs an LLM "
                              "judge, which videorl does not provide yet (a later issue); 'versavid_r1' "
                              "scores multiple choice")
