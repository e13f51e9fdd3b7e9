"""``oasis admin``: create-user reads the password from stdin, bad input is one line on stderr, and
``serve`` speaks HTTPS with --tls-cert/--tls-key (HSTS, Secure cookies)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import select

from admin_web import db, db_migrations
from tests.admin_support import REPO, ServerProcess

ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def oasis(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "station.cli", "admin", *args],
        input=stdin,
        text=True,
        capture_output=True,
        env=ENV,
        cwd=REPO,
        timeout=120,
    )


def test_create_user_from_stdin_and_one_line_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'admin.sqlite'}"
    made = oasis("create-user", "chief", "--role", "admin", "--db", url, stdin="s3cret-password\n")
    assert made.returncode == 0 and made.stdout.strip() == "created admin chief"
    engine = db.make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(select(db.users)).one()
    assert row.name == "chief" and row.role == "admin" and row.password_hash.startswith("$argon2id$")
    engine.dispose()
    for args, stdin, message in (
        (("create-user", "chief", "--role", "admin"), "another-password\n", "user 'chief' already exists"),
        (
            ("create-user", "kid", "--role", "technician"),
            "short\n",
            "password must have at least 8 characters",
        ),
        (("create-user", "bad name!", "--role", "technician"), "long-enough-pw\n", "user name: 1-64 letters"),
    ):
        result = oasis(*args, "--db", url, stdin=stdin)
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert message in result.stderr
    bad_url = oasis("migrate", "--db", "nosuchdb://x")
    assert bad_url.returncode == 2 and len(bad_url.stderr.strip().splitlines()) == 1
    assert oasis("migrate", "--db", url).stdout.strip() == f"schema version {len(db_migrations.MIGRATIONS)}"
    half_tls = oasis("serve", "--db", url, "--tls-cert", "x.pem", "--no-zeroconf")
    assert (
        half_tls.returncode == 2
        and half_tls.stderr.strip() == "oasis admin: --tls-cert and --tls-key go together"
    )


def test_serve_over_tls(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        capture_output=True,
        timeout=60,
    )
    assert made.returncode == 0, f"openssl could not make a test certificate: {made.stderr.decode()[:200]}"
    server = ServerProcess(
        f"sqlite:///{tmp_path / 'admin.sqlite'}",
        extra_args=("--tls-cert", str(cert), "--tls-key", str(key)),
        scheme="https",
        verify=str(cert),
    ).start()
    try:
        client = httpx.Client(base_url=server.url, verify=str(cert), timeout=5)
        page = client.get("/login")
        assert page.headers["strict-transport-security"].startswith("max-age=")
        assert "secure" in page.headers["set-cookie"].lower()
        assert re.search(r'name="csrf" value="[^"]+"', page.text)
        assert client.post("/api/v1/heartbeat", json={}).status_code == 401
        client.close()
    finally:
        server.stop()


def test_serve_on_a_taken_port_is_one_line_and_status_1(tmp_path: Path) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        result = oasis(
            "serve", "--db", f"sqlite:///{tmp_path / 'a.sqlite'}", "--host", "127.0.0.1",
            "--port", str(port), "--no-zeroconf",
        )  # fmt: skip
    finally:
        taken.close()
    assert result.returncode == 1, result.stderr
    assert result.stderr == (
        f"oasis admin: cannot listen on 127.0.0.1:{port}: the port is in use (is another server running?)\n"
    )


def test_an_unopenable_database_is_one_line_and_status_2(tmp_path: Path) -> None:
    (tmp_path / "folder.sqlite").mkdir()
    cases = [
        ("sqlite:////nonexistent-folder/admin.sqlite", "unable to open database file"),
        (f"sqlite:///{tmp_path / 'folder.sqlite'}", "unable to open database file"),
        ("postgresql://officer:s3cret-pw@127.0.0.1:1/oasis", "connection"),
        ("mysql://officer:s3cret-pw@127.0.0.1/oasis", "no driver 'MySQLdb' installed"),
    ]
    for url, reason in cases:
        for action in (("serve", "--no-zeroconf", "--port", "1"), ("migrate",)):
            result = oasis(*action, "--db", url)
            assert result.returncode == 2, result.stderr
            assert (
                result.stderr.startswith("oasis admin: cannot open the database ") and reason in result.stderr
            )
            assert result.stderr.count("\n") == 1 and "s3cret-pw" not in result.stderr, result.stderr
