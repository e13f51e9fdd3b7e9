"""The station's session store: SQLite in WAL mode, one file per station.

One connection guarded by a lock, so the kiosk thread and the sync thread may share a store.
Every write is one explicit transaction; a finished session or calibration is put in the sync
outbox in the same transaction that finishes it, so nothing finished is ever left unsynced.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid as uuidlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel

from protocols.protocol_model import RESONANCE_RANGE
from station.store import officer_codes, wire_records
from station.store.migrations import migrate
from station.store.models import (
    OfficerPin,
    OutboxItem,
    ResonanceResult,
    SessionEvent,
    SessionRecord,
    SessionStatus,
)
from wire import v1 as wire_v1

SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")
# Chosen by measurement (bench/bench_station.py, docs/station.md): FULL costs ~0.4 ms
# more per commit than NORMAL, negligible at a kiosk's few writes per minute, and a commit then
# survives a power cut, not only a crash of the process.
DEFAULT_SYNCHRONOUS = "FULL"
DeviceProfileRow = tuple[str, str, dict[str, Any]]
TOPICS = get_args(wire_v1.Topic)  # the emotion log's choices  # (device name, kind, calibration fields)


class StoreError(ValueError):
    """A request the store refuses (unknown session, out-of-range rating, …), with the reason."""


class SyncRecordRefused(StoreError):
    """A finished session or calibration that the wire schema would refuse; nothing was stored."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="milliseconds")


def _check_rating(name: str, value: int | None, low: int, high: int) -> None:
    if value is not None and not (isinstance(value, int) and low <= value <= high):
        raise StoreError(f"{name} must be an integer from {low} to {high}, got {value!r}")


