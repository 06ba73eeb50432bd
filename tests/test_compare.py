"""``videorl compare``: paired deltas, bootstrap intervals and exact McNemar tests against hand-computed values.

- McNemar: the two-sided exact p-value from the binomial by hand (2 * sum of C(n, k) / 2^n);
- bootstrap: the percentile interval of a paired mean delta on 5 samples equals the quantiles of the
  *exact* bootstrap distribution, enumerated over all 5^5 resamples (independent of scipy's sampling);
- the known null: two runs from the same predictions differ by 0 with the interval [0, 0] and p = 1;
- runs that differ in prompts, sampling settings or scorer protocol are refused, naming the difference.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

pytest.importorskip("scipy")

from videorl.cli import main  # noqa: E402
from videorl.io import write_jsonl  # noqa: E402
from videorl.scoring.compare import bootstrap_delta, mcnemar_exact  # noqa: E402


def _row(i, prediction, *, prompt=None, fps=2.0, duration=10.0, spans=((2.0, 6.0),), task="grounding", **extra):
    row = {"id": f"x{i}", "video": f"v{i}.mp4", "duration": duration, "task": task, "query": f"q{i}",
           "spans": [list(s) for s in spans], "prediction": prediction,
           "predict": {"prompt": prompt or f"find q{i}", "sampling": {"fps": fps, "nframes": None},
                       "temperature": 0.0, "backend": "hf", "model": "m"}}
    row.update(extra)
    return row


def test_mcnemar_exact_by_hand():
    # 1 pair only A got right, 6 only B: p = 2 * (C(7,6) + C(7,7)) / 2^7 = 16 / 128
    a = [1] * 1 + [0] * 6 + [1] * 5 + [0] * 8
    b = [0] * 1 + [1] * 6 + [1] * 5 + [0] * 8
    assert mcnemar_exact(a, b) == (1, 6, pytest.approx(16 / 128))
    assert mcnemar_exact([0] * 10, [1] * 10) == (0, 10, pytest.approx(2 / 1024))
    assert mcnemar_exact([1, 0, 1], [1, 0, 1]) == (0, 0, 1.0)


def test_percentile_interval_equals_the_exact_bootstrap_distribution():
    a = np.array([100.0, 0.0, 0.0, 0.0, 0.0])
    b = np.array([0.0, 0.0, 0.0, 100.0, 100.0])  # per-sample deltas -100, 0, 0, 100, 100: mean +20
    d = b - a
    means = sorted(float(np.mean(d[list(idx)])) for idx in itertools.product(range(5), repeat=5))
    atoms = sorted(set(means))
    cdf = {v: sum(m <= v for m in means) / len(means) for v in atoms}

    def quantile(q):  # the atom where the exact CDF crosses q, far enough from a jump for Monte Carlo
        v = next(x for x in atoms if cdf[x] >= q)
        below = max((cdf[x] for x in atoms if x < v), default=0.0)
        assert below < q - 0.004 and cdf[v] > q + 0.004
        return v

    lo, hi = quantile(0.025), quantile(0.975)
    assert (lo, hi) == (-40.0, 80.0)  # the exact bootstrap's 2.5 % and 97.5 % points, by enumeration
    delta, got_lo, got_hi = bootstrap_delta(a, b, method="percentile", n_resamples=40000, seed=0)
    assert delta == pytest.approx(20.0) and (got_lo, got_hi) == (lo, hi)
    assert bootstrap_delta(a, b, method="percentile", n_resamples=40000, seed=0)[1:] == (got_lo, got_hi)  # seeded


def test_bca_interval_is_seeded_and_close_to_the_percentile_one_on_a_large_sample():
    rng = np.random.default_rng(1)
    a = 100.0 * (rng.random(400) < 0.4)
    b = np.where(rng.random(400) < 0.2, 100.0 - a, a)  # flips 20 % of the answers
    bca = bootstrap_delta(a, b, seed=3, n_resamples=4000)
    assert bca == bootstrap_delta(a, b, seed=3, n_resamples=4000)
    pct = bootstrap_delta(a, b, seed=3, n_resamples=4000, method="percentile")
    assert bca[1] < bca[0] < bca[2] and abs(bca[1] - pct[1]) < 1.5 and abs(bca[2] - pct[2]) < 1.5
    # the normal approximation of the paired mean: delta +- 1.96 * sd / sqrt(n)
    se = np.std(b - a, ddof=1) / math.sqrt(400)
    assert abs((bca[2] - bca[1]) - 2 * 1.96 * se) < 0.15 * 2 * 1.96 * se
    assert bootstrap_delta([1.0, 2.0], [11.0, 12.0]) == (10.0, 10.0, 10.0)  # a constant shift: no spread


def test_the_known_null_and_a_hand_computed_cli_case(tmp_path, capsys):
    rows_a = [_row(i, "2 - 6" if i < 4 else "0 - 1") for i in range(10)]  # 4 exact hits, 6 misses
    write_jsonl(tmp_path / "a.jsonl", rows_a)
    write_jsonl(tmp_path / "a_copy.jsonl", rows_a)
    assert main(["compare", str(tmp_path / "a.jsonl"), str(tmp_path / "a_copy.jsonl"), "--json"]) == 0
    out = capsys.readouterr()
    assert "warning" not in out.err and "error" not in out.err
    cmp = json.loads(out.out)["comparisons"][0]
    assert cmp["shared"] == 10 and cmp["differences"] == []
    for m in cmp["groups"]["grounding"]:
        assert (m["delta"], m["ci_low"], m["ci_high"]) == (0.0, 0.0, 0.0)
        if m["binary"]:
            assert m["p_value"] == 1.0 and m["discordant_a"] == m["discordant_b"] == 0
    # B hits 4 more samples (ids 4..7) and loses id 0: R1@0.5 40 -> 70, discordant 1 / 4,
    # McNemar p = 2 * (C(5,4) + C(5,5)) / 32 = 12 / 32; mIoU: 0..3 were 100, 4..9 had IoU 0 ([0,1] vs [2,6])
    rows_b = [_row(i, "2 - 6" if 1 <= i < 8 else "0 - 1") for i in range(10)]
    write_jsonl(tmp_path / "b.jsonl", rows_b)
    assert main(["compare", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"), "--json",
                 "--plot", str(tmp_path / "d.png")]) == 0
    cmp = json.loads(capsys.readouterr().out)["comparisons"][0]
    by = {m["metric"]: m for m in cmp["groups"]["grounding"]}
    r = by["R1@0.5"]
    assert (r["a"], r["b"], r["delta"], r["discordant_a"], r["discordant_b"]) == (40.0, 70.0, 30.0, 1, 4)
    assert r["p_value"] == pytest.approx(12 / 32)
    assert r["ci_low"] < 30.0 < r["ci_high"] and by["mIoU"]["delta"] == pytest.approx(30.0)
    assert not by["mIoU"]["binary"] and by["mIoU"]["p_value"] is None  # IoU is continuous, even when 0 or 1
    assert sorted(cmp["deltas"]["grounding"]["delta"]) == [-100.0] + [0.0] * 5 + [100.0] * 4
    from PIL import Image

    with Image.open(tmp_path / "d.png") as im:
        img = np.asarray(im.convert("RGB")).astype(int)
    assert img.std() > 10
    # the table
    assert main(["compare", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")]) == 0
    table = capsys.readouterr().out
    assert "R1@0.5" in table and "+30.00" in table and "0.375 (1/4)" in table


def test_differences_are_named_and_refused(tmp_path, capsys):
    base = [_row(i, "2 - 6") for i in range(6)]
    write_jsonl(tmp_path / "a.jsonl", base)
    write_jsonl(tmp_path / "p.jsonl", [_row(i, "2 - 6", prompt=f"other words {i}") for i in range(6)])
    write_jsonl(tmp_path / "s.jsonl", [_row(i, "2 - 6", fps=1.0) for i in range(6)])
    write_jsonl(tmp_path / "ids.jsonl", [_row(i, "2 - 6") for i in range(2, 9)])
    a = str(tmp_path / "a.jsonl")
    assert main(["compare", a, str(tmp_path / "p.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "6 of 6 shared ids were asked different prompts" in err and "--allow prompt" in err
    assert main(["compare", a, str(tmp_path / "p.jsonl"), "--allow", "prompt"]) == 0
    assert "warning" in capsys.readouterr().err
    assert main(["compare", a, str(tmp_path / "s.jsonl")]) == 2
    assert "sampling.fps: 2.0 vs 1.0" in capsys.readouterr().err
    assert main(["compare", a, str(tmp_path / "ids.jsonl")]) == 0  # a warning: compared on the shared ids
    out = capsys.readouterr()
    assert "2 ids only in a, 3 only in ids" in out.err and "4 shared ids" in out.out


def test_scorer_protocol_difference_is_named(tmp_path, capsys):
    """A per-sample file scored with --protocol official (no clamping) against a re-scoring with the default."""
    rows = [_row(i, "8 - 12", spans=((8.0, 10.0),)) for i in range(3)]  # videorl clamps to [8, 10]: IoU 1
    write_jsonl(tmp_path / "p.jsonl", rows)
    assert main(["score", str(tmp_path / "p.jsonl"), "--protocol", "official", "--per-sample",
                 str(tmp_path / "official.jsonl")]) == 0
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "p.jsonl"), str(tmp_path / "official.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "--protocol videorl does not reproduce" in err and "R1@0.7 0.0 stored, 100.0 now" in err  # IoU 0.5 official, 1 clamped
    # scored with the same protocol it names, nothing differs
    assert main(["compare", str(tmp_path / "p.jsonl"), str(tmp_path / "official.jsonl"), "--protocol",
                 "official", "--json"]) == 0


def test_subtasks_are_groups(tmp_path, capsys):
    def mcq(i, answer):
        return {**_row(i, answer, task="mcq", spans=()), "options": ["yes", "no"], "answer": "A",
                "meta": {"subtask": "s1" if i % 2 else "s2"}}

    write_jsonl(tmp_path / "a.jsonl", [mcq(i, "A") for i in range(6)])
    write_jsonl(tmp_path / "b.jsonl", [mcq(i, "A" if i % 2 else "B") for i in range(6)])
    assert main(["compare", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"), "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)["comparisons"][0]["groups"]
    acc = {g: next(m for m in ms if m["metric"] == "accuracy") for g, ms in groups.items()}
    assert (acc["mcq"]["delta"], acc["mcq/s1"]["delta"], acc["mcq/s2"]["delta"]) == (-50.0, 0.0, -100.0)
    assert acc["mcq/s2"]["p_value"] == pytest.approx(2 / 8)  # 3 discordant, all for A: 2 * 1/8
