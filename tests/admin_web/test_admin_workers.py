"""Issue 17, scale out: the admin as several worker processes on one PostgreSQL database, sharing
nothing in memory. Real ``oasis admin serve`` processes on a real PostgreSQL server: a login made
through one is valid on another, failed logins count across them, concurrent uploads of the same
sessions to different workers never double-count the rollups, and ``--workers 2`` serves from two
worker processes that go away with the server."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select

from admin_web import db, db_migrations, rollup, sample, stats
from admin_web.app import LOGIN_FAILURES
from admin_web.page_access import SESSION_COOKIE
from admin_web.security import create_user
from tests.admin_support import ServerProcess, fresh_database, pair, wait_until

PASSWORD = "quiet-lake-evening-7"
END = date(2026, 6, 30)


@pytest.fixture(scope="module")
def two_workers(pg_url: str) -> Iterator[tuple[ServerProcess, ServerProcess, Engine]]:
    """Two admin server processes on one fresh PostgreSQL database, with two admin users (one for
    the login test, one for the rate-limit test)."""
    url = fresh_database(pg_url)
    engine = db.make_engine(url)
    db_migrations.migrate(engine)
    with engine.begin() as conn:
        create_user(conn, "boss", "admin", PASSWORD)
        create_user(conn, "guesser", "admin", PASSWORD)
    a, b = ServerProcess(url).start(), ServerProcess(url).start()
    yield a, b, engine
    a.stop()
    b.stop()
    engine.dispose()


def try_login(base: str, password: str, user: str = "boss") -> httpx.Response:
    """The login form, filled in and sent, on the server at ``base``."""
    client = httpx.Client(base_url=base, timeout=60)
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post("/login", data={"username": user, "password": password, "csrf": csrf})
    client.close()
    return response


def test_a_login_through_one_worker_is_valid_on_another(two_workers) -> None:  # type: ignore[no-untyped-def]
    a, b, _ = two_workers
    login = try_login(a.url, PASSWORD)
    assert login.status_code == 303
    cookie = {SESSION_COOKIE: login.cookies[SESSION_COOKIE]}
    with httpx.Client(base_url=b.url, cookies=cookie, timeout=60) as on_b:
        page = on_b.get("/stations")
        assert page.status_code == 200
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        assert on_b.post("/logout", data={"csrf": csrf}).status_code == 303  # CSRF state is shared too
    with httpx.Client(base_url=a.url, cookies=cookie, timeout=60) as on_a:
        assert on_a.get("/stations").headers["location"] == "/login"  # logged out everywhere


def test_failed_logins_count_across_workers(two_workers) -> None:  # type: ignore[no-untyped-def]
    a, b, engine = two_workers
    on_a = LOGIN_FAILURES // 2 + 1
    codes = [try_login(a.url, "wrong-guess", "guesser").status_code for _ in range(on_a)]
    codes += [try_login(b.url, "wrong-guess", "guesser").status_code for _ in range(LOGIN_FAILURES - on_a)]
    assert codes == [401] * LOGIN_FAILURES
    assert try_login(a.url, PASSWORD, "guesser").status_code == 429  # blocked on both, right password too
    assert try_login(b.url, PASSWORD, "guesser").status_code == 429
    with engine.connect() as conn:
        assert conn.execute(
            select(db.rate_limits.c.count).where(db.rate_limits.c.scope == "login")
        ).all() == [(LOGIN_FAILURES,)]


def rollup_rows(engine: Engine) -> dict[str, set[tuple[object, ...]]]:
    """Every rollup's rows but those whose counts are all zero (rounded sums), to compare with a
    rebuild from the sessions."""
    rows: dict[str, set[tuple[object, ...]]] = {}
    with engine.connect() as conn:
        for table in db.ROLLUPS:
            counters = [c.name for c in table.columns if not c.primary_key and c.name != "local_weekday"]
            rows[table.name] = {
                tuple(round(v, 3) if isinstance(v, float) else v for v in row.values())
                for row in conn.execute(select(table)).mappings()
                if not counters or any(row[c] for c in counters)
            }
    return rows


def test_concurrent_uploads_to_different_workers_never_double_count(two_workers) -> None:  # type: ignore[no-untyped-def]
    a, b, engine = two_workers
    stations = [f"room-{i}" for i in range(4)]
    with httpx.Client(base_url=a.url, timeout=60) as client:
        tokens = {s: pair(client, engine, s) for s in stations}
    batches = {s: sample.sessions(s, 120, seed=i, end=END, days=21) for i, s in enumerate(stations)}
    for s in stations:  # revisions of the first ten: ratings after the end, sent with the originals
        batches[s] += [
            {
                **r,
                "updated_at": f"{r['started_at'][:10]}T23:00:00+08:00",
                "ratings": {**r["ratings"], "stress_post": 0},
            }
            for r in batches[s][:10]
        ]
    start = threading.Barrier(2 * len(stations))
    failures: list[str] = []

    def send(server: ServerProcess, station: str, reverse: bool) -> None:
        rows = batches[station][::-1] if reverse else batches[station]
        with httpx.Client(base_url=server.url, timeout=120) as client:
            start.wait()
            for i in range(0, len(rows), 25):
                response = client.post(
                    "/api/v1/sessions",
                    json={"sessions": rows[i : i + 25]},
                    headers={"Authorization": f"Bearer {tokens[station]}"},
                )
                if response.status_code != 200:
                    failures.append(
                        f"{station} on {server.url}: {response.status_code} {response.text[:200]}"
                    )

    threads = [
        threading.Thread(target=send, args=(server, s, server is b)) for s in stations for server in (a, b)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not failures
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.sessions)).scalar_one() == 480
        assert rollup.totals(conn) == 480
        args = (conn, END - timedelta(days=20), END, 5)
        fast = stats.dashboard(*args, whole_weeks=True)
        assert fast == stats.dashboard(*args, use_rollups=False, whole_weeks=True)
        revised = [r["uuid"] for s in stations for r in batches[s][:10]]
        newest = select(func.count()).where(db.sessions.c.uuid.in_(revised), db.sessions.c.stress_post == 0)
        assert conn.execute(newest).scalar_one() == 40  # the revisions won, whichever came first
    kept = rollup_rows(engine)
    assert all(kept.values())  # every rollup has rows to compare
    with engine.begin() as conn:
        rollup.rebuild(conn)
    assert rollup_rows(engine) == kept


def worker_pids(parent: int) -> list[int]:
    """The uvicorn worker processes started by ``parent`` (not multiprocessing's resource tracker)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [int(p) for p in children if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text()]


def test_serve_with_two_workers(pg_db_url: str) -> None:
    engine = db.make_engine(pg_db_url)
    db_migrations.migrate(engine)
    with engine.begin() as conn:
        create_user(conn, "boss", "admin", PASSWORD)
    server = ServerProcess(pg_db_url, extra_args=("--workers", "2")).start()
    try:
        assert server.proc is not None
        wait_until(lambda: len(worker_pids(server.proc.pid)) == 2, 60, 0.2, "two worker processes")  # type: ignore[union-attr]
        workers = worker_pids(server.proc.pid)
        logins = [try_login(server.url, PASSWORD).status_code for _ in range(4)]
        assert logins == [303] * 4
    finally:
        server.stop()
        engine.dispose()
    assert not [p for p in workers if Path(f"/proc/{p}").exists()]  # the workers ended with the server
