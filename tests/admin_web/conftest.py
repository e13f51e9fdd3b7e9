"""Fixtures shared by the admin tests: one throwaway PostgreSQL server for the whole test run, the
database URL fixture that runs a test once on SQLite and once on a fresh PostgreSQL database, and a
migrated engine on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from admin_web import db, db_migrations
from tests.admin_support import fresh_database, postgres_server


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """The PostgreSQL server's URL; a server that cannot start fails the tests that use it."""
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database: a SQLite file, then a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'admin.sqlite'}"
    return fresh_database(request.getfixturevalue("pg_url"))


@pytest.fixture
def pg_db_url(pg_url: str) -> str:
    """A fresh database on the PostgreSQL server (tests that need PostgreSQL only)."""
    return fresh_database(pg_url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated admin database on ``db_url`` (SQLite, then PostgreSQL)."""
    made = db.make_engine(db_url)
    db_migrations.migrate(made)
    yield made
    made.dispose()
