"""VersaVid-R1 / VidBridge-R1 (``src/open_r1_video/grpo.py``): reward = format (a 0/1 gate) × task reward.

The task reward is chosen per sample: ``mcq`` / ``grounded_qa`` targets use the rule-based letter
check below; ``open_qa`` targets with ``problem_type`` ``DarkEventInfer`` or ``MixVidQA`` and
``caption`` targets use the LLM-judge rewards of :mod:`videorl.rewards.faithful.versavid_judge`
(``judge`` and ``on_error`` pass through to them).

Faithful (the released code):

- format gate: the released regex matched at the start (``check_format(mode="r1_prefix")``): the
  response starts with ``<think>``, and some ``</think>``, whitespace, ``<answer>`` follows with an
  ``</answer>`` after it; blocks may run over extra tags (``<think>a</think>so</think><answer>B
  </answer>`` passes), trailing text is allowed, leading whitespace is not;
- answer: the ``<answer>`` body, up to the end of the text when the closing tag is missing,
  stripped; empty gives 0;
- letter: the first of A…G for which the answer contains "X.", "{X}" or "\\boxed{X}"; else the first
  whose lower-case "x. " occurs; else the whole answer string. Reward 1 if it equals the first
  character of the GT. So "B" alone works (whole string), "B)" fails, and any "A." inside a
  sentence wins. Before that, as released, ``math_verify`` compares the whole completion with the
  solution (``target.extra["solution"]`` when the record has one, else the answer), and a verified
  match scores 1 ("2.5" inside a sentence against the solution "2.5"). ``math_verify`` is imported
  lazily when installed (``pip install math-verify==0.8.0``, the release's pin); without it faithful
  mode warns once and skips that step (documented class ``math_verify_absent``).

Fixed (default): the same gate, applied after stripping leading whitespace; the core option parser.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from videorl.parse import parse_option
from videorl.rewards.base import Reward, RewardResult
from videorl.rewards.fmt import check_format
from videorl.rewards.registry import register
from videorl.target import Target, TargetError

_LETTERS = "ABCDEFG"


def versavid_answer(text: str) -> str:
    """The ``<answer>`` body, accepting a missing closing tag; "" without an ``<answer>`` tag."""
    i = text.find("<answer>")
    if i < 0:
        return ""
    body = text[i + len("<answer>"):]
    j = body.find("</answer>")
    return (body[:j] if j >= 0 else body).strip()


_MV: list = []  # [(parse, verify) or None], filled on first use
RELEASE_MATH_VERIFY = "0.8.0"


def _math_verify():
    if not _MV:
        try:
            from math_verify import parse, verify

            _MV.append((parse, verify))
            try:
                from importlib.metadata import version

                got = version("math-verify")
            except Exception:  # noqa: BLE001 - metadata missing: nothing to compare
                got = RELEASE_MATH_VERIFY
            if got != RELEASE_MATH_VERIFY:
                warnings.warn(f"math_verify {got} is installed; VersaVid-R1's release pins {RELEASE_MATH_VERIFY}, "
                              "whose parsing may differ", stacklevel=3)
        except Exception as exc:  # noqa: BLE001 - absent, or present but broken (e.g. an ANTLR version clash)
            warnings.warn(f"math_verify cannot be imported ({type(exc).__name__}): VersaVid-R1's faithful accuracy "
                          "skips the released symbolic check (pip install math-verify==0.8.0 to reproduce it)",
                          stacklevel=3)
            _MV.append(None)
    return _MV[0]


def math_verified(text: str, solution: str) -> bool:
    """The released first step: ``verify(parse(completion), parse(solution)) > 0``; any error is False."""
    mv = _math_verify()
    if mv is None:
        return False
    parse, verify = mv
    try:
        return float(verify(parse(text), parse(solution))) > 0
    except Exception:  # noqa: BLE001 - the released code swallows every failure of this step
        return False


def versavid_letter(answer: str) -> str:
    """VersaVid-R1's letter reading (see the module docstring)."""
    for x in _LETTERS:
        if f"{x}." in answer or f"{{{x}}}" in answer or f"\\boxed{{{x}}}" in answer:
            return x
    for x in _LETTERS:
        if f"{x.lower()}. " in answer:
            return x
    return answer


