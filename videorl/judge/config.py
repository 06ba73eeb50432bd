"""Judge configuration: where the OpenAI-compatible server is, which model, and how hard to try.

Every field can come from an argument, and the connection fields also from the environment, in
this order (first set wins)::

    base_url  VIDEORL_JUDGE_BASE_URL, OPENAI_API_URL (lmms-eval), OPENAI_API_BASE (Video-R2), OPENAI_BASE_URL
    model     VIDEORL_JUDGE_MODEL, OPENAI_API_MODEL (lmms-eval), SERVED_MODEL (Video-R2), MODEL_VERSION
    api_key   VIDEORL_JUDGE_API_KEY, OPENAI_API_KEY, else "EMPTY" (what vLLM accepts without --api-key)

    api_key_env  VIDEORL_JUDGE_API_KEY_ENV: the NAME of another variable holding the key (checked first)

The limits also come from the environment when no argument sets them: ``VIDEORL_JUDGE_TIMEOUT``,
``VIDEORL_JUDGE_DEADLINE`` (``none``: no deadline), ``VIDEORL_JUDGE_CONCURRENCY``,
``VIDEORL_JUDGE_MAX_RETRIES`` (``none``: until the deadline) and ``VIDEORL_JUDGE_CACHE_DIR``.

A base URL given as ``.../v1/chat/completions`` (as some lmms-eval tasks spell it) is cut to ``.../v1``.
The key is kept out of ``repr``, :meth:`JudgeConfig.describe`, exceptions and the cache key.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ENV_BASE_URL = ("VIDEORL_JUDGE_BASE_URL", "OPENAI_API_URL", "OPENAI_API_BASE", "OPENAI_BASE_URL")
ENV_MODEL = ("VIDEORL_JUDGE_MODEL", "OPENAI_API_MODEL", "SERVED_MODEL", "MODEL_VERSION")
ENV_API_KEY = ("VIDEORL_JUDGE_API_KEY", "OPENAI_API_KEY")
ENV_API_KEY_ENV = "VIDEORL_JUDGE_API_KEY_ENV"
ENV_LIMITS = {"timeout": ("VIDEORL_JUDGE_TIMEOUT", float), "deadline": ("VIDEORL_JUDGE_DEADLINE", float),
              "concurrency": ("VIDEORL_JUDGE_CONCURRENCY", int), "max_retries": ("VIDEORL_JUDGE_MAX_RETRIES", int),
              "cache_dir": ("VIDEORL_JUDGE_CACHE_DIR", str)}
ON_ERROR = ("zero", "nan", "raise")
# without a deadline, "retry until the deadline" falls back to this many retries
RETRIES_WITHOUT_DEADLINE = 8


class JudgeConfigError(ValueError):
    """The judge is not configured (no base URL or model), or a setting is invalid."""


def _env(names: tuple[str, ...]) -> str | None:
    for n in names:
        v = os.environ.get(n)
        if v:
            return v
    return None


@dataclass(frozen=True)
class JudgeConfig:
    """Connection, limits and sampling of one judge.

    ``concurrency``: requests in flight at once. ``timeout``: seconds per HTTP attempt.
    ``deadline``: seconds for a whole training step (:mod:`videorl.judge.step`; ``None``: no limit);
    calls not finished by then fail with kind ``deadline``. ``max_retries``: extra attempts after a
    429, 5xx, timeout, connection error or malformed body; ``None`` (default) retries until the
    deadline. The wait is ``Retry-After`` when the server sends it, else ``backoff · 2^attempt``
    capped at ``max_backoff``, times a jitter in [0.5, 1.5). ``verdict_retries``: re-asks of a reply
    that is not a valid verdict (rewards and metrics say what is valid; such replies are never cached).
    ``cache_dir``: on-disk cache folder (``None``: no cache). ``sampling``: chat-completion
    parameters sent with every call (``temperature``, ``max_tokens``, ...), part of the cache key.
    """

    base_url: str | None = None
    model: str | None = None
    api_key: str | None = field(default=None, repr=False)
    concurrency: int = 64
    timeout: float = 30.0
    deadline: float | None = 900.0
    max_retries: int | None = None
    backoff: float = 0.5
    max_backoff: float = 10.0
    verdict_retries: int = 1
    cache_dir: str | None = None
    sampling: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise JudgeConfigError(f"judge concurrency must be >= 1, got {self.concurrency}")
        for name in ("timeout", "backoff", "max_backoff"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise JudgeConfigError(f"judge {name} must be a positive number, got {v!r}")
        if self.deadline is not None and not self.deadline > 0:
            raise JudgeConfigError(f"judge deadline must be positive or None, got {self.deadline!r}")
        if self.max_retries is not None and self.max_retries < 0:
            raise JudgeConfigError(f"judge max_retries must be >= 0 or None, got {self.max_retries}")
        if self.verdict_retries < 0:
            raise JudgeConfigError(f"judge verdict_retries must be >= 0, got {self.verdict_retries}")

    @property
    def retry_limit(self) -> int:
        """Extra attempts allowed after a retryable error (large when retrying until the deadline)."""
        if self.max_retries is not None:
            return self.max_retries
        return RETRIES_WITHOUT_DEADLINE if self.deadline is None else 1_000_000

    @classmethod
    def resolve(cls, spec: JudgeConfig | Mapping[str, Any] | None = None, **overrides: Any) -> JudgeConfig:
        """A config from a config, a dict of fields or ``None``, completed from the environment."""
        if isinstance(spec, JudgeConfig):
            base = dataclasses.asdict(spec)
        elif spec is None:
            base = {}
        elif isinstance(spec, Mapping):
            base = dict(spec)
        else:
            raise JudgeConfigError(f"judge must be a JudgeConfig or a dict of its fields, got {type(spec).__name__}")
        base.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name for f in dataclasses.fields(cls)} | {"api_key_env"}
        unknown = sorted(set(base) - known)
        if unknown:
            raise JudgeConfigError(f"unknown judge settings {unknown}; known: {sorted(known)}")
        base["base_url"] = base.get("base_url") or _env(ENV_BASE_URL)
        base["model"] = base.get("model") or _env(ENV_MODEL)
        key_env = base.pop("api_key_env", None) or os.environ.get(ENV_API_KEY_ENV)
        base["api_key"] = base.get("api_key") or (os.environ.get(key_env) if key_env else None) or \
            _env(ENV_API_KEY) or "EMPTY"
        for name, (var, kind) in ENV_LIMITS.items():
            if name in base or not os.environ.get(var):
                continue
            raw = os.environ[var].strip()
            try:
                base[name] = None if raw.lower() == "none" and name in ("deadline", "max_retries") else kind(raw)
            except ValueError:
                raise JudgeConfigError(f"environment variable {var}={raw!r}: not a valid {name}") from None
        url = base["base_url"]
        if url:
            url = url.rstrip("/")
            if url.endswith("/chat/completions"):
                url = url[: -len("/chat/completions")]
            base["base_url"] = url
        return cls(**base)

    def require(self) -> JudgeConfig:
        """Self, or :class:`JudgeConfigError` saying what is missing and how to set it."""
        missing = [n for n, v in (("base_url", self.base_url), ("model", self.model)) if not v]
        if missing:
            raise JudgeConfigError(
                f"the LLM judge has no {' and no '.join(missing)}: pass judge={{'base_url': "
                f"'http://HOST:PORT/v1', 'model': 'NAME'}} to the reward (or --judge on the CLI), or set "
                f"{ENV_BASE_URL[0]} and {ENV_MODEL[0]} (see docs/judges.md)")
        return self

    def describe(self) -> str:
        """One line for logs: server, model and limits; never the key."""
        return (f"{self.model} at {self.base_url} (concurrency {self.concurrency}, timeout {self.timeout:g} s, "
                f"retries {'until the deadline' if self.max_retries is None else self.max_retries}, deadline {self.deadline} s, cache {self.cache_dir or 'off'})")
