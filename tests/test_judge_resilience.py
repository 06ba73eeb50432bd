"""Judges you can leave running for a week (issue 26), against the real loopback server with real
outages (the port closes, connections drop). Times are scaled down 10x from the issue's (a 60 s
deadline is 6 s here, a 30 s outage 3 s, the 10 s back-off cap 1 s; tests that only need the deadline
to pass use 20x); the semantics do not depend on the scale: retries run until the deadline, the
deadline is one per step, a dead judge costs one. Loads are sized for a busy 2-core machine."""

from __future__ import annotations

import importlib.util
import json
import logging
import math
import multiprocessing
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

if importlib.util.find_spec("openai") is None:
    pytest.skip("the judge extra (openai) is not installed", allow_module_level=True)

from videorl.judge import JudgeClient  # noqa: E402
from videorl.judge.cache import FILENAME, DiskCache  # noqa: E402
from videorl.judge.step import judge_step  # noqa: E402
from videorl.rewards import get  # noqa: E402
from videorl.target import Target  # noqa: E402
from videorl.testing.judge_server import JudgeServer  # noqa: E402

SCALE = 1 / 10
FAST = {"backoff": 0.05, "max_backoff": 10 * SCALE, "timeout": 1.0}
QUICK = 1 / 20  # where only the deadline has to pass


