"""Station API on SQLite and PostgreSQL: pairing, idempotent upload, limits, tokens, heartbeat,
migrations and the dashboard aggregates (k-anonymity)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select, text, update

from admin_web import db, db_migrations, rollup, sample, stats
from admin_web.api import session_row, store_sessions
from admin_web.app import create_app
from admin_web.data_retention import apply_retention
from admin_web.security import sha256_hex, utcnow
from tests.admin_support import approve, pair
from wire import v1 as wire_v1


@pytest.fixture
def app_client(db_url: str) -> Iterator[tuple[TestClient, object]]:
    engine = db.make_engine(db_url)
    db_migrations.migrate(engine)
    with TestClient(create_app(engine, retention=False)) as client:
        yield client, engine
    engine.dispose()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_migrations_are_idempotent(db_url: str) -> None:
    engine = db.make_engine(db_url)
    assert db_migrations.migrate(engine) == len(db_migrations.MIGRATIONS)
    assert db_migrations.migrate(engine) == len(db_migrations.MIGRATIONS)
    with engine.connect() as conn:
        assert db.get_settings(conn)["k_anonymity"] == "5"
    engine.dispose()


def test_pairing_gives_the_token_once_and_stores_only_its_hash(app_client) -> None:  # type: ignore[no-untyped-def]
    client, engine = app_client
    body = {"station_id": "room-1", "name": "一号室", "software_version": "0.1.0", "claim": "c" * 40}
    first = client.post("/api/v1/pair", json=body).json()
    assert first == {"status": "pending", "pairing_code": wire_v1.pairing_code("c" * 40), "token": None}
    approve(engine, "room-1")
    wrong_claim = client.post("/api/v1/pair", json={**body, "claim": "d" * 40})
    assert wrong_claim.status_code == 409
    answer = client.post("/api/v1/pair", json=body).json()
    assert answer["status"] == "approved" and len(answer["token"]) >= 40
    assert client.post("/api/v1/pair", json=body).status_code == 409  # never given twice
    with engine.connect() as conn:
        row = conn.execute(select(db.stations).where(db.stations.c.id == "room-1")).one()
    assert row.token_hash == sha256_hex(answer["token"]) and answer["token"] not in json.dumps(
        row._asdict(), default=str
    )


def test_upload_is_idempotent_under_retries(app_client) -> None:  # type: ignore[no-untyped-def]
    client, engine = app_client
    token = pair(client, engine, "room-1")
    rows = sample.sessions("room-1", 30, seed=1)
    cal = sample.calibration("room-1", random.Random(1), sample.datetime.now(sample.CHINA))
    first = client.post(
        "/api/v1/sessions", json={"sessions": rows[:20], "calibrations": [cal]}, headers=_auth(token)
    )
    assert first.status_code == 200 and len(first.json()["accepted"]) == 21
    for _ in range(3):  # the same batch again, and an overlapping one
        again = client.post(
            "/api/v1/sessions", json={"sessions": rows[:20], "calibrations": [cal]}, headers=_auth(token)
        ).json()
        assert again["accepted"] == [] and len(again["duplicates"]) == 21
    overlap = client.post("/api/v1/sessions", json={"sessions": rows[10:]}, headers=_auth(token)).json()
    assert len(overlap["accepted"]) == 10 and len(overlap["duplicates"]) == 10
    doubled = client.post(
        "/api/v1/sessions", json={"sessions": [rows[0], rows[0]]}, headers=_auth(token)
    ).json()
    assert doubled["duplicates"] == [rows[0]["uuid"]]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.sessions)).scalar_one() == 30
        assert conn.execute(select(func.count()).select_from(db.calibrations)).scalar_one() == 1
        stored = conn.execute(select(db.sessions).where(db.sessions.c.uuid == rows[0]["uuid"])).one()
        last_sync = conn.execute(select(db.stations.c.last_sync_at)).scalar_one()
    assert stored.officer_code == rows[0]["officer_code"] and stored.local_hour == int(
        rows[0]["started_at"][11:13]
    )
    assert last_sync is not None


@pytest.mark.parametrize(
    ("mutate", "why"),
    [
        (lambda s: s.update(uuid="not-a-uuid"), "uuid"),
        (lambda s: s["ratings"].update(stress_pre=11), "rating above 10"),
        (lambda s: s.update(started_at="2026-01-01T10:00:00"), "no UTC offset"),
        (lambda s: s.update(started_at="9999-12-31T23:59:59-12:00"), "implausible year"),
        (lambda s: s.update(officer_code="张三"), "officer code must be pseudonymous ASCII"),
        (lambda s: s.update(extra_field=1), "unknown field"),
        (lambda s: s["events"].append({"t_s": 1, "kind": "x", "detail": "a\x00b"}), "NUL in text"),
        (lambda s: s["phases"][0]["metrics"].update(hr_bpm=float("nan")), "NaN"),
        (lambda s: s.update(status="exploded"), "status"),
    ],
)
def test_schema_violations_are_422_and_store_nothing(app_client, mutate, why: str) -> None:  # type: ignore[no-untyped-def]
    client, engine = app_client
    token = pair(client, engine, "room-1")
    good, bad = sample.sessions("room-1", 2, seed=2)
    mutate(bad)
    response = client.post(
        "/api/v1/sessions",
        content=json.dumps({"sessions": [good, bad]}, allow_nan=True),
        headers={**_auth(token), "content-type": "application/json"},
    )
    assert response.status_code == 422, why
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.sessions)).scalar_one() == 0


def test_malformed_and_oversized_bodies_are_4xx(app_client) -> None:  # type: ignore[no-untyped-def]
    client, engine = app_client
    token = pair(client, engine, "room-1")
    headers = {**_auth(token), "content-type": "application/json"}
    assert client.post("/api/v1/sessions", content=b"{not json", headers=headers).status_code == 422
    assert client.post("/api/v1/sessions", content=b"\xff\xfe", headers=headers).status_code == 422
    assert client.post("/api/v1/sessions", json=[1, 2], headers=_auth(token)).status_code == 422
    too_many = {"sessions": sample.sessions("room-1", wire_v1.MAX_BATCH_ITEMS + 1, seed=3)}
    assert client.post("/api/v1/sessions", json=too_many, headers=_auth(token)).status_code == 422
    huge = b'{"sessions": [], "pad": "' + b"x" * (wire_v1.MAX_BODY_BYTES + 10) + b'"}'
    assert client.post("/api/v1/sessions", content=huge, headers=headers).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
        yield b'{"sessions": [], "pad": "'
        for _ in range(9):
            yield b"y" * (1024 * 1024)
        yield b'"}'

    assert client.post("/api/v1/sessions", content=chunks(), headers=headers).status_code == 413


def test_tokens_wrong_revoked_and_foreign_writes(app_client) -> None:  # type: ignore[no-untyped-def]
    client, engine = app_client
    token_a = pair(client, engine, "room-a")
    token_b = pair(client, engine, "room-b")
    rows_b = sample.sessions("room-b", 3, seed=4)
    assert client.post("/api/v1/sessions", json={"sessions": rows_b}).status_code == 401
    assert (
        client.post("/api/v1/sessions", json={"sessions": rows_b}, headers=_auth("forged")).status_code == 401
    )
    foreign = client.post("/api/v1/sessions", json={"sessions": rows_b}, headers=_auth(token_a))
    assert foreign.status_code == 403
    beat = {"station_id": "room-b", "state": "idle", "software_version": "0.1.0", "free_disk_bytes": 1}
    assert client.post("/api/v1/heartbeat", json=beat, headers=_auth(token_a)).status_code == 403
    assert (
        client.post("/api/v1/sessions", json={"sessions": rows_b}, headers=_auth(token_b)).status_code == 200
    )
    with engine.begin() as conn:  # what the Revoke button does
        conn.execute(
            update(db.stations).where(db.stations.c.id == "room-b").values(status="revoked", token_hash=None)
        )
    assert client.post("/api/v1/heartbeat", json=beat, headers=_auth(token_b)).status_code == 401
    with engine.connect() as conn:
        counts = dict(
            conn.execute(
                select(db.sessions.c.station_id, func.count()).group_by(db.sessions.c.station_id)
            ).all()
        )
    assert counts == {"room-b": 3}
    # a token reads nothing: pages and exports do not accept it
    for path in ("/dashboard", "/sessions", "/stations", "/export/sessions.csv"):
        response = client.get(path, headers=_auth(token_a), follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login"


def test_heartbeat_updates_station_health(app_client) -> None:  # type: ignore[no-untyped-def]
    client, engine = app_client
    token = pair(client, engine, "room-1")
    beat = {
        "station_id": "room-1",
        "state": "session",
        "software_version": "0.2.0",
        "free_disk_bytes": 5 * 10**9,
        "backlog": 7,
        "sensors": [{"sensor": "ECG", "level": "amber", "reason": "50 Hz noise"}],
    }
    response = client.post("/api/v1/heartbeat", json=beat, headers=_auth(token))
    assert response.status_code == 200
    with engine.connect() as conn:
        row = conn.execute(select(db.stations).where(db.stations.c.id == "room-1")).one()
    assert (row.state, row.software_version, row.backlog) == ("session", "0.2.0", 7)
    assert row.sensors == [{"sensor": "ECG", "level": "amber", "reason": "50 Hz noise"}]


def test_dashboard_aggregates_and_k_anonymity(db_url: str) -> None:
    engine = db.make_engine(db_url)
    db_migrations.migrate(engine)
    end = date(2026, 6, 30)
    rows = sample.sessions("room-1", 300, seed=5, end=end, days=10) + sample.sessions(
        "room-2", 100, seed=6, end=end, days=10
    )
    with TestClient(create_app(engine, retention=False)) as client:
        token1, token2 = pair(client, engine, "room-1"), pair(client, engine, "room-2")
        client.post("/api/v1/sessions", json={"sessions": rows[:300]}, headers=_auth(token1))
        client.post("/api/v1/sessions", json={"sessions": rows[300:]}, headers=_auth(token2))
    with engine.connect() as conn:
        board = stats.dashboard(conn, end - timedelta(days=9), end, k=5)
        few = stats.dashboard(conn, end - timedelta(days=9), end, k=1000)
    assert board.sessions == 400 and not board.hidden
    assert board.per_station == pytest.approx({"room-1": 30.0, "room-2": 10.0})
    assert sum(v for _, v in board.per_day) * 2 == pytest.approx(400)
    assert sum(map(sum, board.heatmap)) == 400
    completed = sum(r["status"] == "completed" for r in rows)
    assert board.completion_rate == pytest.approx(completed / 400)
    durations = sorted(
        (
            sample.datetime.fromisoformat(r["ended_at"]) - sample.datetime.fromisoformat(r["started_at"])
        ).total_seconds()
        for r in rows
    )
    assert board.median_duration_s == pytest.approx((durations[199] + durations[200]) / 2, abs=1e-3)
    assert board.mean_duration_s == pytest.approx(sum(durations) / 400, rel=1e-6)
    changes = [
        r["ratings"]["stress_post"] - r["ratings"]["stress_pre"]
        for r in rows
        if r["ratings"]["stress_post"] is not None
    ]
    assert board.stress_change == {c: changes.count(c) for c in set(changes)}
    assert few.hidden and few.per_station == {} and few.stress_change == {}
    engine.dispose()


def test_migrations_upgrade_a_version_1_database(db_url: str) -> None:
    engine = db.make_engine(db_url)
    db_migrations.migrate(engine)
    with engine.begin() as conn:  # back to the version-1 shape: no revision columns
        for column in ("updated_at", "content_hash"):
            conn.execute(text(f"ALTER TABLE sessions DROP COLUMN {column}"))
        conn.execute(update(db.schema_version).values(version=1))
    assert db_migrations.migrate(engine) == len(db_migrations.MIGRATIONS)
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("sessions")}
    assert {"updated_at", "content_hash"} <= columns
    engine.dispose()


def test_dashboard_cache_follows_the_data(app_client) -> None:  # type: ignore[no-untyped-def]
    client, engine = app_client
    token = pair(client, engine, "room-1")
    end = date(2026, 6, 30)
    rows = sample.sessions("room-1", 60, seed=8, end=end, days=5)
    client.post("/api/v1/sessions", json={"sessions": rows[:40]}, headers=_auth(token))
    cache = stats.DashboardCache()
    with engine.connect() as conn:
        first = cache.get(conn, end - timedelta(days=4), end, 5, None)
        assert cache.get(conn, end - timedelta(days=4), end, 5, None) is first and first.sessions == 40
    client.post("/api/v1/sessions", json={"sessions": rows[40:]}, headers=_auth(token))
    with engine.connect() as conn:
        assert cache.get(conn, end - timedelta(days=4), end, 5, None).sessions == 60
    with engine.begin() as conn:  # deleting rows (as retention does, rollups too) changes the version
        gone = conn.execute(select(db.sessions).where(db.sessions.c.uuid == rows[0]["uuid"])).all()
        conn.execute(db.sessions.delete().where(db.sessions.c.uuid == rows[0]["uuid"]))
        rollup.change(conn, removed=gone)
    with engine.connect() as conn:
        assert cache.get(conn, end - timedelta(days=4), end, 5, None).sessions == 59


def test_rollups_stay_in_step_with_sessions(app_client) -> None:  # type: ignore[no-untyped-def]
    """Uploads, resends, replacements (ratings after the end, a changed status) and retention: the
    dashboard from the rollups equals the one computed from the sessions themselves."""
    client, engine = app_client
    token = pair(client, engine, "room-1")
    token2 = pair(client, engine, "room-2")
    end = date(2026, 6, 30)
    rows = sample.sessions("room-1", 150, seed=11, end=end, days=20)
    other = sample.sessions("room-2", 60, seed=12, end=end, days=20)
    client.post("/api/v1/sessions", json={"sessions": rows[:100]}, headers=_auth(token))
    client.post("/api/v1/sessions", json={"sessions": rows[50:]}, headers=_auth(token))  # half resent
    client.post("/api/v1/sessions", json={"sessions": other}, headers=_auth(token2))
    changed = [
        {
            **r,
            "status": "completed",
            "ratings": {**r["ratings"], "stress_post": 0},
            "data_quality": {**r["data_quality"], "flagged": i % 3 == 0},
        }
        for i, r in enumerate(rows[:30])
    ]
    client.post("/api/v1/sessions", json={"sessions": changed}, headers=_auth(token))

    def both() -> tuple[stats.Dashboard, stats.Dashboard]:
        with engine.connect() as conn:
            args = (conn, end - timedelta(days=25), end, 5)
            for date_from, whole_weeks in (
                (end - timedelta(days=25), True),
                (end - timedelta(days=16), False),
            ):
                week_args = (conn, date_from, end - timedelta(days=2), 5)  # Sunday .. Sunday, mid-week ends
                fast = stats.dashboard(*week_args, whole_weeks=whole_weeks)
                assert fast == stats.dashboard(*week_args, use_rollups=False, whole_weeks=whole_weeks)
            return stats.dashboard(*args), stats.dashboard(*args, use_rollups=False)

    fast, slow = both()
    assert fast == slow and fast.sessions == 210 and fast.stress_change[-5] >= 1 and fast.sensor_losses == 10
    keep_days = (utcnow().date() - (end - timedelta(days=10))).days  # a cutoff inside the range
    with engine.begin() as conn:
        conn.execute(
            update(db.settings).where(db.settings.c.key == "retention_days").values(value=str(keep_days))
        )
        assert apply_retention(conn)[0] > 0
    fast, slow = both()
    assert fast == slow and 0 < fast.sessions < 210
    with engine.begin() as conn:
        rollup.rebuild(conn)
    assert both()[0] == slow


def test_migration_5_dates_the_pending_pairing_requests_of_an_older_database(db_url: str) -> None:
    engine = db.make_engine(db_url)
    db_migrations.migrate(engine)
    with engine.begin() as conn:  # back to the version-4 shape: no request time
        conn.execute(text("ALTER TABLE stations DROP COLUMN requested_at"))
        conn.execute(
            text(
                "INSERT INTO stations (id, name, status, token_issued, first_seen_at) "
                "VALUES ('room-p', 'p', 'pending', false, '2026-01-01 00:00:00'), "
                "('room-a', 'a', 'approved', false, '2026-01-01 00:00:00')"
            )
        )
        conn.execute(update(db.schema_version).values(version=4))
    assert db_migrations.migrate(engine) == len(db_migrations.MIGRATIONS)
    with engine.connect() as conn:
        dated = dict(conn.execute(select(db.stations.c.id, db.stations.c.requested_at)).all())
    assert dated["room-p"] is not None and dated["room-a"] is None
    engine.dispose()


def test_migration_11_moves_shared_state_to_the_database_and_refills_the_rollups(db_url: str) -> None:
    """A version-10 database (no rate limits table, day rollups without the flagged count, no
    week rollups) upgrades; the refilled rollups give the dashboard the sessions give."""
    engine = db.make_engine(db_url)
    db_migrations.migrate(engine)
    end = date(2026, 6, 30)
    rows = sample.sessions("room-1", 80, seed=21, end=end, days=14)
    for r in rows[:10]:
        r["data_quality"]["flagged"] = True
    with engine.begin() as conn:
        store_sessions(conn, [session_row(wire_v1.SessionSummary.model_validate(r), utcnow()) for r in rows])
        for table in (db.rate_limits, db.discovered_stations, *db.ROLLUPS[4:]):
            conn.execute(text(f"DROP TABLE {table.name}"))
        conn.execute(text("DROP INDEX ix_rollup_day_date"))
        conn.execute(text("ALTER TABLE rollup_day DROP COLUMN flagged"))
        conn.execute(update(db.schema_version).values(version=10))
    assert db_migrations.migrate(engine) == len(db_migrations.MIGRATIONS)
    with engine.connect() as conn:
        args = (conn, end - timedelta(days=13), end, 3)
        fast = stats.dashboard(*args, whole_weeks=True)
        assert fast == stats.dashboard(*args, use_rollups=False, whole_weeks=True)
        assert fast.sessions == 80 and fast.sensor_losses == 10
        assert conn.execute(select(func.count()).select_from(db.rate_limits)).scalar_one() == 0
    engine.dispose()
