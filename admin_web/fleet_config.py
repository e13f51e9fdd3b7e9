"""Remote configuration of the fleet: courts' rooms, settings per room or per station (a station's
own setting overrides its room's), numbered versions, protocol library files, remote actions.

Every change of a room's or a station's settings (and every move of a station to another room) is
a new configuration version: the next number, recorded with who made it and what changed, audited,
and made the desired version of every station it reaches. A station learns its desired version in
the heartbeat's answer, fetches its effective configuration (``effective``), checks and applies it,
and reports what it did in its next heartbeats (``heartbeat_report``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from admin_web import db
from admin_web.audit_log import record
from admin_web.fleet_tables import (
    config_settings,
    config_versions,
    diagnostics,
    protocol_files,
    rooms,
    station_actions,
    station_config,
    station_rooms,
)
from admin_web.security import utcnow
from wire import v1 as wire_v1

IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
QUIET_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
LANGUAGES = ("zh-CN", "en")
ACTIONS = ("restart", "maintenance_on", "maintenance_off", "diagnostics")
MAX_TEXT = 200


class SettingError(ValueError):
    """A setting's value is malformed; ``key`` names it (for the form's message)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Setting:
    key: str  # the station.toml key, "table.key"
    label: str  # i18n key of its label
    kind: str  # "programs" | "scene" | "language" | "text" | "days" | "library" | "hours"


SETTINGS = (
    Setting("kiosk.programs", "cfg_programs", "programs"),
    Setting("scene.name", "cfg_scene", "scene"),
    Setting("station.language", "cfg_language", "language"),
    Setting("officer.help_line", "cfg_help_line", "text"),
    Setting("storage.retention_days", "cfg_retention_days", "days"),
    Setting("protocols.library", "cfg_library", "library"),
    Setting("kiosk.quiet_hours", "cfg_quiet_hours", "hours"),
)
"""What an admin may set per room or per station, in the form's order (station.config.REMOTE_KEYS)."""


def parse_setting(conn: Connection, setting: Setting, text: str) -> Any:
    """The value typed into the form for ``setting`` (None: empty, i.e. inherited); SettingError
    when it is malformed. What only a station can judge (does it have this program, this scene?)
    the station checks, and refuses the version with the reason if not."""
    text = text.strip()
    if not text:
        return None
    kind, ok = setting.kind, True
    value: Any = text
    if kind == "programs":
        value = [p.strip() for p in re.split(r"[,，\s]+", text) if p.strip()]
        ok = all(IDENTIFIER.match(p) for p in value) and len(set(value)) == len(value) <= 64
    elif kind == "scene":
        ok = text in scene_titles()
    elif kind == "language":
        ok = text in LANGUAGES
    elif kind == "text":
        ok = len(text) <= 40 and text.isprintable()
    elif kind == "days":
        ok = text.isdigit() and int(text) <= 36500
        value = int(text) if ok else None
    elif kind == "library":
        ok = text in library_versions(conn)
    elif kind == "hours":
        ok = bool(QUIET_HOURS.match(text))
    if not ok:
        raise SettingError(setting.key)
    return value


def shown(value: Any) -> str:
    """A stored value as the form shows it."""
    if value is None:
        return ""
    return ", ".join(value) if isinstance(value, list) else str(value)


# -- rooms --------------------------------------------------------------------------------------


def add_room(conn: Connection, court: str, name: str, actor: str) -> int:
    """A new room of ``court``; returns its id."""
    court, name = court.strip()[:MAX_TEXT], name.strip()[:MAX_TEXT]
    if not court or not name or not (court + name).isprintable():
        raise SettingError("room")
    room_id = conn.execute(
        insert(rooms).values(court=court, name=name, created_at=utcnow()).returning(rooms.c.id)
    ).scalar_one()
    record(conn, actor, "room_add", f"{room_id} {court} / {name}")
    return int(room_id)


