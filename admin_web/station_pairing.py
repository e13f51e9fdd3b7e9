"""An admin's decisions on stations: approve a pending station (its pairing code must match the one
the kiosk shows), revoke one, clear every pending request; and the expiry of pending requests. The
decisions are audited; the Stations page and the embedded demo admin call these, so there is one way
to do each.

Withdrawing a pending request (cleared or expired) deletes a station that was never approved (it has
no data) and puts one that was approved before back to ``revoked``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, update

from admin_web import db
from admin_web.audit_log import record
from admin_web.security import utcnow


def approve_station(conn: Connection, station_id: str, pairing_code: str, admin: str) -> bool:
    """Approve ``station_id`` if it is pending with ``pairing_code``; False when it is not. The station
    receives its token at its next pairing request."""
    approved = conn.execute(
        update(db.stations)
        .where(
            db.stations.c.id == station_id,
            db.stations.c.status == "pending",
            db.stations.c.pairing_code == pairing_code,
        )
        .values(status="approved", approved_by=admin, approved_at=utcnow(), token_issued=False)
    )
    if approved.rowcount != 1:
        return False
    record(conn, admin, "approve", f"station {station_id}")
    return True


def revoke_station(conn: Connection, station_id: str, admin: str) -> bool:
    """Revoke ``station_id``: its token stops working and it must pair again; False if unknown."""
    revoked = conn.execute(
        update(db.stations)
        .where(db.stations.c.id == station_id)
        .values(status="revoked", token_hash=None, token_issued=False, claim_hash=None)
    )
    if revoked.rowcount != 1:
        return False
    record(conn, admin, "revoke", f"station {station_id}")
    return True


def _withdraw_pending(conn: Connection, *conditions: object) -> int:
    never_approved = conn.execute(
        delete(db.stations).where(
            db.stations.c.status == "pending",
            db.stations.c.approved_at.is_(None),
            *conditions,  # type: ignore[arg-type]
        )
    ).rowcount
    re_requests = conn.execute(
        update(db.stations)
        .where(db.stations.c.status == "pending", *conditions)  # type: ignore[arg-type]
        .values(status="revoked", claim_hash=None, pairing_code=None, token_hash=None, token_issued=False)
    ).rowcount
    return int(never_approved) + int(re_requests)


def clear_pending(conn: Connection, admin: str) -> int:
    """Withdraw every pending pairing request (a flood, a hijack attempt); returns how many. Real
    stations ask again at their next sync step."""
    cleared = _withdraw_pending(conn)
    record(conn, admin, "clear_pending", f"{cleared} pairing requests")
    return cleared


def expire_pending(conn: Connection, requested_before: datetime) -> int:
    """Withdraw pending requests made before ``requested_before``; returns how many."""
    return _withdraw_pending(conn, db.stations.c.requested_at < requested_before)
