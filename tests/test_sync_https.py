"""Sync over HTTPS as a station is deployed with a private CA: `oasis station sync --once --ca-file`
against `oasis admin serve --tls-cert/--tls-key`, each in its own process, with certificates made by
openssl on loopback. With the admin's CA the station pairs and uploads; with another CA's bundle the
admin's certificate is refused before anything reaches the admin."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from admin_support import REPO, ServerProcess, approve, station_config
from sqlalchemy import Engine, select

from admin_web import db, db_migrations
from station.store import SessionStatus, SessionStore


def openssl(*args: str | Path) -> None:
    made = subprocess.run(["openssl", *map(str, args)], capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr


def make_ca(directory: Path, name: str) -> tuple[Path, Path]:
    """A CA's key and certificate."""
    key, cert = directory / f"{name}-ca.key", directory / f"{name}-ca.pem"
    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name} CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-keyout", key, "-out", cert,
    )  # fmt: skip
    return key, cert


def make_server_cert(directory: Path, ca_key: Path, ca_cert: Path) -> tuple[Path, Path]:
    """The admin server's key and a certificate for 127.0.0.1 signed by the CA."""
    key, request, cert = directory / "admin.key", directory / "admin.csr", directory / "admin.pem"
    extensions = directory / "admin.ext"
    extensions.write_text(
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
    )
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", request)
    openssl(
        "x509", "-req", "-in", request, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial", "-days", "2",
        "-extfile", extensions, "-out", cert,
    )  # fmt: skip
    return key, cert


@pytest.fixture
def https_admin(tmp_path: Path) -> Iterator[tuple[ServerProcess, Engine, Path]]:
    """`oasis admin serve` over TLS with a certificate from a private CA; yields it, its database and
    the CA's certificate."""
    ca_key, ca_cert = make_ca(tmp_path, "court")
    key, cert = make_server_cert(tmp_path, ca_key, ca_cert)
    url = f"sqlite:///{tmp_path / 'admin.sqlite'}"
    engine = db.make_engine(url)
    db_migrations.migrate(engine)
    server = ServerProcess(
        url, extra_args=("--tls-cert", str(cert), "--tls-key", str(key)), scheme="https", verify=str(ca_cert)
    ).start()
    yield server, engine, ca_cert
    server.stop()
    engine.dispose()


def station_with_a_session(directory: Path, station_id: str, admin_url: str) -> Path:
    """A station.toml whose store holds one finished session."""
    config = station_config(directory, station_id, admin_url, discover=False)
    (directory / "data").mkdir()
    with SessionStore(directory / "data" / "sessions.db", station_id) as store:
        store.finish_session(store.start_session(store.new_officer(), "night-sky"), SessionStatus.COMPLETED)
    return config


def sync_once(config: Path, ca_file: Path) -> subprocess.CompletedProcess[str]:
    command = ["station.sync.sync_command", "--config", str(config), "--once", "--ca-file", str(ca_file)]
    return subprocess.run(
        [sys.executable, "-m", *command],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(config.parent)},
    )


def stations(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(db.stations.c.id, db.stations.c.status)).all())  # type: ignore[arg-type]


def uploaded(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(db.sessions.c.station_id)).scalars())


def test_sync_over_https_with_the_admins_ca(https_admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server, engine, ca_cert = https_admin
    station = tmp_path / "station"
    station.mkdir()
    config = station_with_a_session(station, "room-tls", server.url)
    first = sync_once(config, ca_cert)  # asks to pair; the admin has not approved yet
    assert first.returncode == 1, first.stderr
    assert stations(engine) == {"room-tls": "pending"}
    approve(engine, "room-tls")
    second = sync_once(config, ca_cert)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "待同步 backlog:        0" in second.stdout
    assert uploaded(engine) == ["room-tls"]


def test_sync_refuses_a_certificate_from_another_ca(https_admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server, engine, _ = https_admin
    _, other_ca = make_ca(tmp_path, "stranger")
    station = tmp_path / "station"
    station.mkdir()
    config = station_with_a_session(station, "room-untrusting", server.url)
    refused = sync_once(config, other_ca)
    assert refused.returncode == 1
    assert "待同步 backlog:        1" in refused.stdout
    assert "CERTIFICATE_VERIFY_FAILED" in refused.stdout + refused.stderr
    assert stations(engine) == {} and uploaded(engine) == []
