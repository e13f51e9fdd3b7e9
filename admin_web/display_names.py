"""Names instead of ids: program titles from the protocol library (zh/en), station names from the
stations table, and times in the admin's time zone (setting ``time_zone``, Asia/Shanghai by default)."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import Connection, select

import protocols
from admin_web import db

LIBRARY = Path(protocols.__file__).resolve().parent / "library"
DEFAULT_TIME_ZONE = "Asia/Shanghai"


@lru_cache(maxsize=1)
def program_titles() -> dict[str, tuple[str, str]]:
    """Program id -> (Chinese title, English title) for every protocol in the shipped library (only
    the ``id`` and ``[name]`` of each file are read)."""
    titles: dict[str, tuple[str, str]] = {}
    for path in sorted(LIBRARY.glob("*.toml")):
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        name = doc.get("name")
        if isinstance(name, dict):
            program = str(doc.get("id", path.stem))
            titles[program] = (str(name.get("zh-CN", program)), str(name.get("en", program)))
    return titles


def program_title(program: str, lang: str) -> str:
    """A program's title in ``lang``, or its id when the library does not know it."""
    entry = program_titles().get(program)
    return entry[1 if lang == "en" else 0] if entry else program


def station_names(conn: Connection) -> dict[str, str]:
    """Station id -> the name it gave when pairing (its id when it gave none)."""
    return {r.id: (r.name or r.id) for r in conn.execute(select(db.stations.c.id, db.stations.c.name))}


def valid_time_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this machine knows (e.g. Asia/Shanghai)."""
    return name in available_timezones()


def time_zone(settings: dict[str, str]) -> ZoneInfo:
    """The admin's time zone from the settings (the default when unset or unknown)."""
    try:
        return ZoneInfo(settings.get("time_zone") or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A stored UTC time (naive, as the tables keep it) in ``zone``."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone)


def today(zone: ZoneInfo) -> date:
    """Today's date in ``zone``."""
    return datetime.now(UTC).astimezone(zone).date()
