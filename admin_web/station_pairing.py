"""An admin's decisions on stations: approve a pending station (its pairing code must match the one
the kiosk shows) or revoke one. Both are audited; the Stations page and the embedded demo admin call
these, so there is one way to do each."""

from __future__ import annotations

from sqlalchemy import Connection, update

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
