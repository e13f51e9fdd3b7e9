"""Zeroconf on the wire (multicast on the loopback interface, real sockets, no fake): the admin sees
stations advertise and withdraw, the Stations page lists them live, and a station with no configured
URL finds the admin server, pairs and uploads."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from admin_web import db, db_migrations, discovery_store, sample
from admin_web.admin_zeroconf import AdminDiscovery
from admin_web.app import create_app
from admin_web.page_access import SESSION_COOKIE
from admin_web.security import open_web_session
from station.sync import SQLiteOutbox, SyncClient, SyncConfig
from station.sync.station_zeroconf import StationAdvertiser, find_admin
from tests.admin_support import approve, free_port, wait_until

LOOPBACK = ["127.0.0.1"]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[object]:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'admin.sqlite'}")
    db_migrations.migrate(engine)
    yield engine
    engine.dispose()


def test_stations_appear_live_on_the_stations_page(engine) -> None:  # type: ignore[no-untyped-def]
    """As ``oasis admin serve`` runs it: the browsing process stores what it sees in the database and
    the page (any worker's) reads it from there."""
    station_id = f"room-{uuid.uuid4().hex[:8]}"
    admin = AdminDiscovery(
        port=free_port(),
        address="127.0.0.1",
        interfaces=LOOPBACK,
        instance=f"admin-{uuid.uuid4().hex[:8]}",
        on_change=lambda stations: discovery_store.replace(engine, stations),
    )
    station = StationAdvertiser(
        station_id, "三号放松室", "0.1.0", "idle", address="127.0.0.1", interfaces=LOOPBACK
    )
    try:
        wait_until(lambda: station_id in admin.stations(), 30, 0.1, "the station to be seen")
        seen = admin.stations()[station_id]
        assert (seen["name"], seen["version"], seen["state"]) == ("三号放松室", "0.1.0", "idle")
        station.set_state("session")
        wait_until(
            lambda: admin.stations().get(station_id, {}).get("state") == "session", 30, 0.1, "new state"
        )
        with engine.begin() as conn:
            user = conn.execute(
                db.users.insert().values(
                    name="boss",
                    role="admin",
                    password_hash="x",
                    disabled=False,
                    created_at=sample.datetime.now(),
                )
            )
            cookie = open_web_session(conn, user.inserted_primary_key[0])[0]
        wait_until(
            lambda: discovery_store.read(engine).get(station_id, {}).get("state") == "session",
            30,
            0.1,
            "the new state stored",
        )
        from_db = lambda: discovery_store.read(engine)  # noqa: E731
        client = TestClient(create_app(engine, discovered_stations=from_db, retention=False))
        client.cookies.set(SESSION_COOKIE, cookie)
        page = client.get("/stations?lang=en").text
        listed = re.search(r'<ul id="discovered">(.*?)</ul>', page, re.S)
        assert listed and station_id in listed.group(1) and "三号放松室" in listed.group(1)
        assert "pending" in listed.group(1)
    finally:
        station.close()
    wait_until(lambda: station_id not in admin.stations(), 30, 0.1, "the station's goodbye")
    wait_until(lambda: station_id not in discovery_store.read(engine), 30, 0.1, "the goodbye stored")
    admin.close()


def test_station_without_url_finds_admin_pairs_and_uploads(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(engine, retention=False), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    admin = AdminDiscovery(
        port=port, address="127.0.0.1", interfaces=LOOPBACK, instance=f"admin-{uuid.uuid4().hex[:8]}"
    )
    try:
        wait_until(lambda: server.started, 30, 0.05, "uvicorn to start")
        assert find_admin(10, LOOPBACK) == f"http://127.0.0.1:{port}"
        outbox = SQLiteOutbox(tmp_path / "outbox.sqlite")
        outbox.add_many([("session", r) for r in sample.sessions("room-z", 25, seed=1)])
        config = SyncConfig(
            station_id="room-z",
            station_name="z",
            state_dir=tmp_path / "sync",
            admin_url=None,
            pairing_poll_s=0.05,
        )
        client = SyncClient(outbox, config, discover=lambda timeout: find_admin(timeout, LOOPBACK))
        client.step()
        assert client.state.admin_url == f"http://127.0.0.1:{port}" and client.state.pairing == "pending"
        approve(engine, "room-z")
        client.step()
        client.step()
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(db.sessions)).scalar_one() == 25
        assert outbox.backlog() == 0
        client.close()
    finally:
        admin.close()
        server.should_exit = True
        thread.join(30)
