"""On-disk cache of judge replies, keyed by (server, model, messages, sampling parameters).

One SQLite file per folder (``judge-cache.sqlite``, WAL mode), so several processes (ranks, Ray
workers) can share it and a crash never leaves a half-written entry. Only valid verdicts are
stored: failed calls and replies a reward or metric rejects are never written. The key is the
SHA-256 of the canonical JSON of the server's base URL, model, messages and parameters: two judges
served under the same model name (``"judge"``) do not share entries. The API key is never part of it.

A corrupt or truncated file (``file is not a database``, ``database disk image is malformed``) is
moved aside as ``judge-cache.sqlite.corrupt-<time>`` with one warning and rebuilt empty; the run goes
on. An ``fcntl`` lock beside the file serialises that repair between processes, and a process whose
file was already replaced by another one reopens the new file instead of moving it aside again (every
operation checks that the file is still the one it opened).
A busy database (another writer) is waited for (30 s), never treated as corrupt.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

FILENAME = "judge-cache.sqlite"
log = logging.getLogger("videorl.judge")
T = TypeVar("T")
_CORRUPT_CODES = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}


def cache_key(model: str, messages: Sequence[Mapping[str, Any]], params: Mapping[str, Any],
              server: str | None = None) -> str:
    blob = json.dumps({"server": server, "model": model, "messages": list(messages), "params": dict(params)},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def is_corrupt(exc: BaseException) -> bool:
    """A damaged file, as opposed to a busy or read-only database."""
    if not isinstance(exc, sqlite3.DatabaseError) or isinstance(exc, sqlite3.OperationalError):
        return False
    name = getattr(exc, "sqlite_errorname", None)
    if name is not None:
        return name in _CORRUPT_CODES
    msg = str(exc).lower()
    return "malformed" in msg or "not a database" in msg


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class DiskCache:
    """``get(key)`` / ``put(key, text)`` on a SQLite file under ``folder``; thread- and process-safe."""

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder).expanduser() / FILENAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._ino: int | None = None
        self.repairs = 0
        self.disabled = False
        self._warned = False
        with self._lock:
            self._guard(self._open)

    # -- connection ---------------------------------------------------------------------------
    def _open(self) -> None:
        db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, text TEXT NOT NULL, "
                       "created REAL NOT NULL)")
            db.execute("SELECT key FROM replies LIMIT 1").fetchall()
        except BaseException:
            db.close()
            raise
        self._db = db
        self._ino = os.stat(self.path).st_ino

    def _replaced(self) -> bool:
        """Whether the file at ``path`` is no longer the one this handle opened (moved aside and rebuilt
        by another process, or deleted); one ``stat`` per operation."""
        try:
            return os.stat(self.path).st_ino != self._ino
        except FileNotFoundError:
            return True

    def _repair(self, exc: BaseException) -> None:
        """Move a corrupt file aside (unless another process already did) and open a fresh one."""
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None
        with _file_lock(self.path.with_name(FILENAME + ".lock")):
            try:
                current = os.stat(self.path).st_ino
            except FileNotFoundError:
                current = None
            if current is not None and (self._ino is None or current == self._ino):
                aside = self.path.with_name(f"{FILENAME}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
                os.replace(self.path, aside)
                for ext in ("-wal", "-shm"):
                    side = self.path.with_name(FILENAME + ext)
                    if side.exists():
                        os.replace(side, aside.with_name(aside.name + ext))
                log.warning("judge cache %s is damaged (%s): moved aside to %s and rebuilt empty", self.path,
                            exc, aside.name)
            self._ino = None
            self._open()
        self.repairs += 1

    def _guard(self, op: Callable[[], T], default: Any = None) -> T:
        """Run ``op``. A corrupt file is repaired once and ``op`` run again; if that fails too, the cache
        is switched off for this process. Any other database error (busy past 30 s, disk full) counts as
        a miss or a skipped write, with one warning: a cache never stops a run."""
        if self.disabled:
            return default
        for attempt in range(2):
            try:
                if self._db is not None and self._replaced():  # another process rebuilt it: follow
                    self._db.close()
                    self._db = None
                if self._db is None:
                    self._open()
                return op()
            except sqlite3.DatabaseError as exc:
                if not is_corrupt(exc):
                    if not self._warned:
                        self._warned = True
                        log.warning("judge cache %s: %s (treated as a miss; further such errors are not logged)",
                                    self.path, exc)
                    return default
                if attempt == 1:
                    break
                try:
                    self._repair(exc)
                except (OSError, sqlite3.Error) as exc2:
                    log.warning("judge cache %s could not be rebuilt (%s): caching is off for this process",
                                self.path, exc2)
                    self.disabled = True
                    return default
        log.warning("judge cache %s is still damaged after a rebuild: caching is off for this process", self.path)
        self.disabled = True
        return default

    # -- API ----------------------------------------------------------------------------------
    def get(self, key: str) -> str | None:
        def op() -> str | None:
            assert self._db is not None
            row = self._db.execute("SELECT text FROM replies WHERE key = ?", (key,)).fetchone()
            return None if row is None else row[0]

        with self._lock:
            return self._guard(op)

    def put(self, key: str, text: str) -> None:
        def op() -> None:
            assert self._db is not None
            self._db.execute("INSERT OR REPLACE INTO replies (key, text, created) VALUES (?, ?, ?)",
                             (key, text, time.time()))

        with self._lock:
            self._guard(op)

    def __len__(self) -> int:
        def op() -> int:
            assert self._db is not None
            return int(self._db.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

        with self._lock:
            return self._guard(op, 0)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
