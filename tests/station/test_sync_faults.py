"""Sync under real faults, against ``oasis admin serve`` in a subprocess: the server down and back,
the server SIGKILLed mid-upload and restarted, responses lost after the server committed (a TCP
proxy that drops them), and the station's sync process SIGKILLed and restarted. Every test ends with
exact counts on both sides."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from admin_web import db, db_migrations, sample
from station.sync import SQLiteOutbox, SyncClient, SyncConfig
from tests.admin_support import REPO, ServerProcess, approve, free_port, station_config, wait_until


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[tuple[ServerProcess, object]]:
    url = f"sqlite:///{tmp_path / 'admin.sqlite'}"
    engine = db.make_engine(url)
    db_migrations.migrate(engine)
    server = ServerProcess(url).start()
    yield server, engine
    server.stop()
    engine.dispose()


def count(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(db.sessions)).scalar_one())


def fill(path: Path, n: int, seed: int) -> SQLiteOutbox:
    outbox = SQLiteOutbox(path)
    outbox.add_many([("session", r) for r in sample.sessions("room-1", n, seed=seed)])
    return outbox


def config(tmp_path: Path, url: str, batch: int = 50) -> SyncConfig:
    return SyncConfig(
        station_id="room-1",
        station_name="一号",
        state_dir=tmp_path / "sync",
        admin_url=url,
        batch_size=batch,
        backoff_base_s=0.05,
        backoff_cap_s=0.5,
        pairing_poll_s=0.05,
        timeout_s=10,
    )


def pair_client(client: SyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    client.step()
    approve(engine, "room-1")
    wait_until(lambda: client.step() is not None and client.state.pairing == "paired", 30, 0.05, "pairing")


def run_in_thread(client: SyncClient) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=client.run, args=(stop,), daemon=True)
    thread.start()
    return thread, stop


def test_server_down_for_a_while_then_back(admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server, engine = admin
    outbox = fill(tmp_path / "outbox.sqlite", 400, seed=1)
    client = SyncClient(outbox, config(tmp_path, server.url))
    pair_client(client, engine)
    server.kill()
    for _ in range(4):
        client.step()
    assert client.state.consecutive_failures == 4 and outbox.backlog() == 400 and count(engine) == 0
    server.start()
    thread, stop = run_in_thread(client)
    wait_until(lambda: outbox.backlog() == 0, 60, 0.1, "the backlog to drain")
    stop.set()
    thread.join(30)
    assert count(engine) == 400 and outbox.sent_count() == 400 and client.state.consecutive_failures == 0


def test_server_killed_mid_upload_and_restarted(admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server, engine = admin
    outbox = fill(tmp_path / "outbox.sqlite", 1000, seed=2)
    client = SyncClient(outbox, config(tmp_path, server.url, batch=25))
    pair_client(client, engine)
    thread, stop = run_in_thread(client)
    wait_until(lambda: count(engine) >= 50, 60, 0.01, "the first uploads")
    server.kill()
    on_server = count(engine)
    assert 0 < on_server < 1000
    wait_until(lambda: client.state.consecutive_failures >= 2, 30, 0.05, "failed retries")
    server.start()
    wait_until(lambda: outbox.backlog() == 0, 120, 0.1, "the backlog to drain")
    stop.set()
    thread.join(30)
    assert count(engine) == 1000 and outbox.sent_count() == 1000


class DroppingProxy:
    """Forwards TCP to the server, but for the first ``drop`` connections reads the server's response
    and closes the station's socket without passing it on: the server committed, the station never
    heard back."""

    def __init__(self, upstream_port: int, drop: int) -> None:
        self.upstream_port, self.remaining_drops = upstream_port, drop
        self.port = free_port()
        self.dropped = 0
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                station, _ = self._listener.accept()
            except OSError:
                return
            drop = self.remaining_drops > 0
            self.remaining_drops -= drop
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pump, args=(station, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, station, drop), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, drop: bool) -> None:
        try:
            while data := src.recv(65536):
                if drop:
                    self.dropped += 1
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def close(self) -> None:
        self._listener.close()


def test_lost_responses_are_retried_without_duplicates(admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server, engine = admin
    outbox = fill(tmp_path / "outbox.sqlite", 300, seed=3)
    client = SyncClient(outbox, config(tmp_path, server.url, batch=100))
    pair_client(client, engine)
    proxy = DroppingProxy(server.port, drop=3)
    client.close()
    client = SyncClient(outbox, config(tmp_path, f"http://127.0.0.1:{proxy.port}", batch=100))
    for _ in range(3):  # each upload is committed by the server, its answer lost
        client.step()
    assert proxy.dropped == 3 and count(engine) > 0 and outbox.backlog() == 300
    wait_until(lambda: client.step() is not None and outbox.backlog() == 0, 60, 0.05, "the retries")
    proxy.close()
    assert count(engine) == 300 and outbox.sent_count() == 300


def test_station_sync_process_killed_and_restarted(admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server, engine = admin
    outbox = fill(tmp_path / "outbox.sqlite", 1000, seed=4)
    setup = SyncClient(outbox, config(tmp_path, server.url))
    pair_client(setup, engine)
    setup.close()
    command = [
        sys.executable,
        "-m",
        "station.sync.sync_command",
        "--config",
        str(station_config(tmp_path, "room-1", server.url)),
        "--no-zeroconf",
        "--state-dir",
        str(tmp_path / "sync"),
        "--outbox",
        str(tmp_path / "outbox.sqlite"),
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    station = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_until(lambda: count(engine) >= 50, 60, 0.01, "the station process to upload")
    os.kill(station.pid, signal.SIGKILL)
    station.wait(30)
    assert 0 < count(engine) < 1000
    station = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: outbox.backlog() == 0, 120, 0.1, "the restarted station to drain")
    finally:
        station.terminate()
        station.wait(30)
    assert count(engine) == 1000 and outbox.sent_count() == 1000
