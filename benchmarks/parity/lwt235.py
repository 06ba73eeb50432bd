"""Parity: LWT235-VTG's reward modules (``rewards/*.py``) beside ``qwen3_vl_grpo_vtg`` faithful.

The checkout's ``rewards/reward_registry.py`` is imported unchanged as ``rewards.reward_registry``
(its relative imports load ``temporal_iou.py``, ``segment_overlap.py`` and ``step_consistency.py``
from the checkout; the project's logging helper is stubbed with ``logging.getLogger``). The total is
their ``CompositeReward`` with ``rl_config.yaml``'s weights (temporal_iou 1.0, segment_overlap 0.5,
step_consistency disabled) called as their trainer calls it (normalised ground truth, durations),
once without the batch z-score (``total``) and once with it over each group of 8 completions of one
prompt (``total_zscore``, against ``zscore=True``); the components are the single modules.
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
    weights = {"temporal_iou": {"weight": 1.0}, "segment_overlap": {"weight": 0.5},
               "step_consistency": {"enabled": False, "weight": 0.0}}
    composite = reg.CompositeReward(weights, normalize=False, registry=registry)
    composite_z = reg.CompositeReward(weights, normalize=True, registry=registry)
    single = {"iou": registry.create("temporal_iou"), "recall": registry.create("segment_overlap", mode="recall"),
              "precision": registry.create("segment_overlap", mode="precision"),
              "step_consistency": registry.create("step_consistency")}
    ours = get("qwen3_vl_grpo_vtg", faithful=True)
    ours_z = get("qwen3_vl_grpo_vtg", faithful=True, zscore=True)
    rng = random.Random(seed)
    rows = {k: Tally(METHOD) for k in ("total", "total_zscore", "iou", "recall", "precision", "step_consistency")}
    group = 8  # one prompt's GRPO group: 8 completions, one target, z-scored together
    for lo in range(0, n, group):
        k = min(group, n - lo)
        L = rng.choice((30.0, 60.0, 150.0, rng.uniform(5, 600)))
        s = rng.uniform(0, L * 0.9)
        e = rng.uniform(s, L) if rng.random() < 0.97 else s
        target = Target(task="grounding", duration=L, spans=((s, e),))
        texts = [completion(rng, _body) for _ in range(k)]
        gts, durs = [(s / L, e / L)] * k, [L] * k
        theirs = {"total": composite.compute_from_text(texts, gts, durations=durs).tolist(),
                  "total_zscore": composite_z.compute_from_text(texts, gts, durations=durs).tolist()}
        for name, mod in single.items():
            theirs[name] = mod.compute_from_text(predictions=texts, ground_truths=gts, durations=durs).tolist()
        results = [ours(text, target) for text in texts]
        zs = ours_z.batch([r.score for r in results])
        for i, (text, res) in enumerate(zip(texts, results, strict=True)):
            mine = {"total": res.score, "total_zscore": zs[i], **res.components}
            for name, row in rows.items():
                row.add(close(theirs[name][i], mine[name]), text, detail=f"{theirs[name][i]} vs {mine[name]}")
    return {f"qwen3_vl_grpo_vtg.{k}": v.as_dict() for k, v in rows.items()}
