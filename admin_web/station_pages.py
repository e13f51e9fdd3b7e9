"""The Stations page: paired stations with heartbeat, sync and calibration state, stations seen on
the network that have not asked to pair, the approve form (the admin types the code the station's
screen shows: the page never prints it), revoking with a confirmation, and clearing pending requests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, select

from admin_web import db, fleet_config
from admin_web.audit_log import record
from admin_web.page_access import AdminForm, AdminUser, AnyUser, FormText, engine_of
from admin_web.page_render import render
from admin_web.security import utcnow
from admin_web.station_pairing import approve_station, clear_pending, revoke_station

ONLINE_WITHIN = timedelta(seconds=90)


def calibration_due(conn: Connection) -> dict[str, date | None]:
    """Per station, the earliest next-due date among the latest calibration of each device and sensor."""
    latest: dict[tuple[str, str, str], Any] = {}
    for row in conn.execute(
        select(
            db.calibrations.c.station_id,
            db.calibrations.c.device,
            db.calibrations.c.sensor,
            db.calibrations.c.next_due,
        ).order_by(db.calibrations.c.performed_at)
    ):
        latest[(row.station_id, row.device, row.sensor)] = row.next_due
    due: dict[str, date | None] = {}
    for (station, _device, _sensor), next_due in latest.items():
        earliest = due.get(station)
        if next_due is not None and (earliest is None or next_due < earliest):
            due[station] = next_due
    return due


def stations_page(request: Request, user: AnyUser) -> HTMLResponse:
    """Paired and pending stations, and unpaired ones zeroconf sees."""
    now = utcnow()
    with engine_of(request).begin() as conn:
        rows = conn.execute(select(db.stations).order_by(db.stations.c.id)).all()
        due = calibration_due(conn)
        fleet = fleet_config.overview(conn)
        record(conn, user.name, "view", "stations")
    discovered = request.app.state.discovered_stations()
    known = {r.id for r in rows}
    soon = now.date() + timedelta(days=7)
    listing = []
    for r in rows:
        next_due = due.get(r.id)
        listing.append(
            {
                "row": r,
                "online": r.last_heartbeat_at is not None and now - r.last_heartbeat_at <= ONLINE_WITHIN,
                "on_network": r.id in discovered,
                "due": next_due,
                "due_now": next_due is not None and next_due <= soon,
            }
        )
    unpaired = [info for sid, info in sorted(discovered.items()) if sid not in known]
    pending = sum(r.status == "pending" for r in rows)
    return render(
        request, "stations.html", user, listing=listing, unpaired=unpaired, pending=pending, fleet=fleet
    )


def approve(station_id: str, request: Request, user: AdminForm, pairing_code: FormText = "") -> Response:
    """Approve a pending station whose pairing code the admin typed."""
    with engine_of(request).begin() as conn:
        if not approve_station(conn, station_id, pairing_code, user.name):
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                "station is not pending with that pairing code: check the code on the station's screen, "
                "or clear the pending requests and let the station ask again",
            )
    return RedirectResponse("/stations", status.HTTP_303_SEE_OTHER)


def revoke_page(station_id: str, request: Request, user: AdminUser) -> HTMLResponse:
    """Ask the admin to confirm revoking a station, saying what it does and how to undo it."""
    with engine_of(request).connect() as conn:
        row = conn.execute(select(db.stations).where(db.stations.c.id == station_id)).first()
    if row is None or row.status != "approved":
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such approved station")
    return render(request, "revoke.html", user, s=row, error=False)


def revoke(station_id: str, request: Request, user: AdminForm, confirm: FormText = "") -> Response:
    """Revoke a station's token once the admin has typed its id to confirm."""
    if confirm.strip() != station_id:
        with engine_of(request).connect() as conn:
            row = conn.execute(select(db.stations).where(db.stations.c.id == station_id)).first()
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such station")
        return render(request, "revoke.html", user, status_code=400, s=row, error=True)
    with engine_of(request).begin() as conn:
        if not revoke_station(conn, station_id, user.name):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such station")
    return RedirectResponse("/stations", status.HTTP_303_SEE_OTHER)


def clear_pending_requests(request: Request, user: AdminForm) -> Response:
    """Withdraw every pending pairing request in one action (real stations ask again)."""
    with engine_of(request).begin() as conn:
        clear_pending(conn, user.name)
    return RedirectResponse("/stations", status.HTTP_303_SEE_OTHER)
