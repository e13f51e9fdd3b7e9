"""Issue 16, item 4: concurrent revisions of one session UUID against ``oasis admin serve`` (a real
uvicorn process) on SQLite and PostgreSQL; the dashboard rollups must equal a recount from the
sessions afterwards, and the newest revision must win. Item 9: an ``updated_at`` beyond the allowed
clock skew is refused, so a later correction is never locked out."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from admin_web import db, db_migrations, sample, stats
from admin_web.api import MAX_CLOCK_SKEW
from tests.admin_support import ServerProcess, pair

REVISIONS = 30


@pytest.fixture
def server(db_url: str) -> Iterator[tuple[ServerProcess, object]]:
    engine = db.make_engine(db_url)
    db_migrations.migrate(engine)
    proc = ServerProcess(db_url).start()
    yield proc, engine
    proc.stop()
    engine.dispose()


def revision(base: dict, i: int) -> dict:  # type: ignore[type-arg]
    """The i-th revision of a session: a later updated_at, another post-session rating and status."""
    started = datetime.fromisoformat(base["started_at"])
    return {
        **base,
        "updated_at": (started + timedelta(hours=1, seconds=i)).isoformat(),
        "status": ("completed", "aborted", "incomplete")[i % 3],
        "ratings": {**base["ratings"], "stress_post": i % 11},
        "ended_at": (started + timedelta(minutes=5 + i)).isoformat(),
    }


def test_concurrent_revisions_of_one_session_keep_the_rollups_exact(server) -> None:  # type: ignore[no-untyped-def]
    proc, engine = server
    with httpx.Client(base_url=proc.url, timeout=60) as client:
        token = pair(client, engine, "room-1")
    sessions = sample.sessions("room-1", 3, seed=5)
    start = threading.Barrier(REVISIONS)

    def send(i: int) -> int:
        body = {"sessions": [revision(sessions[0], i), *sessions[1:]]}
        with httpx.Client(base_url=proc.url, timeout=120) as client:
            start.wait()
            return client.post(
                "/api/v1/sessions", json=body, headers={"Authorization": f"Bearer {token}"}
            ).status_code

    with ThreadPoolExecutor(REVISIONS) as pool:
        codes = list(pool.map(send, range(REVISIONS)))
    assert codes == [200] * REVISIONS
    days = sorted(date.fromisoformat(r["started_at"][:10]) for r in sessions)
    with engine.connect() as conn:
        args = (conn, days[0], days[-1], 1)
        from_rollups, recount = stats.dashboard(*args), stats.dashboard(*args, use_rollups=False)
        stored = conn.execute(select(db.sessions).where(db.sessions.c.uuid == sessions[0]["uuid"])).one()
    assert from_rollups == recount
    assert recount.sessions == 3 and min(recount.stress_change.values(), default=0) >= 0
    last = revision(sessions[0], REVISIONS - 1)
    assert stored.stress_post == last["ratings"]["stress_post"] and stored.status == last["status"]


def test_an_updated_at_beyond_the_clock_skew_is_refused_and_corrections_still_land(server) -> None:  # type: ignore[no-untyped-def]
    proc, engine = server
    with httpx.Client(base_url=proc.url, timeout=60) as client:
        token = pair(client, engine, "room-1")
        auth = {"Authorization": f"Bearer {token}"}
        base = sample.sessions("room-1", 1, seed=6)[0]
        far = client.post(
            "/api/v1/sessions",
            json={"sessions": [{**base, "updated_at": "2099-01-01T00:00:00+00:00"}]},
            headers=auth,
        )
        assert far.status_code == 422 and "updated_at" in far.text and base["uuid"] in far.text
        with engine.connect() as conn:
            assert db.session_count(conn) == 0
        soon = datetime.now().astimezone() + MAX_CLOCK_SKEW / 2  # within the skew: accepted
        first = {**base, "updated_at": soon.isoformat()}
        assert client.post("/api/v1/sessions", json={"sessions": [first]}, headers=auth).json()[
            "accepted"
        ] == [base["uuid"]]
        fixed = {
            **first,
            "updated_at": (soon + timedelta(seconds=1)).isoformat(),
            "ratings": {**base["ratings"], "stress_post": 0},
        }
        assert client.post("/api/v1/sessions", json={"sessions": [fixed]}, headers=auth).json()[
            "accepted"
        ] == [base["uuid"]]
    with engine.connect() as conn:
        assert conn.execute(select(db.sessions.c.stress_post)).scalar_one() == 0
