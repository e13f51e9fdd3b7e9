"""Keep the dashboard rollups (admin_web.db.rollup_*) in step with the sessions table.

Every write to ``sessions`` goes through :func:`change` (rows removed, rows added) in the same
transaction; retention deletes whole days (:func:`drop_before`). Counts are
adjusted with an upsert per key, so concurrent uploads add up rather than overwrite.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from admin_web import db

MEDIAN_BUCKET_S = 30


def bucket_of(duration_s: float) -> int:
    """The duration bucket, computed like the SQL expression in stats (truncation toward zero)."""
    return int(duration_s / MEDIAN_BUCKET_S)


def _upsert(
    conn: Connection, table: Any, keys: list[str], rows: list[dict[str, Any]], returning: bool = False
) -> list[Any]:
    """Add ``rows``' counters to the rows of ``table`` with the same keys (inserting the missing
    ones); with ``returning``, the rows as they are now."""
    if not rows:
        return []
    counters = [c.name for c in table.columns if c.name not in keys and c.name != "local_weekday"]
    dialect = conn.dialect.name
    module = sqlite if dialect == "sqlite" else postgresql if dialect == "postgresql" else None
    if module is None:
        raise RuntimeError(f"rollups need SQLite or PostgreSQL, not {dialect}")
    stmt = module.insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=keys, set_={c: table.c[c] + stmt.excluded[c] for c in counters}
    )
    if returning:
        return list(conn.execute(stmt.returning(*table.columns), rows))
    conn.execute(stmt, rows)
    return []


def monday_of(day: date) -> date:
    """The Monday of ``day``'s Monday–Sunday week."""
    return day - timedelta(days=day.weekday())


def change(conn: Connection, removed: Iterable[Any] = (), added: Iterable[Any] = ()) -> None:
    """Remove the contribution of the ``removed`` session rows and add that of the ``added`` ones in
    one pass: every rollup row is written once, tables and keys in a fixed order, so concurrent
    writers on PostgreSQL lock rollup rows in the same order and cannot deadlock."""
    day: dict[tuple, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0, 0])
    hour: dict[tuple, int] = defaultdict(int)
    stress: dict[tuple, int] = defaultdict(int)
    bucket: dict[tuple, int] = defaultdict(int)
    officer: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for sign, rows in ((-1, removed), (1, added)):
        for row in rows:
            r = row if isinstance(row, dict) else row._mapping
            rated = r["stress_pre"] is not None and r["stress_post"] is not None
            d = day[(r["station_id"], r["local_date"])]
            d[0] += sign
            d[1] += sign * (r["status"] == "completed")
            d[4] += sign * (r["quality_flagged"] is True)
            if r["duration_s"] is not None:
                d[2] += sign * r["duration_s"]
                d[3] += sign
                bucket[(r["local_date"], bucket_of(r["duration_s"]))] += sign
            hour[(r["local_date"], r["local_hour"], r["local_weekday"])] += sign
            if rated:
                stress[(r["local_date"], r["stress_post"] - r["stress_pre"])] += sign
            o = officer[(monday_of(r["local_date"]), r["officer_code"])]
            o[0] += sign
            o[1] += sign * rated
    _days(conn, day)
    _upsert(
        conn,
        db.rollup_hour,
        ["local_date", "local_hour"],
        [
            {"local_date": dt, "local_hour": h, "local_weekday": wd, "n": n}
            for (dt, h, wd), n in sorted(hour.items())
        ],
    )
    _upsert(
        conn,
        db.rollup_change,
        ["local_date", "change"],
        [{"local_date": dt, "change": c, "n": n} for (dt, c), n in sorted(stress.items())],
    )
    _upsert(
        conn,
        db.rollup_bucket,
        ["local_date", "bucket"],
        [{"local_date": dt, "bucket": b, "n": n} for (dt, b), n in sorted(bucket.items())],
    )
    _officer_weeks(conn, officer)


DAY_COLUMNS = ("n", "completed", "duration_sum", "n_duration", "flagged")


