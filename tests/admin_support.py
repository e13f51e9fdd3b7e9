"""Helpers for the admin_web and station.sync tests: a throwaway PostgreSQL server, an admin server
in a subprocess (so it can be killed), free ports and pairing shortcuts."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import Engine, create_engine, text, update

from admin_web import db

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(condition, timeout: float = 30.0, interval: float = 0.05, what: str = "condition") -> None:  # type: ignore[no-untyped-def]
    """Poll ``condition()`` until it is truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def postgres_bindir() -> Path:
    """The directory of PostgreSQL's server programs (initdb, pg_ctl), whatever the version: the one
    ``pg_config --bindir`` names, else the newest /usr/lib/postgresql/<major>/bin, else ``initdb`` on
    PATH. Raises when none is installed (``make system-deps-test`` installs it)."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        made = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=30)
        if made.returncode == 0:
            candidates.append(Path(made.stdout.strip()))
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(
        versions, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0, reverse=True
    )
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    raise RuntimeError(
        "PostgreSQL's server programs (initdb, pg_ctl) were not found: install the Debian package "
        "postgresql (make system-deps-test)"
    )


def _run_pg(command: list[str], timeout: float) -> None:
    """Run a PostgreSQL program; a failure raises with its output (a test failure, never a skip)."""
    made = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if made.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({made.returncode}):\n{made.stdout}{made.stderr}")


@contextmanager
def serve_in_thread(app: object) -> Iterator[str]:
    """The app served by a real uvicorn on a free loopback port in this process; yields its base URL."""
    import threading

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started, 60, 0.05, "uvicorn to start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


@contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1; yields its URL. Run as the ``postgres`` user when
    the tests run as root. A server that cannot start raises: the PostgreSQL tests then fail."""
    bindir = postgres_bindir()
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    tmp = Path(tempfile.mkdtemp(prefix="oasis-pg-"))
    if as_root:
        shutil.chown(tmp, "postgres")
    data, port = tmp / "data", free_port()
    initdb = [
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-A",
        "trust",
        "-U",
        "oasis",
        "--no-sync",
        "-E",
        "UTF8",
    ]
    options = f"-p {port} -h 127.0.0.1 -k {tmp} -c fsync=off"
    start = [str(bindir / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(tmp / "log"), "-o", options]
    try:
        _run_pg([*prefix, *initdb], 120)
        _run_pg([*prefix, *start, "start"], 90)
    except BaseException:
        log = tmp / "log"
        print(log.read_text(errors="replace")[-2000:] if log.exists() else "no server log")
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        yield f"postgresql://oasis@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(tmp, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """A new, empty database on the PostgreSQL server at ``server_url`` (from :func:`postgres_server`);
    returns its URL. Each test gets its own, so one server serves a whole test run."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        server_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


def approve(engine: Engine, station_id: str) -> None:
    """What an admin's click on Approve does (tests of the web flow click it for real)."""
    with engine.begin() as conn:
        conn.execute(
            update(db.stations)
            .where(db.stations.c.id == station_id, db.stations.c.status == "pending")
            .values(status="approved", approved_by="test", token_issued=False)
        )


def pair(client: httpx.Client | object, engine: Engine, station_id: str, base: str = "") -> str:
    """Pair ``station_id`` through the API (approving it in between); returns its token."""
    claim = f"claim-{station_id}-" + "x" * 32
    body = {"station_id": station_id, "name": station_id, "software_version": "0.1.0", "claim": claim}
    assert client.post(f"{base}/api/v1/pair", json=body).json()["status"] == "pending"  # type: ignore[attr-defined]
    approve(engine, station_id)
    token = client.post(f"{base}/api/v1/pair", json=body).json()["token"]  # type: ignore[attr-defined]
    assert token
    return str(token)


class ServerProcess:
    """``oasis admin serve`` in a subprocess on a loopback port; can be killed and started again."""

    def __init__(
        self,
        db_url: str,
        port: int | None = None,
        extra_args: tuple[str, ...] = (),
        scheme: str = "http",
        verify: bool | str = True,
    ) -> None:
        self.db_url, self.port = db_url, port or free_port()
        self.extra_args, self.verify = extra_args, verify
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "station.cli",
                "admin",
                "serve",
                "--db",
                self.db_url,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-zeroconf",
                *self.extra_args,
            ],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

        def up() -> bool:
            assert self.proc is not None and self.proc.poll() is None, self.proc.stderr.read().decode()  # type: ignore[union-attr]
            try:
                return httpx.get(f"{self.url}/login", timeout=2, verify=self.verify).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, 60, 0.1, "the admin server to answer")
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, like a power cut."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)


def station_config(directory: Path, station_id: str, admin_url: str = "", discover: bool = True) -> Path:
    """A station.toml for ``oasis station sync`` in ``directory`` (data under directory/data)."""
    path = directory / "station.toml"
    path.write_text(
        f'[station]\nid = "{station_id}"\nname = "{station_id}"\n\n'
        f'[storage]\ndata_dir = "{directory / "data"}"\n\n'
        f'[admin]\nurl = "{admin_url}"\ndiscover = {"true" if discover else "false"}\n'
    )
    return path