def room_of(conn: Connection, station_id: str) -> int | None:
    found = conn.execute(select(station_rooms.c.room_id).where(station_rooms.c.station_id == station_id))
    room = found.scalar()
    return None if room is None else int(room)


def assign_room(conn: Connection, station_id: str, room_id: int | None, actor: str) -> int | None:
    """Put a station in a room (None: in none); a new configuration version when that changes it."""
    if room_id is not None and conn.execute(select(rooms.c.id).where(rooms.c.id == room_id)).first() is None:
        raise SettingError("room")
    if room_of(conn, station_id) == room_id:
        return None
    conn.execute(delete(station_rooms).where(station_rooms.c.station_id == station_id))
    if room_id is not None:
        conn.execute(insert(station_rooms).values(station_id=station_id, room_id=room_id))
    title = "" if room_id is None else room_title(conn, room_id)
    return _new_version(conn, "station", station_id, actor, {"room": title})


# -- settings and versions ----------------------------------------------------------------------


def scope_settings(conn: Connection, scope: str, scope_id: str) -> dict[str, Any]:
    rows = conn.execute(
        select(config_settings.c.key, config_settings.c.value).where(
            config_settings.c.scope == scope, config_settings.c.scope_id == scope_id
        )
    )
    return {key: value for key, value in rows}


def save_settings(
    conn: Connection, scope: str, scope_id: str, values: dict[str, Any], actor: str
) -> int | None:
    """Store a room's or a station's settings (None: inherited); returns the new version number,
    or None when nothing changed."""
    before = scope_settings(conn, scope, scope_id)
    changed = {k: v for k, v in values.items() if before.get(k) != v}
    if not changed:
        return None
    for key, value in changed.items():
        conn.execute(
            delete(config_settings).where(
                config_settings.c.scope == scope,
                config_settings.c.scope_id == scope_id,
                config_settings.c.key == key,
            )
        )
        if value is not None:
            conn.execute(insert(config_settings).values(scope=scope, scope_id=scope_id, key=key, value=value))
    return _new_version(conn, scope, scope_id, actor, {k: shown(v) for k, v in changed.items()})


def _stations_reached(conn: Connection, scope: str, scope_id: str) -> list[str]:
    if scope == "station":
        return [scope_id]
    found = conn.execute(select(station_rooms.c.station_id).where(station_rooms.c.room_id == int(scope_id)))
    return [str(s) for (s,) in found]


def _new_version(conn: Connection, scope: str, scope_id: str, actor: str, changes: dict[str, str]) -> int:
    """A new version of ``changes`` (setting or "room" -> the value now shown, "" when inherited)."""
    summary = json.dumps(changes, ensure_ascii=False)
    version = int(
        conn.execute(
            insert(config_versions)
            .values(scope=scope, scope_id=scope_id, changed_by=actor, changed_at=utcnow(), summary=summary)
            .returning(config_versions.c.version)
        ).scalar_one()
    )
    for station_id in _stations_reached(conn, scope, scope_id):
        _ensure_status(conn, station_id)
        conn.execute(
            update(station_config).where(station_config.c.station_id == station_id).values(desired=version)
        )
    said = "; ".join(f"{k} = {v or '-'}" for k, v in changes.items())
    record(conn, actor, "config", f"v{version} {scope} {scope_id}: {said}")
    return version


def changes_of(summary: str) -> list[tuple[str, str, str]]:
    """A version's changes as (setting key or "room", i18n key of its label, value shown; "" when
    inherited)."""
    labels = {s.key: s.label for s in SETTINGS} | {"room": "room"}
    return [(key, labels.get(key, key), value) for key, value in json.loads(summary).items()]


def room_title(conn: Connection, room_id: int) -> str:
    row = conn.execute(select(rooms.c.court, rooms.c.name).where(rooms.c.id == room_id)).first()
    return "" if row is None else f"{row.court} · {row.name}"


def scene_titles() -> dict[str, tuple[str, str]]:
    """The scenes an admin can choose, id -> (Chinese, English title), from the scene catalogue."""
    from scenes.catalog import SCENES

    return {name: (spec.title_zh, spec.title_en) for name, spec in SCENES.items()}


