"""Retention: sessions, calibrations and audit lines older than the settings allow are deleted (the
app runs this hourly and whenever the settings are saved)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection, delete, text

from admin_web import db, outcome_rollup, rollup
from admin_web.security import utcnow

RETENTION_LOCK = 0x0A515E7E  # the PostgreSQL advisory lock that serialises retention runs


def apply_retention(conn: Connection) -> tuple[int, int]:
    """Delete sessions and calibrations, and audit lines, older than the retention settings; returns
    (sessions and calibrations removed, audit lines removed)."""
    if conn.dialect.name == "postgresql":  # worker processes run this each: one at a time
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": RETENTION_LOCK})
    settings = db.get_settings(conn)
    cutoff = utcnow().date() - timedelta(days=int(settings["retention_days"]))
    removed = conn.execute(delete(db.sessions).where(db.sessions.c.local_date < cutoff)).rowcount
    rollup.drop_before(conn, cutoff)
    outcome_rollup.drop_before(conn, cutoff)
    removed += conn.execute(delete(db.calibrations).where(db.calibrations.c.performed_at < cutoff)).rowcount
    audit_cutoff = utcnow() - timedelta(days=int(settings["audit_retention_days"]))
    removed_audit = conn.execute(delete(db.audit).where(db.audit.c.at < audit_cutoff)).rowcount
    return removed, removed_audit
