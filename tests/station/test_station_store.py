"""Session store on real SQLite files: schema, sessions, outbox contract, crash durability."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from station.store import SessionStatus, SessionStore, StoreError
from station.store.migrations import MIGRATIONS, schema_version
from station.store.officer_codes import InvalidOfficerCode

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    with SessionStore(tmp_path / "station.db", "st-1") as s:
        yield s


def test_new_database_is_wal_at_latest_schema(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    SessionStore(db, "st-1").close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert schema_version(conn) == len(MIGRATIONS)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"officers", "sessions", "events", "calibrations", "outbox", "schema_version"} <= tables


def test_reopening_does_not_migrate_twice_and_keeps_data(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with SessionStore(db, "st-1") as s:
        code = s.new_officer()
    with SessionStore(db, "st-1") as s:
        assert s.officer_count() == 1
        assert s.check_in(code) == code
    rows = sqlite3.connect(db).execute("SELECT version FROM schema_version").fetchall()
    assert [r[0] for r in rows] == list(range(1, len(MIGRATIONS) + 1))


def test_database_from_a_newer_program_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    SessionStore(db, "st-1").close()
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO schema_version VALUES (?, 'later')", (len(MIGRATIONS) + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(RuntimeError, match="newer than this program"):
        SessionStore(db, "st-1")


def test_session_lifecycle_and_outbox_payload(store: SessionStore) -> None:
    code = store.new_officer()
    sid = store.start_session(code, "sunset-hrv", pre_stress=7, pre_mood=2, xdf_path="/data/x.xdf")
    store.add_event(sid, "phase", {"name": "baseline"}, lsl_time=12.5)
    store.record_phase_summary(sid, "baseline", {"hr": 74.0, "rmssd": 31.0})
    store.record_phase_summary(sid, "session", {"hr": 68.5, "rmssd": 42.0})
    store.set_data_quality(sid, {"ECG": {"good_share": 0.97, "gaps": 0}})
    assert store.backlog() == 0  # nothing is synced while running
    store.finish_session(sid, SessionStatus.COMPLETED)
    store.set_post_ratings(sid, stress=3, mood=4)

    rec = store.session(sid)
    assert rec is not None
    assert rec.status is SessionStatus.COMPLETED and rec.ended_at is not None
    assert (rec.pre_stress, rec.pre_mood, rec.post_stress, rec.post_mood) == (7, 2, 3, 4)
    assert rec.phase_summaries == {
        "baseline": {"hr": 74.0, "rmssd": 31.0},
        "session": {"hr": 68.5, "rmssd": 42.0},
    }
    assert [e.kind for e in store.events(sid)] == ["session_start", "phase", "session_end"]

    items = store.pending(10)
    assert len(items) == 1 and store.backlog() == 1  # re-queued under the same key, not twice
    item = items[0]
    assert (item.id, item.kind, item.attempts) == (sid, "session", 0)
    assert item.payload["ratings"] == {"stress_pre": 7, "stress_post": 3, "mood_pre": 2, "mood_post": 4}
    assert item.payload["status"] == "completed"  # queued in its wire form (wire_v1.SessionSummary)
    assert item.payload["station_id"] == "st-1" and item.payload["officer_code"] == code
    assert [e["kind"] for e in item.payload["events"]] == ["session_start", "phase", "session_end"]


def test_outbox_failed_then_sent(store: SessionStore) -> None:
    code = store.new_officer()
    ids = []
    for _ in range(3):
        sid = store.start_session(code, "p")
        store.finish_session(sid, SessionStatus.ABORTED)
        ids.append(sid)
    cal = store.add_calibration("tech-1", "eda-1", {"zero_uS": 0.02, "gain": 1.01})
    assert store.backlog() == 4
    assert [i.id for i in store.pending(2)] == ids[:2]
    store.mark_failed(ids[:2], "connection refused")
    store.mark_failed(ids[:1], "timeout")
    attempts = {i.id: i.attempts for i in store.pending(10)}
    assert attempts == {ids[0]: 2, ids[1]: 1, ids[2]: 0, cal: 0}
    store.mark_sent([ids[0], cal])
    assert store.backlog() == 2
    assert {i.id for i in store.pending(10)} == {ids[1], ids[2]}
    cal_payload = store.calibrations()[0]
    assert cal_payload["results"] == {"zero_uS": 0.02, "gain": 1.01}
    store.mark_failed([ids[0]], "late failure")  # a sent item stays sent
    assert store.backlog() == 2


def test_bad_requests_are_refused_with_reason(store: SessionStore) -> None:
    with pytest.raises(StoreError, match="check in first"):
        store.start_session("AAAAAAA", "p")
    code = store.new_officer()
    with pytest.raises(StoreError, match="pre_stress must be an integer from 0 to 10"):
        store.start_session(code, "p", pre_stress=11)
    with pytest.raises(StoreError, match="pre_mood"):
        store.start_session(code, "p", pre_mood=0)
    sid = store.start_session(code, "p")
    with pytest.raises(StoreError, match="after the session has ended"):
        store.set_post_ratings(sid, 3, 3)
    with pytest.raises(StoreError, match="completed or aborted"):
        store.finish_session(sid, SessionStatus.INTERRUPTED)
    store.finish_session(sid, SessionStatus.COMPLETED)
    with pytest.raises(StoreError, match="already completed"):
        store.finish_session(sid, SessionStatus.ABORTED)
    with pytest.raises(StoreError, match="no session"):
        store.add_event("nope", "x")
    with pytest.raises(InvalidOfficerCode):
        store.check_in("0000000")
    assert store.sessions()[0].status is SessionStatus.COMPLETED  # nothing was lost


def test_retention_query(tmp_path: Path) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    with SessionStore(tmp_path / "s.db", "st", clock=lambda: now[0]) as s:
        code = s.new_officer()
        old = s.start_session(code, "p", xdf_path=tmp_path / "old.xdf")
        s.finish_session(old, SessionStatus.COMPLETED)
        now[0] += timedelta(days=40)
        new = s.start_session(code, "p", xdf_path=tmp_path / "new.xdf")
        s.finish_session(new, SessionStatus.COMPLETED)
        cutoff = now[0] - timedelta(days=30)
        assert [r.uuid for r in s.recordings_started_before(cutoff)] == [old]
        s.mark_recording_deleted(old)
        assert s.recordings_started_before(cutoff) == []
        assert s.session(old).phase_summaries == {}  # the summary row itself is kept


_CRASHER = textwrap.dedent(
    """
    import sys, time
    from station.store import SessionStore
    s = SessionStore(sys.argv[1], "st-crash")
    code = s.new_officer()
    sid = s.start_session(code, "lake-alpha", pre_stress=6, pre_mood=3)
    s.add_event(sid, "phase", {"name": "baseline"})
    s.record_phase_summary(sid, "baseline", {"hr": 77.0})
    s.add_event(sid, "phase", {"name": "session"})
    print(sid, flush=True)
    time.sleep(600)
    """
)


def test_kill_9_mid_session_then_restart_marks_interrupted(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", _CRASHER, str(db)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        sid = proc.stdout.readline().strip()
        assert sid, "the session process did not start"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    with SessionStore(db, "st-crash") as s:
        assert s.session(sid).status is SessionStatus.RUNNING  # as the dead process left it
        assert s.interrupt_running() == [sid]
        rec = s.session(sid)
        assert rec.status is SessionStatus.INTERRUPTED
        assert rec.ended_at is not None and rec.ended_at >= rec.started_at
        assert rec.phase_summaries == {"baseline": {"hr": 77.0}}
        assert rec.pre_stress == 6
        assert [e.kind for e in s.events(sid)] == ["session_start", "phase", "phase", "interrupted"]
        [item] = s.pending(5)
        assert item.id == sid and item.payload["status"] == "incomplete"  # interrupted, on the wire
        assert s.interrupt_running() == []  # idempotent at the next start
