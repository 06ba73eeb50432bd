"""Training mixtures: quotas, sampling with/without replacement, de-duplication, determinism."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from videorl.cli import main
from videorl.data.mix import mix, quotas
from videorl.io import write_jsonl
from videorl.record import SampleRecord, load_records


def _src(path, prefix, n, start=0):
    recs = [SampleRecord(id=f"{prefix}/{i}", video=f"{i}.mp4", duration=10.0, task="grounding", query=f"q{i}",
                         spans=[[1.0, 2.0]]) for i in range(start, start + n)]
    write_jsonl(path, recs)
    return path


def test_quotas_by_hand():
    # 10 * 0.7 = 7, 10 * 0.3 = 3: exact.
    assert quotas([0.7, 0.3], 10) == [7, 3]
    # 10 / 3 = 3.33 each: floors 3+3+3 = 9, one left goes to the first (ties: earlier source).
    assert quotas([1, 1, 1], 10) == [4, 3, 3]
    # 5 * 0.5 = 2.5, 5 * 0.3 = 1.5, 5 * 0.2 = 1.0: floors 2+1+1 = 4; remainders .5, .5, 0 -> first gets it.
    assert quotas([0.5, 0.3, 0.2], 5) == [3, 1, 1]
    with pytest.raises(ValueError):
        quotas([0, 0], 3)


@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=6).filter(lambda w: sum(w) > 0),
       st.integers(0, 10_000))
def test_quotas_sum_and_are_within_one_of_exact(weights, size):
    q = quotas(weights, size)
    assert sum(q) == size
    total = sum(weights)
    assert all(abs(qi - size * w / total) < 1 for qi, w in zip(q, weights, strict=True))


def test_mix_without_then_with_replacement_and_dedup(tmp_path):
    a = _src(tmp_path / "a.jsonl", "a", 10)
    b = _src(tmp_path / "b.jsonl", "b", 3)
    dup = tmp_path / "dup.jsonl"
    write_jsonl(dup, load_records(a)[:2] + load_records(_src(tmp_path / "c.jsonl", "c", 2)))
    recs, rep = mix([a, b, dup], size=12, weights=[0.5, 0.5, 0.0], seed=7)
    # quotas: 6 from a (10 available: no repeat), 6 from b (3 available: 3 + 3 repeats), 0 from dup.
    assert [s["quota"] for s in rep.sources] == [6, 6, 0]
    assert [s["repeats"] for s in rep.sources] == [0, 3, 0]
    assert [s["duplicates_dropped"] for s in rep.sources] == [0, 0, 2]
    assert {d["id"] for d in rep.duplicates} == {"a/0", "a/1"}
    ids = [r.id for r in recs]
    assert len(ids) == len(set(ids)) == 12
    from_b = [r for r in recs if r.meta["mix_source"] == "b.jsonl"]
    base = sorted(r.id.split("#")[0] for r in from_b)
    # each of b's 3 records is taken once, then 3 draws with replacement get "#k" ids.
    assert sorted(set(base)) == ["b/0", "b/1", "b/2"] and sum("#" in r.id for r in from_b) == 3
    assert all(r.meta["mix_copy"] >= 2 for r in from_b if "#" in r.id)


def test_mix_is_deterministic_for_a_seed(tmp_path):
    a = _src(tmp_path / "a.jsonl", "a", 50)
    b = _src(tmp_path / "b.jsonl", "b", 50)
    one = [r.id for r in mix([a, b], size=30, weights=[0.7, 0.3], seed=1)[0]]
    two = [r.id for r in mix([a, b], size=30, weights=[0.7, 0.3], seed=1)[0]]
    other = [r.id for r in mix([a, b], size=30, weights=[0.7, 0.3], seed=2)[0]]
    assert one == two and one != other
    assert sum(i.startswith("a/") for i in one) == 21  # 30 * 0.7


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 8), st.integers(1, 8), st.integers(0, 40), st.integers(0, 2**31))
def test_mix_properties(tmp_path_factory, na, nb, size, seed):
    d = tmp_path_factory.mktemp("mix")
    a = _src(d / "a.jsonl", "a", na)
    b = _src(d / "b.jsonl", "b", nb)
    recs, rep = mix([a, b], size=size, weights=[1, 1], seed=seed)
    ids = [r.id for r in recs]
    assert len(ids) == size and len(set(ids)) == size
    for src, n, q in (("a", na, rep.sources[0]["quota"]), ("b", nb, rep.sources[1]["quota"])):
        mine = [r for r in recs if r.id.startswith(src + "/")]
        # without replacement first: min(q, n) distinct originals, every one of them before any repeat.
        assert len({r.id.split("#")[0] for r in mine}) == min(q, n)


def test_cli_mix(tmp_path, capsys):
    a = _src(tmp_path / "a.jsonl", "a", 5)
    b = _src(tmp_path / "b.jsonl", "b", 5)
    out = tmp_path / "m.jsonl"
    assert main(["data", "mix", str(a), str(b), "--weights", "0.6", "0.4", "--size", "5", "--seed", "3",
                 "--out", str(out)]) == 0
    assert len(load_records(out)) == 5
    rep = json.loads((tmp_path / "m.report.json").read_text())
    assert [s["quota"] for s in rep["sources"]] == [3, 2]
    first = out.read_bytes()
    main(["data", "mix", str(a), str(b), "--weights", "0.6", "0.4", "--size", "5", "--seed", "3", "--out", str(out)])
    assert out.read_bytes() == first
    assert main(["data", "mix", str(a), "--weights", "1", "2", "--size", "1", "--out", str(out)]) == 2
