"""Video-R2 (mbzuai-oryx/Video-R2, ``train/src/train/reward_funcs.py``): R = accuracy + format (+ TAR).

Accuracy, faithful (the released code): GT and prediction are the first ``<answer>…</answer>``
bodies, stripped ("" when absent; the tag is case-sensitive, ``<ANSWER>`` is not read). The type is
inferred **from the GT string**, in the original's order (:func:`question_type`):

1. multiple choice if GT starts with A–E or a–e — so "cat", "dog", "blue" count as letters and
   "cat" vs "car" scores 1; the prediction's letter is an A–E at its start, so "Answer: B" reads as
   "A"; with no letter the stripped prediction is compared with GT's letter ("(B)" vs "B": 0);
2. numerical if GT is a signed number ("+5", "-3", "1,000", "2.5"; thousands groups of 3 only, so
   "1,5" is not a number): both must agree on holding "." or "," ("3" vs "3.0": 0), then floats
   (commas removed) rounded to 2 decimals are compared; regression when GT has more than 3 digits
   after its last ".": clip(1 − (|p − g| + 1e-9) / (|g| + 1e-9), 0, 1), with no decimal-mark rule
   ("3.14159" vs "3": 0.955);
3. OCR if GT is at most 5 words of letters, digits, whitespace, "-" and ":": clip(1 − WER, 0, 1);
4. otherwise the mean of ROUGE-1/2/L F with the Porter stemmer (``textmatch``; "1,5" vs
   "1,5 apples" lands here: 0.756).

Accuracy, fixed: the type comes from the target's task: ``mcq``/``grounded_qa`` use the core option
parser; ``open_qa``/``caption`` compare numbers by value when the reference is a number, else use
1 − WER for short references (≤ 5 words) and ROUGE otherwise, on normalised text.

Format: faithful is the released regex rule (``check_format(mode="r1")``: the whole response is think
block, whitespace, answer block, where a block may run over further tags, so a repeated answer
block passes; nothing is stripped, a leading newline gives 0); fixed is the strict layout (each tag
once) after stripping.

TAR: the preset adds ``tar_weight · gate · TAR`` (:mod:`videorl.rewards.faithful.video_r2_tar`, an
LLM judge and sentence embeddings), as Video-R2's release does with weights 1, 1, 1. ``tar_weight=0``
leaves accuracy + format and needs no judge. TAR parameters (``judge``, ``on_error``, ``variant``,
``buffer_seconds``, ``similarity_threshold``, ``embedder``) pass through.
"""

from __future__ import annotations

import re
from typing import Any

from videorl.parse import final_text, parse_option
from videorl.rewards.base import Reward, RewardResult
from videorl.rewards.faithful.textmatch import rouge_mean, wer
from videorl.rewards.faithful.video_r2_tar import VideoR2TAR
from videorl.rewards.fmt import check_format
from videorl.rewards.registry import register
from videorl.scoring import normalize_answer
from videorl.target import Target

_MC = re.compile(r"[A-Ea-e]")
_NUM = (re.compile(r"[-+]?\d{1,3}(?:,\d{3})*(?:\.\d+)?"), re.compile(r"[-+]?\d+(?:\.\d+)?"))
_OCR = re.compile(r"[A-Za-z0-9\s\-:]+")


def answer_body(text: str) -> str:
    """The first ``<answer>…</answer>`` body, stripped, "" without one. Case-sensitive, as the
    original's ``extract_answer`` (``<ANSWER>`` is not read)."""
    i = text.find("<answer>")
    j = text.find("</answer>", i + 8) if i >= 0 else -1
    return text[i + 8:j].strip() if j >= 0 else ""


def question_type(gt: str) -> str:
    """The type the original infers from the GT string, checked in its order: ``mc`` (starts with
    A–E/a–e), ``numerical`` or ``regression`` (a signed number, thousands commas allowed; more than 3
    digits after the last "."), ``ocr`` (≤ 5 words of letters, digits, whitespace, "-", ":"), ``free``."""
    ans = gt.strip()
    if _MC.match(ans):
        return "mc"
    if _NUM[0].fullmatch(ans) or _NUM[1].fullmatch(ans):
        return "regression" if "." in ans and len(ans.split(".")[-1]) > 3 else "numerical"
    if len(ans.split()) <= 5 and _OCR.fullmatch(ans):
        return "ocr"
    return "free"


def _to_float(s: str) -> float | None:
    try:
        return float(s.replace(",", ""))
    except ValueError:
        return None


def faithful_accuracy(gt: str, pred: str) -> float:
    """Video-R2's ``accuracy_reward`` on two answer strings (see the module docstring)."""
    gt, pred = gt.strip(), pred.strip()
    kind = question_type(gt)
    if kind == "mc":
        m = _MC.match(pred)
        return float((m.group(0).upper() if m else pred) == gt[0].upper())
    if kind == "numerical":
        if ("." in gt or "," in gt) != ("." in pred or "," in pred):
            return 0.0
        g, p = _to_float(gt), _to_float(pred)
        return float(g is not None and p is not None and round(g, 2) == round(p, 2))
    if kind == "regression":
        g, p = _to_float(gt), _to_float(pred)
        if g is None or p is None:
            return 0.0
        return max(0.0, min(1.0, 1 - (abs(p - g) + 1e-9) / (abs(g) + 1e-9)))
    if kind == "ocr":
        return max(0.0, min(1.0, 1 - wer(gt, pred, cap=None)))
    return max(0.0, min(1.0, rouge_mean(gt, pred, stem=True, cap=None)))


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
        self.read_whole(faithful)
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
            acc = faithful_accuracy(target.answer or "", answer_body(text))
            fmt = float(check_format(text, "r1"))
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