def program_titles(conn: Connection) -> dict[str, tuple[str, str]]:
    """Programs an admin can offer, id -> (Chinese, English name): the built-in library and the
    protocol files uploaded here (a station refuses one its library lacks)."""
    from protocols.loader import find_protocol, library_names, parse_protocol

    found = [find_protocol(name) for name in library_names()]
    found += [parse_protocol(text) for (text,) in conn.execute(select(protocol_files.c.toml))]
    return {p.id: (p.name.zh, p.name.en) for p in found}


def _ensure_status(conn: Connection, station_id: str) -> None:
    exists = conn.execute(
        select(station_config.c.station_id).where(station_config.c.station_id == station_id)
    )
    if exists.first() is None:
        conn.execute(insert(station_config).values(station_id=station_id, desired=0))


def versions(conn: Connection, scope: str, scope_id: str, limit: int = 20) -> list[Any]:
    """The newest versions a room's or a station's changes made."""
    return list(
        conn.execute(
            select(config_versions)
            .where(config_versions.c.scope == scope, config_versions.c.scope_id == scope_id)
            .order_by(config_versions.c.version.desc())
            .limit(limit)
        )
    )


def effective(conn: Connection, station_id: str) -> wire_v1.StationConfiguration:
    """The station's configuration now: its room's settings, its own over them, and the files of
    the protocol library version assigned; ``version`` is its desired version."""
    settings: dict[str, Any] = {}
    sources: dict[str, str] = {}
    room = room_of(conn, station_id)
    layers = ([("room", str(room))] if room is not None else []) + [("station", station_id)]
    for scope, scope_id in layers:
        for key, value in scope_settings(conn, scope, scope_id).items():
            settings[key], sources[key] = value, scope
    files = []
    if "protocols.library" in settings:
        rows = conn.execute(
            select(protocol_files.c.name, protocol_files.c.toml)
            .where(protocol_files.c.library == settings["protocols.library"])
            .order_by(protocol_files.c.name)
        )
        files = [wire_v1.ProtocolFile(name=name, toml=toml) for name, toml in rows]
    desired = conn.execute(
        select(station_config.c.desired).where(station_config.c.station_id == station_id)
    ).scalar()
    return wire_v1.StationConfiguration.model_validate(
        {"version": desired or 0, "settings": settings, "sources": sources, "protocols": files}
    )


# -- protocol library ---------------------------------------------------------------------------


def library_versions(conn: Connection) -> list[str]:
    return [str(v) for (v,) in conn.execute(select(protocol_files.c.library).distinct().order_by("library"))]


def add_protocol_file(conn: Connection, library: str, name: str, text: str, actor: str) -> str:
    """Validate a protocol file (the station's own loader) and add it to library version
    ``library``; returns the protocol's id. ProtocolError (with the reason) when it is invalid."""
    from protocols.loader import ProtocolError, parse_protocol

    if not IDENTIFIER.match(library) or not IDENTIFIER.match(name):
        raise ProtocolError(["the library version and the file name must be letters, digits, '.', '_', '-'"])
    if len(text.encode()) > wire_v1.MAX_PROTOCOL_BYTES:
        raise ProtocolError([f"a protocol file has at most {wire_v1.MAX_PROTOCOL_BYTES} bytes"])
    protocol = parse_protocol(text, source=name)
    conn.execute(
        delete(protocol_files).where(protocol_files.c.library == library, protocol_files.c.name == name)
    )
    conn.execute(
        insert(protocol_files).values(
            library=library,
            name=name,
            toml=text,
            protocol_id=protocol.id,
            uploaded_by=actor,
            uploaded_at=utcnow(),
        )
    )
    record(conn, actor, "protocol_add", f"{library}/{name} ({protocol.id})")
    return protocol.id


# -- remote actions and what stations report ----------------------------------------------------


