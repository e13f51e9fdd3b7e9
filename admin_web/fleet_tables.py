"""Tables of the fleet's remote configuration (admin migration 8), on the admin's one MetaData:
courts' rooms and which station stands in which, per-room and per-station settings, numbered
configuration versions, protocol library files, remote actions, what each station last reported
and the diagnostics bundles stations uploaded."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, String, Table, Text

from admin_web.db import metadata

rooms = Table(
    "rooms",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("court", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

station_rooms = Table(
    "station_rooms",
    metadata,
    Column("station_id", String(64), primary_key=True),
    Column("room_id", Integer, nullable=False, index=True),
)

config_settings = Table(  # one row per setting a room or a station overrides
    "config_settings",
    metadata,
    Column("scope", String(8), primary_key=True),  # "room" | "station"
    Column("scope_id", String(64), primary_key=True),  # the room's id (as text) or the station's id
    Column("key", String(64), primary_key=True),  # station.toml key, "table.key"
    Column("value", JSON, nullable=False),
)

config_versions = Table(  # every change: a new number; the stations it reached get it as desired
    "config_versions",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=True),
    Column("scope", String(8), nullable=False),
    Column("scope_id", String(64), nullable=False),
    Column("changed_by", String(64), nullable=False),
    Column("changed_at", DateTime, nullable=False),
    Column("summary", Text, nullable=False),
)

station_config = Table(  # desired version per station, and what the station last reported
    "station_config",
    metadata,
    Column("station_id", String(64), primary_key=True),
    Column("desired", Integer, nullable=False, default=0),
    Column("applied", Integer),
    Column("refused", Integer),
    Column("refusal", Text),
    Column("maintenance", Boolean),
    Column("last_action", Integer),
    Column("reported_at", DateTime),
)

protocol_files = Table(  # a protocol library version's files, each validated before it is stored
    "protocol_files",
    metadata,
    Column("library", String(64), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("toml", Text, nullable=False),
    Column("protocol_id", String(64), nullable=False),
    Column("uploaded_by", String(64), nullable=False),
    Column("uploaded_at", DateTime, nullable=False),
)

station_actions = Table(
    "station_actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("station_id", String(64), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("requested_at", DateTime, nullable=False),
    Column("done_at", DateTime),
)

diagnostics = Table(
    "diagnostics",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("station_id", String(64), nullable=False, index=True),
    Column("action_id", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("received_at", DateTime, nullable=False),
    Column("text", Text, nullable=False),
)

FLEET_TABLES = (
    rooms,
    station_rooms,
    config_settings,
    config_versions,
    station_config,
    protocol_files,
    station_actions,
    diagnostics,
)
