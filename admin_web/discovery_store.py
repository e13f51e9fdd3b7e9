"""The stations zeroconf sees, kept in the database (``discovered_stations``) rather than in the
memory of the process that browses: every worker process of the admin reads the same list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, delete, insert, select

from admin_web import db
from admin_web.security import utcnow


def replace(engine: Engine, stations: dict[str, dict[str, Any]]) -> None:
    """Make the stored list exactly ``stations`` (id -> {id, name, version, state, address})."""
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(delete(db.discovered_stations))
        if stations:
            rows = [{"id": k, "info": v, "seen_at": now} for k, v in stations.items()]
            conn.execute(insert(db.discovered_stations), rows)


def read(engine: Engine) -> dict[str, dict[str, Any]]:
    """The stored list: id -> the station's TXT properties and address."""
    with engine.connect() as conn:
        return {r.id: dict(r.info) for r in conn.execute(select(db.discovered_stations))}
