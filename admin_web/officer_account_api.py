"""The officer's account at the admin, for the stations of the room (each with its own token):

- ``POST /api/v1/officer-pin``: an officer's optional PIN, kept here as an argon2 hash so that a PIN
  set at one station is asked for and checked at every other. The admin applies the back-off
  (``wire_v1.pin_wait_s``). No page shows PINs or hashes; the audit log records each set and each
  try with the station and the outcome, never the PIN and never the officer's code.
- ``POST /api/v1/reminder-counts``: how many times a station's kiosk suggested the counsellor per
  month, a count without officers; the topics page shows the room's sums k-anonymously.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Request
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from admin_web import db
from admin_web.api import StationId, engine_of
from admin_web.audit_log import record
from admin_web.security import utcnow
from wire import v1 as wire_v1

router = APIRouter(prefix=wire_v1.API_PREFIX, tags=["station"])
_hasher = PasswordHasher()
_ERRORS: dict[int | str, dict[str, Any]] = {401: {"description": "missing, unknown or revoked station token"}}


def _audit(conn: Connection, station_id: str, action: str) -> None:
    record(conn, f"station:{station_id}", action, "officer PIN")  # no code, no PIN


@router.post(wire_v1.OFFICER_PIN_PATH, response_model=wire_v1.OfficerPinAnswer, responses=_ERRORS)
def officer_pin(
    body: wire_v1.OfficerPinRequest, station_id: StationId, request: Request
) -> wire_v1.OfficerPinAnswer:
    """Whether the officer has a PIN, set one, or check a try (see ``wire_v1.OfficerPinRequest``)."""
    pins = db.officer_pins.c
    try:
        with engine_of(request).begin() as conn:
            row = conn.execute(select(db.officer_pins).where(pins.officer_code == body.officer_code)).first()
            if body.action == "status":
                return wire_v1.OfficerPinAnswer(has_pin=row is not None)
            pin = body.pin or ""  # set and verify always carry one (OfficerPinRequest checks it)
            if body.action == "set":
                return _set(conn, row, body.officer_code, pin, station_id)
            return _verify(conn, row, pin, station_id)
    except IntegrityError:  # another station set this officer's PIN at the same moment
        return wire_v1.OfficerPinAnswer(has_pin=True, outcome="exists")


def _set(
    conn: Connection, row: Any, officer_code: str, pin: str, station_id: str
) -> wire_v1.OfficerPinAnswer:
    if row is not None:  # a PIN is changed only by whoever knows it: never overwritten from a station
        _audit(conn, station_id, "officer_pin_set_refused")
        return wire_v1.OfficerPinAnswer(has_pin=True, outcome="exists")
    conn.execute(
        insert(db.officer_pins).values(
            officer_code=officer_code,
            pin_hash=_hasher.hash(pin),
            failures=0,
            locked_until=None,
            set_at=utcnow(),
            set_by_station=station_id,
        )
    )
    _audit(conn, station_id, "officer_pin_set")
    return wire_v1.OfficerPinAnswer(has_pin=True, outcome="saved")


def _verify(conn: Connection, row: Any, pin: str, station_id: str) -> wire_v1.OfficerPinAnswer:
    if row is None:
        return wire_v1.OfficerPinAnswer(has_pin=False)
    now = utcnow()
    if row.locked_until is not None and now < row.locked_until:
        _audit(conn, station_id, "officer_pin_locked")
        wait = (row.locked_until - now).total_seconds()
        return wire_v1.OfficerPinAnswer(has_pin=True, outcome="locked", wait_s=wait)
    where = db.officer_pins.c.officer_code == row.officer_code
    right = _pin_matches(row.pin_hash, pin)
    if right:
        conn.execute(update(db.officer_pins).where(where).values(failures=0, locked_until=None))
        _audit(conn, station_id, "officer_pin_right")
        return wire_v1.OfficerPinAnswer(has_pin=True, outcome="right")
    failures = row.failures + 1
    wait = wire_v1.pin_wait_s(failures)
    until = now + timedelta(seconds=wait) if wait else None
    conn.execute(update(db.officer_pins).where(where).values(failures=failures, locked_until=until))
    _audit(conn, station_id, "officer_pin_wrong")
    return wire_v1.OfficerPinAnswer(has_pin=True, outcome="locked" if wait else "wrong", wait_s=wait)


def _pin_matches(pin_hash: str, pin: str) -> bool:
    try:
        return bool(_hasher.verify(pin_hash, pin))
    except (VerificationError, InvalidHashError):
        return False


@router.post(wire_v1.REMINDER_COUNTS_PATH, response_model=wire_v1.ReminderCountsAck, responses=_ERRORS)
def reminder_counts(
    body: wire_v1.ReminderCounts, station_id: StationId, request: Request
) -> wire_v1.ReminderCountsAck:
    """Store the station's monthly totals, each replacing what it sent for that month before."""
    c = db.reminder_counts.c
    now = utcnow()
    with engine_of(request).begin() as conn:
        for m in body.months:
            conn.execute(delete(db.reminder_counts).where(c.station_id == station_id, c.month == m.month))
            conn.execute(
                insert(db.reminder_counts).values(
                    station_id=station_id, month=m.month, shown=m.shown, updated_at=now
                )
            )
    return wire_v1.ReminderCountsAck(stored=len(body.months))
