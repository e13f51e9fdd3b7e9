"""The outbox the sync client drains: a Protocol (what the station's session store provides) and a
small SQLite implementation of it (used by tests, benchmarks and stand-alone ``oasis station sync``)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class OutboxItem:
    """One record waiting to be uploaded; ``id`` is its UUID, the server's idempotency key."""

    id: str
    kind: str  # "session" | "calibration"
    payload: dict[str, Any]
    attempts: int


class Outbox(Protocol):
    """What the sync client needs from the station's store."""

    def pending(self, limit: int) -> list[OutboxItem]:
        """Up to ``limit`` unsent items, those with fewer attempts first, then oldest first."""
        ...

    def mark_sent(self, ids: list[str]) -> None:
        """The server holds these items now: never send them again."""
        ...

    def mark_failed(self, ids: list[str], error: str) -> None:
        """An attempt to send these failed: count it and remember why (they stay pending)."""
        ...

    def backlog(self) -> int:
        """How many items are not sent yet."""
        ...


class SQLiteOutbox:
    """An :class:`Outbox` in one SQLite file (WAL), safe across threads and processes."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
            " payload TEXT NOT NULL, created_at REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
            " last_error TEXT, sent_at REAL)"
        )
        self._conn.execute(
            "CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (sent_at, attempts, created_at)"
        )

    def add(self, kind: str, payload: dict[str, Any]) -> str:
        """Queue a session or calibration (its ``uuid`` is the id); adding the same uuid twice is a no-op."""
        if kind not in ("session", "calibration"):
            raise ValueError(f"unknown outbox kind {kind!r}")
        item_id = str(payload["uuid"])
        with self._lock:
            self._conn.execute(
                "INSERT OR IGNORE INTO outbox (id, kind, payload, created_at) VALUES (?, ?, ?, ?)",
                (item_id, kind, json.dumps(payload, ensure_ascii=False), time.time()),
            )
        return item_id

    def add_many(self, items: list[tuple[str, dict[str, Any]]]) -> None:
        """Queue many (kind, payload) pairs in one transaction."""
        now = time.time()
        rows = [(str(p["uuid"]), k, json.dumps(p, ensure_ascii=False), now) for k, p in items]
        with self._lock:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "INSERT OR IGNORE INTO outbox (id, kind, payload, created_at) VALUES (?, ?, ?, ?)", rows
            )
            self._conn.execute("COMMIT")

    def pending(self, limit: int) -> list[OutboxItem]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, kind, payload, attempts FROM outbox WHERE sent_at IS NULL "
                "ORDER BY attempts, created_at, id LIMIT ?",
                (limit,),
            ).fetchall()
        return [OutboxItem(r[0], r[1], json.loads(r[2]), r[3]) for r in rows]

    def _update_many(self, sql: str, ids: list[str], *params: object) -> None:
        with self._lock:
            self._conn.execute("BEGIN")
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                self._conn.execute(sql.format(marks=marks), (*params, *chunk))
            self._conn.execute("COMMIT")

    def mark_sent(self, ids: list[str]) -> None:
        self._update_many(
            "UPDATE outbox SET sent_at = ? WHERE id IN ({marks}) AND sent_at IS NULL", ids, time.time()
        )

    def mark_failed(self, ids: list[str], error: str) -> None:
        self._update_many(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id IN ({marks})",
            ids,
            error[:500],
        )

    def backlog(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0])

    def sent_count(self) -> int:
        """How many items have been delivered."""
        with self._lock:
            return int(
                self._conn.execute("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL").fetchone()[0]
            )

    def close(self) -> None:
        with self._lock:
            self._conn.close()