JUDGED = {"DarkEventInfer": "dark", "MixVidQA": "mix", "caption": "caption"}


@register("versavid_r1", kind="preset")
class VersaVidReward(Reward):
    """VersaVid-R1: format gate × task reward (MCQ letter; DarkEventInfer 0/1/2, MixVidQA, caption AutoDQ by judge)."""

    name = "versavid_r1"
    tasks = ("mcq", "grounded_qa", "open_qa", "caption")
    components = ("accuracy", "format", "judge", "recall", "precision", "keywords")

    def __init__(self, faithful: bool = False, judge: Mapping[str, Any] | None = None, on_error: str = "zero",
                 prompts_from: str | None = None) -> None:
        from videorl.rewards.faithful.versavid_judge import CaptionReward, DarkEventReward, MixVidQAReward

        super().__init__()
        self.faithful = faithful
        self.read_whole(faithful)
        self.judge = judge
        self.on_error = on_error
        kw = {"faithful": faithful, "judge": judge, "on_error": on_error, "prompts_from": prompts_from}
        self._judged = {"dark": DarkEventReward(**kw), "mix": MixVidQAReward(**kw), "caption": CaptionReward(**kw)}

    def params(self) -> dict[str, Any]:
        return {"faithful": self.faithful, **{k: v for k, v in self._judged["dark"].params().items()
                                              if k in ("judge", "on_error", "prompts_from")}}

    def _kind(self, target: Target) -> str:
        if target.task in ("mcq", "grounded_qa"):
            return "mcq"
        kind = JUDGED.get(str(target.extra.get("problem_type") or ("caption" if target.task == "caption" else "")))
        if kind is None:
            raise TargetError(f"versavid_r1 scores an {target.task} target by its 'problem_type' (DarkEventInfer or "
                              f"MixVidQA), got {target.extra.get('problem_type')!r} (sample {target.id!r})")
        return kind

    def _mcq(self, text: str, target: Target) -> tuple[float, str]:
        if self.faithful:
            sol = str(target.extra.get("solution") or target.answer or "")
            if math_verified(text, sol):
                return 1.0, "verified by math_verify"
            ans = versavid_answer(text)
            got = versavid_letter(ans) if ans else None
            acc = float(got is not None and got == (target.answer or "")[:1])
        else:
            ans = versavid_answer(text)
            got = parse_option(ans, list(target.options)) if ans else None
            acc = float(got is not None and got == target.answer)
        return acc, f"answer {str(got)[:20]!r} vs {target.answer}"

    def score_many(self, texts: list[str], targets: list[Target]) -> list[RewardResult]:
        kinds = [self._kind(t) for t in targets]
        task: dict[int, RewardResult] = {}
        for kind, reward in self._judged.items():
            idx = [i for i, k in enumerate(kinds) if k == kind]
            if not idx:
                continue
            sub_t, sub_x = [targets[i] for i in idx], [texts[i] for i in idx]
            if kind == "mix":  # the released code sends the batch's first question (kwargs["problem"][0])
                first = str(targets[0].extra.get("question") or "")
                res = reward.score_many(sub_x, sub_t, first_question=first)
            else:
                res = reward.score_many(sub_x, sub_t)
            task.update(zip(idx, res, strict=True))
        out = []
        for i, (text, target) in enumerate(zip(texts, targets, strict=True)):
            fmt = float(check_format(text, "r1_prefix") if self.faithful else check_format(text.lstrip(), "prefix"))
            if kinds[i] == "mcq":
                acc, why = self._mcq(text, target)
                out.append(RewardResult(fmt * acc, {"accuracy": acc, "format": fmt}, f"{why}; format gate {fmt:g}"))
                continue
            res = task[i]
            comps = {"format": fmt, **res.components}
            if kinds[i] != "caption":
                comps["judge"] = res.score
            out.append(RewardResult(fmt * res.score, comps, f"{res.reason}; format gate {fmt:g}"))
        return out

    def score(self, text: str, target: Target) -> RewardResult:
        return self.score_many([text], [target])[0]
