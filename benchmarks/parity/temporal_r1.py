"""Parity: Temporal-R1's ``tvg.py`` (tIoU, format, 0.5/0.5 total) beside ``temporal_r1`` faithful.

The original file is imported unchanged from the checkout (it needs only ``re`` and ``json``). Its
``r1v.py`` format rule is compared too, with ``check_format(mode="r1")`` (the rule of
``temporal_r1_dual``'s docs and of Video-R2's faithful format): ``r1v.py`` imports ``mathruler``'s
grader, which the format function does not use, so it is stubbed.
"""

from __future__ import annotations

import random
from pathlib import Path

from _corpus import Tally, close, completion, number, span_text
from _load import load_module, stub

from videorl.rewards import get
from videorl.rewards.fmt import check_format
from videorl.target import Target

NAME = "temporal_r1"
NEEDS = ["temporal_r1"]
METHOD = "Temporal-R1"


def _body(rng: random.Random) -> str:
    a, b = number(rng, 120), number(rng, 240)
    r = rng.random()
    if r < 0.55:
        q = "" if rng.random() < 0.15 else '"'
        sp = rng.choice(("", " ", "\n", "  "))
        return f'{sp}{{{sp}"start_time"{sp}:{sp}{q}{a}{q}{sp},{sp}"end_time": {q}{b}{q}{sp}}}{sp}'
    if r < 0.65:
        return rng.choice(('{"start_time": "%s", "end_time": "%s", "x": 1}', '{"end_time": "%s", "start_time": "%s"}',
                           '{"start_time": [%s], "end_time": "%s"}', "{'start_time': '%s', 'end_time': '%s'}")) % (a, b)
    return span_text(rng, a, b)


def run(checkouts: dict[str, Path], n: int, seed: int) -> dict[str, dict]:
    tvg = load_module(checkouts["temporal_r1"], "verl/utils/reward_score/tvg.py")
    r1v = load_module(checkouts["temporal_r1"], "verl/utils/reward_score/r1v.py",
                      stubs={"mathruler.grader": stub("mathruler.grader", grade_answer=None)})
    ours = get("temporal_r1", faithful=True)
    rng = random.Random(seed)
    rows = {k: Tally(METHOD) for k in ("total", "tiou", "format", "r1v_format")}
    for _ in range(n):
        text = completion(rng, _body)
        L = rng.choice((30.0, 60.0, 117.5, 240.0, rng.uniform(5, 600)))
        s = rng.uniform(0, L * 0.8)
        e = rng.uniform(s, L)
        gt = [s / L, e / L]
        o_iou = tvg.tvg_accuracy_reward(text, gt, L)
        o_fmt = tvg.tvg_format_reward(text)
        o_total = tvg.tvg_compute_score(text, gt, L)
        res = ours(text, Target(task="grounding", duration=L, spans=((s, e),)))
        rows["tiou"].add(close(o_iou, res.components["iou"]), text, detail=f"{o_iou} vs {res.components['iou']}")
        rows["format"].add(o_fmt == res.components["format"], text, detail=f"{o_fmt} vs {res.components['format']}")
        rows["total"].add(close(o_total, res.score), text, detail=f"{o_total} vs {res.score}")
        r1 = float(check_format(text, "r1"))
        rows["r1v_format"].add(r1v.r1v_format_reward(text) == r1, text, detail=f"r1v vs check_format r1 {r1}")
    return {f"temporal_r1.{k}": v.as_dict() for k, v in rows.items()}
