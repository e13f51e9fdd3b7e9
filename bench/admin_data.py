"""A province-sized admin database for the benchmarks: 1 000 000 sessions from 200 stations over 480
days, written straight into the tables (executemany on SQLite, COPY on PostgreSQL) rather than through
the API, and cached as a SQLite file in the temp directory so later runs start in seconds.

The rows look like uploads (same columns, station-local day and hour, ratings, durations, flags); the
rollups are rebuilt from them by :func:`admin_web.rollup.rebuild`, the code the migration runs.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Boolean, Engine, text

from admin_web import db, db_migrations, outcome_rollup, rollup

VERSION = 4  # bump when the rows or the schema they need change: the cache is rebuilt
END = date(2026, 6, 30)
DAYS = 480
STATIONS = 200
PER_STATION = 5000
OFFICERS_PER_STATION = 40
COLUMNS = (
    "uuid",
    "station_id",
    "officer_code",
    "program",
    "started_at",
    "ended_at",
    "local_date",
    "local_hour",
    "local_weekday",
    "duration_s",
    "status",
    "stress_pre",
    "stress_post",
    "mood_pre",
    "mood_post",
    "quality_verdict",
    "quality_usable",
    "phases",
    "events",
    "received_at",
    "updated_at",
    "content_hash",
    "topic",
    "quality_flagged",
    "usable_feedback_min",
    "hr_change",
    "rmssd_change",
)
PROGRAMS = ("sunset-lake", "forest-breath", "night-sky")
TOPICS = ("work", "family", "health", None)


def _rows(station: int) -> Iterator[tuple[object, ...]]:
    """One station's sessions, as tuples in COLUMNS order (times as ISO text, as SQLite stores them)."""
    rng = random.Random(f"bench-{station}")
    station_id = f"room-{station:03d}"
    received = "2026-07-01 00:00:00.000000"
    for _ in range(PER_STATION):
        day = END - timedelta(days=rng.randrange(DAYS))
        hour = rng.randrange(8, 20)
        local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60))
        started = local - timedelta(hours=8)  # the stations are in UTC+8
        status = rng.choices(("completed", "aborted", "incomplete"), weights=(85, 10, 5))[0]
        minutes = max(rng.gauss(22, 4) if status == "completed" else rng.uniform(2, 12), 1.0)
        duration = round(minutes * 60, 3)
        pre = rng.randint(3, 9)
        post = (
            max(0, min(10, pre - rng.choice((-1, 0, 1, 1, 2, 2, 3, 3, 4)))) if status == "completed" else None
        )
        yield (
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            station_id,
            f"OF{station:03d}{rng.randrange(OFFICERS_PER_STATION):02d}",
            rng.choice(PROGRAMS),
            started.isoformat(sep=" ", timespec="microseconds"),
            (started + timedelta(seconds=duration)).isoformat(sep=" ", timespec="microseconds"),
            day.isoformat(),
            hour,
            day.weekday(),
            duration,
            status,
            pre,
            post,
            rng.randint(3, 8),
            rng.randint(4, 9) if post is not None else None,
            rng.choices(("green", "amber", "red"), weights=(80, 15, 5))[0],
            round(rng.uniform(0.7, 1.0), 3),
            "[]",
            "[]",
            received,
            None,
            None,
            rng.choice(TOPICS),
            rng.random() < 0.03,
            round(minutes * rng.uniform(0.7, 1.0), 2),
            round(rng.gauss(-6, 4), 1),
            round(rng.gauss(8, 6), 1),
        )


def _build(path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{path}")
    db_migrations.migrate(engine)
    engine.dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    insert = f"INSERT INTO sessions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    for station in range(STATIONS):
        conn.executemany(insert, _rows(station))
        conn.execute(
            "INSERT INTO stations (id, name, status, token_issued, first_seen_at) "
            "VALUES (?, ?, 'approved', 1, '2025-01-01 00:00:00')",
            (f"room-{station:03d}", f"room-{station:03d}"),
        )
    conn.commit()
    conn.close()
    engine = db.make_engine(f"sqlite:///{path}")
    with engine.begin() as sa_conn:
        rollup.rebuild(sa_conn)
        outcome_rollup.rebuild(sa_conn)
        sa_conn.execute(text("ANALYZE"))
    engine.dispose()


def million_sqlite(target: Path) -> Path:
    """A copy of the cached 1M-session SQLite database at ``target`` (built on the first call)."""
    cache = Path(tempfile.gettempdir()) / "oasis-bench-cache" / f"admin-1m-v{VERSION}.sqlite"
    if not cache.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        _build(partial)
        partial.rename(cache)
    shutil.copyfile(cache, target)
    return target


def copy_to_postgresql(source: Path, engine: Engine) -> None:
    """Load the sessions, stations and rollups of the SQLite file ``source`` into the migrated
    PostgreSQL database of ``engine`` with COPY, then VACUUM ANALYZE it."""
    tables = ["stations", "sessions", db.rollup_outcome.name, *(t.name for t in db.ROLLUPS)]
    with sqlite3.connect(source) as lite, engine.raw_connection() as raw:
        pg = raw.driver_connection
        assert pg is not None
        with pg.cursor() as cursor:
            for table in tables:
                columns = [c.name for c in db.metadata.tables[table].columns]
                names = ", ".join(f'"{c}"' for c in columns)
                booleans = {
                    i for i, c in enumerate(db.metadata.tables[table].columns) if isinstance(c.type, Boolean)
                }
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in lite.execute(f"SELECT {names} FROM {table}"):
                        copy.write_row(
                            [bool(v) if i in booleans and v is not None else v for i, v in enumerate(row)]
                        )
        pg.commit()
        pg.autocommit = True
        pg.execute("VACUUM ANALYZE")
        pg.autocommit = False