def msgs(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def echo(messages) -> str:
    return "re: " + messages[-1]["content"]


def warm(c: JudgeClient) -> None:
    """Start the client (SDK import, loop thread) before a timed batch."""
    assert c.complete([msgs("warm-up")])[0][0].ok


def dark(n: int) -> tuple[list[str], list[Target]]:
    texts = [f"<think>t</think><answer>he sits down {i}</answer>" for i in range(n)]
    return texts, [Target(task="open_qa", duration=10, answer="the man sits",
                          extra={"problem_type": "DarkEventInfer", "question": "q"}) for _ in range(n)]


# -- item 3: retries until the deadline ------------------------------------------------------------
def test_an_outage_shorter_than_the_deadline_loses_no_sample():
    """Judge down for 30 s (3 s) mid-batch under a 60 s (6 s) deadline: 0 failed samples."""
    with JudgeServer(default="2", latency=0.1) as srv:
        judge = {"base_url": srv.base_url, "model": "judge", "deadline": 60 * SCALE, "concurrency": 16, **FAST}
        reward = get("versavid_r1", judge=judge, on_error="nan")
        warm(reward._judged["dark"].client())
        texts, targets = dark(80)  # 80 × 100 ms / 16 = 0.5 s of work without the outage
        srv.outage(after=0.2, duration=30 * SCALE)
        t0 = time.monotonic()
        res = reward.many(texts, targets)
        wall = time.monotonic() - t0
        assert [r.score for r in res] == [2.0] * 80
        assert [k for _, k in srv.transitions] == ["down", "up"]  # the outage happened mid-batch
        st = reward._judged["dark"].client().stats
        assert st.errors_seen["connection"] > 0 and not st.failures
        assert 30 * SCALE < wall < 60 * SCALE


def test_an_outage_longer_than_the_deadline_scores_on_error_within_deadline_plus_one():
    on_error = "nan"
    with JudgeServer(default="2", latency=0.05) as srv:
        judge = {"base_url": srv.base_url, "model": "judge", "deadline": 60 * QUICK, "concurrency": 4, **FAST}
        reward = get("versavid_r1", judge=judge, on_error=on_error)
        warm(reward._judged["dark"].client())
        texts, targets = dark(200)  # 200 × 50 ms / 4 = 2.5 s of work: most calls meet the outage
        srv.outage(after=0.3, duration=60)
        t0 = time.monotonic()
        res = reward.many(texts, targets)
        wall = time.monotonic() - t0
        assert wall <= 60 * QUICK + 1.0, wall
        done = [r for r in res if r.score == 2.0]
        lost = [r for r in res if r.score != 2.0]
        assert done and lost and len(done) + len(lost) == 200
        for r in lost:
            assert math.isnan(r.score)
            assert "judge failed (deadline)" in r.reason


# -- item 2: one deadline per step ---------------------------------------------------------------
def test_a_hung_judge_costs_one_deadline_per_step_whatever_the_preset():
    """versavid_r1 asks three judged rewards (caption in two rounds) one after another: one deadline."""
    deadline = 1.0
    with JudgeServer(rate_hang=1.0, hang_seconds=60) as srv:
        judge = {"base_url": srv.base_url, "model": "judge", "deadline": deadline, "timeout": 30.0}
        reward = get("versavid_r1", judge=judge, on_error="nan")
        texts, targets = dark(2)
        texts += ["<think>t</think><answer>he sits</answer>"] * 2
        targets += [Target(task="open_qa", duration=10, answer="x", extra={"problem_type": "MixVidQA", "question": "q"}),
                    Target(task="caption", duration=10, answer="a man walks in and sits.")]
        import openai  # noqa: F401 - the SDK import is not judge time

        t0 = time.monotonic()
        res = reward.many(texts, targets)
        wall = time.monotonic() - t0
        assert all(math.isnan(r.score) for r in res)
        assert wall <= deadline + 1.0, wall  # three rewards, still one deadline (was 3 deadlines)
        # a new step gets a new deadline
        t0 = time.monotonic()
        reward.many(texts[:1], targets[:1])
        assert deadline * 0.9 <= time.monotonic() - t0 <= deadline + 1.0


def test_steps_nest_and_the_first_batch_starts_the_clock():
    with JudgeServer(default="ok", latency=0.3) as srv:
        c = JudgeClient(base_url=srv.base_url, model="judge", deadline=0.5, **FAST)
        warm(c)
        with judge_step() as step:
            time.sleep(0.6)  # work before the first judge call does not eat the deadline
            (r,), _ = c.complete([msgs("a")])
            assert r.ok
            with judge_step() as inner:
                assert inner is step
                (r2,), _ = c.complete([msgs("b")])  # 0.3 + 0.3 > 0.5: the shared deadline cuts it
            assert r2.error == "deadline"


# -- item 1: a reply that is not a verdict is a judge failure ---------------------------------------
def test_fixed_mode_counts_garbage_verdicts_as_failures_and_never_caches_them(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="videorl.judge")
    replies = {"[maybe]": "maybe", "[essay]": "The timestamps are hard to say.", "[cut]": '{"00:12": "A man op',
               "[ok]": "{}", "[gate]": "TRUE"}

    def reply(messages):
        text = messages[-1]["content"]
        return next((v for k, v in replies.items() if k in text), "TRUE")

    t = Target(task="mcq", duration=90.0, options=("yes", "no"), answer="A",
               extra={"temporal_grounding": {"00:10": "man opens the door."}, "question": "q"})
    with JudgeServer(default=reply) as srv:
        judge = {"base_url": srv.base_url, "model": "judge", "cache_dir": str(tmp_path), **FAST}
        r = get("video_r2_tar", judge=judge, on_error="nan", embedder="unused")
        res = r.many([f"<think>{m} at 00:10</think><answer>A</answer>" for m in replies if m != "[gate]"], [t] * 4)
        assert [math.isnan(x.score) for x in res] == [True, True, True, False]
        assert res[3].score == 0.0  # "{}": no claim is a valid verdict, TAR 0
        assert srv.received == 3 * 2 + 1  # each bad verdict was re-asked once (verdict_retries=1)
        line = [x.getMessage() for x in caplog.records if "video_r2_tar" in x.getMessage()][-1]
        assert "3 failed (3 invalid verdict)" in line and "3 of 4 samples" in line
        assert len(DiskCache(tmp_path)) == 1  # only "{}" was cached
        # faithful keeps Video-R2's reading: garbage is TAR 0, not a failure
        f = get("video_r2_tar", faithful=True, judge=judge, on_error="nan", embedder="unused")
        assert [x.score for x in f.many([f"<think>{m}</think><answer>A</answer>" for m in ("[maybe]", "[cut]")],
                                        [t] * 2)] == [0.0, 0.0]


# -- item 4: the cache ------------------------------------------------------------------------------
def test_cache_key_has_the_server_identity(tmp_path):
    with JudgeServer(default="one") as a, JudgeServer(default="two") as b:
        ca = JudgeClient(base_url=a.base_url, model="judge", cache_dir=str(tmp_path))
        cb = JudgeClient(base_url=b.base_url, model="judge", cache_dir=str(tmp_path))
        assert ca.complete([msgs("q")])[0][0].text == "one"
        assert cb.complete([msgs("q")])[0][0].text == "two"  # same model name, another server: no shared entry
        assert ca.complete([msgs("q")])[0][0].cached and a.received == b.received == 1


def test_failures_are_never_cached(tmp_path):
    with JudgeServer(default="fine", script=["500", "500"]) as srv:
        c = JudgeClient(base_url=srv.base_url, model="judge", cache_dir=str(tmp_path), max_retries=0, **FAST)
        (r,), _ = c.complete([msgs("q")])
        assert r.error == "http 500"
        assert len(DiskCache(tmp_path)) == 0
        (r,), _ = c.complete([msgs("q")])
        assert r.error == "http 500" and srv.received == 2
        (r,), _ = c.complete([msgs("q")])
        assert r.text == "fine" and len(DiskCache(tmp_path)) == 1


def test_a_corrupt_cache_is_moved_aside_with_one_warning_and_rebuilt(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="videorl.judge")
    (tmp_path / FILENAME).write_bytes(b"this is not a database" * 100)
    with JudgeServer(default=echo) as srv:
        c = JudgeClient(base_url=srv.base_url, model="judge", cache_dir=str(tmp_path))  # was: sqlite3.DatabaseError
        replies, _ = c.complete([msgs(str(i)) for i in range(5)])
        assert [r.text for r in replies] == [f"re: {i}" for i in range(5)]
        warnings = [x for x in caplog.records if "damaged" in x.getMessage()]
        assert len(warnings) == 1 and len(list(tmp_path.glob(f"{FILENAME}.corrupt-*"))) == 1
        assert len(DiskCache(tmp_path)) == 5


def test_a_cache_truncated_under_a_running_client_is_survived(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="videorl.judge")
    with JudgeServer(default=echo) as srv:
        c = JudgeClient(base_url=srv.base_url, model="judge", cache_dir=str(tmp_path))
        big = [msgs(f"{i} " + "x" * 1500) for i in range(150)]  # ~230 kB: many pages
        c.complete(big)
        c.close()
        db = sqlite3.connect(tmp_path / FILENAME)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        path = tmp_path / FILENAME
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])  # a truncated copy, as after a full disk
        c2 = JudgeClient(base_url=srv.base_url, model="judge", cache_dir=str(tmp_path))
        n = srv.received
        replies, st = c2.complete(big)  # mid-batch: some reads hit missing pages
        assert all(r.ok for r in replies) and [r.text[:8] for r in replies[:2]] == ["re: 0 xx", "re: 1 xx"]
        assert len([x for x in caplog.records if "damaged" in x.getMessage()]) == 1
        assert srv.received - n + st.cache_hits == 150
        c2.complete(big)  # the rebuilt cache works
        assert srv.received - n + st.cache_hits == 150


