"""Video-R2 (mbzuai-oryx/Video-R2, ``train/src/train/reward_funcs.py``): R = accuracy + format (+ TAR).

Accuracy, faithful (the released code): GT and prediction are the first ``<answer>`` bodies
("" when absent). The type is inferred **from the GT string**:

1. multiple choice if GT starts with A–E or a–e (optionally "." or ")") — so "cat", "dog", "blue"
   count as letters and "cat" vs "car" scores 1; the prediction's letter is an A–E at its start,
   so "Answer: B" reads as "A"; with no letter the stripped texts are compared ("(B)" vs "B": 0);
2. numerical if GT is a number (thousands commas allowed): both must agree on having a decimal
   mark ("3" vs "3.0": 0), then floats rounded to 2 decimals are compared; more than 3 decimals in
   GT: regression, clip(1 − |p − g| / |g|, 0, 1) (with 1e-9 guards);
3. OCR if GT is at most 5 words of letters, digits, spaces, "-" and ":": clip(1 − WER, 0, 1);
4. otherwise the mean of ROUGE-1/2/L F (no stemming here, see ``textmatch``).

Accuracy, fixed: the type comes from the target's task: ``mcq``/``grounded_qa`` use the core option
parser; ``open_qa``/``caption`` compare numbers by value when the reference is a number, else use
1 − WER for short references (≤ 5 words) and ROUGE otherwise, on normalised text.

Format: the strict think-then-answer layout; faithful does not strip (a leading newline gives 0).

TAR: the preset adds ``tar_weight · gate · TAR`` (:mod:`videorl.rewards.faithful.video_r2_tar`, an
LLM judge and sentence embeddings), as Video-R2's release does with weights 1, 1, 1. ``tar_weight=0``
leaves accuracy + format and needs no judge. TAR parameters (``judge``, ``on_error``, ``variant``,
``buffer_seconds``, ``similarity_threshold``, ``embedder``) pass through.
"""

from __future__ import annotations

import re
from typing import Any

from videorl.parse import extract_tag, final_text, parse_option
from videorl.rewards.base import Reward, RewardResult
from videorl.rewards.faithful.textmatch import rouge_mean, wer
from videorl.rewards.faithful.video_r2_tar import VideoR2TAR
from videorl.rewards.fmt import check_format
from videorl.rewards.registry import register
from videorl.scoring import normalize_answer
from videorl.target import Target

_MC = re.compile(r"[A-Ea-e][.)]?")
_NUM = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:[.,]\d+)?")
_OCR = re.compile(r"[A-Za-z0-9 :\-]+")


def _has_mark(s: str) -> bool:
    return "." in s or "," in s


def faithful_accuracy(gt: str, pred: str) -> float:
    """Video-R2's ``accuracy_reward`` on two answer strings (see the module docstring)."""
    gt, pred = gt.strip(), pred.strip()
    if _MC.match(gt):
        m = re.match(r"[A-Ea-e]", pred)
        return float(m.group(0).upper() == gt[0].upper()) if m else float(pred == gt)
    if _NUM.fullmatch(gt):
        if _has_mark(gt) != _has_mark(pred):
            return 0.0
        try:
            g, p = float(gt.replace(",", "")), float(pred.replace(",", ""))
        except ValueError:
            return 0.0
        decimals = len(gt.split(".")[1]) if "." in gt else 0
        if decimals > 3:
            return min(1.0, max(0.0, 1 - (abs(p - g) + 1e-9) / (abs(g) + 1e-9)))
        return float(round(p, 2) == round(g, 2))
    if _OCR.fullmatch(gt) and len(gt.split()) <= 5:
        return min(1.0, max(0.0, 1 - wer(gt, pred)))
    return min(1.0, max(0.0, rouge_mean(gt, pred)))


def _number(s: str) -> float | None:
    s = s.strip().replace(",", "")
    try:
        return float(s)
    except ValueError:
        return None


def fixed_accuracy(text: str, target: Target) -> float:
    ans = final_text(text)
    if target.task in ("mcq", "grounded_qa"):
        letter = parse_option(text, list(target.options))
        return float(letter is not None and letter == target.answer)
    ref = (target.answer or "").strip()
    if not ref:
        return 0.0
    g, p = _number(ref), _number(ans)
    if g is not None:
        return float(p is not None and round(p, 2) == round(g, 2))
    ref_n, ans_n = normalize_answer(ref), normalize_answer(ans)
    if len(ref_n.split()) <= 5:
        return min(1.0, max(0.0, 1 - wer(ref_n, ans_n)))
    return rouge_mean(ref_n, ans_n)


@register("video_r2", kind="preset")
class VideoR2Reward(Reward):
    """Video-R2: accuracy + format + gate·TAR (weights 1, 1, 1; TAR needs a judge, ``tar_weight=0`` drops it)."""

    name = "video_r2"
    tasks = ("mcq", "grounded_qa", "open_qa", "caption")
    components = ("accuracy", "format", "tar", "gate", "tar_precision", "tar_recall")

    def __init__(self, faithful: bool = False, accuracy_weight: float = 1.0, format_weight: float = 1.0,
                 tar_weight: float = 1.0, **tar_params: Any) -> None:
        super().__init__()
        self.faithful = faithful
        self.accuracy_weight = accuracy_weight
        self.format_weight = format_weight
        self.tar_weight = tar_weight
        self._tar = VideoR2TAR(faithful=faithful, **tar_params) if tar_weight else None
        if tar_params and self._tar is None:
            raise ValueError(f"video_r2: TAR parameters {sorted(tar_params)} given with tar_weight=0")
        self.tar_params = {k: v for k, v in self._tar.params().items() if k != "faithful"} if self._tar else {}

    def component_names(self) -> tuple[str, ...]:
        return self.components if self._tar is not None else ("accuracy", "format")

    def _base(self, text: str, target: Target) -> tuple[float, float]:
        if self.faithful:
            acc = faithful_accuracy(target.answer or "", extract_tag(text, "answer") or "")
            fmt = float(check_format(text, "strict", strip=False))
        else:
            acc = fixed_accuracy(text, target)
            fmt = float(check_format(text, "strict"))
        return acc, fmt

    def score_many(self, texts: list[str], targets: list[Target]) -> list[RewardResult]:
        tars = self._tar.score_many(texts, targets) if self._tar is not None else [None] * len(texts)
        out = []
        for text, target, tar in zip(texts, targets, tars, strict=True):
            acc, fmt = self._base(text, target)
            total = self.accuracy_weight * acc + self.format_weight * fmt
            comps = {"accuracy": acc, "format": fmt}
            reason = f"accuracy {acc:.4f}, format {fmt:g}"
            if tar is not None:
                total += self.tar_weight * tar.score  # NaN under on_error="nan" stays NaN
                comps.update(tar.components)
                reason += f"; {tar.reason}"
            out.append(RewardResult(total, comps, reason))
        return out

    def score(self, text: str, target: Target) -> RewardResult:
        return self.score_many([text], [target])[0]
