"""The dashboard's view of the fleet: use per room against the reference rate (4.2 uses per station
per day, setting ``target_per_day``), and each station's health from what its heartbeats report
(offline, sync backlog, calibration due, free disk).

Rooms: ``room_of(station_id)`` gives a station's (room key, room name). :func:`room_grouping` reads
the rooms an admin set up (admin_web/fleet_config.py); a station in no room is its own room
(:func:`station_as_room`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, select

from admin_web import db
from admin_web.fleet_tables import rooms, station_rooms
from admin_web.station_pages import ONLINE_WITHIN, calibration_due

RoomOf = Callable[[str], tuple[str, str]]
BACKLOG_WARN = 50  # sessions and calibrations waiting to be sent
LOW_DISK_BYTES = 5 * 10**9
DUE_WITHIN = timedelta(days=7)
PROBLEMS = ("offline", "backlog", "calibration", "disk")


@dataclass(frozen=True)
class RoomUse:
    """One room's use over the range: mean uses per station per day, and that against the reference."""

    key: str
    name: str
    stations: int
    per_station_day: float
    of_reference: float  # 1.0 = exactly the reference rate


@dataclass(frozen=True)
class StationHealth:
    """One approved station's health; ``problems`` names what needs attention."""

    station_id: str
    name: str
    online: bool
    last_heartbeat_at: datetime | None
    backlog: int | None
    free_disk_bytes: int | None
    calibration_due: date | None
    problems: list[str] = field(default_factory=list)  # offline, backlog, calibration, disk


def station_as_room(names: dict[str, str]) -> RoomOf:
    """Each station its own room (named as the station): the grouping before rooms exist."""
    return lambda station_id: (station_id, names.get(station_id, station_id))


def room_grouping(conn: Connection, names: dict[str, str]) -> RoomOf:
    """Stations grouped by the rooms the admin set up ("court · room"); a station in no room stands alone."""
    rows = conn.execute(
        select(station_rooms.c.station_id, rooms.c.id, rooms.c.court, rooms.c.name).join(
            rooms, rooms.c.id == station_rooms.c.room_id
        )
    )
    room = {r.station_id: (f"room:{r.id}", f"{r.court} · {r.name}") for r in rows}
    alone = station_as_room(names)
    return lambda station_id: room.get(station_id) or alone(station_id)


def use_by_room(
    per_station: dict[str, float], stations: list[str], room_of: RoomOf, reference: float
) -> list[RoomUse]:
    """Per room, the mean uses per station per day over ``stations`` (approved ones, so a station
    that was never used counts as 0), lowest first: the rooms to look at come first."""
    rooms: dict[str, tuple[str, list[float]]] = {}
    for station_id in sorted(set(stations) | set(per_station)):
        key, name = room_of(station_id)
        rooms.setdefault(key, (name, []))[1].append(per_station.get(station_id, 0.0))
    uses = [
        RoomUse(key, name, len(rates), sum(rates) / len(rates), sum(rates) / len(rates) / reference)
        for key, (name, rates) in rooms.items()
    ]
    return sorted(uses, key=lambda u: (u.of_reference, u.name))


def fleet_health(conn: Connection, now: datetime, today: date) -> list[StationHealth]:
    """Every approved station's health, those with problems first."""
    due = calibration_due(conn)
    approved = select(db.stations).where(db.stations.c.status == "approved")
    rows = conn.execute(approved.order_by(db.stations.c.id))
    health = []
    for r in rows:
        online = r.last_heartbeat_at is not None and now - r.last_heartbeat_at <= ONLINE_WITHIN
        next_due = due.get(r.id)
        problems = [
            name
            for name, bad in (
                ("offline", not online),
                ("backlog", (r.backlog or 0) >= BACKLOG_WARN),
                ("calibration", next_due is not None and next_due <= today + DUE_WITHIN),
                ("disk", r.free_disk_bytes is not None and r.free_disk_bytes < LOW_DISK_BYTES),
            )
            if bad
        ]
        seen, disk = r.last_heartbeat_at, r.free_disk_bytes
        health.append(StationHealth(r.id, r.name or r.id, online, seen, r.backlog, disk, next_due, problems))
    return sorted(health, key=lambda h: (not h.problems, h.station_id))


def problem_counts(health: list[StationHealth]) -> dict[str, int]:
    """How many stations have each problem, in PROBLEMS order."""
    return {problem: sum(problem in h.problems for h in health) for problem in PROBLEMS}


def approved_stations(conn: Connection) -> list[str]:
    """The ids of the approved stations."""
    return list(conn.scalars(select(db.stations.c.id).where(db.stations.c.status == "approved")))
