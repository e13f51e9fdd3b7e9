"""Schema migrations of the admin database: an ordered list of functions; ``schema_version`` records
how many have run. Each runs in its own transaction, so an interrupted upgrade resumes where it stopped.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy import (
    Boolean,
    Connection,
    DateTime,
    Engine,
    Float,
    String,
    bindparam,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy import text as text_sql

from admin_web import outcome_rollup, rollup
from admin_web.db import (
    DEFAULT_SETTINGS,
    ROLLUPS,
    audit,
    calibrations,
    discovered_stations,
    officer_pins,
    rate_limits,
    reminder_counts,
    rollup_day,
    rollup_officer_week,
    rollup_outcome,
    schema_version,
    sessions,
    settings,
    stations,
    users,
    web_sessions,
)
from admin_web.fleet_tables import FLEET_TABLES
from admin_web.security import utcnow
from admin_web.session_changes import session_changes


def _create_session_indexes(conn: Connection) -> None:
    """Create the sessions table's indexes whose columns it has by now (an index on a column a later
    migration adds is made by that migration)."""
    present = {c["name"] for c in inspect(conn).get_columns("sessions")}
    for index in sessions.indexes:
        if {c.name for c in index.columns} <= present:
            index.create(conn, checkfirst=True)


def _m1_initial(conn: Connection) -> None:
    for table in (settings, users, web_sessions, stations, sessions, calibrations, audit):
        table.create(conn, checkfirst=True)
    _create_session_indexes(conn)
    rows = [{"key": k, "value": v} for k, v in DEFAULT_SETTINGS.items()]
    rows.append({"key": "instance_id", "value": secrets.token_hex(8)})
    conn.execute(insert(settings), rows)


def _m2_session_revisions(conn: Connection) -> None:
    """Sessions can be updated by the station (ratings after the end): keep its change time and a
    hash of what was received, so a resend of the same content stays a no-op."""
    present = {c["name"] for c in inspect(conn).get_columns("sessions")}
    for name, kind in (("updated_at", DateTime()), ("content_hash", String(64))):
        if name not in present:
            conn.execute(
                text_sql(f"ALTER TABLE sessions ADD COLUMN {name} {kind.compile(dialect=conn.dialect)}")
            )


def _m3_indexes(conn: Connection) -> None:
    """Indexes added since version 1 (the dashboard's covering index, receipt time)."""
    _create_session_indexes(conn)


def _m4_rollups(conn: Connection) -> None:
    """Dashboard rollups (filled from the sessions already stored by migration 11, which added
    columns the fill reads)."""
    for table in ROLLUPS:
        table.create(conn, checkfirst=True)
    _create_session_indexes(conn)


def _m5_pairing_requests(conn: Connection) -> None:
    """Pending pairing requests expire: keep when each was made (the existing ones from now)."""
    if "requested_at" not in {c["name"] for c in inspect(conn).get_columns("stations")}:
        conn.execute(
            text_sql(
                f"ALTER TABLE stations ADD COLUMN requested_at {DateTime().compile(dialect=conn.dialect)}"
            )
        )
    conn.execute(update(stations).where(stations.c.status == "pending").values(requested_at=utcnow()))


def _m6_session_topics(conn: Connection) -> None:
    """The emotion log's tap sent with each session (wire_v1.SessionSummary.topic)."""
    if "topic" not in {c["name"] for c in inspect(conn).get_columns("sessions")}:
        conn.execute(
            text_sql(f"ALTER TABLE sessions ADD COLUMN topic {String(16).compile(dialect=conn.dialect)}")
        )


def _m7_sensor_loss(conn: Connection) -> None:
    """The quality flag (a sensor was lost) and the minutes of usable feedback of each session."""
    present = {c["name"] for c in inspect(conn).get_columns("sessions")}
    for name, kind in (("quality_flagged", Boolean()), ("usable_feedback_min", Float())):
        if name not in present:
            conn.execute(
                text_sql(f"ALTER TABLE sessions ADD COLUMN {name} {kind.compile(dialect=conn.dialect)}")
            )
    _create_session_indexes(conn)


def _m10_session_changes(conn: Connection) -> None:
    """Each session's change in heart rate and RMSSD from its resting baseline (the dashboard's
    outcome cards), computed for the sessions already stored; the outcome rollup, built from them."""
    present = {c["name"] for c in inspect(conn).get_columns("sessions")}
    for name in ("hr_change", "rmssd_change"):
        if name not in present:
            kind = Float().compile(dialect=conn.dialect)
            conn.execute(text_sql(f"ALTER TABLE sessions ADD COLUMN {name} {kind}"))
    rows = conn.execute(select(sessions.c.uuid, sessions.c.phases)).all()
    for start in range(0, len(rows), 1000):
        batch = [(uuid, session_changes(phases or [])) for uuid, phases in rows[start : start + 1000]]
        conn.execute(
            update(sessions)
            .where(sessions.c.uuid == bindparam("key"))
            .values(hr_change=bindparam("hr"), rmssd_change=bindparam("rmssd")),
            [{"key": u, "hr": c["hr_change"], "rmssd": c["rmssd_change"]} for u, c in batch],
        )
    _create_session_indexes(conn)
    rollup_outcome.create(conn, checkfirst=True)
    outcome_rollup.rebuild(conn)


def _m8_fleet_config(conn: Connection) -> None:
    """Remote configuration (admin_web/fleet_config.py): rooms, settings per room and station,
    numbered versions, protocol library files, remote actions, station reports, diagnostics."""
    for table in FLEET_TABLES:
        table.create(conn, checkfirst=True)  # with its indexes


def _m9_officer_pins_and_reminder_counts(conn: Connection) -> None:
    """Admin migration 9: the officers' PIN
    hashes, shared by the stations of the room, and the kiosks' monthly reminder counts."""
    officer_pins.create(conn, checkfirst=True)
    reminder_counts.create(conn, checkfirst=True)


def _m11_shared_state(conn: Connection) -> None:
    """Scale out: rate limits and zeroconf discoveries in the database (shared by worker processes);
    per-day counts of flagged sessions and the officers of each week in the rollups, refilled."""
    for table in (rate_limits, discovered_stations, *ROLLUPS):
        table.create(conn, checkfirst=True)
    if "flagged" not in {c["name"] for c in inspect(conn).get_columns("rollup_day")}:
        conn.execute(text_sql("ALTER TABLE rollup_day ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0"))
    for table in (rate_limits, rollup_day, rollup_officer_week):
        for index in table.indexes:
            index.create(conn, checkfirst=True)
    rollup.rebuild(conn)


MIGRATIONS: list[Callable[[Connection], None]] = [
    _m1_initial,
    _m2_session_revisions,
    _m3_indexes,
    _m4_rollups,
    _m5_pairing_requests,
    _m6_session_topics,
    _m7_sensor_loss,
    _m8_fleet_config,
    _m9_officer_pins_and_reminder_counts,
    _m10_session_changes,  # issue 17 (admin in the users' language)
    _m11_shared_state,  # issue 17 (scale out: PostgreSQL and worker processes)
]


def current_version(conn: Connection) -> int:
    """How many migrations have run on this database (0 for an empty one)."""
    if not inspect(conn).has_table("schema_version"):
        return 0
    return int(conn.execute(select(schema_version.c.version)).scalar_one_or_none() or 0)


def migrate(engine: Engine) -> int:
    """Run the migrations this database has not had yet; return the resulting version."""
    with engine.begin() as conn:
        schema_version.create(conn, checkfirst=True)
        if conn.execute(select(schema_version.c.version)).first() is None:
            conn.execute(insert(schema_version).values(version=0))
    while True:
        with engine.begin() as conn:
            version = current_version(conn)
            if version >= len(MIGRATIONS):
                return version
            MIGRATIONS[version](conn)
            conn.execute(update(schema_version).values(version=version + 1))
