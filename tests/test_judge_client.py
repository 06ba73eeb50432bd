"""The judge client against a real HTTP server on 127.0.0.1 (videorl.testing.judge_server): retries
that happen and stop, Retry-After, timeouts and deadlines that never stall, the cache, the concurrency
bound, configuration from the environment, and an API key that never reaches logs or the cache."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import pickle
import time

import pytest

if importlib.util.find_spec("openai") is None:
    pytest.skip("the judge extra (openai) is not installed", allow_module_level=True)

from videorl.judge import JudgeClient, JudgeConfig, JudgeConfigError  # noqa: E402
from videorl.testing.judge_server import JudgeServer  # noqa: E402

SECRET = "sk-test-9f8e7d6c5b4a"


def msgs(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def client(srv: JudgeServer, **kw) -> JudgeClient:
    opts = {"base_url": srv.base_url, "model": "judge", "api_key": SECRET, "timeout": 2.0, "backoff": 0.01,
            "max_backoff": 0.05, "max_retries": 4, "deadline": 20.0, **kw}
    return JudgeClient(**opts)


def test_retries_happen_then_succeed_and_stop():
    with JudgeServer([("hello", "TRUE")], script=["429", "500", "malformed", "ok"]) as srv:
        c = client(srv)
        (r,), st = c.complete([msgs("hello")])
        assert r.ok and r.text == "TRUE" and r.attempts == 4
        assert st.retries == 3 and srv.received == 4
        assert dict(st.errors_seen) == {"http 429": 1, "http 500": 1, "malformed": 1}
    with JudgeServer(script=["500"] * 10) as srv:  # retries stop after max_retries
        (r,), st = client(srv, max_retries=2).complete([msgs("x")])
        assert not r.ok and r.error == "http 500" and r.attempts == 3 and srv.received == 3
        assert st.failures == {"http 500": 1}
    with JudgeServer(script=["400", "ok"]) as srv:  # a client error is not retried
        (r,), st = client(srv).complete([msgs("x")])
        assert r.error == "http 400" and r.attempts == 1 and srv.received == 1


def test_retry_after_is_honoured():
    with JudgeServer(script=["429", "ok"], retry_after=0.4) as srv:
        t0 = time.monotonic()
        (r,), st = client(srv, backoff=0.001).complete([msgs("x")])
        assert r.ok and time.monotonic() - t0 >= 0.4
        assert st.retry_wait_s == pytest.approx(0.4)  # the server's value, not the 1 ms back-off


def test_hangs_time_out_and_the_deadline_bounds_the_batch():
    with JudgeServer(script=["hang", "ok"], hang_seconds=30) as srv:  # a hang costs one timeout, then a retry
        t0 = time.monotonic()
        (r,), st = client(srv, timeout=0.3).complete([msgs("x")])
        assert r.ok and st.errors_seen == {"timeout": 1} and time.monotonic() - t0 < 3
    with JudgeServer(rate_hang=1.0, hang_seconds=30) as srv:  # all hang: the deadline ends the batch
        t0 = time.monotonic()
        replies, st = client(srv, timeout=5.0, deadline=0.6, concurrency=3).complete([msgs(str(i)) for i in range(8)])
        wall = time.monotonic() - t0
        assert all(r.error == "deadline" for r in replies) and st.failures == {"deadline": 8}
        assert wall < 2.5, wall  # 0.6 s deadline (+1 s wait_for guard at most), never a stall


def test_outage_every_error_accounted_for():
    with JudgeServer(rate_500=0.3, rate_429=0.2, seed=3) as srv:
        replies, st = client(srv, max_retries=3, concurrency=8).complete([msgs(str(i)) for i in range(40)])
        failed = [r for r in replies if not r.ok]
        assert len(failed) == sum(st.failures.values()) and all(r.attempts == 4 for r in failed)
        assert sum(r.attempts for r in replies) == srv.received
        assert st.attempts == srv.received and st.retries == sum(st.errors_seen.values())
        assert st.errors_seen["http 500"] == srv.outcomes["500"] and st.errors_seen["http 429"] == srv.outcomes["429"]


def test_cache_makes_a_rerun_free_and_duplicates_are_sent_once(tmp_path):
    with JudgeServer(default=lambda m: "reply to " + m[-1]["content"]) as srv:
        c = client(srv, cache_dir=str(tmp_path))
        batch = [msgs(f"q{i}") for i in range(6)] + [msgs("q0")]
        replies, st = c.complete(batch)
        assert srv.received == 6 and st.deduplicated == 1 and replies[-1].text == "reply to q0"
        again = client(srv, cache_dir=str(tmp_path))  # a re-run in a new process-like client
        replies2, st2 = again.complete(batch)
        assert srv.received == 6 and st2.cache_hits == 6 and [r.text for r in replies2] == [r.text for r in replies]
        # sampling parameters are part of the key
        c.complete([(msgs("q0"), {"temperature": 0.7})])
        assert srv.received == 7
        assert SECRET.encode() not in (tmp_path / "judge-cache.sqlite").read_bytes()


def test_concurrency_is_bounded_and_used():
    with JudgeServer(default="ok", latency=0.1) as srv:
        t0 = time.monotonic()
        replies, _ = client(srv, concurrency=4).complete([msgs(str(i)) for i in range(20)])
        wall = time.monotonic() - t0
        assert all(r.ok for r in replies) and srv.max_in_flight == 4
        assert wall >= 0.5  # 20 calls × 0.1 s / 4 at best (the in-flight count above shows the 4 slots used)


def test_sync_api_inside_a_running_loop_and_async_api():
    with JudgeServer(default="ok") as srv:
        c = client(srv)

        async def inside() -> tuple:
            sync_replies, _ = c.complete([msgs("a")])  # a host calling us from its own event loop
            async_replies, _ = await c.acomplete([msgs("b")])
            return sync_replies[0].text, async_replies[0].text

        assert asyncio.run(inside()) == ("ok", "ok")
        c2 = pickle.loads(pickle.dumps(c))  # Ray / multiprocessing ship the client
        assert c2.complete([msgs("c")])[0][0].text == "ok"


def test_config_from_the_environment(monkeypatch):
    for k in ("VIDEORL_JUDGE_BASE_URL", "OPENAI_API_URL", "OPENAI_API_BASE", "OPENAI_BASE_URL", "VIDEORL_JUDGE_MODEL",
              "OPENAI_API_MODEL", "SERVED_MODEL", "MODEL_VERSION", "VIDEORL_JUDGE_API_KEY", "OPENAI_API_KEY",
              "VIDEORL_JUDGE_API_KEY_ENV"):
        monkeypatch.delenv(k, raising=False)
    with pytest.raises(JudgeConfigError, match="base_url and no model"):
        JudgeConfig.resolve().require()
    monkeypatch.setenv("OPENAI_API_URL", "http://127.0.0.1:9/v1/chat/completions")  # lmms-eval's spelling
    monkeypatch.setenv("SERVED_MODEL", "qwen")  # Video-R2's variable
    cfg = JudgeConfig.resolve()
    assert (cfg.base_url, cfg.model, cfg.api_key) == ("http://127.0.0.1:9/v1", "qwen", "EMPTY")
    monkeypatch.setenv("VIDEORL_JUDGE_BASE_URL", "http://h:1/v1")
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    cfg = JudgeConfig.resolve({"model": "m2"})
    assert (cfg.base_url, cfg.model, cfg.api_key) == ("http://h:1/v1", "m2", SECRET)
    assert SECRET not in repr(cfg) and SECRET not in cfg.describe()
    with pytest.raises(JudgeConfigError, match="unknown judge settings"):
        JudgeConfig.resolve({"modle": "x"})
    # limits from the environment (issue 26), arguments first; the key from a named variable
    monkeypatch.setenv("VIDEORL_JUDGE_TIMEOUT", "7.5")
    monkeypatch.setenv("VIDEORL_JUDGE_DEADLINE", "none")
    monkeypatch.setenv("VIDEORL_JUDGE_CONCURRENCY", "3")
    monkeypatch.setenv("VIDEORL_JUDGE_MAX_RETRIES", "2")
    monkeypatch.setenv("VIDEORL_JUDGE_CACHE_DIR", "/x/cache")
    monkeypatch.setenv("MY_JUDGE_KEY", "sk-other-123456")
    cfg = JudgeConfig.resolve({"concurrency": 9, "api_key_env": "MY_JUDGE_KEY"})
    assert (cfg.timeout, cfg.deadline, cfg.concurrency, cfg.max_retries, cfg.cache_dir, cfg.api_key) == \
        (7.5, None, 9, 2, "/x/cache", "sk-other-123456")
    monkeypatch.setenv("VIDEORL_JUDGE_API_KEY_ENV", "MY_JUDGE_KEY")
    assert JudgeConfig.resolve().api_key == "sk-other-123456"
    monkeypatch.setenv("VIDEORL_JUDGE_TIMEOUT", "soon")
    with pytest.raises(JudgeConfigError, match="VIDEORL_JUDGE_TIMEOUT='soon'"):
        JudgeConfig.resolve()


def test_the_key_never_reaches_logs_reprs_or_errors(caplog):
    from videorl.judge.policy import JudgeError
    from videorl.rewards import get
    from videorl.target import Target

    caplog.set_level(logging.DEBUG)  # everything: ours, openai's, httpx's
    with JudgeServer([("extract", '{"00:01": "x"}')], default="TRUE", script=["429", "500", "401"],
                     rate_500=0.3, seed=1) as srv:
        judge = {"base_url": srv.base_url, "model": "judge", "api_key": SECRET, "backoff": 0.01, "max_retries": 1}
        c = JudgeClient(judge)
        replies, st = c.complete([msgs(str(i)) for i in range(10)])
        reward = get("video_r2_tar", faithful=True, judge=judge, on_error="raise", embedder="unused")
        t = Target(task="mcq", duration=10, options=("a", "b"), answer="A", extra={"temporal_grounding": {}})
        srv.script.extend(["401", "401"])  # both of the reward's calls fail: JudgeError under on_error="raise"
        with pytest.raises(JudgeError, match="401") as err:
            reward("<think>at 00:01 x</think><answer>A</answer>", t)
        assert SECRET not in str(err.value)
        texts = caplog.text + repr(c) + repr(reward) + str(reward.params()) + "".join(r.detail for r in replies)
        assert "HTTP Request" in caplog.text or st.calls  # the SDK's own logging was captured
        assert SECRET not in texts


def test_retries_run_until_the_deadline_and_respect_retry_after_past_it():
    with JudgeServer(script=["500"] * 12 + ["ok"]) as srv:  # 12 failures: more than any fixed retry count
        (r,), st = client(srv, max_retries=None, deadline=10.0, backoff=0.005, max_backoff=0.02).complete([msgs("x")])
        assert r.ok and r.attempts == 13 and st.retries == 12
    with JudgeServer(script=["429"], retry_after=5.0) as srv:  # Retry-After 5 s, deadline 1 s: honoured, so give up
        t0 = time.monotonic()
        (r,), _ = client(srv, max_retries=None, deadline=1.0).complete([msgs("x")])
        assert r.error == "deadline" and "Retry-After 5 s is past the deadline" in r.detail
        assert time.monotonic() - t0 < 0.9 and srv.received == 1
    with JudgeServer(script=["500"] * 1000) as srv:  # a long back-off is cut so one last attempt fits the deadline
        t0 = time.monotonic()
        (r,), st = client(srv, max_retries=None, deadline=1.0, backoff=0.4, max_backoff=5.0).complete([msgs("x")])
        # the last wait ends at deadline - min(timeout, left / 2): the final attempt starts in the window's
        # second half, and a quick 500 returns before the deadline (how long before depends on the jitter)
        assert r.error == "deadline" and 0.5 < time.monotonic() - t0 < 2.0
        assert st.attempts == srv.received >= 3


@pytest.mark.parametrize("fault,kind", [
    ("429", "http 429"), ("429date", "http 429"), ("500", "http 500"), ("503", "http 503"),
    ("reset", "connection"), ("hang", "timeout"), ("trickle", "timeout"), ("malformed", "malformed"),
    ("empty", "malformed"), ("null", "malformed"),
])
def test_fault_matrix_each_fault_is_retried_and_counted(fault, kind):
    """One fault, then a good reply: the call succeeds on its second attempt and the fault is counted
    under its kind (the HTTP-date Retry-After is honoured: it is at least a second away)."""
    with JudgeServer(default="fine", script=["ok", fault, "ok"], hang_seconds=30, trickle_seconds=0.05) as srv:
        c = client(srv, timeout=0.5, max_retries=None, deadline=10.0)
        assert c.complete([msgs("warm-up")])[0][0].ok  # the SDK's start-up is not part of the timing
        t0 = time.monotonic()
        (r,), st = c.complete([msgs("x")])
        wall = time.monotonic() - t0
        assert r.ok and r.text == "fine" and r.attempts == 2, r
        assert dict(st.errors_seen) == {kind: 1} and st.retries == 1
        assert wall >= (1.0 if fault == "429date" else 0.0) and wall < 4.0


@pytest.mark.parametrize("fault", ["400", "401", "404"])
def test_fault_matrix_client_errors_fail_at_once(fault):
    with JudgeServer(default="fine", script=[fault] * 3) as srv:
        (r,), st = client(srv, max_retries=None).complete([msgs("x")])
        assert r.error == f"http {fault}" and r.attempts == 1 and srv.received == 1 and st.retries == 0
