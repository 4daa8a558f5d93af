"""A cache of model generations: in memory (LRU) and on disk (SQLite) across restarts.

Keyed by everything that determines the model's answer: the model (and adapter), the
exact chat messages (code excerpt, compiler message, facts, language) and the token limit.
Checking is cheap and deterministic, so the raw generation is what is stored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path

log = logging.getLogger("error_tutor.cache")


def cache_key(model_name: str, messages: list[dict], max_tokens: int) -> str:
    payload = json.dumps({"model": model_name, "messages": messages, "max_tokens": max_tokens}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class GenerationCache:
    """``get``/``put`` of ``(text, finish_reason)`` by key; the disk layer is optional."""

    def __init__(self, folder: Path | None, capacity: int = 512):
        self.capacity = capacity
        self._memory: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._lock = threading.Lock()
        self._db = self._open(folder) if folder else None

    @staticmethod
    def _open(folder: Path) -> sqlite3.Connection | None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(folder / "generations.sqlite3", check_same_thread=False, timeout=2)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS generations (key TEXT PRIMARY KEY, text TEXT, finish TEXT)")
            return db
        except (OSError, sqlite3.Error) as exc:
            log.warning("explanation cache on disk disabled (%s); using memory only", exc)
            return None

    def get(self, key: str) -> tuple[str, str] | None:
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
            if self._db is None:
                return None
            try:
                row = self._db.execute("SELECT text, finish FROM generations WHERE key = ?", (key,)).fetchone()
            except sqlite3.Error as exc:
                log.warning("cache read failed: %s", exc)
                return None
            if row:
                self._remember(key, (row[0], row[1]))
            return tuple(row) if row else None

    def put(self, key: str, text: str, finish: str) -> None:
        with self._lock:
            self._remember(key, (text, finish))
            if self._db is not None:
                try:
                    with self._db:
                        self._db.execute("INSERT OR REPLACE INTO generations VALUES (?, ?, ?)", (key, text, finish))
                except sqlite3.Error as exc:
                    log.warning("cache write failed: %s", exc)

    def _remember(self, key: str, value: tuple[str, str]) -> None:
        self._memory[key] = value
        self._memory.move_to_end(key)
        while len(self._memory) > self.capacity:
            self._memory.popitem(last=False)
