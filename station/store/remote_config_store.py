"""The admin's remote configuration as the station keeps it (store migration 8): every version it
received, applied or refused (with the reason), and the station's remote state (maintenance on or
off, the newest remote action done). The last applied version is the "last good" one the station
starts with when the admin is out of reach.

It opens its own connection to the session database (WAL: readers and writers of the
SessionStore are not blocked); the SessionStore must have run the migrations first.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from wire import v1 as wire_v1


@dataclass(frozen=True)
class ConfigOutcome:
    """What the station last did with the admin's configuration versions."""

    applied: int  # 0: none applied yet
    refused: int | None  # the newest version refused (if newer than the applied one)
    reason: str | None


class RemoteConfigStore:
    """Versions received from the admin and the station's remote state, in the session database."""

    def __init__(self, database: str | Path) -> None:
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            Path(database), isolation_level=None, check_same_thread=False, timeout=30
        )

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _write(self, sql: str, args: tuple[object, ...]) -> None:
        with self._lock:
            self._conn.execute(sql, args)

    def record(self, config: wire_v1.StationConfiguration, refusal: str | None = None) -> None:
        """Remember ``config`` as applied (``refusal`` None) or refused with that reason."""
        self._write(
            "INSERT OR REPLACE INTO remote_configs VALUES (?, ?, ?, ?, ?)",
            (
                config.version,
                config.model_dump_json(),
                "applied" if refusal is None else "refused",
                refusal,
                datetime.now(UTC).isoformat(),
            ),
        )

    def last_good(self) -> wire_v1.StationConfiguration | None:
        """The newest applied version, or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT payload FROM remote_configs WHERE status = 'applied' ORDER BY version DESC LIMIT 1"
            ).fetchone()
        return None if row is None else wire_v1.StationConfiguration.model_validate_json(row[0])

    def outcome(self) -> ConfigOutcome:
        """The applied version and, when a newer one was refused, that one and why."""
        with self._lock:
            applied = self._conn.execute(
                "SELECT MAX(version) FROM remote_configs WHERE status = 'applied'"
            ).fetchone()[0]
            refused = self._conn.execute(
                "SELECT version, reason FROM remote_configs WHERE status = 'refused' "
                "ORDER BY version DESC LIMIT 1"
            ).fetchone()
        applied = int(applied or 0)
        if refused is None or refused[0] < applied:
            return ConfigOutcome(applied, None, None)
        return ConfigOutcome(applied, int(refused[0]), str(refused[1]))

    def known(self, version: int) -> bool:
        """True when ``version`` was applied or refused already (no need to fetch it again)."""
        with self._lock:
            row = self._conn.execute("SELECT 1 FROM remote_configs WHERE version = ?", (version,)).fetchone()
        return row is not None

    def get(self, key: str, default: str = "") -> str:
        """A remote-state value ("maintenance", "last_action")."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM remote_state WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def put(self, key: str, value: str) -> None:
        self._write("INSERT OR REPLACE INTO remote_state VALUES (?, ?)", (key, value))
