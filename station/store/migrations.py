"""Forward-only schema migrations, recorded in ``schema_version``.

Each migration is a list of SQL statements, or a function of the connection, applied in one
transaction; its number is its position (1-based). Never edit a released migration: append a new one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from station.store import wire_records

Migration = list[str] | Callable[[sqlite3.Connection], None]


def _outbox_in_wire_form(conn: sqlite3.Connection) -> None:
    """Unsent outbox items queued in the station's former payload (``"schema": "oasis.station.v1"``)
    are rebuilt in their wire form from the sessions and calibrations tables. One that the wire
    schema refuses keeps its old payload and says why in ``last_error`` (it stays pending)."""
    build = {"session": wire_records.stored_session, "calibration": wire_records.stored_calibration}
    rows = conn.execute("SELECT id, kind, payload FROM outbox WHERE sent_at IS NULL").fetchall()
    for item_id, kind, payload in rows:
        if json.loads(payload).get("schema") != "oasis.station.v1":
            continue
        try:
            wire = build[kind](conn, item_id).model_dump_json()
        except ValueError as exc:
            reason = wire_records.refusal_reason(exc)
            conn.execute(
                "UPDATE outbox SET last_error = ? WHERE id = ?", (f"invalid {kind}: {reason}", item_id)
            )
            continue
        conn.execute("UPDATE outbox SET payload = ? WHERE id = ?", (wire, item_id))


MIGRATIONS: list[Migration] = [
    # 1: the initial schema
    [
        """CREATE TABLE officers (
            code TEXT PRIMARY KEY,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE sessions (
            uuid TEXT PRIMARY KEY,
            station_id TEXT NOT NULL,
            officer_code TEXT NOT NULL REFERENCES officers(code),
            program TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'aborted', 'interrupted')),
            pre_stress INTEGER CHECK (pre_stress BETWEEN 0 AND 10),
            pre_mood INTEGER CHECK (pre_mood BETWEEN 1 AND 5),
            post_stress INTEGER CHECK (post_stress BETWEEN 0 AND 10),
            post_mood INTEGER CHECK (post_mood BETWEEN 1 AND 5),
            phase_summaries TEXT NOT NULL DEFAULT '{}',
            data_quality TEXT NOT NULL DEFAULT '{}',
            xdf_path TEXT,
            recording_deleted_at TEXT,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX sessions_started ON sessions(started_at)",
        "CREATE INDEX sessions_status ON sessions(status)",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_uuid TEXT NOT NULL REFERENCES sessions(uuid),
            at TEXT NOT NULL,
            lsl_time REAL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}'
        )""",
        "CREATE INDEX events_session ON events(session_uuid, id)",
        """CREATE TABLE calibrations (
            uuid TEXT PRIMARY KEY,
            station_id TEXT NOT NULL,
            technician TEXT NOT NULL,
            device TEXT NOT NULL,
            at TEXT NOT NULL,
            results TEXT NOT NULL
        )""",
        """CREATE TABLE outbox (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('session', 'calibration')),
            payload TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            enqueued_at TEXT NOT NULL,
            sent_at TEXT
        )""",
        "CREATE INDEX outbox_pending ON outbox(sent_at, enqueued_at)",
    ],
    # 2: each officer's resonance-assessment results (health data: stays on the station, never synced)
    [
        """CREATE TABLE resonance_results (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            officer_code TEXT NOT NULL REFERENCES officers(code),
            session_uuid TEXT NOT NULL UNIQUE REFERENCES sessions(uuid),
            rate REAL CHECK (rate IS NULL OR rate BETWEEN 3.0 AND 8.0),
            measured_at TEXT NOT NULL,
            details TEXT NOT NULL DEFAULT '{}'
        )""",
        "CREATE INDEX resonance_officer ON resonance_results(officer_code, id)",
    ],
    # 3: each bridged device's applied calibration (station/calibration/eda_profile.py), one per device
    [
        """CREATE TABLE device_profiles (
            device TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            calibration TEXT NOT NULL,
            applied_at TEXT NOT NULL,
            calibration_uuid TEXT NOT NULL REFERENCES calibrations(uuid)
        )""",
    ],
    # 4: the outbox holds each record in its wire form (wire_v1), validated when it is queued
    _outbox_in_wire_form,
    # 5: an officer's optional PIN for their own history (argon2 hash; stays on the station, never
    # synced), with the wrong tries counted for the back-off
    [
        """CREATE TABLE officer_pins (
            officer_code TEXT PRIMARY KEY REFERENCES officers(code),
            pin_hash TEXT NOT NULL,
            set_at TEXT NOT NULL,
            failures INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT
        )""",
    ],
    # 6: the emotion log: what weighs most on the officer today, tapped before the session
    [
        "ALTER TABLE sessions ADD COLUMN topic TEXT CHECK (topic IS NULL OR topic IN "
        "('case_load', 'conflict', 'family', 'sleep', 'health', 'other', 'skip'))",
    ],
    # 7: officers who asked for the early-warning reminder (station/store/officer_reminder.py)
    [
        """CREATE TABLE officer_reminders (
            officer_code TEXT PRIMARY KEY REFERENCES officers(code),
            enabled_at TEXT NOT NULL
        )""",
    ],
    # 8: remote configuration from the admin (station/store/remote_config_store.py): every version
    # received, applied or refused with its reason, and the station's remote state (maintenance, ...)
    [
        """CREATE TABLE remote_configs (
            version INTEGER PRIMARY KEY,
            payload TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('applied', 'refused')),
            reason TEXT,
            at TEXT NOT NULL
        )""",
        """CREATE TABLE remote_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
    ],
    # 9: how many times the kiosk suggested the
    # counsellor per station-local month: a count only, sent to the admin as it is
    [
        """CREATE TABLE reminder_counts (
            month TEXT PRIMARY KEY CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
            shown INTEGER NOT NULL CHECK (shown >= 0)
        )""",
    ],
]


def schema_version(conn: sqlite3.Connection) -> int:
    """The number of migrations applied (0 for a new database)."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT)")
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, now_iso: str) -> int:
    """Apply every pending migration, each in its own transaction; returns the new version.

    ``conn`` must be in autocommit mode (``isolation_level=None``): transactions are explicit here.
    Raises RuntimeError when the database is newer than this program (a downgrade).
    """
    current = schema_version(conn)
    if current > len(MIGRATIONS):
        raise RuntimeError(
            f"database schema version {current} is newer than this program's {len(MIGRATIONS)}; update Oasis"
        )
    for version in range(current + 1, len(MIGRATIONS) + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            migration = MIGRATIONS[version - 1]
            if callable(migration):
                migration(conn)
            else:
                for statement in migration:
                    conn.execute(statement)
            conn.execute("INSERT INTO schema_version VALUES (?, ?)", (version, now_iso))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return len(MIGRATIONS)