class SessionStore:
    """Sessions, officers, events, calibrations, resonance results and the sync outbox of one station."""

    def __init__(
        self,
        path: str | Path,
        station_id: str,
        *,
        synchronous: str = DEFAULT_SYNCHRONOUS,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if synchronous.upper() not in SYNCHRONOUS_LEVELS:
            raise StoreError(f"synchronous must be one of {', '.join(SYNCHRONOUS_LEVELS)}")
        self.path = Path(path)
        self.station_id = station_id
        self._clock = clock
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self._conn.row_factory = sqlite3.Row
        mode = self._conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise StoreError(f"could not put {self.path} in WAL mode (got {mode})")
        self._conn.execute(f"PRAGMA synchronous={synchronous.upper()}")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self.schema_version = migrate(self._conn, self._now())

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _now(self) -> str:
        return _iso(self._clock())

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # -- officers -------------------------------------------------------------------------------

    def new_officer(self) -> str:
        """Register a new pseudonymous officer; returns the code (normalised form)."""
        while True:
            code = officer_codes.new_code()
            with self._transaction() as db:
                if db.execute("SELECT 1 FROM officers WHERE code = ?", (code,)).fetchone() is None:
                    db.execute("INSERT INTO officers VALUES (?, ?)", (code, self._now()))
                    return code

    def check_in(self, text: str) -> str:
        """Validate a typed or scanned code and register it if this station has not seen it yet.

        Raises officer_codes.InvalidOfficerCode with the reason when the code is not valid.
        """
        code = officer_codes.normalise(text)
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO officers VALUES (?, ?)", (code, self._now()))
        return code

    def officer_count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM officers").fetchone()[0])

    # -- an officer's optional PIN (kept on the station, never queued for sync) -----------------

    def set_officer_pin(self, officer_code: str, pin_hash: str) -> None:
        """Store (or replace) a checked-in officer's PIN hash; the wrong-try count starts again."""
        if not pin_hash.startswith("$argon2"):
            raise StoreError("an officer PIN is stored as an argon2 hash")
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM officers WHERE code = ?", (officer_code,)).fetchone() is None:
                raise StoreError(f"unknown officer code {officer_code!r}: check in first")
            db.execute(
                "INSERT INTO officer_pins (officer_code, pin_hash, set_at, failures, locked_until) "
                "VALUES (?, ?, ?, 0, NULL) ON CONFLICT(officer_code) DO UPDATE SET "
                "pin_hash = excluded.pin_hash, set_at = excluded.set_at, failures = 0, locked_until = NULL",
                (officer_code, pin_hash, self._now()),
            )

    def officer_pin(self, officer_code: str) -> OfficerPin | None:
        """The officer's PIN record, or None when they have not set one."""
        with self._lock:
            row = self._conn.execute(
                "SELECT * FROM officer_pins WHERE officer_code = ?", (officer_code,)
            ).fetchone()
        if row is None:
            return None
        return OfficerPin(row["officer_code"], row["pin_hash"], row["failures"], row["locked_until"])

    def record_pin_try(self, officer_code: str, right: bool, locked_until: datetime | None = None) -> None:
        """Count a wrong try (with the time no try is checked before), or clear the count after a
        right one."""
        with self._transaction() as db:
            if right:
                db.execute(
                    "UPDATE officer_pins SET failures = 0, locked_until = NULL WHERE officer_code = ?",
                    (officer_code,),
                )
                return
            db.execute(
                "UPDATE officer_pins SET failures = failures + 1, locked_until = ? WHERE officer_code = ?",
                (None if locked_until is None else _iso(locked_until), officer_code),
            )

    def set_reminder(self, officer_code: str, enabled: bool) -> None:
        """Turn the officer's early-warning reminder on or off (their own choice, kept on the station)."""
        with self._transaction() as db:
            if not enabled:
                db.execute("DELETE FROM officer_reminders WHERE officer_code = ?", (officer_code,))
                return
            db.execute(
                "INSERT OR IGNORE INTO officer_reminders (officer_code, enabled_at) VALUES (?, ?)",
                (officer_code, self._now()),
            )

    def count_reminder_shown(self, month: str) -> None:
        """One more counsellor suggestion shown in ``month`` ("2026-12", station-local); no officer."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO reminder_counts (month, shown) VALUES (?, 1) "
                "ON CONFLICT(month) DO UPDATE SET shown = shown + 1",
                (month,),
            )

    def reminder_counts(self, months: int = 12) -> dict[str, int]:
        """The latest ``months`` months' suggestion counts, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT month, shown FROM reminder_counts ORDER BY month DESC LIMIT ?", (months,)
            ).fetchall()
        return {row["month"]: int(row["shown"]) for row in reversed(rows)}

    def delete_officer_pin(self, officer_code: str) -> None:
        """Forget the officer's PIN on this station (it now lives with the admin)."""
        with self._transaction() as db:
            db.execute("DELETE FROM officer_pins WHERE officer_code = ?", (officer_code,))

    def reminder_enabled(self, officer_code: str) -> bool:
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM officer_reminders WHERE officer_code = ?", (officer_code,)
            ).fetchone()
        return row is not None

    # -- sessions -------------------------------------------------------------------------------

    def start_session(
        self,
        officer_code: str,
        program: str,
        *,
        pre_stress: int | None = None,
        pre_mood: int | None = None,
        xdf_path: str | Path | None = None,
        session_uuid: str | None = None,
    ) -> str:
        """Store a new running session; returns its UUID."""
        _check_rating("pre_stress", pre_stress, 0, 10)
        _check_rating("pre_mood", pre_mood, 1, 5)
        sid = session_uuid or str(uuidlib.uuid4())
        now = self._now()
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM officers WHERE code = ?", (officer_code,)).fetchone() is None:
                raise StoreError(f"unknown officer code {officer_code!r}: check in first")
            db.execute(
                "INSERT INTO sessions (uuid, station_id, officer_code, program, started_at, status, "
                "pre_stress, pre_mood, xdf_path, updated_at) VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)",
                (
                    sid,
                    self.station_id,
                    officer_code,
                    program,
                    now,
                    pre_stress,
                    pre_mood,
                    str(xdf_path) if xdf_path else None,
                    now,
                ),
            )
            self._insert_event(db, sid, now, "session_start", {"program": program}, None)
        return sid

    def add_event(
        self,
        session_uuid: str,
        kind: str,
        detail: dict[str, Any] | None = None,
        lsl_time: float | None = None,
    ) -> None:
        """Append an event (committed at once, so it survives a crash)."""
        now = self._now()
        with self._transaction() as db:
            self._require_session(db, session_uuid)
            self._insert_event(db, session_uuid, now, kind, detail or {}, lsl_time)
            db.execute("UPDATE sessions SET updated_at = ? WHERE uuid = ?", (now, session_uuid))

    def record_phase_summary(self, session_uuid: str, phase: str, metrics: dict[str, float]) -> None:
        """Store (or replace) one phase's metric summary, e.g. ``{"hr": 71.2, "rmssd": 38.0}``."""
        with self._transaction() as db:
            row = self._require_session(db, session_uuid)
            summaries = json.loads(row["phase_summaries"])
            summaries[phase] = metrics
            db.execute(
                "UPDATE sessions SET phase_summaries = ?, updated_at = ? WHERE uuid = ?",
                (json.dumps(summaries, allow_nan=False), self._now(), session_uuid),
            )

    def set_data_quality(self, session_uuid: str, quality: dict[str, Any]) -> None:
        """Store the session's data-quality summary (per stream: good share, gaps, …)."""
        with self._transaction() as db:
            self._require_session(db, session_uuid)
            db.execute(
                "UPDATE sessions SET data_quality = ?, updated_at = ? WHERE uuid = ?",
                (json.dumps(quality, allow_nan=False), self._now(), session_uuid),
            )

    def set_xdf_path(self, session_uuid: str, path: str | Path) -> None:
        with self._transaction() as db:
            self._require_session(db, session_uuid)
            db.execute("UPDATE sessions SET xdf_path = ? WHERE uuid = ?", (str(path), session_uuid))

    def finish_session(self, session_uuid: str, status: SessionStatus) -> None:
        """End a running session as completed or aborted, and queue it for sync."""
        if status not in (SessionStatus.COMPLETED, SessionStatus.ABORTED):
            raise StoreError(f"a session is finished as completed or aborted, not {status}")
        now = self._now()
        with self._transaction() as db:
            row = self._require_session(db, session_uuid)
            if row["status"] != SessionStatus.RUNNING:
                raise StoreError(f"session {session_uuid} is already {row['status']}")
            db.execute(
                "UPDATE sessions SET status = ?, ended_at = ?, updated_at = ? WHERE uuid = ?",
                (status.value, now, now, session_uuid),
            )
            self._insert_event(db, session_uuid, now, "session_end", {"status": status.value}, None)
            self._enqueue_session(db, session_uuid)

    def set_post_ratings(self, session_uuid: str, stress: int | None, mood: int | None) -> None:
        """Store the after-session ratings (given once the session has ended); re-queues it for sync."""
        _check_rating("post_stress", stress, 0, 10)
        _check_rating("post_mood", mood, 1, 5)
        with self._transaction() as db:
            row = self._require_session(db, session_uuid)
            if row["status"] == SessionStatus.RUNNING:
                raise StoreError("post-session ratings come after the session has ended")
            db.execute(
                "UPDATE sessions SET post_stress = ?, post_mood = ?, updated_at = ? WHERE uuid = ?",
                (stress, mood, self._now(), session_uuid),
            )
            self._enqueue_session(db, session_uuid)

    def set_topic(self, session_uuid: str, topic: str) -> None:
        """Store the emotion log's tap (``wire_v1.Topic``) with a session; re-queues it for sync."""
        if topic not in TOPICS:
            raise StoreError(f"topic must be one of {', '.join(TOPICS)}, got {topic!r}")
        with self._transaction() as db:
            row = self._require_session(db, session_uuid)
            db.execute(
                "UPDATE sessions SET topic = ?, updated_at = ? WHERE uuid = ?",
                (topic, self._now(), session_uuid),
            )
            if row["status"] != SessionStatus.RUNNING:
                self._enqueue_session(db, session_uuid)

    def interrupt_running(self) -> list[str]:
        """Mark sessions left running by a dead process as interrupted; returns their UUIDs.

        Call at startup, before any new session. The end time is the last thing recorded.
        """
        now = self._now()
        with self._transaction() as db:
            rows = db.execute("SELECT uuid, updated_at FROM sessions WHERE status = 'running'").fetchall()
            for row in rows:
                db.execute(
                    "UPDATE sessions SET status = 'interrupted', ended_at = ?, updated_at = ? WHERE uuid = ?",
                    (row["updated_at"], now, row["uuid"]),
                )
                self._insert_event(
                    db, row["uuid"], now, "interrupted", {"last_recorded": row["updated_at"]}, None
                )
                self._enqueue_session(db, row["uuid"])
        return [row["uuid"] for row in rows]

    def session(self, session_uuid: str) -> SessionRecord | None:
        with self._lock:
            row = self._conn.execute("SELECT * FROM sessions WHERE uuid = ?", (session_uuid,)).fetchone()
        return SessionRecord.from_row(row) if row else None

    def sessions(self, limit: int | None = None) -> list[SessionRecord]:
        """Stored sessions, newest first."""
        sql = "SELECT * FROM sessions ORDER BY started_at DESC, rowid DESC"
        params: tuple[int, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (limit,)
        with self._lock:
            rows = self._conn.execute(sql, params).fetchall()
        return [SessionRecord.from_row(row) for row in rows]

    def officer_sessions(self, officer_code: str) -> list[SessionRecord]:
        """One officer's stored sessions on this station, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT * FROM sessions WHERE officer_code = ? ORDER BY started_at, rowid", (officer_code,)
            ).fetchall()
        return [SessionRecord.from_row(row) for row in rows]

    def events(self, session_uuid: str) -> list[SessionEvent]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT at, kind, detail, lsl_time FROM events WHERE session_uuid = ? ORDER BY id",
                (session_uuid,),
            ).fetchall()
        return [SessionEvent(r["at"], r["kind"], json.loads(r["detail"]), r["lsl_time"]) for r in rows]

    # -- resonance assessments (health data: kept on the station, never queued for sync) ---------

    def record_resonance(self, session_uuid: str, rate: float | None, details: dict[str, Any]) -> None:
        """Store the resonance assessment measured in a session, for that session's officer.

        ``rate`` is None when the assessment found no usable rate (kept as history, never used for
        pacing). A session has one result: a second call for it replaces the first.
        """
        low, high = RESONANCE_RANGE
        if rate is not None and not (isinstance(rate, int | float) and low <= rate <= high):
            raise StoreError(f"a resonance rate is {low:g} to {high:g} breaths/min, got {rate!r}")
        body = json.dumps(details, allow_nan=False)
        now = self._now()
        with self._transaction() as db:
            row = self._require_session(db, session_uuid)
            db.execute(
                "INSERT INTO resonance_results (officer_code, session_uuid, rate, measured_at, details) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(session_uuid) DO UPDATE SET rate = excluded.rate, "
                "measured_at = excluded.measured_at, details = excluded.details",
                (row["officer_code"], session_uuid, None if rate is None else float(rate), now, body),
            )

    def resonance_rate(self, officer_code: str) -> float | None:
        """The officer's current resonance rate: the latest result that found one (None if none)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT rate FROM resonance_results WHERE officer_code = ? AND rate IS NOT NULL "
                "ORDER BY id DESC LIMIT 1",
                (officer_code,),
            ).fetchone()
        return None if row is None else float(row["rate"])

    def resonance_history(self, officer_code: str) -> list[ResonanceResult]:
        """Every resonance assessment of the officer, oldest first (including those without a rate)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT * FROM resonance_results WHERE officer_code = ? ORDER BY id", (officer_code,)
            ).fetchall()
        return [_resonance_result(r) for r in rows]

    def resonance_result(self, session_uuid: str) -> ResonanceResult | None:
        """The resonance assessment measured in a session, if any."""
        with self._lock:
            row = self._conn.execute(
                "SELECT * FROM resonance_results WHERE session_uuid = ?", (session_uuid,)
            ).fetchone()
        return None if row is None else _resonance_result(row)

    # -- recordings retention -------------------------------------------------------------------

    def recordings_started_before(self, cutoff: datetime) -> list[SessionRecord]:
        """Finished sessions whose raw recording still exists and that started before ``cutoff``."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT * FROM sessions WHERE xdf_path IS NOT NULL AND recording_deleted_at IS NULL "
                "AND status != 'running' AND started_at < ?",
                (_iso(cutoff),),
            ).fetchall()
        return [SessionRecord.from_row(row) for row in rows]

    def mark_recording_deleted(self, session_uuid: str) -> None:
        now = self._now()
        with self._transaction() as db:
            self._require_session(db, session_uuid)
            db.execute(
                "UPDATE sessions SET recording_deleted_at = ?, updated_at = ? WHERE uuid = ?",
                (now, now, session_uuid),
            )

    # -- calibrations ---------------------------------------------------------------------------

    def add_calibration(
        self, technician: str, device: str, results: dict[str, Any], profile: DeviceProfileRow | None = None
    ) -> str:
        """Store a technician's calibration result and queue it for sync; returns its UUID. With
        ``profile`` (bridged device name, kind, calibration dict) the result is also applied to that
        device, in the same transaction (it replaces the device's earlier profile)."""
        cid = str(uuidlib.uuid4())
        now = self._now()
        body = json.dumps(results, allow_nan=False)
        with self._transaction() as db:
            db.execute(
                "INSERT INTO calibrations VALUES (?, ?, ?, ?, ?, ?)",
                (cid, self.station_id, technician, device, now, body),
            )
            if profile is not None:
                name, kind, calibration = profile
                db.execute(
                    "INSERT OR REPLACE INTO device_profiles VALUES (?, ?, ?, ?, ?)",
                    (name, kind, json.dumps(calibration, allow_nan=False), now, cid),
                )
            self._enqueue(db, cid, "calibration", wire_records.stored_calibration)
        return cid

    def device_profile(self, device: str) -> dict[str, Any] | None:
        """The calibration applied to the bridged device ``device`` (its [[devices]] name), or None."""
        with self._lock:
            row = self._conn.execute("SELECT * FROM device_profiles WHERE device = ?", (device,)).fetchone()
        return None if row is None else {**dict(row), "calibration": json.loads(row["calibration"])}

    def calibrations(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute("SELECT * FROM calibrations ORDER BY at").fetchall()
        return [{**dict(r), "results": json.loads(r["results"])} for r in rows]

    # -- sync outbox (drained by the sync client) -----------------------------------------------

    def pending(self, limit: int) -> list[OutboxItem]:
        """Up to ``limit`` unsent items: fewest failed attempts first, then oldest, so an item the
        server keeps refusing sinks behind fresh ones instead of blocking the queue."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, kind, payload, attempts FROM outbox WHERE sent_at IS NULL "
                "ORDER BY attempts, enqueued_at, rowid LIMIT ?",
                (limit,),
            ).fetchall()
        return [OutboxItem(r["id"], r["kind"], json.loads(r["payload"]), r["attempts"]) for r in rows]

    def mark_sent(self, ids: list[str]) -> None:
        """The admin server accepted these items."""
        now = self._now()
        with self._transaction() as db:
            db.executemany("UPDATE outbox SET sent_at = ? WHERE id = ?", [(now, i) for i in ids])

    def mark_failed(self, ids: list[str], error: str) -> None:
        """A send attempt failed: count it and keep the reason; the items stay pending."""
        with self._transaction() as db:
            db.executemany(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ? AND sent_at IS NULL",
                [(error, i) for i in ids],
            )

    def backlog(self) -> int:
        """Number of items not yet sent."""
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0])

    # -- internals ------------------------------------------------------------------------------

    def _require_session(self, db: sqlite3.Connection, session_uuid: str) -> sqlite3.Row:
        row = db.execute("SELECT * FROM sessions WHERE uuid = ?", (session_uuid,)).fetchone()
        if row is None:
            raise StoreError(f"no session {session_uuid}")
        return row

    @staticmethod
    def _insert_event(
        db: sqlite3.Connection, sid: str, at: str, kind: str, detail: dict[str, Any], lsl_time: float | None
    ) -> None:
        db.execute(
            "INSERT INTO events (session_uuid, at, lsl_time, kind, detail) VALUES (?, ?, ?, ?, ?)",
            (sid, at, lsl_time, kind, json.dumps(detail, allow_nan=False)),
        )

    def _enqueue_session(self, db: sqlite3.Connection, sid: str) -> None:
        self._enqueue(db, sid, "session", wire_records.stored_session)

    def _enqueue(
        self,
        db: sqlite3.Connection,
        item_id: str,
        kind: str,
        build: Callable[[sqlite3.Connection, str], BaseModel],
    ) -> None:
        """Queue (or re-queue with the newest content) one record under its UUID, in its wire form.
        A record the wire schema refuses raises :class:`SyncRecordRefused`: the caller's whole
        transaction is rolled back, so the store stays as it was before the call."""
        try:
            record = build(db, item_id)
        except ValueError as exc:
            reason = wire_records.refusal_reason(exc)
            raise SyncRecordRefused(f"{kind} {item_id} cannot be queued for sync: {reason}") from exc
        db.execute(
            "INSERT INTO outbox (id, kind, payload, attempts, enqueued_at) VALUES (?, ?, ?, 0, ?) "
            "ON CONFLICT(id) DO UPDATE SET payload = excluded.payload, sent_at = NULL, "
            "enqueued_at = excluded.enqueued_at",
            (item_id, kind, record.model_dump_json(), self._now()),
        )


def _resonance_result(row: sqlite3.Row) -> ResonanceResult:
    return ResonanceResult(
        officer_code=row["officer_code"],
        session_uuid=row["session_uuid"],
        rate=row["rate"],
        measured_at=row["measured_at"],
        details=json.loads(row["details"]),
    )
