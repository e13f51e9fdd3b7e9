"""Storage: SQLAlchemy Core tables, engine creation (SQLite file or PostgreSQL URL) and settings.

The schema is created and upgraded by :mod:`admin_web.db_migrations`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    select,
)

metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

stations = Table(
    "stations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(500), nullable=False, default=""),
    Column("status", String(16), nullable=False),  # discovered | pending | approved | revoked
    Column("claim_hash", String(64)),
    Column("pairing_code", String(6)),
    Column("token_hash", String(64), unique=True),
    Column("token_issued", Boolean, nullable=False, default=False),
    Column("approved_by", String(64)),
    Column("first_seen_at", DateTime, nullable=False),
    Column("approved_at", DateTime),
    Column("requested_at", DateTime),  # the pending pairing request's time (migration 5)
    Column("last_heartbeat_at", DateTime),
    Column("last_sync_at", DateTime),
    Column("state", String(64)),
    Column("software_version", String(40)),
    Column("free_disk_bytes", BigInteger),
    Column("backlog", Integer),
    Column("sensors", JSON),
)

# the officers' optional PINs (argon2 hashes), reached by stations with their token; no page shows
# them (admin migration 9)
officer_pins = Table(
    "officer_pins",
    metadata,
    Column("officer_code", String(64), primary_key=True),
    Column("pin_hash", String(200), nullable=False),
    Column("failures", Integer, nullable=False, default=0),
    Column("locked_until", DateTime),
    Column("set_at", DateTime, nullable=False),
    Column("set_by_station", String(64), nullable=False),
)

# how many times each station's kiosk suggested the counsellor, per station-local month: counts
# only, never which officer (admin migration 9)
reminder_counts = Table(
    "reminder_counts",
    metadata,
    Column("station_id", String(64), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("shown", Integer, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("uuid", String(36), primary_key=True),
    Column("station_id", String(64), nullable=False),
    Column("officer_code", String(64), nullable=False),
    Column("program", String(64), nullable=False),
    Column("started_at", DateTime, nullable=False),  # UTC
    Column("ended_at", DateTime),
    Column("local_date", Date, nullable=False),  # the station's local calendar day
    Column("local_hour", Integer, nullable=False),
    Column("local_weekday", Integer, nullable=False),  # Monday = 0
    Column("duration_s", Float),
    Column("status", String(16), nullable=False),
    Column("stress_pre", Integer),
    Column("stress_post", Integer),
    Column("mood_pre", Integer),
    Column("mood_post", Integer),
    Column("quality_verdict", String(8), nullable=False),
    Column("quality_usable", Float, nullable=False),
    Column("phases", JSON, nullable=False),
    Column("events", JSON, nullable=False),
    Column("received_at", DateTime, nullable=False),
    Column("updated_at", DateTime),  # the station's last change (migration 2)
    Column("content_hash", String(64)),  # SHA-256 of the summary as received (migration 2)
    Column("topic", String(16)),  # the officer's emotion-log tap (migration 5): k-anonymous counts only
    Column("quality_flagged", Boolean),  # a sensor was lost (migration 7); None from older stations
    Column("usable_feedback_min", Float),  # minutes of usable feedback (migration 7)
    # heart rate (bpm) and RMSSD (ms) at the end minus the resting baseline (admin_web.session_changes)
    Column("hr_change", Float),  # (migration 10)
    Column("rmssd_change", Float),  # (migration 10)
)
Index("ix_sessions_station_date", sessions.c.station_id, sessions.c.local_date)
Index("ix_sessions_received", sessions.c.received_at)
# The dashboard's count of sessions flagged for a lost sensor (migration 7).
Index("ix_sessions_flagged", sessions.c.local_date, sessions.c.station_id, sessions.c.quality_flagged)
# Covers every dashboard query: a date-range scan reads this index, never the wide rows.
Index(
    "ix_sessions_dashboard",
    sessions.c.local_date,
    sessions.c.station_id,
    sessions.c.local_weekday,
    sessions.c.local_hour,
    sessions.c.officer_code,
    sessions.c.status,
    sessions.c.duration_s,
    sessions.c.stress_pre,
    sessions.c.stress_post,
)

# Covers the outcome cards' one aggregate (admin_web.outcome_stats, migration 10).
Index(
    "ix_sessions_outcomes",
    sessions.c.local_date,
    sessions.c.station_id,
    sessions.c.officer_code,
    sessions.c.quality_verdict,
    sessions.c.quality_flagged,
    sessions.c.stress_pre,
    sessions.c.stress_post,
    sessions.c.duration_s,
    sessions.c.hr_change,
    sessions.c.rmssd_change,
)

calibrations = Table(
    "calibrations",
    metadata,
    Column("uuid", String(36), primary_key=True),
    Column("station_id", String(64), nullable=False, index=True),
    Column("device", String(64), nullable=False),
    Column("sensor", String(64), nullable=False),
    Column("performed_at", DateTime, nullable=False),
    Column("technician", String(64), nullable=False),
    Column("result", String(8), nullable=False),
    Column("values", JSON, nullable=False),
    Column("next_due", Date),
    Column("notes", Text, nullable=False),
    Column("received_at", DateTime, nullable=False),
)

# Rollups of sessions per station-local day, kept in step with `sessions` by admin_web.rollup, so a
# dashboard over a long range reads thousands of small rows, not every session.
rollup_day = Table(
    "rollup_day",
    metadata,
    Column("station_id", String(64), primary_key=True),
    Column("local_date", Date, primary_key=True),
    Column("n", Integer, nullable=False),
    Column("completed", Integer, nullable=False),
    Column("duration_sum", Float, nullable=False),
    Column("n_duration", Integer, nullable=False),
    Column("flagged", Integer, nullable=False, server_default="0"),  # a lost sensor (migration 11)
)
Index(  # covers the all-stations dashboard's date-range scan of the day rollups
    "ix_rollup_day_date",
    *(rollup_day.c[c] for c in ("local_date", "station_id", "n", "completed", "duration_sum", "n_duration")),
    rollup_day.c.flagged,
)
rollup_hour = Table(
    "rollup_hour",
    metadata,
    Column("local_date", Date, primary_key=True),
    Column("local_hour", Integer, primary_key=True),
    Column("local_weekday", Integer, nullable=False),
    Column("n", Integer, nullable=False),
)
rollup_change = Table(  # post - pre stress rating, rated sessions only
    "rollup_change",
    metadata,
    Column("local_date", Date, primary_key=True),
    Column("change", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
)
rollup_bucket = Table(  # durations in MEDIAN_BUCKET_S-wide buckets (admin_web.stats)
    "rollup_bucket",
    metadata,
    Column("local_date", Date, primary_key=True),
    Column("bucket", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
)
# Which officers used the stations in each Monday–Sunday week (migration 11), and how many distinct
# officers each week had (kept exact by admin_web.rollup from the 0 <-> 1 transitions of the first
# table): the dashboard's distinct officer counts read these, never the sessions.
rollup_officer_week = Table(
    "rollup_officer_week",
    metadata,
    Column("monday", Date, primary_key=True),
    Column("officer_code", String(64), primary_key=True),
    Column("n", Integer, nullable=False),
    Column("rated", Integer, nullable=False),  # sessions with both stress ratings
)
Index(  # one seek per officer: is there a week of theirs in the range?
    "ix_rollup_officer_week_code",
    rollup_officer_week.c.officer_code,
    rollup_officer_week.c.monday,
    rollup_officer_week.c.n,
    rollup_officer_week.c.rated,
)
rollup_week = Table(
    "rollup_week",
    metadata,
    Column("monday", Date, primary_key=True),
    Column("officers", Integer, nullable=False),
    Column("rated_officers", Integer, nullable=False),
)
# All stations per day, and each station per week (migration 11): the totals, the per-day chart and
# the per-station chart of the all-stations dashboard read a few hundred or thousand rows of these.
rollup_date = Table(
    "rollup_date",
    metadata,
    Column("local_date", Date, primary_key=True),
    Column("n", Integer, nullable=False),
    Column("completed", Integer, nullable=False),
    Column("duration_sum", Float, nullable=False),
    Column("n_duration", Integer, nullable=False),
    Column("flagged", Integer, nullable=False),
)
rollup_station_week = Table(
    "rollup_station_week",
    metadata,
    Column("monday", Date, primary_key=True),
    Column("station_id", String(64), primary_key=True),
    Column("n", Integer, nullable=False),
)
# Every officer code ever stored (migration 11): where the distinct-officer count starts its seeks.
rollup_officer = Table("rollup_officer", metadata, Column("officer_code", String(64), primary_key=True))
ROLLUPS = (
    rollup_day,
    rollup_hour,
    rollup_change,
    rollup_bucket,
    rollup_officer_week,
    rollup_week,
    rollup_date,
    rollup_station_week,
    rollup_officer,
)
# The outcome cards' sums per station-day (admin_web.outcome_rollup, migration 10). Low-quality
# sessions (a sensor lost, or a red verdict) are only counted; the sums are of the others.
rollup_outcome = Table(
    "rollup_outcome",
    metadata,
    Column("station_id", String(64), primary_key=True),
    Column("local_date", Date, primary_key=True),
    Column("low_quality", Integer, nullable=False),
    Column("rated", Integer, nullable=False),
    Column("stress_pre_sum", Integer, nullable=False),
    Column("stress_post_sum", Integer, nullable=False),
    Column("lower", Integer, nullable=False),
    Column("hr_n", Integer, nullable=False),
    Column("hr_sum", Float, nullable=False),
    Column("rmssd_n", Integer, nullable=False),
    Column("rmssd_sum", Float, nullable=False),
)
Index("ix_sessions_duration", sessions.c.duration_s, sessions.c.local_date)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("target", String(200), nullable=False),
)

# Rate limits and back-off (failed logins, pairing requests) per scope and key (migration 11): shared by
# every worker process of the admin. Times are seconds since the epoch.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("scope", String(16), primary_key=True),
    Column("key", String(400), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("last", Float, nullable=False),
    Column("blocked_until", Float, nullable=False),
)
Index("ix_rate_limits_last", rate_limits.c.scope, rate_limits.c.last)

# Stations zeroconf sees on the network (migration 11), written by the serving process that browses
# and read by every worker for the Stations page.
discovered_stations = Table(
    "discovered_stations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("info", JSON, nullable=False),
    Column("seen_at", DateTime, nullable=False),
)

DEFAULT_SETTINGS = {
    "k_anonymity": "5",
    "target_per_day": "4.2",
    "retention_days": "1095",
    "audit_retention_days": "1825",
    "time_zone": "Asia/Shanghai",  # the admin's time zone for every time shown (IANA name)
}


def default_url(data_dir: Path) -> str:
    """The embedded default: a SQLite file in ``data_dir``."""
    return f"sqlite:///{data_dir / 'oasis-admin.sqlite'}"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: the dashboard index stays in memory
            cursor.execute("PRAGMA mmap_size=268435456")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def get_settings(conn: Connection) -> dict[str, str]:
    """All settings as strings; a setting added after the database was made has its default."""
    return {**DEFAULT_SETTINGS, **{row.key: row.value for row in conn.execute(select(settings))}}


def session_count(conn: Connection) -> int:
    """How many sessions the server holds."""
    return int(conn.execute(select(func.count()).select_from(sessions)).scalar_one())
