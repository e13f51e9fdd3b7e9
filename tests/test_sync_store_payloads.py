"""The store's outbox payloads, translated, are valid wire_v1 uploads (real SQLite store)."""

from __future__ import annotations

from pathlib import Path

from station.store import SessionStatus, SessionStore
from station.sync.store_payloads import to_wire
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

    items = [to_wire(i) for i in store.pending(10)]
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
    item = to_wire(store.pending(10)[0])
    summary = wire_v1.SessionSummary.model_validate(item.payload)
    assert str(summary.uuid) == sid and summary.status == "incomplete"
    assert summary.data_quality.verdict == "red"  # nothing was summarised: not claimed good


def test_updated_at_reaches_the_wire_and_grows_with_post_ratings(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "station.db", station_id="st-1")
    sid = store.start_session(store.new_officer(), "quick-reset")
    store.finish_session(sid, SessionStatus.COMPLETED)
    first = wire_v1.SessionSummary.model_validate(to_wire(store.pending(10)[0]).payload)
    store.set_post_ratings(sid, stress=2, mood=5)
    second = wire_v1.SessionSummary.model_validate(to_wire(store.pending(10)[0]).payload)
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
