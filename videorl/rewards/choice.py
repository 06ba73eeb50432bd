"""Answer rewards: multiple choice, open answer, grounded QA (answer + span).

The chosen option is read by the core parser ``parse_option(text, options)`` (from the ``<answer>``
block, else the text after ``</think>``; a letter such as "B", "(B)", "B.", "Answer: B", or the text
of exactly one option); grounded answers by ``parse_grounded(text, options, duration)``. Edge cases: no answer / no letter /
a letter outside the options -> accuracy 0 with reason "no option"; an empty response -> 0.
"""

from __future__ import annotations

from videorl.parse import final_text, parse_grounded, parse_option
from videorl.rewards.base import Reward, RewardResult
from videorl.rewards.registry import register
from videorl.scoring import nextgqa_iou_iop, normalize_answer
from videorl.target import Target


@register("accuracy")
class AccuracyReward(Reward):
    """Multiple-choice accuracy: 1 if the parsed option letter equals the target's answer letter, else 0.

    The discrete reward of Temporal-R1's paper (dual reward), Video-R2, VersaVid-R1 and Video-MTR, with
    one shared option parser instead of each method's own (see the faithful presets for theirs).
    For ``grounded_qa`` targets only the letter is scored.
    """

    name = "accuracy"
    tasks = ("mcq", "grounded_qa")
    components = ("accuracy",)

    def score(self, text: str, target: Target) -> RewardResult:
        letter = parse_option(text, list(target.options))
        if letter is None:
            return RewardResult(0.0, {"accuracy": 0.0}, "no option")
        ok = letter == target.answer
        return RewardResult(float(ok), {"accuracy": float(ok)}, f"option {letter} vs {target.answer}")


@register("open_accuracy")
class OpenAccuracyReward(Reward):
    """Open-answer accuracy: 1 if normalize_answer(answer) == normalize_answer(reference), else 0.

    Normalised exact match (SQuAD EM, ``videorl.scoring.normalize_answer``: lower case,
    punctuation and articles removed, spaces collapsed; "The Cat." == "cat"). The answer is the ``<answer>`` block, else the text after
    ``</think>``, else the whole response. An empty reference never matches (reason "empty reference"); an empty answer gives 0.
    """

    name = "open_accuracy"
    tasks = ("open_qa", "caption")
    components = ("accuracy",)

    def score(self, text: str, target: Target) -> RewardResult:
        ref = normalize_answer(target.answer or "")
        if not ref:
            return RewardResult(0.0, {"accuracy": 0.0}, "empty reference")
        got = normalize_answer(final_text(text))
        ok = got == ref
        return RewardResult(float(ok), {"accuracy": float(ok)},
                            "exact match" if ok else f"{got[:40]!r} != {ref[:40]!r}")


GQA_MODES = ("sum", "acc_gqa")


@register("grounded_qa")
class GroundedQAReward(Reward):
    """Grounded QA (NExT-GQA): the answer letter plus the span supporting it.

    Components: ``accuracy`` (letter correct), ``iou`` and ``iop`` as the NExT-GQA evaluation
    computes them (max over GT spans, each separately; IoP = |p ∩ g| / |p|; a point prediction
    has IoU 0 and IoP 1 inside a GT span), and ``acc_gqa`` = accuracy · 1[IoP ≥ 0.5]
    (NExT-GQA's Acc@GQA). Score by ``mode``:

    - ``sum`` (default): (1 − w)·accuracy + w·IoU with ``w = span_weight`` (0.5): a dense signal
      for both parts; IoU rather than IoP so that predicting the whole video is not paid;
    - ``acc_gqa``: accuracy · 1[IoP ≥ ``iop_threshold``], the evaluation metric itself (sparse).

    No span: IoU = IoP = 0 (the letter still counts in ``sum``); no letter: accuracy 0.
    """

    name = "grounded_qa"
    tasks = ("grounded_qa",)
    components = ("accuracy", "iou", "iop", "acc_gqa")

    def __init__(self, mode: str = "sum", span_weight: float = 0.5, iop_threshold: float = 0.5) -> None:
        super().__init__()
        if mode not in GQA_MODES:
            raise ValueError(f"grounded_qa mode must be one of {GQA_MODES}, got {mode!r}")
        if not 0.0 <= span_weight <= 1.0:
            raise ValueError(f"span_weight must be in [0, 1], got {span_weight!r}")
        self.mode = mode
        self.span_weight = span_weight
        self.iop_threshold = iop_threshold

    def score(self, text: str, target: Target) -> RewardResult:
        letter, span = parse_grounded(text, list(target.options), target.duration)
        acc = float(letter is not None and letter == target.answer)
        v_iou, v_iop = nextgqa_iou_iop(span, target.spans)
        gqa = acc * float(v_iop >= self.iop_threshold)
        comps = {"accuracy": acc, "iou": v_iou, "iop": v_iop, "acc_gqa": gqa}
        s = gqa if self.mode == "acc_gqa" else (1 - self.span_weight) * acc + self.span_weight * v_iou
        span_txt = "no span" if span is None else f"span {span[0]:.2f}-{span[1]:.2f}"
        return RewardResult(s, comps, f"option {letter} vs {target.answer}; {span_txt}: IoU {v_iou:.4f} "
                                      f"IoP {v_iop:.4f}")
