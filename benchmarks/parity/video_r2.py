"""Parity: Video-R2's ``format_reward`` and ``accuracy_reward`` (``train/src/train/reward_funcs.py``)
beside ``video_r2`` faithful (``tar_weight=0``; the judged TAR/TAC/VAS parts are compared elsewhere).

Beside the seeded corpus, the real model outputs of Video-MTR's released evaluation results are scored
too when that checkout is given (``_corpus.real_outputs``). Both files are imported unchanged; ``torch``, ``openai`` and the TAR module are stubbed (the two
rewards never call them). ``reward_utils`` imports ``rouge_score`` (installed beside the environment).
"""

from __future__ import annotations

import contextlib
import io
import random
from pathlib import Path

from _corpus import Tally, close, completion, number, real_outputs, words
from _load import load_module, stub

from videorl.rewards import get
from videorl.rewards.faithful import textmatch
from videorl.target import Target

NAME = "video_r2"
NEEDS = ["video_r2"]
REQUIREMENTS = ["rouge-score==0.1.2"]
METHOD = "Video-R2"


class _Client:
    def __init__(self, *args, **kwargs) -> None:
        pass


def load(root: Path):
    utils = load_module(root, "train/src/train/reward_utils.py")
    funcs = load_module(root, "train/src/train/reward_funcs.py", stubs={
        "torch": stub("torch"), "openai": stub("openai", OpenAI=_Client),
        "src.train.reward_utils": utils,
        "src.train.temporal_grounding_reward": stub("tgr", calculate_grounding_reward=None)})
    return funcs


GT_KINDS = ("mc", "num", "ocr", "free")


def gt_answer(rng: random.Random, kind: str) -> str:
    if kind == "mc":
        x = rng.choice("ABCDEabcde")
        return rng.choice((x, f"{x}.", f"{x})", f"{x}. {words(rng, 1, 4)}", f"{x} {words(rng, 1, 2)}"))
    if kind == "num":
        return rng.choice((number(rng, 50), str(rng.randint(0, 20)), f"{rng.uniform(0, 9):.5f}",
                           f"{rng.randint(1, 9)},{rng.randint(100, 999)}", "+5", "-3", "1,5", "3.14159", "0.5", "12"))
    if kind == "ocr":
        return rng.choice(("STOP", "exit 3", "12:30", "route 66", "Main St", "no-entry", "x-ray 7"))
    return words(rng, 6, 14) + rng.choice((".", "", ", then it ends."))


def pred_answer(rng: random.Random, gt: str) -> str:
    r = rng.random()
    if r < 0.3:
        return gt
    if r < 0.4:
        return gt.upper() if rng.random() < 0.5 else f" {gt} "
    if r < 0.55:
        return rng.choice(("A", "B", "C", "D", "E", "(B)", "B)", "Answer: C", "b", "The answer is D."))
    if r < 0.7:
        return rng.choice((number(rng, 50), "+5", "1,5 apples", "3", "5", "3.0", "1,000", "12"))
    if r < 0.8:
        return gt + " " + words(rng, 1, 3)
    if r < 0.81:  # a long free answer (over rouge's usual 512-token cut)
        return words(rng, 600, 900) + " " + gt
    return words(rng, 1, 12)


def _class(gt: str, text: str) -> str | None:
    """The documented class of an accuracy difference, when one applies (docs/rewards.md)."""
    from videorl.rewards.faithful import video_r2

    if not hasattr(video_r2, "question_type") or video_r2.question_type(gt) != "free":
        return None
    if textmatch._stemmer() is None:
        return "rouge_unstemmed"
    if len(textmatch.tokens(gt, cap=None)) * len(textmatch.tokens(text, cap=None)) > textmatch.MAX_LCS_CELLS:
        return "rouge_lcs_cap"
    return None


def run(checkouts: dict[str, Path], n: int, seed: int) -> dict[str, dict]:
    funcs = load(checkouts["video_r2"])
    ours = get("video_r2", faithful=True, tar_weight=0)
    rng = random.Random(seed)
    rows = {"format": Tally(METHOD), "accuracy.mcq": Tally(METHOD), "accuracy.open": Tally(METHOD)}
    sink = io.StringIO()
    for i in range(2 * n):  # n with a letter GT, n with the other GT types in turn
        kind = "mc" if i % 2 == 0 else GT_KINDS[1 + (i // 2) % 3]
        gt = gt_answer(rng, kind)
        text = completion(rng, lambda r, gt=gt: pred_answer(r, gt))
        with contextlib.redirect_stdout(sink):  # the original prints on every unparsable number
            o_fmt = funcs.format_reward([[{"content": text}]])[0]
            o_acc = funcs.accuracy_reward([[{"content": text}]], [{"content": f"<answer>{gt}</answer>"}])[0]
        sink.seek(0)
        sink.truncate()
        task = "mcq" if kind == "mc" else "open_qa"
        target = Target(task=task, duration=10.0, answer=gt, options=("a", "b", "c", "d", "e") if task == "mcq" else ())
        res = ours(text, target)
        rows["format"].add(o_fmt == res.components["format"], text, detail=f"{o_fmt} vs {res.components['format']}")
        key = "accuracy.mcq" if kind == "mc" else "accuracy.open"
        rows[key].add(close(o_acc, res.components["accuracy"]), text, cls=_class(gt, text),
                      detail=f"gt {gt!r}: {o_acc} vs {res.components['accuracy']}")
    real = real_outputs(checkouts)
    if real:
        rows["format (real outputs)"], rows["accuracy.mcq (real outputs)"] = Tally(METHOD), Tally(METHOD)
        target_cache: dict[str, Target] = {}
        for text, gt in real:
            with contextlib.redirect_stdout(sink):
                o_fmt = funcs.format_reward([[{"content": text}]])[0]
                o_acc = funcs.accuracy_reward([[{"content": text}]], [{"content": f"<answer>{gt}</answer>"}])[0]
            target = target_cache.setdefault(gt, Target(task="mcq", duration=10.0, answer=gt, options=tuple("abcdef")))
            res = ours(text, target)
            rows["format (real outputs)"].add(o_fmt == res.components["format"], text)
            rows["accuracy.mcq (real outputs)"].add(close(o_acc, res.components["accuracy"]), text)
    return {f"video_r2.{k}": v.as_dict() for k, v in rows.items()}
