"""The sync client against the real app in-process: outbox semantics, backoff, invalid items,
revoked token and re-pairing, oversized batches, heartbeat, and ``--status``."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from admin_web import db, db_migrations, sample
from admin_web.app import create_app
from station.sync import SQLiteOutbox, SyncClient, SyncConfig, sync_status
from tests.admin_support import REPO, approve, station_config


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[TestClient, object]]:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'admin.sqlite'}")
    db_migrations.migrate(engine)
    with TestClient(create_app(engine, retention=False, max_body=256 * 1024)) as client:
        yield client, engine
    engine.dispose()


def make_client(tmp_path: Path, http: object, outbox: SQLiteOutbox, **overrides: object) -> SyncClient:
    config = SyncConfig(
        station_id="room-1",
        station_name="一号",
        state_dir=tmp_path / "sync",
        admin_url="http://testserver",
        backoff_base_s=0.01,
        backoff_cap_s=0.05,
        pairing_poll_s=0.01,
        **overrides,
    )  # type: ignore[arg-type]
    return SyncClient(outbox, config, http=http)  # type: ignore[arg-type]


def server_count(engine, table=db.sessions) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def paired(client: SyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    client.step()
    assert client.state.pairing == "pending" and client.state.pairing_code
    approve(engine, "room-1")
    client.step()
    assert client.state.pairing == "paired" and client.state.token


def test_outbox_orders_by_attempts_and_ignores_repeats(tmp_path: Path) -> None:
    outbox = SQLiteOutbox(tmp_path / "outbox.sqlite")
    rows = sample.sessions("room-1", 3, seed=1)
    for row in rows:
        outbox.add("session", row)
    outbox.add("session", rows[0])
    assert outbox.backlog() == 3
    outbox.mark_failed([rows[0]["uuid"]], "boom")
    assert [i.id for i in outbox.pending(3)] == [rows[1]["uuid"], rows[2]["uuid"], rows[0]["uuid"]]
    assert outbox.pending(3)[-1].attempts == 1
    outbox.mark_sent([rows[1]["uuid"]])
    assert outbox.backlog() == 2 and outbox.sent_count() == 1
    with pytest.raises(ValueError, match="unknown outbox kind"):
        outbox.add("photo", rows[0])


def test_drains_everything_exactly_once_and_heartbeats(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    http, engine = server
    outbox = SQLiteOutbox(tmp_path / "outbox.sqlite")
    rows = sample.sessions("room-1", 450, seed=2)
    cals = [
        sample.calibration("room-1", random.Random(i), sample.datetime.now(sample.CHINA)) for i in range(5)
    ]
    outbox.add_many([("session", r) for r in rows] + [("calibration", c) for c in cals])
    client = make_client(tmp_path, http, outbox, batch_size=100)
    paired(client, engine)
    for _ in range(20):
        if client.step() > 0:
            break
    assert outbox.backlog() == 0 and outbox.sent_count() == 455
    assert server_count(engine) == 450 and server_count(engine, db.calibrations) == 5
    with engine.connect() as conn:
        station = conn.execute(select(db.stations).where(db.stations.c.id == "room-1")).one()
    assert station.last_heartbeat_at is not None and station.last_sync_at is not None
    assert client.state.sent_total == 455


def test_backoff_grows_with_jitter_up_to_the_cap(tmp_path: Path) -> None:
    outbox = SQLiteOutbox(tmp_path / "outbox.sqlite")
    outbox.add("session", sample.sessions("room-1", 1, seed=3)[0])
    config = SyncConfig(
        station_id="room-1",
        station_name="x",
        state_dir=tmp_path / "sync",
        admin_url="http://127.0.0.1:9",
        backoff_base_s=1.0,
        backoff_cap_s=60.0,
        timeout_s=2,
    )
    client = SyncClient(outbox, config)  # port 9 on loopback: connection refused, a real network error
    random.seed(7)
    delays = [client.step() for _ in range(10)]
    for n, delay in enumerate(delays, start=1):
        ceiling = min(60.0, 2.0**n)
        assert ceiling / 10 <= delay <= ceiling
    assert max(delays[6:]) <= 60.0 and len(set(delays)) == 10  # jittered, capped
    assert outbox.backlog() == 1 and client.state.consecutive_failures == 10
    assert "ConnectError" in (client.state.last_error or "")
    client.close()


def test_invalid_items_stay_queued_and_do_not_block(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    http, engine = server
    outbox = SQLiteOutbox(tmp_path / "outbox.sqlite")
    good = sample.sessions("room-1", 5, seed=4)
    bad = sample.sessions("room-1", 1, seed=5)[0]
    bad["ratings"]["stress_pre"] = 42
    foreign = sample.sessions("room-9", 1, seed=6)[0]
    outbox.add_many([("session", bad), ("session", foreign)] + [("session", g) for g in good])
    client = make_client(tmp_path, http, outbox)
    paired(client, engine)
    for _ in range(5):
        client.step()
    assert server_count(engine) == 5 and outbox.backlog() == 2
    left = {i.id: i.attempts for i in outbox.pending(10)}
    assert set(left) == {bad["uuid"], foreign["uuid"]} and min(left.values()) >= 1


def test_revoked_station_pairs_again_and_resumes(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    http, engine = server
    outbox = SQLiteOutbox(tmp_path / "outbox.sqlite")
    outbox.add_many([("session", r) for r in sample.sessions("room-1", 20, seed=7)])
    client = make_client(tmp_path, http, outbox, batch_size=10)
    paired(client, engine)
    client.step()
    assert server_count(engine) == 10
    with engine.begin() as conn:  # an admin clicks Revoke
        conn.execute(update(db.stations).values(status="revoked", token_hash=None, claim_hash=None))
    client.step()
    assert client.state.token is None and outbox.backlog() == 10
    paired(client, engine)
    client.step()
    assert server_count(engine) == 20 and outbox.backlog() == 0


def test_oversized_batches_are_split(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    http, engine = server  # the server here refuses bodies over 256 KiB
    outbox = SQLiteOutbox(tmp_path / "outbox.sqlite")
    rows = sample.sessions("room-1", 400, seed=8)
    for row in rows:
        row["events"] = [{"t_s": float(i), "kind": "marker", "detail": "x" * 200} for i in range(4)]
    outbox.add_many([("session", r) for r in rows])
    client = make_client(tmp_path, http, outbox, batch_size=400)
    paired(client, engine)
    for _ in range(40):
        client.step()
        if outbox.backlog() == 0:
            break
    assert server_count(engine) == 400 and client.batch_size < 400


def test_restart_keeps_pairing_and_status_cli(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    http, engine = server
    outbox = SQLiteOutbox(tmp_path / "outbox.sqlite")
    outbox.add_many([("session", r) for r in sample.sessions("room-1", 30, seed=9)])
    first = make_client(tmp_path, http, outbox, batch_size=10)
    paired(first, engine)
    first.step()
    restarted = make_client(tmp_path, http, SQLiteOutbox(tmp_path / "outbox.sqlite"), batch_size=10)
    assert restarted.state.token == first.state.token and restarted.state.pairing == "paired"
    restarted.step()
    status = sync_status(tmp_path / "sync", outbox)
    assert status["backlog"] == 10 and status["pairing"] == "paired" and status["sent_total"] == 20
    assert (tmp_path / "sync" / "sync-state.json").stat().st_mode & 0o777 == 0o600
    config = station_config(tmp_path, "room-1", "http://testserver")
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    cli = [
        sys.executable,
        "-m",
        "station.sync.sync_command",
        "--config",
        str(config),
        "--status",
        "--state-dir",
        str(tmp_path / "sync"),
        "--outbox",
        str(tmp_path / "outbox.sqlite"),
    ]
    shown = subprocess.run([*cli, "--json"], capture_output=True, text=True, check=True, cwd=REPO, env=env)
    assert json.loads(shown.stdout)["backlog"] == 10
    human = subprocess.run(cli, capture_output=True, text=True, check=True, cwd=REPO, env=env).stdout
    assert "待同步 backlog:        10" in human and "paired" in human


def test_sync_cli_reads_the_station_config_and_store(tmp_path: Path) -> None:
    from station.store import SessionStatus, SessionStore

    config = station_config(tmp_path, "room-5", "http://127.0.0.1:9")
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    (tmp_path / "data").mkdir()
    with SessionStore(tmp_path / "data" / "sessions.db", "room-5") as store:
        store.finish_session(store.start_session(store.new_officer(), "night-sky"), SessionStatus.ABORTED)
    status = subprocess.run(
        [sys.executable, "-m", "station.sync.sync_command", "--config", str(config), "--status", "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env=env,
    )
    assert json.loads(status.stdout)["backlog"] == 1 and (tmp_path / "data" / "sync").is_dir()
    nowhere = station_config(tmp_path, "room-5", "", discover=False)
    refused = subprocess.run(
        [sys.executable, "-m", "station.sync.sync_command", "--config", str(nowhere), "--once"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
    )
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "oasis station sync: no admin.url configured and admin.discover is off: nowhere to sync to"
    )
