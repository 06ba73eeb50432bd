"""Benchmark the span parser and the IoU code against baselines measured in the same run.

Usage: python benchmarks/bench_scoring.py

1. Span parsing on the answer-style corpus of tests/test_parse_spans.py: how many styles each parser
   reads correctly, and the time per call, for videorl.parse.parse_span and lmms-eval 0.7.3's
   Charades-STA ``extract_time`` (the baseline; skipped when lmms-eval is not installed).
2. iou_matrix (numpy) against a Python loop over videorl.scoring.iou (the baseline).
"""

from __future__ import annotations

import importlib.util
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import row, write_result  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def load_corpus() -> list[tuple[str, tuple[float, float]]]:
    spec = importlib.util.spec_from_file_location("_styles", ROOT / "tests" / "test_parse_spans.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return list(mod.STYLES)


def lmms_eval_parser():
    try:
        import lmms_eval  # noqa: F401
        from lmms_eval.tasks.charades_sta.utils import extract_time
    except Exception as exc:  # any import problem: no baseline
        print(f"lmms-eval baseline unavailable ({type(exc).__name__}: {exc})")
        return None

    def parse(text):
        out = extract_time(text)
        return tuple(out[0]) if out else None
    return parse


def timed(fn, texts, repeat):
    """CPU seconds per call (``time.process_time``: other jobs on a shared machine do not count)."""
    t0 = time.process_time()
    for _ in range(repeat):
        for t in texts:
            fn(t)
    return (time.process_time() - t0) / (repeat * len(texts))


def close(a, b):
    return a is not None and b is not None and all(abs(x - y) < 1e-6 for x, y in zip(a, b, strict=True))


def main() -> int:
    from videorl.parse import parse_span
    from videorl.scoring import iou, iou_matrix

    corpus = load_corpus()
    texts = [t for t, _ in corpus]
    ours_ok = sum(close(parse_span(t), e) for t, e in corpus)
    print(f"span corpus: {len(corpus)} styles")
    print(f"  videorl.parse_span   correct {ours_ok}/{len(corpus)}")
    base = lmms_eval_parser()
    t_ours = timed(parse_span, texts, 20)
    base_ok = t_base = None
    if base is not None:
        base_ok = sum(close(base(t), e) for t, e in corpus)
        t_base = timed(base, texts, 20)
        print(f"  lmms-eval extract_time correct {base_ok}/{len(corpus)}")
        print(f"  time per call: videorl {t_ours * 1e6:.1f} us, lmms-eval {t_base * 1e6:.1f} us, "
              f"ratio videorl/lmms-eval = {t_ours / t_base:.2f}")
    else:
        print(f"  time per call: videorl {t_ours * 1e6:.1f} us")
    big = "1 " * 500_000
    t0 = time.process_time()
    parse_span(big)
    t_big = time.process_time() - t0
    print(f"  1 MB adversarial input: {t_big:.3f} s")

    rng = random.Random(0)
    preds = [sorted((rng.uniform(0, 100), rng.uniform(0, 100))) for _ in range(2000)]
    gts = [sorted((rng.uniform(0, 100), rng.uniform(0, 100))) for _ in range(20)]
    t0 = time.process_time()
    loop = [[iou(p, g) for g in gts] for p in preds]
    t_loop = time.process_time() - t0
    iou_matrix(preds, gts)  # warm-up: numpy's first call
    t0 = time.process_time()
    mat = iou_matrix(preds, gts)
    t_mat = time.process_time() - t0
    err = max(abs(mat[i][j] - loop[i][j]) for i in range(len(preds)) for j in range(len(gts)))
    print(f"iou 2000x20: loop {t_loop * 1e3:.1f} ms, iou_matrix {t_mat * 1e3:.2f} ms, "
          f"speed-up {t_loop / t_mat:.0f}x, max |diff| {err:.1e}")
    n = len(corpus)
    vs = ("" if t_base is None else f" vs lmms-eval's `extract_time` {t_base * 1e6:.0f} µs "
          f"({t_ours / t_base:.2f}×) while reading {ours_ok}/{n} answer styles of our corpus against its {base_ok}/{n}")
    metrics = {"parse_span_us": t_ours * 1e6, "corpus": float(n), "parse_span_correct": float(ours_ok),
               "adversarial_1mb_s": t_big, "iou_matrix_speedup": t_loop / t_mat}
    if t_base is not None:
        metrics.update(extract_time_us=t_base * 1e6, extract_time_correct=float(base_ok), ratio=t_ours / t_base)
    write_result(__file__, [row(
        "span parsing and interval maths",
        f"`parse_span` {t_ours * 1e6:.0f} µs/call{vs}; 1 MB adversarial input {t_big:.2f} s; "
        f"`iou_matrix` {t_loop / t_mat:.0f}× a Python loop", "—", **metrics)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
