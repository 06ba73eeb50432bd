"""Reward speed: one GRPO step (512 prompts x 8 responses = 4096) with the default grounding reward.

Baseline, measured in the same run: a bare loop of one regex ("a - b") + IoU per response, the least
any grounding reward must do. Prints seconds and the ratio to the baseline, and writes
``benchmarks/results/bench_rewards.json`` (rendered into the README by ``render_readme.py``).
Targets: ``default_grounding`` within 5x the baseline, EasyR1 ``compute_score`` for 4096 responses
(each parsing its own target JSON) under 0.25 s on one core. Timing (:func:`interleaved`): batches
of 512 responses, every round runs each row on each batch in turn, each batch keeps its best time,
and a row's figure is the sum over the batches of this process's CPU time, so the ratios hold on a
busy machine.

    python benchmarks/bench_rewards.py [--n 4096] [--repeat 15]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import row, write_result  # noqa: E402

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
    """Best wall time of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def interleaved(fns: dict[str, Callable[[int, int], object]], n: int, repeat: int, chunk: int = 512) -> dict[str, float]:
    """Seconds for each function to process items ``0..n``, robust to a busy machine.

    The items are cut into chunks of ``chunk`` (one GRPO group batch); every round runs each
    function on each chunk in turn, so the baseline and the rewards see the same load, and each
    (function, chunk) keeps its best time over ``repeat`` rounds. Times are CPU time of this process
    (``time.process_time``), which other jobs on the machine do not add to. The total is the sum over
    chunks: the time of one undisturbed pass over all ``n`` items on one core.
    """
    bounds = [(lo, min(n, lo + chunk)) for lo in range(0, n, chunk)]
    best = {name: [float("inf")] * len(bounds) for name in fns}
    for _ in range(repeat):
        for c, (lo, hi) in enumerate(bounds):
            for name, fn in fns.items():
                start = time.process_time()
                fn(lo, hi)
                best[name][c] = min(best[name][c], time.process_time() - start)
    return {name: sum(b) for name, b in best.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description="Reward speed on one GRPO step of responses.")
    ap.add_argument("--n", type=int, default=4096, help="responses per step (default 512 x 8)")
    ap.add_argument("--repeat", type=int, default=15, help="rounds; the best time of each is reported")
    ap.add_argument("--no-write", action="store_true", help="do not write benchmarks/results/bench_rewards.json")
    args = ap.parse_args()
    texts, targets = responses(args.n)
    gts = [json.dumps(t.to_dict()) for t in targets]
    inputs = [{"response": r, "response_length": 0, "ground_truth": g} for r, g in zip(texts, gts, strict=True)]
    base_name = "baseline: bare regex + IoU loop"
    fns: dict[str, Callable[[int, int], object]] = {base_name: lambda lo, hi: bare(texts[lo:hi], targets[lo:hi])}
    for name, kw in [("default_grounding", {}), ("iou", {}), ("temporal_r1", {}), ("temporal_r1", {"faithful": True}),
                     ("qwen3_vl_grpo_vtg", {}), ("qwen3_vl_grpo_vtg", {"faithful": True}), ("default", {})]:
        r = get(name, **kw)
        fns[f"{name}{' (faithful)' if kw else ''}"] = \
            lambda lo, hi, r=r: [r(x, t) for x, t in zip(texts[lo:hi], targets[lo:hi], strict=True)]
    easyr1 = "EasyR1 compute_score(default_grounding) incl. target JSON"
    fns[easyr1] = lambda lo, hi: compute_score(inputs[lo:hi], preset="default_grounding")
    for fn in fns.values():  # warm-up: caches, compiled regular expressions
        fn(0, args.n)
    times = interleaved(fns, args.n, args.repeat)
    base = times[base_name]
    print(f"{args.n} responses in batches of 512, best of {args.repeat} interleaved rounds per batch, one core")
    print(f"{'reward':<60} {'seconds':>8} {'us/resp':>8} {'x base':>7}")
    for name, sec in times.items():
        print(f"{name:<60} {sec:8.4f} {sec / args.n * 1e6:8.1f} {sec / base:7.1f}")
    t, te = times["default_grounding"], times[easyr1]
    ok = t / base <= 5 and te < 0.25
    print(f"default_grounding: {t:.3f} s = {t / base:.1f}x baseline (target <= 5x); EasyR1 compute_score "
          f"{te:.3f} s (target < 0.25 s): {'OK' if ok else 'MISSED'}")
    if not args.no_write:
        write_result(__file__, [row(
            f"{args.n} responses (512 prompts × 8), one core, each with its own target",
            f"`default_grounding` {t:.3f} s (**{t / base:.1f}×** a bare regex+IoU loop, {base:.4f} s); "
            f"EasyR1 `compute_score` with target parsing {te:.3f} s ({te / base:.1f}×)",
            "`default_grounding` ≤ 5× baseline; `compute_score` < 0.25 s",
            baseline_s=base, default_grounding_s=t, default_grounding_x=t / base, compute_score_s=te,
            compute_score_x=te / base)])


if __name__ == "__main__":
    main()
