"""Judge throughput: 4096 Video-R2 TAR rewards (2 judge calls each: claim extraction and the gate)
against the loopback test server at 200 ms latency with 1% errors (0.5% 429 with Retry-After 0.2 s,
0.5% 500), through ``videorl.judge`` at a stated concurrency.

Baseline, measured in the same run against the same server: Video-R2's own pattern, a synchronous
``openai.OpenAI(timeout=10)`` client called once per judge call, one after another (its SDK's default
2 retries included), on 256 calls, scaled to the 8192 calls. Target: ≥ 50× the scaled baseline; wall
time ≤ 1.3 × calls × latency / concurrency plus the retry delays taken (spread over the slots); zero
stalled calls and every server error matched by a counted retry or failure.

    python benchmarks/bench_judge.py [--n 4096] [--concurrency 128] [--baseline-calls 256]

Writes benchmarks/results/bench_judge.json. Sentence embeddings use the offline bag-of-words model of
``videorl.testing.tiny_embedder`` (the real all-MiniLM-L6-v2 is not downloaded here).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from videorl.io import write_json
from videorl.rewards import get
from videorl.target import Target
from videorl.testing.tiny_embedder import build_tiny_embedder

LATENCY = 0.2
RESULTS = Path(__file__).resolve().parent / "results" / "bench_judge.json"


def judge_reply(messages: list[dict]) -> str:
    text = messages[-1]["content"]
    if "QUESTION:" in text:
        return "TRUE\nThe reasoning supports the answer."
    n = int(text.rsplit("sample ", 1)[1].split(".", 1)[0])  # each think is distinct: no call is deduplicated
    return json.dumps({f"00:{10 + n % 40:02d}": "A man opens a door.", "01:30": "Cat sleeps."})


def batch(n: int) -> tuple[list[str], list[Target]]:
    texts = [f"<think>In sample {i}. the man opens the door at 00:{10 + i % 40:02d}.</think><answer>A</answer>"
             for i in range(n)]
    targets = [Target(task="mcq", duration=120, options=("yes", "no"), answer="A", id=f"s{i}",
                      extra={"temporal_grounding": {f"00:{10 + i % 40:02d}": "man opens the door.",
                                                    "00:55": "dog jumps."}, "question": f"Question {i}?"})
               for i in range(n)]
    return texts, targets


def sequential(base_url: str, calls: int) -> tuple[float, int]:
    """Video-R2's pattern: one synchronous call after another, timeout 10 s, the SDK's default retries."""
    from openai import OpenAI

    client = OpenAI(api_key="EMPTY", base_url=base_url, timeout=10.0)
    failed = 0
    t0 = time.perf_counter()
    for i in range(calls):
        content = f"Text:\nIn sample {i}. the man opens the door." if i % 2 == 0 else f"QUESTION:\nQ{i}"
        try:
            client.chat.completions.create(model="judge", messages=[{"role": "user", "content": content}])
        except Exception:  # Video-R2 catches everything and scores 0
            failed += 1
    return time.perf_counter() - t0, failed


@contextlib.contextmanager
def serve() -> Iterator[tuple[str, dict]]:
    """The test server in its own process (as a vLLM judge would be); yields its URL and, after exit,
    its counters."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "videorl.testing.judge_server", "--reply", f"{Path(__file__).resolve()}:judge_reply",
         "--latency", str(LATENCY), "--rate-429", "0.005", "--rate-500", "0.005", "--retry-after", "0.2"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    counters: dict = {}
    try:
        yield f"http://127.0.0.1:{int(proc.stdout.readline().split()[1])}/v1", counters
    finally:
        proc.stdin.close()
        counters.update(json.loads(proc.stdout.readline() or "{}"))
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4096, help="TAR rewards (2 judge calls each)")
    ap.add_argument("--concurrency", type=int, default=128)
    ap.add_argument("--baseline-calls", type=int, default=256)
    args = ap.parse_args()
    emb = build_tiny_embedder(Path(tempfile.mkdtemp()) / "bow", "man opens door dog jumps cat sleeps".split())
    with serve() as (url, _):
        t_seq, seq_failed = sequential(url, args.baseline_calls)
    texts, targets = batch(args.n + 8)
    with serve() as (url, counters):
        reward = get("video_r2_tar", embedder=str(emb), embedder_device="cpu",
                     judge={"base_url": url, "model": "judge", "concurrency": args.concurrency, "timeout": 10.0,
                            "max_retries": 5})
        reward.many(texts[-8:], targets[-8:])  # warm-up: loads the embedder, starts the client (not timed)
        client = reward.client()
        s0 = (client.stats.calls, client.stats.retries, client.stats.retry_wait_s, sum(client.stats.failures.values()))
        load0 = os.getloadavg()[0]
        cpu0, t0 = time.process_time(), time.perf_counter()
        results = reward.many(texts[:-8], targets[:-8])
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        load = max(load0, os.getloadavg()[0])
    st = client.stats
    calls, retries = st.calls - s0[0], st.retries - s0[1]
    wait, failed = st.retry_wait_s - s0[2], sum(st.failures.values()) - s0[3]
    server_errors = {k: counters.get("outcomes", {}).get(k, 0) for k in ("429", "500")}
    # every server reply is one of our counted attempts, every server error one of our counted errors
    accounted = counters.get("received") == st.attempts and \
        st.errors_seen.get("http 429", 0) == server_errors["429"] and \
        st.errors_seen.get("http 500", 0) == server_errors["500"] and sum(st.errors_seen.values()) == st.retries + \
        sum(st.failures.values())
    scaled = t_seq * calls / args.baseline_calls
    ratio = scaled / wall
    bound = 1.3 * calls * LATENCY / args.concurrency + wait / args.concurrency
    stalled = sum(1 for r in results if "deadline" in r.reason or "timeout" in r.reason)
    mean_tar = sum(r.components["tar"] for r in results) / len(results)
    print(f"ours: {calls} calls in {wall:.2f} s at concurrency {args.concurrency} (bound {bound:.2f} s; "
          f"{1000 * cpu / calls:.2f} ms CPU per call; load average {load:.1f}); "
          f"{retries} retries ({wait:.1f} s waited), {failed} failed, {stalled} stalled; mean TAR {mean_tar:.3f}")
    print(f"sequential Video-R2 pattern: {args.baseline_calls} calls in {t_seq:.2f} s ({seq_failed} failed), "
          f"scaled to {calls} calls: {scaled:.0f} s; ratio {ratio:.1f}x")
    row = {
        "what": f"judge client: {args.n} Video-R2 TAR rewards ({calls} calls), 200 ms latency, 1% errors, "
                f"concurrency {args.concurrency}",
        "result": f"{wall:.1f} s ({ratio:.0f}x the sequential Video-R2 client scaled from {args.baseline_calls} "
                  f"calls: {scaled:.0f} s); bound {bound:.1f} s; {retries} retries, {failed} failed, {stalled} stalled, "
                  f"errors accounted for: {accounted}; {1000 * cpu / calls:.1f} ms client CPU per call, "
                  f"load average {load:.1f} on the VM during the run",
        "target": ">= 50x; <= 1.3 x calls x latency / concurrency + retry delays; 0 stalled",
        "metrics": {"wall_s": round(wall, 3), "bound_s": round(bound, 3), "sequential_scaled_s": round(scaled, 1),
                    "ratio": round(ratio, 1), "calls": calls, "concurrency": args.concurrency,
                    "http_attempts": st.attempts, "retries": retries, "retry_wait_s": round(wait, 3),
                    "failed": failed, "stalled": stalled, "server_429": server_errors["429"],
                    "server_500": server_errors["500"], "errors_accounted": float(accounted),
                    "client_cpu_ms_per_call": round(1000 * cpu / calls, 3), "load_average_1m": round(load, 1)},
    }
    base_row = {
        "what": f"baseline: Video-R2's sequential openai client, {args.baseline_calls} calls, same server",
        "result": f"{t_seq:.1f} s ({t_seq / args.baseline_calls * 1000:.0f} ms per call), {seq_failed} failed",
        "target": "—",
        "metrics": {"wall_s": round(t_seq, 3), "calls": args.baseline_calls, "failed": seq_failed},
    }
    write_json(RESULTS, {"benchmark": "bench_judge.py",
                         "machine": f"2-core x86-64 CPU VM, no GPU, Python {platform.python_version()[:4]}",
                         "date": datetime.date.today().isoformat(), "rows": [row, base_row]})
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