def _writer(args: tuple[str, str, int]) -> int:
    base_url, folder, worker = args
    c = JudgeClient(base_url=base_url, model="judge", cache_dir=folder, concurrency=16)
    replies, _ = c.complete([msgs(f"shared {i}") for i in range(60)] + [msgs(f"own {worker} {i}") for i in range(60)])
    c.close()
    return sum(r.ok for r in replies)


@pytest.mark.slow
def test_concurrent_writers_from_several_processes(tmp_path):
    with JudgeServer(default=echo) as srv:
        with multiprocessing.get_context("spawn").Pool(2) as pool:  # two Ray-worker-like processes
            assert pool.map(_writer, [(srv.base_url, str(tmp_path), w) for w in range(2)]) == [120] * 2
        cache = DiskCache(tmp_path)
        assert len(cache) == 60 + 2 * 60
        c = JudgeClient(base_url=srv.base_url, model="judge", cache_dir=str(tmp_path))
        n = srv.received
        replies, st = c.complete([msgs(f"own {w} {i}") for w in range(2) for i in range(60)])
        assert st.cache_hits == 120 and srv.received == n and replies[61].text == "re: own 1 1"


# -- item 6: the soak test ----------------------------------------------------------------------------
def soak_reply(messages) -> str:
    return "re: " + messages[-1]["content"]


