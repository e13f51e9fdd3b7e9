"""Admin server benchmarks.

- dashboard server time (p95 over repeated GET /dashboard, rendering included, computed afresh each
  time) with 1 000 000 sessions from 200 stations over 480 days (bench/admin_data.py: written
  straight into the tables and cached as a SQLite file in the temp directory), on SQLite and on
  PostgreSQL; peer: the query as it was before the rollups carried every figure (the same aggregates
  computed from the sessions table: ``stats.dashboard(use_rollups=False)``), on the same data in the
  same run. Also with the dashboard cache (repeat views, no new data between them); its peer is the
  uncached time.
- sync throughput: a 10 000-session outbox drained by the sync client into ``oasis admin serve`` (a
  separate process, loopback HTTP); peer: the naive client, one request per session. And eight
  stations syncing at once into ``oasis admin serve --workers 4`` on PostgreSQL; peer: the same
  load into one worker on SQLite.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from admin_web import db, db_migrations, sample, stats
from admin_web.app import create_app
from admin_web.page_access import SESSION_COOKIE
from admin_web.security import create_user, open_web_session
from bench import admin_data
from station.sync import SQLiteOutbox, SyncClient, SyncConfig
from tests.admin_support import ServerProcess, fresh_database, postgres_server
from wire import v1 as wire_v1

REPO = Path(__file__).resolve().parents[1]
END = admin_data.END
ALL_DAYS = admin_data.DAYS


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def _timed_ms(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _clients(engine: Engine) -> tuple[TestClient, TestClient]:
    """Logged-in test clients on an uncached app and on one with the dashboard cache."""
    with engine.begin() as conn:
        uid = create_user(conn, "bench", "admin", "quiet-lake-evening-7")
        cookie = open_web_session(conn, uid)[0]
    cold = TestClient(create_app(engine, retention=False, dashboard_cache_size=0))
    warm = TestClient(create_app(engine, retention=False))
    for client in (cold, warm):
        client.cookies.set(SESSION_COOKIE, cookie)
    return cold, warm


def _page_p95(client: TestClient, url: str, repeats: int) -> float:
    assert client.get(url).status_code == 200  # warm the database's page cache
    return _p95([_timed_ms(lambda: client.get(url).raise_for_status()) for _ in range(repeats)])


def _naive_p95(engine: Engine, date_from: date, repeats: int) -> tuple[float, stats.Dashboard]:
    """The dashboard's aggregates from the sessions table, as before the rollups carried them."""
    boards: list[stats.Dashboard] = []

    def naive() -> None:
        with engine.connect() as conn:
            boards.append(stats.dashboard(conn, date_from, END, 5, use_rollups=False, whole_weeks=True))

    naive()
    return _p95([_timed_ms(naive) for _ in range(repeats)]), boards[-1]


def _row(value: float, unit: str, peer: float) -> dict:
    return {"value": value, "unit": unit, "peer": peer, "ratio": value / peer}