def _days(conn: Connection, day: dict[tuple, list[float]]) -> None:
    """(station, day) -> DAY_COLUMNS deltas into the station-day rollup, and summed into the
    all-stations day rollup and the station-week rollup."""
    dates: dict[date, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0, 0])
    station_weeks: dict[tuple, int] = defaultdict(int)
    for (station, dt), v in day.items():
        dates[dt] = [a + b for a, b in zip(dates[dt], v, strict=True)]
        station_weeks[(monday_of(dt), station)] += int(v[0])
    _upsert(
        conn,
        db.rollup_day,
        ["station_id", "local_date"],
        [
            {"station_id": s, "local_date": dt, **dict(zip(DAY_COLUMNS, v, strict=True))}
            for (s, dt), v in sorted(day.items())
        ],
    )
    _upsert(
        conn,
        db.rollup_date,
        ["local_date"],
        [{"local_date": dt, **dict(zip(DAY_COLUMNS, v, strict=True))} for dt, v in sorted(dates.items())],
    )
    _station_weeks(conn, station_weeks)


def _station_weeks(conn: Connection, deltas: dict[tuple, int]) -> None:
    _upsert(
        conn,
        db.rollup_station_week,
        ["monday", "station_id"],
        [{"monday": m, "station_id": s, "n": n} for (m, s), n in sorted(deltas.items()) if n],
    )


def _officer_weeks(conn: Connection, deltas: dict[tuple, list[int]]) -> None:
    """Add (Monday, officer) -> [sessions, rated sessions] to the officer-week rollup, and count in
    the week rollup each officer whose week goes from no (rated) session to some, or back. The
    upsert returns each row as this transaction left it (PostgreSQL holds the row lock until the
    commit), so the transitions are exact whatever runs at the same time."""
    changed = [(key, v) for key, v in sorted(deltas.items()) if v != [0, 0]]
    codes = sorted({c for (_, c), v in changed if v[0] > 0})
    if codes:
        module = postgresql if conn.dialect.name == "postgresql" else sqlite
        registry = module.insert(db.rollup_officer).on_conflict_do_nothing(index_elements=["officer_code"])
        conn.execute(registry, [{"officer_code": c} for c in codes])
    now = _upsert(
        conn,
        db.rollup_officer_week,
        ["monday", "officer_code"],
        [{"monday": m, "officer_code": c, "n": v[0], "rated": v[1]} for (m, c), v in changed],
        returning=True,
    )
    weeks: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for row in now:
        dn, drated = deltas[(row.monday, row.officer_code)]
        for i, (new, delta) in enumerate(((row.n, dn), (row.rated, drated))):
            weeks[row.monday][i] += (new > 0) - (new - delta > 0)
    _upsert(
        conn,
        db.rollup_week,
        ["monday"],
        [
            {"monday": m, "officers": v[0], "rated_officers": v[1]}
            for m, v in sorted(weeks.items())
            if v != [0, 0]
        ],
    )


def drop_before(conn: Connection, cutoff: date) -> None:
    """Forget the days before ``cutoff`` (retention deleted their sessions); the week holding
    ``cutoff`` keeps only its sessions from ``cutoff`` on. The officer codes stay registered."""
    for table in db.ROLLUPS:
        if "local_date" in table.c:
            conn.execute(delete(table).where(table.c.local_date < cutoff))
    start = monday_of(cutoff)
    for week in (db.rollup_officer_week, db.rollup_week, db.rollup_station_week):
        conn.execute(delete(week).where(week.c.monday <= start))
    s = db.sessions
    kept = select(*_columns()).where(s.c.local_date >= cutoff, s.c.local_date < start + timedelta(days=7))
    officer: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    station_weeks: dict[tuple, int] = defaultdict(int)
    for r in conn.execute(kept).mappings():
        o = officer[(start, r["officer_code"])]
        o[0] += 1
        o[1] += r["stress_pre"] is not None and r["stress_post"] is not None
        station_weeks[(start, r["station_id"])] += 1
    _station_weeks(conn, station_weeks)
    _officer_weeks(conn, officer)


def _columns() -> list[Any]:
    """The session columns the rollups are made of."""
    names = ("station_id", "local_date", "local_hour", "local_weekday", "status", "duration_s")
    return [
        db.sessions.c[c] for c in (*names, "stress_pre", "stress_post", "officer_code", "quality_flagged")
    ]


def rebuild(conn: Connection) -> None:
    """Recompute every rollup from the sessions table."""
    for table in db.ROLLUPS:
        conn.execute(delete(table))
    batch: list[Any] = []
    for row in conn.execute(select(*_columns())):
        batch.append(row)
        if len(batch) >= 20_000:
            change(conn, added=batch)
            batch = []
    change(conn, added=batch)


def totals(conn: Connection) -> int:
    """Sessions counted by the rollups (equals the sessions table's count when in step)."""
    return int(conn.execute(select(func.coalesce(func.sum(db.rollup_day.c.n), 0))).scalar_one())
