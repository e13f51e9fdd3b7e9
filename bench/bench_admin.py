"""Admin server benchmarks.

- dashboard server time (p95 over repeated GET /dashboard, rendering included) with 100 000 sessions
  from 50 stations in SQLite, computed afresh each time; peer: the naive way, loading every row into
  Python and aggregating there. Also with the dashboard cache (repeat views, no new data between
  them); its peer is the uncached time.
- sync throughput: a 10 000-session outbox drained by the sync client into ``oasis admin serve`` (a
  separate process, loopback HTTP); peer: the naive client, one request per session.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from admin_web import api, db, db_migrations, sample, stats
from admin_web.app import create_app
from admin_web.page_access import SESSION_COOKIE
from admin_web.security import create_user, open_web_session
from station.sync import SQLiteOutbox, SyncClient, SyncConfig
from tests.admin_support import ServerProcess
from wire import v1 as wire_v1

REPO = Path(__file__).resolve().parents[1]
END = date(2026, 6, 30)


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def _fill(engine, n_stations: int = 50, per_station: int = 2000) -> None:  # type: ignore[no-untyped-def]
    now = api.utcnow()
    with engine.begin() as conn:
        for s in range(n_stations):
            station = f"room-{s:02d}"
            conn.execute(
                db.stations.insert().values(
                    id=station, name=station, status="approved", token_issued=True, first_seen_at=now
                )
            )
            rows = [
                api.session_row(wire_v1.SessionSummary.model_validate(r), now)
                for r in sample.sessions(station, per_station, seed=s, end=END, days=480)
            ]
            api.store_sessions(conn, rows)


def _naive_dashboard(engine, date_from: date, date_to: date) -> dict:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        rows = conn.execute(
            select(db.sessions).where(db.sessions.c.local_date.between(date_from, date_to))
        ).all()
    per_station: dict[str, int] = {}
    heat = [[0] * 24 for _ in range(7)]
    durations, changes, officers = [], {}, set()
    for r in rows:
        per_station[r.station_id] = per_station.get(r.station_id, 0) + 1
        heat[r.local_weekday][r.local_hour] += 1
        officers.add(r.officer_code)
        if r.duration_s is not None:
            durations.append(r.duration_s)
        if r.stress_pre is not None and r.stress_post is not None:
            changes[r.stress_post - r.stress_pre] = changes.get(r.stress_post - r.stress_pre, 0) + 1
    return {"n": len(rows), "median": statistics.median(durations) if durations else None, "changes": changes}


def bench_dashboard(tmp: Path, repeats: int = 25) -> dict[str, dict]:
    engine = db.make_engine(f"sqlite:///{tmp / 'dash.sqlite'}")
    db_migrations.migrate(engine)
    _fill(engine)
    with engine.begin() as conn:
        uid = create_user(conn, "bench", "admin", "quiet-lake-evening-7")
        cookie = open_web_session(conn, uid)[0]
    cold = TestClient(create_app(engine, retention=False, dashboard_cache_size=0))
    warm = TestClient(create_app(engine, retention=False))
    results: dict[str, dict] = {}
    for client in (cold, warm):
        client.cookies.set(SESSION_COOKIE, cookie)

    def p95_ms(client: TestClient, url: str) -> float:
        assert client.get(url).status_code == 200  # warm the database's page cache
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        return _p95(times)

    for label, days in (("all_100k", 480), ("30d", 30)):
        url = f"/dashboard?from={END - timedelta(days=days - 1)}&to={END}"
        ours = p95_ms(cold, url)
        naive = []
        for _ in range(max(repeats // 5, 3)):
            t0 = time.perf_counter()
            _naive_dashboard(engine, END - timedelta(days=days - 1), END)
            naive.append((time.perf_counter() - t0) * 1000)
        peer = _p95(naive)
        results[f"admin.dashboard_p95_{label}"] = {
            "value": ours,
            "unit": "ms",
            "peer": peer,
            "ratio": ours / peer,
        }
        cached = p95_ms(warm, url)  # no new data between views: one version query, then render
        results[f"admin.dashboard_p95_{label}_cached"] = {
            "value": cached,
            "unit": "ms",
            "peer": ours,
            "ratio": cached / ours,
        }
    with engine.connect() as conn:  # the SQL aggregates agree with the naive ones
        board = stats.dashboard(conn, END - timedelta(days=479), END, k=5)
    check = _naive_dashboard(engine, END - timedelta(days=479), END)
    assert board.sessions == check["n"] == 100_000 and board.median_duration_s == check["median"]
    assert board.stress_change == check["changes"]
    engine.dispose()
    return results


def _drain(tmp: Path, url: str, engine, station: str, n: int, batch: int) -> float:  # type: ignore[no-untyped-def]
    outbox = SQLiteOutbox(tmp / f"outbox-{station}.sqlite")
    outbox.add_many([("session", r) for r in sample.sessions(station, n, seed=hash(station) % 1000)])
    config = SyncConfig(
        station_id=station,
        station_name=station,
        state_dir=tmp / f"sync-{station}",
        admin_url=url,
        batch_size=batch,
        heartbeat_every_s=3600,
    )
    client = SyncClient(outbox, config)
    client.step()  # pairing request
    with engine.begin() as conn:
        conn.execute(update(db.stations).where(db.stations.c.id == station).values(status="approved"))
    client.step()  # token
    client.step()  # first batch: connection set-up and the heartbeat are outside the timing
    started, before = time.perf_counter(), outbox.backlog()
    while outbox.backlog():
        if client.step() > 0:
            raise RuntimeError(f"sync failed: {client.state.last_error}")
    elapsed = time.perf_counter() - started
    client.close()
    return before / elapsed


def bench_sync(tmp: Path) -> dict[str, dict]:
    url_db = f"sqlite:///{tmp / 'sync-admin.sqlite'}"
    engine = db.make_engine(url_db)
    db_migrations.migrate(engine)
    server = ServerProcess(url_db).start()
    try:
        base = server.url
        batched = _drain(tmp, base, engine, "room-batch", 10_000, batch=wire_v1.MAX_BATCH_ITEMS)
        naive = _drain(tmp, base, engine, "room-naive", 600, batch=1)
    finally:
        server.stop()
    engine.dispose()
    return {
        "admin.sync_throughput_10k": {
            "value": batched,
            "unit": "sessions/s",
            "peer": naive,
            "ratio": batched / naive,
        }
    }


def run() -> dict[str, dict]:
    with tempfile.TemporaryDirectory(prefix="oasis-bench-admin-") as tmp:
        results = bench_dashboard(Path(tmp))
        results.update(bench_sync(Path(tmp)))
    return results


if __name__ == "__main__":
    for key, row in run().items():
        print(key, row)
