"""A small OpenAI-compatible chat server for tests and benchmarks, on 127.0.0.1 only.

It answers ``POST /v1/chat/completions`` from scripted rules (first regex that matches the request's
message text wins; a reply may be a string or a function of the messages) and injects faults:

- ``latency``: seconds before each reply (a number, or ``(low, high)`` drawn uniformly);
- ``rate_429`` / ``rate_500``: fraction of requests answered 429 (with ``Retry-After: retry_after``)
  or 500; ``rate_hang``: fraction that never answer (until the client gives up);
  ``rate_malformed``: fraction answered 200 with a truncated JSON body;
- ``script``: outcomes for the next requests, in order (``"429"``, ``"429date"`` (Retry-After as an
  HTTP date), ``"500"``, ``"503"``, ``"hang"``, ``"reset"`` (the connection is aborted, no reply),
  ``"trickle"`` (the body arrives a byte every ``trickle_seconds``), ``"malformed"`` (a truncated
  body), ``"empty"`` (no choices), ``"null"`` (null content), ``"400"``, ``"401"``, ``"404"``,
  ``"ok"``), before the rates apply — for deterministic tests.

Outages: :meth:`JudgeServer.go_down` closes the port and drops every open connection (requests in
flight are cut: ``dropped``), :meth:`JudgeServer.come_up` listens on the same port again;
:meth:`JudgeServer.outage` schedules one, :meth:`JudgeServer.flap` alternates up and down.

Counters: ``received``, ``outcomes`` (per kind, when decided), ``sent`` (per kind, replies actually
written), ``dropped``, ``max_in_flight``, ``bodies`` (the parsed request bodies, most recent last). Plain asyncio on a background thread, so thousands of slow concurrent
requests cost little::

    with JudgeServer([(r"TRUE or FALSE", "TRUE")], latency=0.2) as srv:
        client = JudgeClient(base_url=srv.base_url, model="judge")
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

Reply = str | Callable[[list[dict[str, Any]]], str]
MAX_BODY = 8 * 1024 * 1024
MAX_REQUESTS_PER_CONNECTION = 100_000
MAX_BODIES_KEPT = 20_000


def message_text(messages: Sequence[dict[str, Any]]) -> str:
    """All text of the messages (string contents and text parts), joined by newlines."""
    out = []
    for m in messages:
        c = m.get("content")
        if isinstance(c, str):
            out.append(c)
        elif isinstance(c, list):
            out += [p.get("text", "") for p in c if isinstance(p, dict)]
    return "\n".join(out)


class JudgeServer:
    """See the module docstring. ``start()`` binds a free port; ``base_url`` is ``http://127.0.0.1:PORT/v1``."""

    def __init__(self, rules: Iterable[tuple[str, Reply]] = (), *, default: Reply = "", latency: Any = 0.0,
                 rate_429: float = 0.0, rate_500: float = 0.0, rate_hang: float = 0.0, rate_malformed: float = 0.0,
                 retry_after: float | None = 0.05, script: Iterable[str] = (), seed: int = 0,
                 hang_seconds: float = 3600.0, trickle_seconds: float = 0.05) -> None:
        self.rules = [(re.compile(p, re.S), r) for p, r in rules]
        self.default = default
        self.latency = latency
        self.rates = {"429": rate_429, "500": rate_500, "hang": rate_hang, "malformed": rate_malformed}
        self.retry_after = retry_after
        self.script: deque[str] = deque(script)
        self.hang_seconds = hang_seconds
        self.trickle_seconds = trickle_seconds
        self._rng = random.Random(seed)
        self.received = 0
        self.outcomes: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self.bodies: deque[dict[str, Any]] = deque(maxlen=MAX_BODIES_KEPT)
        self.sent: Counter[str] = Counter()
        self.dropped = 0
        self.up = False
        self.transitions: list[tuple[float, str]] = []
        self._flapper: asyncio.Task | None = None
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task] = set()
        self._background: set[asyncio.Task] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> JudgeServer:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._conn, "127.0.0.1", 0, backlog=4096))
            self.port = self._server.sockets[0].getsockname()[1]
            self.up = True
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="judge-test-server", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the judge test server did not start within 10 s")
        return self

    # -- outages --------------------------------------------------------------------------------
    async def _down(self) -> None:
        if not self.up:
            return
        self.up = False
        self.transitions.append((time.monotonic(), "down"))
        assert self._server is not None
        self._server.close()
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _up(self) -> None:
        if self.up:
            return
        self._server = await asyncio.start_server(self._conn, "127.0.0.1", self.port, backlog=4096,
                                                  reuse_address=True)
        self.up = True
        self.transitions.append((time.monotonic(), "up"))

    def _run(self, coro: Any) -> None:
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    def go_down(self) -> None:
        """Stop listening and drop every connection (as a judge that crashed or restarts)."""
        self._run(self._down())

    def come_up(self) -> None:
        """Listen on the same port again."""
        self._run(self._up())

    def outage(self, after: float, duration: float) -> None:
        """Go down ``after`` seconds from now for ``duration`` seconds (does not block)."""
        async def run() -> None:
            await asyncio.sleep(after)
            await self._down()
            await asyncio.sleep(duration)
            await self._up()

        assert self._loop is not None
        self._loop.call_soon_threadsafe(lambda: self._tasks_keep(self._loop.create_task(run())))

    def flap(self, up: float, down: float) -> None:
        """Alternate: up for ``up`` seconds, down for ``down`` seconds, until :meth:`stop_flapping`."""
        async def run() -> None:
            while True:
                await asyncio.sleep(up)
                await self._down()
                await asyncio.sleep(down)
                await self._up()

        assert self._loop is not None

        def start() -> None:
            self._flapper = self._loop.create_task(run())

        self._loop.call_soon_threadsafe(start)

    def stop_flapping(self) -> None:
        """End :meth:`flap` and make sure the server is up."""
        async def run() -> None:
            if self._flapper is not None:
                self._flapper.cancel()
                await asyncio.gather(self._flapper, return_exceptions=True)
                self._flapper = None
            await self._up()

        self._run(run())

    def _tasks_keep(self, task: asyncio.Task) -> None:
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return

        async def shutdown() -> None:
            for t in list(self._background) + ([self._flapper] if self._flapper else []):
                t.cancel()
            if self._server is not None:
                self._server.close()
            for t in list(self._tasks):
                t.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._loop = None

    def __enter__(self) -> JudgeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- behaviour ------------------------------------------------------------------------------
    def reply_for(self, messages: list[dict[str, Any]]) -> str:
        text = message_text(messages)
        for pattern, reply in self.rules:
            if pattern.search(text):
                return reply(messages) if callable(reply) else reply
        return self.default(messages) if callable(self.default) else self.default

    def _outcome(self) -> str:
        if self.script:
            return self.script.popleft()
        x = self._rng.random()
        for kind, rate in self.rates.items():
            if x < rate:
                return kind
            x -= rate
        return "ok"

    def _delay(self) -> float:
        lat = self.latency
        return self._rng.uniform(*lat) if isinstance(lat, (tuple, list)) else float(lat)

    # -- HTTP -----------------------------------------------------------------------------------
    async def _conn(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            for _ in range(MAX_REQUESTS_PER_CONNECTION):
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = (lines[0].split(" ", 2) + ["", ""])[:3]
                headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
                length = int(headers.get("content-length", "0") or 0)
                if length > MAX_BODY:
                    await self._send(writer, 413, {"error": {"message": "body too large"}})
                    return
                body = await reader.readexactly(length) if length else b""
                if not await self._handle(method, path, body, writer):
                    return
        except (asyncio.CancelledError, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _send(self, writer: asyncio.StreamWriter, status: int, obj: Any, extra: str = "",
                    raw: bytes | None = None, kind: str | None = None) -> None:
        data = raw if raw is not None else json.dumps(obj).encode()
        reason = {200: "OK", 404: "Not Found", 413: "Too Large", 429: "Too Many Requests",
                  500: "Internal Server Error"}.get(status, "Error")
        writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(data)}\r\n{extra}Connection: keep-alive\r\n\r\n".encode() + data)
        if kind is not None:  # written: the transport delivers it even if this task is cancelled now
            self.sent[kind] += 1
        await writer.drain()

    async def _handle(self, method: str, path: str, body: bytes, writer: asyncio.StreamWriter) -> bool:
        if method == "GET" and path.rstrip("/").endswith("/models"):
            await self._send(writer, 200, {"object": "list", "data": [{"id": "judge", "object": "model"}]})
            return True
        if method != "POST" or not path.rstrip("/").endswith("/chat/completions"):
            await self._send(writer, 404, {"error": {"message": f"no route {method} {path}"}})
            return True
        self.received += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            try:
                req = json.loads(body)
            except ValueError:
                await self._send(writer, 400, {"error": {"message": "request body is not JSON"}})
                return True
            self.bodies.append(req)
            outcome = self._outcome()
            self.outcomes[outcome] += 1
            try:
                return await self._answer(outcome, req, writer)
            except asyncio.CancelledError:
                self.dropped += 1
                raise
        finally:
            self.in_flight -= 1

    async def _answer(self, outcome: str, req: dict[str, Any], writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(self._delay())
        if outcome == "hang":
            await asyncio.sleep(self.hang_seconds)
            return False
        if outcome == "429":
            ra = "" if self.retry_after is None else f"Retry-After: {self.retry_after:g}\r\n"
            await self._send(writer, 429, {"error": {"message": "rate limited", "type": "rate_limit"}}, ra, kind="429")
            return True
        if outcome in ("400", "401", "404"):  # client errors: never worth a retry
            await self._send(writer, int(outcome), {"error": {"message": f"scripted {outcome}"}}, kind=outcome)
            return True
        if outcome == "500":
            await self._send(writer, 500, {"error": {"message": "internal error", "type": "server_error"}}, kind="500")
            return True
        if outcome == "429date":  # the HTTP-date form; whole seconds, so at least 1 s from now
            when = email.utils.formatdate(time.time() + max(1.0, self.retry_after or 1.0) + 1, usegmt=True)
            await self._send(writer, 429, {"error": {"message": "rate limited"}}, f"Retry-After: {when}\r\n",
                             kind="429date")
            return True
        if outcome == "503":
            await self._send(writer, 503, {"error": {"message": "loading"}}, kind="503")
            return True
        if outcome == "reset":
            self.sent["reset"] += 1
            writer.transport.abort()
            return False
        if outcome == "empty":
            await self._send(writer, 200, {"id": "chatcmpl-x", "object": "chat.completion", "choices": []}, kind="empty")
            return True
        if outcome == "null":
            await self._send(writer, 200, {"id": "chatcmpl-x", "object": "chat.completion", "choices": [
                {"index": 0, "message": {"role": "assistant", "content": None}, "finish_reason": "stop"}]}, kind="null")
            return True
        if outcome == "trickle":
            data = json.dumps({"id": "chatcmpl-x", "object": "chat.completion", "choices": [
                {"index": 0, "message": {"role": "assistant", "content": self.reply_for(req.get("messages") or [])},
                 "finish_reason": "stop"}]}).encode()
            writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                         f"Connection: keep-alive\r\n\r\n".encode())
            for k in range(len(data)):
                writer.write(data[k: k + 1])
                await writer.drain()
                await asyncio.sleep(self.trickle_seconds)
            self.sent["trickle"] += 1
            return True
        if outcome == "malformed":
            await self._send(writer, 200, None, raw=b'{"id": "chatcmpl-x", "choices": [{"message": {"con', kind="malformed")
            return True
        try:
            text = self.reply_for(req.get("messages") or [])
        except Exception as exc:  # a broken reply rule is the test's bug: say so in a 500
            await self._send(writer, 500, {"error": {"message": f"reply rule failed: {exc!r}"}})
            return True
        await self._send(writer, 200, {
            "id": f"chatcmpl-{self.received}", "object": "chat.completion", "created": int(time.time()),
            "model": req.get("model", ""),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}, kind="ok")
        return True


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m videorl.testing.judge_server``: serve a fixed reply or a reply function (for
    benchmarks, in a process of its own); prints ``PORT <n>`` once listening and runs until stdin
    closes, then prints its counters as JSON."""
    import argparse
    import sys

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--reply", default="TRUE", help="the fixed reply, or FILE.py:FUNCTION (a function of the messages)")
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--rate-429", type=float, default=0.0)
    ap.add_argument("--rate-500", type=float, default=0.0)
    ap.add_argument("--retry-after", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--flap", type=float, nargs=2, metavar=("UP", "DOWN"), default=None,
                    help="alternate: up for UP seconds, down for DOWN seconds")
    a = ap.parse_args(argv)
    reply: Reply = a.reply
    if ".py:" in a.reply:
        import importlib.util

        path, func = a.reply.rsplit(":", 1)
        spec = importlib.util.spec_from_file_location("judge_server_replies", path)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        reply = getattr(mod, func)
    srv = JudgeServer(default=reply, latency=a.latency, rate_429=a.rate_429, rate_500=a.rate_500,
                      retry_after=a.retry_after, seed=a.seed).start()
    if a.flap:
        srv.flap(*a.flap)
    print(f"PORT {srv.port}", flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    if a.flap:
        srv.stop_flapping()
    print(json.dumps({"received": srv.received, "outcomes": dict(srv.outcomes), "sent": dict(srv.sent),
                      "dropped": srv.dropped, "downs": sum(1 for _, k in srv.transitions if k == "down")}),
          flush=True)
    srv.stop()


if __name__ == "__main__":
    main()