def request_action(conn: Connection, station_id: str, kind: str, actor: str) -> int:
    """Queue a confirmed remote action for a station; returns its id."""
    if kind not in ACTIONS:
        raise SettingError("action")
    action_id = conn.execute(
        insert(station_actions)
        .values(station_id=station_id, kind=kind, requested_by=actor, requested_at=utcnow())
        .returning(station_actions.c.id)
    ).scalar_one()
    record(conn, actor, "station_action", f"{station_id} {kind} #{action_id}")
    return int(action_id)


def heartbeat_report(
    conn: Connection, station_id: str, beat: wire_v1.Heartbeat
) -> tuple[int, list[wire_v1.RemoteAction]]:
    """Store what the heartbeat reports of the station's configuration and actions; returns the
    desired version and the actions still to do."""
    _ensure_status(conn, station_id)
    if beat.config_applied is not None:
        conn.execute(
            update(station_config)
            .where(station_config.c.station_id == station_id)
            .values(
                applied=beat.config_applied,
                refused=beat.config_refused,
                refusal=beat.config_refusal,
                maintenance=beat.maintenance,
                last_action=beat.last_action,
                reported_at=utcnow(),
            )
        )
    if beat.last_action:
        conn.execute(
            update(station_actions)
            .where(
                station_actions.c.station_id == station_id,
                station_actions.c.id <= beat.last_action,
                station_actions.c.done_at.is_(None),
            )
            .values(done_at=utcnow())
        )
    pending = conn.execute(
        select(station_actions.c.id, station_actions.c.kind)
        .where(station_actions.c.station_id == station_id, station_actions.c.done_at.is_(None))
        .order_by(station_actions.c.id)
        .limit(32)
    )
    actions = [wire_v1.RemoteAction(id=i, kind=k) for i, k in pending]
    desired = conn.execute(
        select(station_config.c.desired).where(station_config.c.station_id == station_id)
    ).scalar_one()
    return int(desired), actions


def store_diagnostics(conn: Connection, station_id: str, bundle: wire_v1.DiagnosticsBundle) -> bool:
    """Keep a bundle a station made for one of its own diagnostics actions (False: not its action)."""
    asked = conn.execute(
        select(station_actions.c.id).where(
            station_actions.c.id == bundle.action_id,
            station_actions.c.station_id == station_id,
            station_actions.c.kind == "diagnostics",
        )
    ).first()
    if asked is None:
        return False
    conn.execute(
        insert(diagnostics).values(
            station_id=station_id,
            action_id=bundle.action_id,
            created_at=bundle.created_at.replace(tzinfo=None),
            received_at=utcnow(),
            text=bundle.text,
        )
    )
    return True


def overview(conn: Connection) -> dict[str, dict[str, Any]]:
    """Per station: room, desired and applied version, refusal, maintenance, pending actions and
    the newest diagnostics bundle (the Stations page's configuration column)."""
    names = {r.id: f"{r.court} · {r.name}" for r in conn.execute(select(rooms))}
    info: dict[str, dict[str, Any]] = {}
    for sid, room in conn.execute(select(station_rooms.c.station_id, station_rooms.c.room_id)):
        info.setdefault(sid, {})["room"] = names.get(room, "")
    for row in conn.execute(select(station_config)):
        info.setdefault(row.station_id, {})["status"] = row
    for row in conn.execute(
        select(station_actions).where(station_actions.c.done_at.is_(None)).order_by(station_actions.c.id)
    ):
        info.setdefault(row.station_id, {}).setdefault("pending", []).append(row.kind)
    for row in conn.execute(
        select(diagnostics.c.id, diagnostics.c.station_id, diagnostics.c.received_at).order_by(
            diagnostics.c.id
        )
    ):
        info.setdefault(row.station_id, {})["diagnostics"] = row
    return info


def station_exists(conn: Connection, station_id: str) -> bool:
    return conn.execute(select(db.stations.c.id).where(db.stations.c.id == station_id)).first() is not None
