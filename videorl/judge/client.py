"""One client for any OpenAI-compatible chat server (vLLM ``serve``, SGLang, OpenAI), built on the
``openai`` package's ``AsyncOpenAI``.

- **Bounded concurrency**: at most ``concurrency`` requests in flight (a semaphore; a call waiting
  out a back-off does not hold a slot).
- **Timeouts**: ``timeout`` per HTTP attempt and ``deadline`` per training step (one deadline shared
  by every batch of the step, :mod:`videorl.judge.step`); a call that has not finished by the
  deadline fails with kind ``deadline``, so a step never stalls.
- **Retries until the deadline** on 429, 408/409, 5xx, timeouts, connection errors and malformed
  bodies, honouring ``Retry-After`` / ``retry-after-ms``, else capped exponential back-off with
  jitter; other 4xx fail at once. An outage shorter than the deadline loses no call.
- **Verdicts**: a caller may pass ``validate``; a reply that is not a valid verdict is never cached,
  is re-asked ``verdict_retries`` times, then fails (kind ``invalid verdict``).
  The SDK's own retries are switched off (``max_retries=0``) so every attempt is counted here.
- **Cache** on disk (:mod:`videorl.judge.cache`): a repeated (server, model, messages, parameters)
  costs nothing.
- **Synchronous batch API**: :meth:`JudgeClient.complete` runs the batch on the client's own event
  loop in a background thread, so a host's reward call (EasyR1, TRL, verl) needs no event loop and
  works even when called from inside a running one. :meth:`JudgeClient.acomplete` is the async form.

Failures are returned, never raised: each :class:`JudgeReply` has ``text`` or an ``error`` kind. What
a failure scores is the caller's ``on_error`` policy (:mod:`videorl.judge.policy`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import email.utils
import json
import logging
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from videorl.judge.cache import DiskCache, cache_key
from videorl.judge.config import JudgeConfig
from videorl.judge.step import current_step

log = logging.getLogger(__name__)

Messages = Sequence[Mapping[str, Any]]
Validator = Callable[[str], bool]
CONNECTIONS_PER_POOL = 16


@dataclass(frozen=True)
class JudgeReply:
    """``text`` on success; else ``error`` (a kind: ``timeout``, ``http 429``, ``http 500``,
    ``connection``, ``malformed``, ``deadline``, ...) and ``detail``."""

    text: str | None
    error: str | None = None
    detail: str = ""
    cached: bool = False
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class JudgeStats:
    """Counters over the client's life; :meth:`JudgeClient.complete` also returns a per-batch copy."""

    calls: int = 0
    deduplicated: int = 0
    cache_hits: int = 0
    attempts: int = 0
    retries: int = 0
    retry_wait_s: float = 0.0
    failures: Counter = field(default_factory=Counter)
    errors_seen: Counter = field(default_factory=Counter)
    invalid_kept: int = 0

    def merge(self, other: JudgeStats) -> None:
        self.calls += other.calls
        self.deduplicated += other.deduplicated
        self.cache_hits += other.cache_hits
        self.attempts += other.attempts
        self.retries += other.retries
        self.retry_wait_s += other.retry_wait_s
        self.failures.update(other.failures)
        self.errors_seen.update(other.errors_seen)
        self.invalid_kept += other.invalid_kept

    def summary(self) -> str:
        fail = sum(self.failures.values())
        kinds = ", ".join(f"{n} {k}" for k, n in self.failures.most_common())
        return (f"{self.calls} judge requests ({self.deduplicated} repeated in the batch, {self.cache_hits} from "
                f"the cache), {self.attempts} HTTP attempts, {self.retries} retries "
                f"({self.retry_wait_s:.1f} s waited), {fail} failed" + (f" ({kinds})" if kinds else ""))


class _Malformed(Exception):
    pass


def _valid(validate: Validator, text: str) -> bool:
    """A validator that raises rejects the reply (it is a parser meeting text it cannot read)."""
    try:
        return bool(validate(text))
    except Exception:
        return False


