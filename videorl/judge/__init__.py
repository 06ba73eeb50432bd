"""LLM judges for rewards and metrics: one client for any OpenAI-compatible server.

::

    from videorl.judge import JudgeClient

    judge = JudgeClient(base_url="http://127.0.0.1:8000/v1", model="Qwen/Qwen2.5-7B-Instruct",
                        concurrency=64, timeout=30, cache_dir="~/.cache/videorl/judge")
    replies, stats = judge.complete([[{"role": "user", "content": "Say TRUE."}]])
    replies[0].text, replies[0].error, stats.summary()

Modules: :mod:`~videorl.judge.config` (settings, environment), :mod:`~videorl.judge.client`
(concurrency, timeouts, retries until the deadline, verdict checks, the synchronous batch API),
:mod:`~videorl.judge.step` (one deadline per training step), :mod:`~videorl.judge.cache` (on-disk
cache), :mod:`~videorl.judge.policy` (``on_error``), :mod:`~videorl.judge.parse` (reply parsers),
:mod:`~videorl.judge.prompts` (the originals' own prompts from the user's checkout),
:mod:`~videorl.judge.embed` (sentence embeddings). Rewards call this package, never the reverse.
Needs the ``judge`` extra (``openai``, ``sentence-transformers``); importing it loads neither.
"""

from __future__ import annotations

from typing import Any

__all__ = ["JudgeClient", "JudgeConfig", "JudgeConfigError", "JudgeError", "JudgeReply", "JudgeStats",
           "shared_client"]

_WHERE = {"JudgeClient": "client", "JudgeReply": "client", "JudgeStats": "client", "shared_client": "client",
          "JudgeConfig": "config", "JudgeConfigError": "config", "JudgeError": "policy"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"videorl.judge.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'videorl.judge' has no attribute {name!r}")
