"""The store queues each record in its wire_v1 form, validated at enqueue (real SQLite store): valid
uploads as they are, a record the schema refuses is refused with the reason, and a database whose
outbox still holds the former station payloads is migrated."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from station.store import SessionStatus, SessionStore, SyncRecordRefused
from station.store.migrations import MIGRATIONS
from wire import v1 as wire_v1


def test_session_and_calibration_payloads_validate(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "station.db", station_id="st-1")
    code = store.new_officer()
    sid = store.start_session(code, "quick-reset", pre_stress=7, pre_mood=2)
    store.add_event(sid, "phase", {"phase": "baseline"}, lsl_time=12.5)
    store.record_phase_summary(sid, "baseline", {"hr": 72.0, "rmssd": 35.5, "duration_s": 60.0})
    store.set_data_quality(sid, {"verdict": "good", "usable_fraction": 0.97, "notes": "ECG gap 1.2 s"})
    store.finish_session(sid, SessionStatus.COMPLETED)
    store.set_post_ratings(sid, stress=3, mood=4)
    store.add_calibration("tech1", "eda", {"sensor": "eda", "zero_uS": 0.01, "passed": True})

    items = store.pending(10)
    batch = wire_v1.UploadBatch.model_validate(
        {
            "sessions": [i.payload for i in items if i.kind == "session"],
            "calibrations": [i.payload for i in items if i.kind == "calibration"],
        }
    )
    session = batch.sessions[0]
    assert str(session.uuid) == sid and session.status == "completed"
    assert (session.ratings.stress_pre, session.ratings.stress_post) == (7, 3)
    assert session.phases[0].phase == "baseline" and session.phases[0].duration_s == 60.0
    assert session.phases[0].metrics == {"hr": 72.0, "rmssd": 35.5}
    assert session.data_quality.verdict == "green"
    assert [e.kind for e in session.events][:2] == ["session_start", "phase"]
    assert batch.calibrations[0].result == "pass" and batch.calibrations[0].values == {"zero_uS": 0.01}


def test_interrupted_session_is_incomplete_on_the_wire(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "station.db", station_id="st-1")
    sid = store.start_session(store.new_officer(), "alpha-relax")
    store.interrupt_running()
    item = store.pending(10)[0]
    summary = wire_v1.SessionSummary.model_validate(item.payload)
    assert str(summary.uuid) == sid and summary.status == "incomplete"
    assert summary.data_quality.verdict == "red"  # nothing was summarised: not claimed good


def test_updated_at_reaches_the_wire_and_grows_with_post_ratings(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "station.db", station_id="st-1")
    sid = store.start_session(store.new_officer(), "quick-reset")
    store.finish_session(sid, SessionStatus.COMPLETED)
    first = wire_v1.SessionSummary.model_validate(store.pending(10)[0].payload)
    store.set_post_ratings(sid, stress=2, mood=5)
    second = wire_v1.SessionSummary.model_validate(store.pending(10)[0].payload)
    assert first.updated_at is not None and second.updated_at >= first.updated_at
    assert second.ratings.stress_post == 2


def test_an_item_that_keeps_failing_sinks_behind_fresh_ones(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "station.db", station_id="st-1")
    code = store.new_officer()
    stuck = store.start_session(code, "quick-reset")
    store.finish_session(stuck, SessionStatus.COMPLETED)
    fresh = store.start_session(code, "alpha-relax")
    store.finish_session(fresh, SessionStatus.COMPLETED)
    assert [i.id for i in store.pending(1)] == [stuck]
    store.mark_failed([stuck], "HTTP 422")
    assert [i.id for i in store.pending(1)] == [fresh]


def test_a_record_the_wire_refuses_is_refused_at_enqueue_and_nothing_is_lost(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "station.db", station_id="房间 1")  # not a wire identifier
    sid = store.start_session(store.new_officer(), "quick-reset", pre_stress=6)
    store.record_phase_summary(sid, "baseline", {"hr": 70.0})
    with pytest.raises(SyncRecordRefused, match=f"session {sid} cannot be queued for sync: station_id"):
        store.finish_session(sid, SessionStatus.COMPLETED)
    kept = store.session(sid)
    assert kept is not None and kept.status is SessionStatus.RUNNING and kept.pre_stress == 6
    assert kept.phase_summaries == {"baseline": {"hr": 70.0}}
    assert [e.kind for e in store.events(sid)] == ["session_start"] and store.backlog() == 0
    with pytest.raises(SyncRecordRefused, match=r"calibration .* station_id"):
        store.add_calibration("tech1", "eda", {"sensor": "eda", "passed": True})
    assert store.calibrations() == [] and store.backlog() == 0


def _version_3_database(path: Path) -> None:
    """A station database as migrations 1-3 left it, with two unsent items in the former payload."""
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[:3]:
        assert isinstance(migration, list)
        for statement in migration:
            conn.execute(statement)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TEXT)")
    conn.executemany("INSERT INTO schema_version VALUES (?, 'then')", [(1,), (2,), (3,)])
    conn.execute("INSERT INTO officers VALUES ('ABCDEFG', '2026-01-05T08:00:00.000+00:00')")
    good, bad = "6f1c9a52-8d0e-4c3b-9a51-2f7d1e0b4c11", "not-a-uuid"
    for uuid in (good, bad):
        conn.execute(
            "INSERT INTO sessions (uuid, station_id, officer_code, program, started_at, ended_at, status, "
            "pre_stress, phase_summaries, data_quality, updated_at) VALUES (?, 'st-1', 'ABCDEFG', "
            "'quick-reset', '2026-01-05T08:00:00.000+00:00', '2026-01-05T08:10:00.000+00:00', 'completed', "
            "5, '{\"relax\": {\"hr\": 66.0, \"duration_s\": 300}}', '{}', '2026-01-05T08:10:00.000+00:00')",
            (uuid,),
        )
        conn.execute(
            "INSERT INTO events (session_uuid, at, kind, detail) VALUES (?, '2026-01-05T08:05:00.000+00:00', "
            '\'pacer\', \'{"cue": "inhale", "rate": 5.5}\')',
            (uuid,),
        )
        payload = {"schema": "oasis.station.v1", "uuid": uuid, "station_id": "st-1", "status": "completed"}
        conn.execute(
            "INSERT INTO outbox (id, kind, payload, enqueued_at) VALUES (?, 'session', ?, 'then')",
            (uuid, json.dumps(payload)),
        )
    conn.commit()
    conn.close()


def test_migration_4_rebuilds_pending_items_in_wire_form(tmp_path: Path) -> None:
    _version_3_database(tmp_path / "old.db")
    with SessionStore(tmp_path / "old.db", "st-1") as store:
        assert store.schema_version == len(MIGRATIONS)
        items = {i.id: i for i in store.pending(10)}
    summary = wire_v1.SessionSummary.model_validate(items["6f1c9a52-8d0e-4c3b-9a51-2f7d1e0b4c11"].payload)
    assert summary.status == "completed" and summary.ratings.stress_pre == 5
    assert summary.phases[0].phase == "relax" and summary.phases[0].duration_s == 300.0
    assert [(e.t_s, e.kind, e.detail) for e in summary.events] == [(300.0, "pacer", '{"cue": "inhale"}')]
    kept = items["not-a-uuid"]  # refused by the schema: its payload stays, with the reason
    assert kept.payload["schema"] == "oasis.station.v1"
    error = (
        sqlite3.connect(tmp_path / "old.db")
        .execute("SELECT last_error FROM outbox WHERE id = 'not-a-uuid'")
        .fetchone()[0]
    )
    assert error.startswith("invalid session: uuid")


def test_the_sensor_loss_flag_and_usable_minutes_go_on_the_wire(tmp_path: Path) -> None:
    """The stored data quality's ``flagged`` and ``usable_feedback_min`` reach the queued record;
    a session stored before them (or with a value the wire cannot take) sends them as absent."""
    from station.store.wire_records import data_quality

    flagged = data_quality(
        {"verdict": "amber", "usable_fraction": 0.78, "flagged": True, "usable_feedback_min": 0.33}
    )
    assert (flagged.flagged, flagged.usable_feedback_min, flagged.verdict) == (True, 0.33, "amber")
    older = data_quality({"verdict": "good", "usable_fraction": 0.9})
    assert older.flagged is None and older.usable_feedback_min is None
    odd = data_quality(
        {"verdict": "good", "usable_fraction": 1, "flagged": 1, "usable_feedback_min": float("nan")}
    )
    assert odd.flagged is None and odd.usable_feedback_min is None
    assert (
        data_quality(
            {"verdict": "good", "usable_fraction": 1, "usable_feedback_min": 1e9}
        ).usable_feedback_min
        == 1440
    )
    with SessionStore(tmp_path / "s.db", "room-1") as store:
        uuid = store.start_session(store.new_officer(), "calm")
        store.set_data_quality(
            uuid, {"verdict": "amber", "usable_fraction": 0.7, "flagged": True, "usable_feedback_min": 2.5}
        )
        store.finish_session(uuid, SessionStatus.COMPLETED)
        [record] = [r for r in store.pending(10) if r.kind == "session"]
    quality = wire_v1.SessionSummary.model_validate(record.payload).data_quality
    assert quality.flagged is True and quality.usable_feedback_min == 2.5