def _retry_after(headers: Any) -> float | None:
    """Seconds from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date); ``None`` if absent."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    try:
        if ms is not None:
            return max(0.0, float(ms) / 1000)
    except ValueError:
        pass
    val = headers.get("retry-after")
    if val is None:
        return None
    try:
        return max(0.0, float(val))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(val)
            return max(0.0, when.timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _content(resp: Any) -> str:
    try:
        text = resp["choices"][0]["message"]["content"]
    except (IndexError, KeyError, TypeError) as exc:
        raise _Malformed(f"no choices[0].message.content in the reply ({type(resp).__name__})") from exc
    if not isinstance(text, str):
        raise _Malformed(f"message content is {type(text).__name__}, not text")
    return text


class JudgeClient:
    """A judge: ``JudgeClient(base_url=..., model=...)`` or ``JudgeClient(JudgeConfig(...))``; settings
    missing from the arguments come from the environment (:mod:`videorl.judge.config`).

    ``complete([messages, ...])`` returns one :class:`JudgeReply` per request, in order. A request is
    a list of chat messages, or ``(messages, params)`` with per-request sampling parameters.
    """

    def __init__(self, config: JudgeConfig | Mapping[str, Any] | None = None, **overrides: Any) -> None:
        self.config = JudgeConfig.resolve(config, **overrides).require()
        self.stats = JudgeStats()
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: Any = None
        self._sem: asyncio.Semaphore | None = None
        self._cache = DiskCache(self.config.cache_dir) if self.config.cache_dir else None
        self._rng = random.Random()

    def __getstate__(self) -> dict[str, Any]:  # picklable for Ray / multiprocessing: no loop, no sockets
        return {"config": self.config}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.config = state["config"]
        self.stats = JudgeStats()
        self._reset()

    def __repr__(self) -> str:
        return f"JudgeClient({self.config.describe()})"

    # -- the event loop thread ------------------------------------------------------------------
    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._pid != os.getpid():  # forked: the parent's loop thread does not exist here
            self._reset()
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                t = threading.Thread(target=loop.run_forever, name="videorl-judge", daemon=True)
                t.start()
                self._loop, self._thread = loop, t
            return self._loop

    def _openai(self) -> Any:
        """The SDK clients: one ``AsyncOpenAI`` per :data:`CONNECTIONS_PER_POOL` slots, used in turn.
        (httpcore scans its whole pool on every request, so one pool of hundreds of connections costs
        more CPU per call than several small ones.)"""
        if self._client is None:
            from openai import AsyncOpenAI

            n = -(-self.config.concurrency // CONNECTIONS_PER_POOL)
            self._client = [AsyncOpenAI(base_url=self.config.base_url, api_key=self.config.api_key,
                                        timeout=self.config.timeout, max_retries=0) for _ in range(n)]
            self._sem = asyncio.Semaphore(self.config.concurrency)
            self._turn = 0
        return self._client

    async def _post(self, model: str, messages: Messages, params: Mapping[str, Any], budget: float) -> str:
        """One chat completion through the SDK's transport (auth, status errors, timeouts); the body is
        read as text and parsed here, which skips the SDK's typed-model construction."""
        self._turn = (self._turn + 1) % len(self._client)
        raw = await self._client[self._turn].post(
            "/chat/completions", cast_to=str, body={"model": model, "messages": list(messages), **params},
            options={"timeout": budget})
        return _content(json.loads(raw))

    def close(self) -> None:
        """Stop the loop thread and close the connections and the cache."""
        loop = self._loop
        for sdk in self._client or []:
            if loop is not None:
                asyncio.run_coroutine_threadsafe(sdk.close(), loop).result(timeout=10)
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=10)
        if self._cache is not None:
            self._cache.close()
        self._loop = self._thread = self._client = None

    # -- public API -----------------------------------------------------------------------------
    def complete(self, requests: Sequence[Any], *, progress: str | None = None, validate: Validator | Sequence[Validator | None] | None = None,
                 on_invalid: str = "fail") -> tuple[list[JudgeReply], JudgeStats]:
        """Run ``requests`` concurrently; returns the replies in order and this batch's stats.

        ``progress``: a tqdm description to show a progress bar (``None``: no bar).
        ``validate``: ``text -> bool`` (or one per request), whether a reply is a valid verdict. An invalid one is never
        cached; with ``on_invalid="fail"`` it is re-asked ``verdict_retries`` times, then fails with
        kind ``invalid verdict``; with ``"keep"`` (faithful modes: the original reads whatever came
        back) it is returned as it is, and counted in ``stats.invalid_kept``.

        The batch's deadline is the open training step's (:mod:`videorl.judge.step`), else
        ``deadline`` from now.
        """
        if not requests:
            return [], JudgeStats()
        if on_invalid not in ("fail", "keep"):
            raise ValueError(f"on_invalid must be 'fail' or 'keep', got {on_invalid!r}")
        loop = self._ensure_loop()
        with self._lock:  # the SDK is loaded and its clients built before the deadline starts
            self._openai()
        deadline_at = self._deadline_at()
        fut = asyncio.run_coroutine_threadsafe(
            self._batch(list(requests), progress, deadline_at, validate, on_invalid), loop)
        limit = None if deadline_at is None else max(0.0, deadline_at - time.monotonic()) + 5.0
        try:
            replies, stats = fut.result(timeout=limit)
        except concurrent.futures.TimeoutError:  # a guard only: every attempt is bounded by the deadline
            fut.cancel()
            stats = JudgeStats(calls=len(requests))
            replies = [JudgeReply(None, "deadline", "the batch overran its deadline") for _ in requests]
            stats.failures["deadline"] += len(requests)
        self.stats.merge(stats)
        return replies, stats

    async def acomplete(self, requests: Sequence[Any], *, validate: Any = None,
                        on_invalid: str = "fail") -> tuple[list[JudgeReply], JudgeStats]:
        """The async form of :meth:`complete`, usable from any event loop."""
        if not requests:
            return [], JudgeStats()
        loop = self._ensure_loop()
        with self._lock:
            self._openai()
        deadline_at = self._deadline_at()
        replies, stats = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(
            self._batch(list(requests), None, deadline_at, validate, on_invalid), loop))
        self.stats.merge(stats)
        return replies, stats

    def _deadline_at(self) -> float | None:
        step = current_step()
        if step is not None:
            return step.bound(self.config.deadline)
        return None if self.config.deadline is None else time.monotonic() + self.config.deadline

    # -- inside the loop --------------------------------------------------------------------------
    async def _batch(self, requests: list[Any], progress: str | None, deadline_at: float | None,
                     validate: Any, on_invalid: str) -> tuple[list[JudgeReply], JudgeStats]:
        self._openai()
        stats = JudgeStats(calls=len(requests))
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(requests), desc=progress, unit=" calls")

        checks: dict[str, Validator | None] = {}

        async def one(key: str, req: Any) -> JudgeReply:
            reply = await self._one(req, deadline_at, stats, checks.get(key), on_invalid)
            if bar is not None:
                bar.update(1)
            return reply

        unique: dict[str, Any] = {}  # identical requests in one batch are sent once
        keys = []
        for n, r in enumerate(requests):
            k = self._key(r)
            keys.append(k)
            unique.setdefault(k, r)
            checks.setdefault(k, validate[n] if isinstance(validate, Sequence) else validate)
        stats.deduplicated = len(requests) - len(unique)
        if bar is not None:
            bar.total = len(unique)
        try:
            done = dict(zip(unique, await asyncio.gather(*(one(k, r) for k, r in unique.items())), strict=True))
        finally:
            if bar is not None:
                bar.close()
        replies = [done[k] for k in keys]
        for r in replies:
            if not r.ok:
                stats.failures[r.error] += 1
        return list(replies), stats

    def _split(self, req: Any) -> tuple[Any, dict[str, Any]]:
        messages, extra = req if isinstance(req, tuple) else (req, {})
        return messages, {**self.config.sampling, **extra}

    def _key(self, req: Any) -> str:
        messages, params = self._split(req)
        return cache_key(str(self.config.model), messages, params, server=self.config.base_url)

    def _clean(self, text: str) -> str:
        key = self.config.api_key or ""
        if len(key) >= 4 and key != "EMPTY":
            text = text.replace(key, "***")
        return text[:300]

    async def _one(self, req: Any, deadline_at: float | None, stats: JudgeStats, validate: Validator | None,
                   on_invalid: str) -> JudgeReply:
        """One request: attempts until it succeeds, fails for good, or the deadline comes.

        Every attempt is counted in ``stats.attempts``; every failed attempt in ``stats.errors_seen``
        and then either in ``stats.retries`` (tried again) or in the reply's failure."""
        messages, params = self._split(req)
        model = str(self.config.model)
        key = cache_key(model, messages, params, server=self.config.base_url)
        if self._cache is not None:
            hit = self._cache.get(key)
            if hit is not None and (validate is None or _valid(validate, hit)):
                stats.cache_hits += 1
                return JudgeReply(hit, cached=True)
        assert self._sem is not None
        kind, detail = "deadline", "the step's deadline passed before the call could start"
        retries = verdicts = attempt = 0
        final = False
        while True:
            async with self._sem:
                remaining = None if deadline_at is None else deadline_at - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return JudgeReply(None, "deadline", f"deadline reached ({detail})", attempts=attempt)
                budget = self.config.timeout if remaining is None else min(self.config.timeout, remaining)
                stats.attempts += 1
                attempt += 1
                retry_after = None
                try:
                    text = await asyncio.wait_for(self._post(model, messages, params, budget + 0.5), timeout=budget)
                except Exception as exc:  # classified below; every failure is counted, none is hidden
                    kind, retryable, retry_after, detail = self._classify(exc)
                    stats.errors_seen[kind] += 1
                else:
                    if validate is None or _valid(validate, text):
                        if self._cache is not None:
                            self._cache.put(key, text)
                        return JudgeReply(text, attempts=attempt)
                    if on_invalid == "keep":
                        stats.invalid_kept += 1
                        return JudgeReply(text, attempts=attempt)
                    kind, retryable, detail = "invalid verdict", True, self._clean(f"not a valid verdict: {text!r}")
                    stats.errors_seen[kind] += 1
                    verdicts += 1
                    if verdicts > self.config.verdict_retries:
                        return JudgeReply(text, kind, detail, attempts=attempt)
                    if remaining is not None and deadline_at - time.monotonic() <= 0:
                        return JudgeReply(text, kind, detail, attempts=attempt)
                    stats.retries += 1
                    continue  # re-ask at once: the server answered, it is not overloaded
            if not retryable:
                return JudgeReply(None, kind, detail, attempts=attempt)
            if final:
                return JudgeReply(None, "deadline", f"deadline reached after {kind}: {detail}", attempts=attempt)
            if retries >= self.config.retry_limit:
                return JudgeReply(None, kind, f"gave up after {attempt} attempts: {detail}", attempts=attempt)
            wait = retry_after if retry_after is not None else \
                min(self.config.max_backoff, self.config.backoff * 2 ** min(retries, 60)) * (0.5 + self._rng.random())
            if deadline_at is None:  # no deadline to bound it: a Retry-After of hours is not waited out
                wait = min(wait, 10 * self.config.max_backoff)
            else:
                left = deadline_at - time.monotonic()
                if retry_after is not None and retry_after >= left:
                    return JudgeReply(None, "deadline", f"Retry-After {retry_after:g} s is past the deadline "
                                      f"({kind}: {detail})", attempts=attempt)
                if wait >= left:  # one last attempt, with time left for it
                    wait = max(0.0, left - min(self.config.timeout, left / 2))
                    final = True
            retries += 1
            stats.retries += 1
            stats.retry_wait_s += wait
            await asyncio.sleep(wait)

    def _classify(self, exc: Exception) -> tuple[str, bool, float | None, str]:
        """(kind, retryable, retry_after seconds, detail) of a failed attempt."""
        import openai

        if isinstance(exc, openai.APIStatusError):
            code = exc.status_code
            retryable = code in (408, 409, 429) or code >= 500
            return f"http {code}", retryable, _retry_after(exc.response.headers), self._clean(str(exc.message))
        if isinstance(exc, (openai.APITimeoutError, asyncio.TimeoutError, TimeoutError)):
            return "timeout", True, None, f"no reply within {self.config.timeout:g} s"
        if isinstance(exc, openai.APIConnectionError):
            return "connection", True, None, self._clean(str(exc))
        if isinstance(exc, (_Malformed, openai.APIResponseValidationError, json.JSONDecodeError, ValueError)):
            return "malformed", True, None, self._clean(f"{type(exc).__name__}: {exc}")
        return f"error {type(exc).__name__}", False, None, self._clean(str(exc))


_SHARED: dict[str, JudgeClient] = {}
_SHARED_LOCK = threading.Lock()


def shared_client(config: JudgeConfig | Mapping[str, Any] | None = None) -> JudgeClient:
    """The process-wide client for this configuration (one loop, one connection pool, one concurrency
    bound shared by every reward that uses the same judge)."""
    cfg = JudgeConfig.resolve(config).require()
    key = json.dumps({**cfg.__dict__, "sampling": dict(cfg.sampling)}, sort_keys=True, default=str)
    with _SHARED_LOCK:
        client = _SHARED.get(key)
        if client is None or client._pid != os.getpid():
            client = _SHARED[key] = JudgeClient(cfg)
        return client
