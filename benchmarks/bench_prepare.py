"""Speed of ``videorl data prepare activitynet-captions`` on a training-size file (~37k segments).

The file is built from ActivityNet Captions val_1 (../shared/data, beside the repository) by
replicating its videos with new ids (``v_<id>__r<k>``) until it holds at least 37,421 segments
(the size of train.json); without val_1 a synthetic file of the same shape is generated.

Baseline, measured in the same run: ``json.load`` of the file plus a plain loop that builds one
dict per segment (no validation, no writing). Printed: seconds (best of ``--repeat``) for the
baseline, for the conversion alone, and for conversion + atomic write of the records and report,
with ratios to the baseline.

    .venv/bin/python benchmarks/bench_prepare.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import row, write_result  # noqa: E402

TARGET_SEGMENTS = 37_421
VAL_1 = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "activitynet_captions" / "val_1.json"


def build_file(path: Path) -> int:
    if VAL_1.exists():
        base = json.loads(VAL_1.read_text(encoding="utf-8"))
    else:
        rng = random.Random(0)
        base = {}
        for i in range(4917):
            dur = round(rng.uniform(20, 200), 2)
            ts = [sorted(round(rng.uniform(0, dur), 2) for _ in range(2)) for _ in range(rng.randint(2, 5))]
            base[f"v_syn{i:05d}"] = {"duration": dur, "timestamps": [[s, e + 0.5] if e <= s else [s, e] for s, e in ts],
                                     "sentences": [f" Someone does thing {j}." for j in range(len(ts))]}
    out: dict = {}
    n, k = 0, 0
    while n < TARGET_SEGMENTS:
        for key, entry in base.items():
            out[f"{key}__r{k}"] = entry
            n += len(entry["timestamps"])
            if n >= TARGET_SEGMENTS:
                break
        k += 1
    path.write_text(json.dumps(out), encoding="utf-8")
    return n


def baseline(path: Path) -> int:
    data = json.load(path.open(encoding="utf-8"))
    rows = []
    for key, entry in data.items():
        for i, (span, sent) in enumerate(zip(entry["timestamps"], entry["sentences"], strict=True)):
            rows.append({"id": f"{key}/{i}", "spans": [span], "query": sent.strip(), "duration": entry["duration"]})
    return len(rows)


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is reported")
    args = ap.parse_args()
    os.environ.setdefault("TQDM_DISABLE", "1")
    from videorl.data.prepare import activitynet_captions
    from videorl.data.prepare.common import write_outputs

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "train_like.json"
        n = build_file(src)
        print(f"input: {n} segments, {src.stat().st_size / 1e6:.1f} MB "
              f"({'replicated val_1' if VAL_1.exists() else 'synthetic'})")
        t_base, rows = best(lambda: baseline(src), args.repeat)
        t_conv, col = best(lambda: activitynet_captions.convert(src, split="train"), args.repeat)
        t_full, _ = best(lambda: write_outputs(activitynet_captions.convert(src, split="train"),
                                               Path(tmp) / "out.jsonl", Path(tmp) / "out.report.json"), args.repeat)
        assert rows == len(col.records) == n, (rows, len(col.records), n)
        print(f"baseline json.load + dict loop : {t_base:6.3f} s  (1.00x)")
        print(f"convert (validate, records)    : {t_conv:6.3f} s  ({t_conv / t_base:.2f}x baseline)")
        print(f"convert + write jsonl + report : {t_full:6.3f} s  ({t_full / t_base:.2f}x baseline)")
        print(f"limit 10 s: {'OK' if t_full < 10 else 'TOO SLOW'}; {n / t_full:,.0f} segments/s")
    write_result(__file__, [row(
        f"ActivityNet Captions at training size ({n:,} segments), one core",
        f"convert {t_conv:.2f} s, convert + write {t_full:.2f} s (`json.load` baseline {t_base:.2f} s: "
        f"{t_full / t_base:.1f}×)", "< 10 s",
        baseline_s=t_base, convert_s=t_conv, convert_write_s=t_full, segments=float(n))])


if __name__ == "__main__":
    main()
