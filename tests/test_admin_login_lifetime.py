"""The admin's web login: a session lasts SESSION_LIFETIME (eight hours) and then sends the user
back to the login page; logging out ends it on the server, so the old cookie no longer opens a page.
Real app (TestClient), real SQLite, real argon2 password check. The lifetime's end is reached by
moving the stored expiry into the past, as eight hours would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from admin_web import db, db_migrations
from admin_web.app import create_app
from admin_web.page_access import SESSION_COOKIE
from admin_web.security import SESSION_LIFETIME, create_user, sha256_hex, utcnow

PASSWORD = "correct-horse-battery"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[TestClient, Engine]]:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'admin.sqlite'}")
    db_migrations.migrate(engine)
    with engine.begin() as conn:
        create_user(conn, "boss", "admin", PASSWORD)
    with TestClient(create_app(engine, retention=False), follow_redirects=False) as client:
        yield client, engine
    engine.dispose()


def log_in(client: TestClient) -> str:
    """Log in through the login form; returns the session cookie."""
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    response = client.post("/login", data={"username": "boss", "password": PASSWORD, "csrf": csrf})
    assert response.status_code == 303 and response.headers["location"] == "/"
    return str(client.cookies[SESSION_COOKIE])


def stored_session(engine: Engine, cookie: str):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(
            select(db.web_sessions).where(db.web_sessions.c.id_hash == sha256_hex(cookie))
        ).first()


def opens_a_page(client: TestClient) -> bool:
    response = client.get("/sessions")
    return response.status_code == 200 and "/login" not in response.headers.get("location", "")


def test_a_login_lasts_its_lifetime_and_no_longer(site) -> None:  # type: ignore[no-untyped-def]
    client, engine = site
    assert timedelta(hours=8) == SESSION_LIFETIME
    before = utcnow()
    cookie = log_in(client)
    after = utcnow()
    row = stored_session(engine, cookie)
    assert before + SESSION_LIFETIME <= row.expires_at <= after + SESSION_LIFETIME
    assert row.id_hash != cookie  # only the cookie's hash is stored
    assert opens_a_page(client)
    with engine.begin() as conn:  # eight hours pass
        conn.execute(update(db.web_sessions).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = client.get("/sessions")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    log_in(client)  # a new login opens a new session
    assert opens_a_page(client)


def test_logout_ends_the_session_on_the_server(site) -> None:  # type: ignore[no-untyped-def]
    client, engine = site
    cookie = log_in(client)
    csrf = stored_session(engine, cookie).csrf
    response = client.post("/logout", data={"csrf": csrf})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert stored_session(engine, cookie) is None
    assert SESSION_COOKIE not in client.cookies
    client.cookies.set(SESSION_COOKIE, cookie)  # the old cookie, replayed
    response = client.get("/sessions")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    with engine.connect() as conn:
        actions = list(conn.execute(select(db.audit.c.action).order_by(db.audit.c.id)).scalars())
    assert actions[-2:] == ["login", "logout"]
