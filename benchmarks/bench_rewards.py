"""Reward speed: one GRPO step (512 prompts x 8 responses = 4096) with the default grounding reward.

Baseline, measured in the same run: a bare loop of one regex ("a - b") + IoU per response, the least
any grounding reward must do. Prints seconds and the ratio to the baseline. Target: the default
grounding reward under 0.25 s for 4096 responses on one core.

    python benchmarks/bench_rewards.py [--n 4096] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time

from videorl.plugins.easyr1.reward import compute_score
from videorl.rewards import get
from videorl.target import Target

_BARE = re.compile(r"(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)")


def responses(n: int, seed: int = 0) -> tuple[list[str], list[Target]]:
    """Four kinds of responses in turn: tagged "a - b", tagged "a to b seconds", untagged prose, no span."""
    rng = random.Random(seed)
    texts, targets = [], []
    for i in range(n):
        dur = rng.uniform(20, 180)
        s = rng.uniform(0, dur * 0.8)
        targets.append(Target(task="grounding", duration=round(dur, 2),
                              spans=((round(s, 1), round(min(dur, s + 8), 1)),), id=f"b{i // 8}"))
        ps = max(0.0, s + rng.uniform(-5, 5))
        pe = ps + rng.uniform(1, 15)
        kind = i % 4
        if kind == 0:
            text = (f"<think>The person appears near {ps:.0f} seconds and the action continues for a while, "
                    f"so I estimate the span.</think>\n<answer>{ps:.1f} - {pe:.1f}</answer>")
        elif kind == 1:
            text = f"<think>Looking at the frames.</think><answer>{ps:.1f} to {pe:.1f} seconds</answer>"
        elif kind == 2:
            text = f"The event happens from {ps:.1f}s to {pe:.1f}s."
        else:
            text = "<think>I am not sure what happens in this video.</think><answer>unknown</answer>"
        texts.append(text)
    return texts, targets


def bare(texts: list[str], targets: list[Target]) -> list[float]:
    out = []
    for text, t in zip(texts, targets, strict=True):
        m = _BARE.search(text)
        if not m:
            out.append(0.0)
            continue
        ps, pe = float(m.group(1)), float(m.group(2))
        gs, ge = t.spans[0]
        inter = max(0.0, min(pe, ge) - max(ps, gs))
        union = (pe - ps) + (ge - gs) - inter
        out.append(inter / union if union > 0 else 0.0)
    return out


def best_of(fn, repeat: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description="Reward speed on one GRPO step of responses.")
    ap.add_argument("--n", type=int, default=4096, help="responses per step (default 512 x 8)")
    ap.add_argument("--repeat", type=int, default=5, help="repetitions; the best time is reported")
    args = ap.parse_args()
    texts, targets = responses(args.n)
    gts = [json.dumps(t.to_dict()) for t in targets]
    inputs = [{"response": r, "response_length": 0, "ground_truth": g} for r, g in zip(texts, gts, strict=True)]
    base = best_of(lambda: bare(texts, targets), args.repeat)
    rows = [("baseline: bare regex + IoU loop", base)]
    for name, kw in [("default_grounding", {}), ("iou", {}), ("temporal_r1", {}), ("temporal_r1", {"faithful": True}),
                     ("qwen3_vl_grpo_vtg", {}), ("qwen3_vl_grpo_vtg", {"faithful": True}), ("default", {})]:
        r = get(name, **kw)
        rows.append((f"{name}{' (faithful)' if kw else ''}",
                     best_of(lambda r=r: [r(x, t) for x, t in zip(texts, targets, strict=True)], args.repeat)))
    rows.append(("EasyR1 compute_score(default_grounding) incl. target JSON",
                 best_of(lambda: compute_score(inputs, preset="default_grounding"), args.repeat)))
    print(f"{args.n} responses, best of {args.repeat}")
    print(f"{'reward':<60} {'seconds':>8} {'us/resp':>8} {'x base':>7}")
    for name, sec in rows:
        print(f"{name:<60} {sec:8.4f} {sec / args.n * 1e6:8.1f} {sec / base:7.1f}")
    t = dict(rows)["default_grounding"]
    print(f"default_grounding: {t:.3f} s for {args.n} responses ({'under' if t < 0.25 else 'OVER'} the 0.25 s target)")


if __name__ == "__main__":
    main()