def _dashboard_rows(engine: Engine, suffix: str, repeats: int, cached: bool) -> dict[str, dict]:
    cold, warm = _clients(engine)
    results: dict[str, dict] = {}
    for label, days in (("all_1m", ALL_DAYS), ("30d_1m", 30)):
        date_from = END - timedelta(days=days - 1)
        url = f"/dashboard?from={date_from}&to={END}"
        ours = _page_p95(cold, url, repeats)
        peer, naive_board = _naive_p95(engine, date_from, max(repeats // 8, 3))
        with engine.connect() as conn:  # the rollups agree with the sessions, figure for figure
            assert stats.dashboard(conn, date_from, END, 5, whole_weeks=True) == naive_board
        results[f"admin.dashboard_p95_{label}{suffix}"] = _row(ours, "ms", peer)
        if cached:  # no new data between views: one version query, then render
            results[f"admin.dashboard_p95_{label}{suffix}_cached"] = _row(
                _page_p95(warm, url, repeats), "ms", ours
            )
    assert naive_board.sessions > 0
    return results


def bench_dashboard(tmp: Path, repeats: int = 25) -> dict[str, dict]:
    path = admin_data.million_sqlite(tmp / "dash-1m.sqlite")
    engine = db.make_engine(f"sqlite:///{path}")
    db_migrations.migrate(engine)
    with engine.connect() as conn:
        assert db.session_count(conn) == admin_data.STATIONS * admin_data.PER_STATION == 1_000_000
    results = _dashboard_rows(engine, "", repeats, cached=True)
    engine.dispose()
    with postgres_server() as server:
        pg = db.make_engine(fresh_database(server))
        db_migrations.migrate(pg)
        admin_data.copy_to_postgresql(path, pg)
        results.update(_dashboard_rows(pg, "_postgresql", repeats, cached=False))
        pg.dispose()
    path.unlink()
    return results


def _paired_client(tmp: Path, url: str, engine: Engine, station: str, n: int, batch: int) -> SyncClient:
    """A station's sync client with ``n`` sessions in its outbox, paired, its first batch sent (the
    connection set-up and heartbeat stay outside the timing)."""
    outbox = SQLiteOutbox(tmp / f"outbox-{station}.sqlite")
    outbox.add_many([("session", r) for r in sample.sessions(station, n, seed=sum(map(ord, station)))])
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
    client.step()  # first batch
    return client


def _drain_all(clients: list[SyncClient]) -> float:
    """Drain every client's outbox at once (one thread each); returns sessions per second in all."""
    errors: list[str] = []
    before = sum(c.outbox.backlog() for c in clients)

    def drain(client: SyncClient) -> None:
        while client.outbox.backlog():
            if client.step() > 0:
                errors.append(f"sync failed: {client.state.last_error}")
                return

    threads = [threading.Thread(target=drain, args=(c,)) for c in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for client in clients:
        client.close()
    if errors:
        raise RuntimeError(errors[0])
    return before / elapsed


def _fleet_throughput(tmp: Path, db_url: str, workers: int, stations: int, per_station: int) -> float:
    engine = db.make_engine(db_url)
    db_migrations.migrate(engine)
    server = ServerProcess(db_url, extra_args=("--workers", str(workers))).start()
    try:
        clients = [
            _paired_client(
                tmp, server.url, engine, f"room-{workers}w-{i}", per_station, wire_v1.MAX_BATCH_ITEMS
            )
            for i in range(stations)
        ]
        return _drain_all(clients)
    finally:
        server.stop()
        engine.dispose()


def bench_sync(tmp: Path, stations: int = 8, per_station: int = 2500) -> dict[str, dict]:
    url_db = f"sqlite:///{tmp / 'sync-admin.sqlite'}"
    engine = db.make_engine(url_db)
    db_migrations.migrate(engine)
    server = ServerProcess(url_db).start()
    try:
        batched = _drain_all(
            [_paired_client(tmp, server.url, engine, "room-batch", 10_000, wire_v1.MAX_BATCH_ITEMS)]
        )
        naive = _drain_all([_paired_client(tmp, server.url, engine, "room-naive", 600, 1)])
    finally:
        server.stop()
    engine.dispose()
    one_sqlite = _fleet_throughput(tmp, f"sqlite:///{tmp / 'fleet.sqlite'}", 1, stations, per_station)
    with postgres_server() as pg_server:
        four_pg = _fleet_throughput(tmp, fresh_database(pg_server), 4, stations, per_station)
    return {
        "admin.sync_throughput_10k": _row(batched, "sessions/s", naive),
        "admin.sync_throughput_4workers_postgresql": _row(four_pg, "sessions/s", one_sqlite),
    }


def run() -> dict[str, dict]:
    with tempfile.TemporaryDirectory(prefix="oasis-bench-admin-") as tmp:
        results = bench_dashboard(Path(tmp))
        results.update(bench_sync(Path(tmp)))
    return results


if __name__ == "__main__":
    for key, row in run().items():
        print(key, row)