@pytest.mark.slow
def test_soak_2000_calls_through_a_flapping_judge():
    """2,000 calls in steps of 100 through a judge that is up 20 s and down 10 s (2 s / 1 s) with 5 %
    429s, under a 60 s (6 s) deadline per step: no call lost, no step stalled, every retry accounted
    for. The judge runs in a process of its own, as a real one does."""
    deadline = 60 * SCALE
    proc = subprocess.Popen([sys.executable, "-m", "videorl.testing.judge_server", "--reply",
                             f"{Path(__file__).resolve()}:soak_reply", "--latency", "0.01", "--rate-429", "0.05",
                             "--retry-after", "0.05", "--seed", "7", "--flap", str(20 * SCALE), str(10 * SCALE)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline().split()[1])
        c = JudgeClient(base_url=f"http://127.0.0.1:{port}/v1", model="judge", deadline=deadline, concurrency=32,
                        **FAST)
        replies, walls = [], []
        for step in range(20):
            with judge_step():
                t0 = time.monotonic()
                got, _ = c.complete([msgs(f"s{step} c{i}") for i in range(100)])
                walls.append(time.monotonic() - t0)
            replies += got
    finally:
        proc.stdin.close()
        srv = json.loads(proc.stdout.readline() or "{}")
        proc.wait(timeout=30)
    assert srv["downs"] >= 2, srv  # the judge really flapped during the run
    assert [r.text for r in replies] == [f"re: s{s} c{i}" for s in range(20) for i in range(100)]  # none lost
    assert max(walls) <= deadline + 1.0, walls  # none stalled
    st = c.stats
    assert not st.failures and st.calls == 2000
    errors = sum(st.errors_seen.values())
    assert st.attempts == 2000 + errors == sum(r.attempts for r in replies)  # each attempt: a reply or an error
    assert st.retries == errors  # every failed attempt was retried, and counted once
    assert st.errors_seen["http 429"] > 0 and st.errors_seen["connection"] > 0
    assert set(st.errors_seen) <= {"http 429", "connection", "timeout"}
    # the server's side: every reply it wrote reached us, except the few a going-down cut off in transit
    seen = 2000 + st.errors_seen["http 429"]
    assert seen <= sum(srv["sent"].values()) <= seen + srv["downs"]
    assert st.errors_seen["http 429"] <= srv["sent"]["429"] <= st.errors_seen["http 429"] + srv["downs"]


def test_two_handles_on_a_corrupted_cache_rebuild_it_once(tmp_path, caplog):
    """Two processes' handles (here two in one process) see the same damaged file: the first moves it
    aside and rebuilds, the second finds the new file and reopens it instead of moving it aside again."""
    caplog.set_level(logging.WARNING, logger="videorl.judge")
    a, b = DiskCache(tmp_path), DiskCache(tmp_path)
    for i in range(200):
        a.put(f"k{i}", "x" * 500)
    assert b.get("k7") == "x" * 500
    a._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = tmp_path / FILENAME
    with open(path, "r+b") as fh:  # damage it in place (same inode) under both open handles
        fh.seek(0)
        fh.write(b"\0" * 200)
    a.put("new", "from a")  # a's page cache may hide the damage from it; one of the two notices
    assert b.get("k1") is None and a.get("k1") is None
    a.put("after-a", "A")
    b.put("after-b", "B")
    assert a.get("after-b") == "B" and b.get("after-a") == "A"  # both on the one rebuilt file
    assert len([f for f in tmp_path.glob(f"{FILENAME}.corrupt-*") if not f.name.endswith(("-wal", "-shm"))]) == 1
    assert len([x for x in caplog.records if "damaged" in x.getMessage()]) == 1
