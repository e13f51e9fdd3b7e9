"""The sync client draining the station's real session store (station.store.SessionStore) into the
admin server: its records are queued in wire_v1 form, post-session ratings queued after the end
update the stored session, and a resend of the same content changes nothing."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from admin_web import db, db_migrations
from admin_web.app import create_app
from station.store import SessionStatus, SessionStore
from station.sync import SyncClient, SyncConfig
from tests.admin_support import approve


def test_store_sessions_and_calibrations_reach_the_server(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'admin.sqlite'}")
    db_migrations.migrate(engine)
    store = SessionStore(tmp_path / "station.sqlite", "room-7")
    officer = store.new_officer()
    sid = store.start_session(officer, "sunset-lake", pre_stress=7, pre_mood=2)
    store.record_phase_summary(sid, "baseline", {"hr": 78.0, "rmssd": 31.5})
    store.record_phase_summary(sid, "relax", {"hr": 70.5, "rmssd": 44.0})
    store.set_data_quality(
        sid, {"ECG": {"good_share": 0.97, "gaps": 0}, "EEG": {"good_share": 0.8, "gaps": 2}}
    )
    store.add_event(sid, "sensor_lost", {"stream": "EEG"})
    store.finish_session(sid, SessionStatus.COMPLETED)
    cal = store.add_calibration("张工", "eda-1", {"zero_uS": 0.02, "gain": 1.01})
    with TestClient(create_app(engine, retention=False)) as http:
        config = SyncConfig(
            station_id="room-7",
            station_name="七号",
            state_dir=tmp_path / "sync",
            admin_url="http://testserver",
            pairing_poll_s=0.01,
        )
        client = SyncClient(store, config, http=http)  # type: ignore[arg-type]
        client.step()
        approve(engine, "room-7")
        client.step()
        client.step()
        assert store.backlog() == 0, client.state.last_error
        with engine.connect() as conn:
            row = conn.execute(select(db.sessions)).one()
            calibration = conn.execute(select(db.calibrations)).one()
        assert (row.uuid, row.officer_code, row.status, row.stress_pre, row.stress_post) == (
            sid,
            officer,
            "completed",
            7,
            None,
        )
        assert [p["phase"] for p in row.phases] == ["baseline", "relax"]
        assert row.quality_verdict == "amber" and row.quality_usable == 0.8
        assert "sensor_lost" in [e["kind"] for e in row.events]
        assert (calibration.uuid, calibration.technician, calibration.sensor) == (cal, "张工", "eda-1")
        assert calibration._mapping["values"] == {"zero_uS": 0.02, "gain": 1.01}

        store.set_post_ratings(sid, stress=3, mood=4)  # re-queued under the same UUID
        assert store.backlog() == 1
        client.step()
        with engine.connect() as conn:
            rows = conn.execute(select(db.sessions)).all()
        assert len(rows) == 1 and (rows[0].stress_post, rows[0].mood_post) == (3, 4)
        client.close()
    engine.dispose()


def test_updates_replace_and_resends_change_nothing(tmp_path: Path) -> None:
    from admin_web import sample
    from tests.admin_support import pair

    engine = db.make_engine(f"sqlite:///{tmp_path / 'admin.sqlite'}")
    db_migrations.migrate(engine)
    with TestClient(create_app(engine, retention=False)) as http:
        headers = {"Authorization": f"Bearer {pair(http, engine, 'room-1')}"}
        first = sample.sessions("room-1", 1, seed=1)[0]
        first["updated_at"] = "2026-05-01T10:00:00+08:00"
        later = {
            **first,
            "updated_at": "2026-05-01T10:30:00+08:00",
            "ratings": {**first["ratings"], "stress_post": 1},
        }
        stale = {**first, "updated_at": "2026-05-01T09:00:00+08:00", "ratings": {"stress_pre": 9}}

        def send(session: dict) -> dict:
            return http.post("/api/v1/sessions", json={"sessions": [session]}, headers=headers).json()

        assert send(first)["accepted"] == [first["uuid"]]
        assert send(first)["duplicates"] == [first["uuid"]]
        assert send(later)["accepted"] == [first["uuid"]]
        assert send(later)["duplicates"] == [first["uuid"]]
        assert send(stale)["duplicates"] == [first["uuid"]]
        with engine.connect() as conn:
            stored = conn.execute(select(db.sessions)).one()
        assert stored.stress_post == 1 and stored.stress_pre == first["ratings"]["stress_pre"]
    engine.dispose()


def test_a_session_requeued_while_in_flight_is_sent_again(tmp_path: Path) -> None:
    """The post-session rating arrives while the finished session is being uploaded: the client must
    not mark the new content as sent."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'admin.sqlite'}")
    db_migrations.migrate(engine)
    store = SessionStore(tmp_path / "station.sqlite", "room-8")
    sid = store.start_session(store.new_officer(), "forest-breath", pre_stress=8)
    store.finish_session(sid, SessionStatus.COMPLETED)
    with TestClient(create_app(engine, retention=False)) as http:
        config = SyncConfig(
            station_id="room-8",
            station_name="八号",
            state_dir=tmp_path / "sync",
            admin_url="http://testserver",
            pairing_poll_s=0.01,
        )
        client = SyncClient(store, config, http=http)  # type: ignore[arg-type]
        client.step()
        approve(engine, "room-8")
        client.step()
        original_post = http.post

        def post_then_rate(*args, **kwargs):  # type: ignore[no-untyped-def]
            response = original_post(*args, **kwargs)
            if args[0].endswith("/sessions") and store.session(sid).post_stress is None:  # type: ignore[union-attr]
                store.set_post_ratings(sid, stress=2, mood=5)  # the kiosk, during the upload
            return response

        http.post = post_then_rate  # type: ignore[method-assign]
        client.step()
        assert store.backlog() == 1  # the re-queued content is still pending
        client.step()
        assert store.backlog() == 0
        with engine.connect() as conn:
            assert conn.execute(select(db.sessions.c.stress_post)).scalar_one() == 2
        client.close()
    engine.dispose()
