"""The admin server's retention pass (admin_web.app): it runs as the server starts and then every
RETENTION_EVERY_S (an hour in production; the test shortens that period and changes nothing else),
deleting sessions older than the retention setting and keeping the others. Every other admin test
builds its app with ``retention=False``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from admin_support import pair, wait_until
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from admin_web import app as admin_app
from admin_web import db, db_migrations, sample
from admin_web.app import create_app
from admin_web.security import utcnow

OLD_DAYS = 1095 + 30  # older than the default retention (1095 days)


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(db.sessions)).scalar_one())


def upload(client: TestClient, token: str, rows: list[dict]) -> None:
    response = client.post(
        "/api/v1/sessions", json={"sessions": rows}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text


def test_retention_runs_at_start_and_again_each_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'admin.sqlite'}")
    db_migrations.migrate(engine)
    today = utcnow().date()
    old = sample.sessions("room-1", 20, seed=1, end=today - timedelta(days=OLD_DAYS), days=10)
    recent = sample.sessions("room-1", 10, seed=2, end=today - timedelta(days=1), days=5)
    with TestClient(create_app(engine, retention=False)) as client:
        token = pair(client, engine, "room-1")
        upload(client, token, old + recent)
    assert count(engine) == 30

    monkeypatch.setattr(admin_app, "RETENTION_EVERY_S", 0.2)
    with TestClient(create_app(engine, retention=True)) as client:
        wait_until(lambda: count(engine) == 10, 30, 0.05, "the retention pass at start")
        older = sample.sessions("room-1", 5, seed=3, end=today - timedelta(days=OLD_DAYS), days=10)
        upload(client, token, older)  # after the first pass: only a later pass can delete these
        wait_until(lambda: count(engine) == 10, 30, 0.05, "a later retention pass")
    with engine.connect() as conn:
        kept = set(conn.execute(select(db.sessions.c.uuid)).scalars())
    assert kept == {row["uuid"] for row in recent}
    engine.dispose()
