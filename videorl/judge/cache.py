"""On-disk cache of judge replies, keyed by (model, messages, sampling parameters).

One SQLite file per folder (``judge-cache.sqlite``, WAL mode), so several processes (ranks, Ray
workers) can share it and a crash never leaves a half-written entry. Only successful replies are
stored. The key is the SHA-256 of the canonical JSON of model, messages and parameters; the API
key and the server address are not part of it (a reply depends on the model, not on who serves it).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

FILENAME = "judge-cache.sqlite"


def cache_key(model: str, messages: Sequence[Mapping[str, Any]], params: Mapping[str, Any]) -> str:
    blob = json.dumps({"model": model, "messages": list(messages), "params": dict(params)}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class DiskCache:
    """``get(key)`` / ``put(key, text)`` on a SQLite file under ``folder``; thread-safe."""

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder).expanduser() / FILENAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, text TEXT NOT NULL, "
                         "created REAL NOT NULL)")

    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT text FROM replies WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def put(self, key: str, text: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO replies (key, text, created) VALUES (?, ?, ?)",
                             (key, text, time.time()))

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
