"""The remote-configuration pages (admins only; every form carries the CSRF token, every change is
audited): rooms of each court and which station stands where, a room's or a station's settings
with their version history, the protocol library, remote actions confirmed on their own page, and
the diagnostics bundles stations uploaded."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, HTTPException, Request, UploadFile, status
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from sqlalchemy import Connection, select

from admin_web import db, fleet_config
from admin_web.audit_log import record
from admin_web.fleet_tables import diagnostics, protocol_files, rooms
from admin_web.page_access import AdminForm, AdminUser, FormText, engine_of
from admin_web.page_render import render

SCOPES = ("room", "station")


def _rooms(conn: Connection) -> list[Any]:
    return list(conn.execute(select(rooms).order_by(rooms.c.court, rooms.c.name)))


def rooms_page(request: Request, user: AdminUser) -> HTMLResponse:
    """Courts and their rooms, and which room each paired station stands in."""
    with engine_of(request).begin() as conn:
        stations = conn.execute(
            select(db.stations.c.id, db.stations.c.name)
            .where(db.stations.c.status == "approved")
            .order_by(db.stations.c.id)
        ).all()
        listing = [(s, fleet_config.room_of(conn, s.id)) for s in stations]
        room_rows = _rooms(conn)
        record(conn, user.name, "view", "rooms")
    return render(request, "fleet_rooms.html", user, rooms=room_rows, listing=listing, error="")


def add_room(request: Request, user: AdminForm, court: FormText = "", name: FormText = "") -> Response:
    """Add a room to a court."""
    try:
        with engine_of(request).begin() as conn:
            fleet_config.add_room(conn, court, name, user.name)
    except fleet_config.SettingError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "a room needs a court and a name") from None
    return RedirectResponse("/rooms", status.HTTP_303_SEE_OTHER)


def assign_room(station_id: str, request: Request, user: AdminForm, room: FormText = "") -> Response:
    """Put a station in a room (or in none): a new configuration version for it."""
    with engine_of(request).begin() as conn:
        if not fleet_config.station_exists(conn, station_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such station")
        try:
            fleet_config.assign_room(conn, station_id, int(room) if room.isdigit() else None, user.name)
        except fleet_config.SettingError:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "no such room") from None
    return RedirectResponse("/rooms", status.HTTP_303_SEE_OTHER)


def _scope_title(conn: Connection, scope: str, scope_id: str) -> str:
    """The room's "court · name" or the station's id; 404 when there is no such room or station."""
    if scope == "room" and scope_id.isdigit():
        row = conn.execute(select(rooms).where(rooms.c.id == int(scope_id))).first()
        if row is not None:
            return f"{row.court} · {row.name}"
    if scope == "station" and fleet_config.station_exists(conn, scope_id):
        return scope_id
    raise HTTPException(status.HTTP_404_NOT_FOUND, "no such room or station")


def _config_context(conn: Connection, scope: str, scope_id: str) -> dict[str, Any]:
    inherited: dict[str, Any] = {}
    if scope == "station":
        room = fleet_config.room_of(conn, scope_id)
        if room is not None:
            inherited = fleet_config.scope_settings(conn, "room", str(room))
    return {
        "scope": scope,
        "scope_id": scope_id,
        "title": _scope_title(conn, scope, scope_id),
        "settings": fleet_config.SETTINGS,
        "current": fleet_config.scope_settings(conn, scope, scope_id),
        "inherited": inherited,
        "libraries": fleet_config.library_versions(conn),
        "versions": fleet_config.versions(conn, scope, scope_id),
        "changes_of": fleet_config.changes_of,
        "shown": fleet_config.shown,
        "scenes": fleet_config.scene_titles(),
        "programs": fleet_config.program_titles(conn),
    }


def config_page(scope: str, scope_id: str, request: Request, user: AdminUser) -> HTMLResponse:
    """A room's or a station's settings (empty: inherited) and the versions its changes made."""
    if scope not in SCOPES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such page")
    with engine_of(request).begin() as conn:
        context = _config_context(conn, scope, scope_id)
        record(conn, user.name, "view", f"config {scope} {scope_id}")
    return render(request, "fleet_config.html", user, error="", saved=None, **context)


async def save_config(scope: str, scope_id: str, request: Request, user: AdminForm) -> Response:
    """Save every setting when all are well-formed: a new version when anything changed."""
    if scope not in SCOPES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such page")
    form = await request.form()
    with engine_of(request).begin() as conn:
        _scope_title(conn, scope, scope_id)
        try:
            values = {
                s.key: fleet_config.parse_setting(conn, s, str(form.get(s.key, "")))
                for s in fleet_config.SETTINGS
            }
        except fleet_config.SettingError as exc:
            context = _config_context(conn, scope, scope_id)
            context["current"] = {s.key: str(form.get(s.key, "")) for s in fleet_config.SETTINGS}  # as typed
            return render(request, "fleet_config.html", user, 400, error=exc.key, saved=None, **context)
        saved = fleet_config.save_settings(conn, scope, scope_id, values, user.name)
        context = _config_context(conn, scope, scope_id)
    return render(request, "fleet_config.html", user, error="", saved=saved, **context)


def protocols_page(request: Request, user: AdminUser) -> HTMLResponse:
    """The protocol library versions and their files, and the upload form."""
    with engine_of(request).begin() as conn:
        files, programs = _library_files(conn), fleet_config.program_titles(conn)
        record(conn, user.name, "view", "protocols")
    return render(request, "fleet_protocols.html", user, files=files, programs=programs, error="", added="")


def _library_files(conn: Connection) -> list[Any]:
    columns = [c for c in protocol_files.c if c.name != "toml"]
    return list(conn.execute(select(*columns).order_by(protocol_files.c.library, protocol_files.c.name)))


async def upload_protocol(
    request: Request,
    user: AdminForm,
    file: Annotated[UploadFile, File()],
    library: FormText = "",
) -> HTMLResponse:
    """Validate an uploaded protocol file and add it to a library version; an invalid one is not
    stored, and the page says why."""
    from protocols.loader import ProtocolError

    data = await file.read(2 * 1024 * 1024)
    name = (file.filename or "").rsplit("/", 1)[-1].removesuffix(".toml")
    error, added = "", ""
    with engine_of(request).begin() as conn:
        try:
            text = data.decode("utf-8").removeprefix("\ufeff")
            added = fleet_config.add_protocol_file(conn, library.strip(), name, text, user.name)
        except UnicodeDecodeError:
            error = "not UTF-8 text"
        except ProtocolError as exc:
            error = str(exc)
        files, programs = _library_files(conn), fleet_config.program_titles(conn)
    return render(
        request,
        "fleet_protocols.html",
        user,
        400 if error else 200,
        files=files,
        programs=programs,
        error=error,
        added=added,
    )


def _action_station(conn: Connection, station_id: str, kind: str) -> None:
    if kind not in fleet_config.ACTIONS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such action")
    if not fleet_config.station_exists(conn, station_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such station")


def action_page(station_id: str, kind: str, request: Request, user: AdminUser) -> HTMLResponse:
    """Ask the admin to confirm a remote action, saying what it does."""
    with engine_of(request).connect() as conn:
        _action_station(conn, station_id, kind)
    return render(request, "fleet_action.html", user, station_id=station_id, kind=kind)


def do_action(station_id: str, kind: str, request: Request, user: AdminForm) -> Response:
    """Queue a confirmed remote action (the station does it after its next heartbeat)."""
    with engine_of(request).begin() as conn:
        _action_station(conn, station_id, kind)
        fleet_config.request_action(conn, station_id, kind, user.name)
    return RedirectResponse("/stations", status.HTTP_303_SEE_OTHER)


def diagnostics_download(station_id: str, bundle_id: int, request: Request, user: AdminUser) -> Response:
    """A diagnostics bundle as a text file (audited)."""
    with engine_of(request).begin() as conn:
        row = conn.execute(
            select(diagnostics).where(diagnostics.c.id == bundle_id, diagnostics.c.station_id == station_id)
        ).first()
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such diagnostics bundle")
        record(conn, user.name, "download", f"diagnostics {station_id} #{bundle_id}")
    filename = f"oasis-diagnostics-{station_id}-{bundle_id}.txt"
    return PlainTextResponse(row.text, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
