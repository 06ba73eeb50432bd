"""Parity: LWT235-VTG's reward modules (``rewards/*.py``) beside ``qwen3_vl_grpo_vtg`` faithful.

The checkout's ``rewards/reward_registry.py`` is imported unchanged as ``rewards.reward_registry``
(its relative imports load ``temporal_iou.py``, ``segment_overlap.py`` and ``step_consistency.py``
from the checkout; the project's logging helper is stubbed with ``logging.getLogger``). The total is
their ``CompositeReward`` with ``rl_config.yaml``'s weights (temporal_iou 1.0, segment_overlap 0.5,
step_consistency disabled) called as their trainer calls it (normalised ground truth, durations),
with the batch z-score off (``normalize=False``); the components are the single modules.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path

from _corpus import UNICODE, Tally, close, completion, number, span_text, words
from _load import load_module, stub

from videorl.rewards import get
from videorl.target import Target

NAME = "lwt235"
NEEDS = ["lwt235_vtg"]
METHOD = "LWT235-VTG"


def _body(rng: random.Random) -> str:
    scale = rng.choice((1.0, 1.0, 60.0))
    a, b, c = number(rng, scale), number(rng, scale), number(rng, scale)
    text = span_text(rng, a, b, c)
    r = rng.random()
    if r < 0.1:
        text = f"{words(rng, 1, 5)} {text} {words(rng, 0, 4)}"
    elif r < 0.15:
        text = f"{rng.choice(UNICODE)}{text}"
    elif r < 0.2:
        text = f"start {a}\n{words(rng, 1, 3)} end {b}"
    elif r < 0.25:
        text = f"START: {a} ... END: {b}, then end {c} and end"
    return text


def load(root: Path):
    lg = stub("utils.logging_utils", get_logger=logging.getLogger)
    return load_module(root, "rewards/reward_registry.py", name="rewards.reward_registry",
                       stubs={"utils.logging_utils": lg})


def run(checkouts: dict[str, Path], n: int, seed: int) -> dict[str, dict]:
    reg = load(checkouts["lwt235_vtg"])
    registry = reg.RewardRegistry()
    composite = reg.CompositeReward({"temporal_iou": {"weight": 1.0}, "segment_overlap": {"weight": 0.5},
                                     "step_consistency": {"enabled": False, "weight": 0.0}},
                                    normalize=False, registry=registry)
    single = {"iou": registry.create("temporal_iou"), "recall": registry.create("segment_overlap", mode="recall"),
              "precision": registry.create("segment_overlap", mode="precision"),
              "step_consistency": registry.create("step_consistency")}
    ours = get("qwen3_vl_grpo_vtg", faithful=True)
    rng = random.Random(seed)
    rows = {k: Tally(METHOD) for k in ("total", "iou", "recall", "precision", "step_consistency")}
    batch = 64
    for lo in range(0, n, batch):
        texts, gts, durs, targets = [], [], [], []
        for _ in range(min(batch, n - lo)):
            texts.append(completion(rng, _body))
            L = rng.choice((30.0, 60.0, 150.0, rng.uniform(5, 600)))
            s = rng.uniform(0, L * 0.9)
            e = rng.uniform(s, L) if rng.random() < 0.97 else s
            gts.append((s / L, e / L))
            durs.append(L)
            targets.append(Target(task="grounding", duration=L, spans=((s, e),)))
        theirs = {"total": composite.compute_from_text(texts, gts, durations=durs).tolist()}
        for k, mod in single.items():
            theirs[k] = mod.compute_from_text(predictions=texts, ground_truths=gts, durations=durs).tolist()
        for i, (text, target) in enumerate(zip(texts, targets, strict=True)):
            res = ours(text, target)
            mine = {"total": res.score, **res.components}
            for k, row in rows.items():
                row.add(close(theirs[k][i], mine[k]), text, detail=f"{theirs[k][i]} vs {mine[k]}")
    return {f"qwen3_vl_grpo_vtg.{k}": v.as_dict() for k, v in rows.items()}
