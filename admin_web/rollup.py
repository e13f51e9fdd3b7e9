"""Keep the dashboard rollups (admin_web.db.rollup_*) in step with the sessions table.

Every write to ``sessions`` goes through :func:`add` (with sign +1 for rows stored, -1 for rows
replaced) in the same transaction; retention deletes whole days (:func:`drop_before`). Counts are
adjusted with an upsert per key, so concurrent uploads add up rather than overwrite.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from admin_web import db

MEDIAN_BUCKET_S = 30


def bucket_of(duration_s: float) -> int:
    """The duration bucket, computed like the SQL expression in stats (truncation toward zero)."""
    return int(duration_s / MEDIAN_BUCKET_S)


def _upsert(conn: Connection, table: Any, keys: list[str], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    counters = [c.name for c in table.columns if c.name not in keys and c.name != "local_weekday"]
    dialect = conn.dialect.name
    module = sqlite if dialect == "sqlite" else postgresql if dialect == "postgresql" else None
    if module is None:
        raise RuntimeError(f"rollups need SQLite or PostgreSQL, not {dialect}")
    stmt = module.insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=keys, set_={c: table.c[c] + stmt.excluded[c] for c in counters}
    )
    conn.execute(stmt, rows)


def add(conn: Connection, rows: Iterable[Any], sign: int = 1) -> None:
    """Add (sign +1) or remove (sign -1) the contribution of these session rows (mappings or Rows)."""
    day: dict[tuple, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0])
    hour: dict[tuple, int] = defaultdict(int)
    change: dict[tuple, int] = defaultdict(int)
    bucket: dict[tuple, int] = defaultdict(int)
    for row in rows:
        r = row if isinstance(row, dict) else row._mapping
        d = day[(r["station_id"], r["local_date"])]
        d[0] += sign
        d[1] += sign * (r["status"] == "completed")
        if r["duration_s"] is not None:
            d[2] += sign * r["duration_s"]
            d[3] += sign
            bucket[(r["local_date"], bucket_of(r["duration_s"]))] += sign
        hour[(r["local_date"], r["local_hour"], r["local_weekday"])] += sign
        if r["stress_pre"] is not None and r["stress_post"] is not None:
            change[(r["local_date"], r["stress_post"] - r["stress_pre"])] += sign
    _upsert(
        conn,
        db.rollup_day,
        ["station_id", "local_date"],
        [
            {
                "station_id": s,
                "local_date": dt,
                "n": v[0],
                "completed": v[1],
                "duration_sum": v[2],
                "n_duration": v[3],
            }
            for (s, dt), v in day.items()
        ],
    )
    _upsert(
        conn,
        db.rollup_hour,
        ["local_date", "local_hour"],
        [{"local_date": dt, "local_hour": h, "local_weekday": wd, "n": n} for (dt, h, wd), n in hour.items()],
    )
    _upsert(
        conn,
        db.rollup_change,
        ["local_date", "change"],
        [{"local_date": dt, "change": c, "n": n} for (dt, c), n in change.items()],
    )
    _upsert(
        conn,
        db.rollup_bucket,
        ["local_date", "bucket"],
        [{"local_date": dt, "bucket": b, "n": n} for (dt, b), n in bucket.items()],
    )


def drop_before(conn: Connection, cutoff: date) -> None:
    """Forget the days before ``cutoff`` (retention deleted their sessions)."""
    for table in db.ROLLUPS:
        conn.execute(delete(table).where(table.c.local_date < cutoff))


def rebuild(conn: Connection) -> None:
    """Recompute every rollup from the sessions table."""
    for table in db.ROLLUPS:
        conn.execute(delete(table))
    columns = [
        db.sessions.c[c]
        for c in (
            "station_id",
            "local_date",
            "local_hour",
            "local_weekday",
            "status",
            "duration_s",
            "stress_pre",
            "stress_post",
        )
    ]
    batch: list[Any] = []
    for row in conn.execute(select(*columns)):
        batch.append(row)
        if len(batch) >= 20_000:
            add(conn, batch)
            batch = []
    add(conn, batch)


def totals(conn: Connection) -> int:
    """Sessions counted by the rollups (equals the sessions table's count when in step)."""
    return int(conn.execute(select(func.coalesce(func.sum(db.rollup_day.c.n), 0))).scalar_one())
