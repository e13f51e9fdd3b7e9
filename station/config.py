"""Station configuration: station.toml read with tomllib, every key documented in the default file
(station/station.toml) and defaulted so a bare machine works."""

from __future__ import annotations

import math
import os
import re
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from station.calibration.settings import (
    CalibrationSettings,
    EdaCheckSettings,
    EegReactivitySettings,
    RestingHeartSettings,
)
from station.kiosk.flow import FlowTimeouts

DEFAULT_FILE = Path(__file__).with_name("station.toml")
SYSTEM_FILE = Path("/etc/oasis/station.toml")
LANGUAGES = ("zh-CN", "en")
DEVICE_KINDS = ("cms50d", "cms50d-v7", "thinkgear", "cyton", "gsr")
MAX_DEVICES = 6  # the technician's devices page shows six rows
DEVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$")


class ConfigError(ValueError):
    """The configuration file is unreadable or has a bad value; the message says which and why."""


SCENE_OUTPUTS = ("auto", "xr", "window", "headless")
MAX_IMAGE_PX = 8192
MAX_PACE_FPS = 240.0


@dataclass(frozen=True)
class SceneConfig:
    """The [scene] table: what the headset shows and where it is rendered."""

    name: str = "lakeside"
    output: str = "auto"  # "auto" | "xr" | "window" | "headless"
    headless_width: int = 640
    headless_height: int = 360
    pace_fps: float = 30.0  # 0: unpaced (as fast as the output allows)


@dataclass(frozen=True)
class DeviceConfig:
    """One ``[[devices]]`` entry: a serial device the station bridges to LSL (station/bridges.py)."""

    name: str  # also the LSL stream name
    kind: str  # one of DEVICE_KINDS
    port: str  # a device path, or "auto" to find the device by listening on the serial ports
    autostart: bool = True


@dataclass(frozen=True)
class StationConfig:
    station_id: str
    name: str
    language: str
    data_dir: Path
    retention_days: int
    admin_url: str
    admin_discover: bool
    pin_hash: str
    timeouts: FlowTimeouts
    source: Path | None  # the file read, None when only defaults
    technician_name: str = "technician"
    calibration: CalibrationSettings = field(default_factory=CalibrationSettings)
    devices: tuple[DeviceConfig, ...] = ()  # [[devices]]: serial devices the station bridges to LSL
    scene: SceneConfig = SceneConfig()
    database_name: str = "sessions.db"  # [storage] database: the session database's file in data_dir
    timezone: str = ""  # [station] timezone: an IANA name, "" for the computer's own
    help_line: str = ""  # [officer] help_line: the 24-hour line the reminder shows
    programs: tuple[str, ...] = ()  # [kiosk] programs: offered, in this order (empty: the library's)
    quiet_hours: str = ""  # [kiosk] quiet_hours: "HH:MM-HH:MM", no session starts then ("": none)
    protocol_library: str = ""  # [protocols] library: the admin's library version ("": built-in)
    sources: dict[str, str] = field(default_factory=dict)  # "table.key" -> where its value came from

    @property
    def tz(self) -> tzinfo | None:
        """The station's time zone (None: the computer's local time)."""
        return ZoneInfo(self.timezone) if self.timezone else None

    @property
    def database(self) -> Path:
        return self.data_dir / self.database_name

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"


SCHEMA: dict[str, dict[str, type]] = {
    "station": {"id": str, "name": str, "language": str, "timezone": str},
    "officer": {"help_line": str},
    "storage": {"data_dir": str, "database": str, "retention_days": int},
    "admin": {"url": str, "discover": bool},
    "technician": {"pin_hash": str, "name": str},
    "scene": {"name": str, "output": str, "headless_width": int, "headless_height": int, "pace_fps": float},
    "kiosk": {
        "interaction_timeout_s": float,
        "sensor_check_timeout_s": float,
        "summary_timeout_s": float,
        "headset_grace_s": float,
        "pause_limit_s": float,
        "technician_idle_s": float,
        "programs": list,
        "quiet_hours": str,
    },
    "protocols": {"library": str},
    "calibration": {
        "eda_reference_kohm": float,
        "eda_step_s": float,
        "eda_gain_tolerance_pct": float,
        "eeg_eyes_open_s": float,
        "eeg_eyes_closed_s": float,
        "resting_hr_s": float,
        "resonance_program": str,
    },
}


MAX_TIMEOUT_S = 86_400.0  # any [kiosk] time: at most a day
MAX_CONFIG_BYTES = 1024 * 1024  # a station.toml is a few KiB; /dev/zero is not read forever


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            data = f.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path} is larger than {MAX_CONFIG_BYTES} bytes")
    try:
        return tomllib.loads(data.decode("utf-8").removeprefix("\ufeff"))  # a BOM, as Notepad writes
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except (tomllib.TOMLDecodeError, ValueError) as exc:  # ValueError: an integer of > 4300 digits
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path} is not valid TOML: arrays or tables nested too deeply") from None


RemoteSettings = Mapping[str, tuple[Any, str]]
"""Settings from the admin server: ``"table.key" -> (value, source)``, source "room" or "station"."""
REMOTE_KEYS = frozenset(
    {
        "kiosk.programs",
        "kiosk.quiet_hours",
        "scene.name",
        "station.language",
        "officer.help_line",
        "storage.retention_days",
        "protocols.library",
    }
)
"""The keys an admin may set remotely (docs/station.md, "Remote configuration")."""
QUIET_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
PROGRAM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _checked(where: str, table: str, key: str, value: object) -> object:
    """``value`` when it has the type SCHEMA gives ``table.key``; a ConfigError otherwise."""
    expected = SCHEMA[table].get(key)
    if expected is None:
        raise ConfigError(f"{where}unknown key {table}.{key}")
    ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
    if expected is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok:
        raise ConfigError(f"{where}{table}.{key} must be {expected.__name__}, got {value!r}")
    return value


def _merged(
    path: Path | None, remote: RemoteSettings | None = None
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The defaults, then the file's values, then the admin's; and where each key's value came from."""
    values = _read(DEFAULT_FILE)
    sources = {f"{table}.{key}": "default" for table, keys in SCHEMA.items() for key in keys}
    values.setdefault("protocols", {"library": ""})
    user = _read(path) if path is not None else {}
    values["devices"] = user.pop("devices", [])
    for table, keys in user.items():
        if table not in SCHEMA:
            raise ConfigError(f"{path}: unknown table [{table}] (known: {', '.join(SCHEMA)})")
        if not isinstance(keys, dict):
            raise ConfigError(f"{path}: {table} must be a table")
        for key, value in keys.items():
            values[table][key] = _checked(f"{path}: ", table, key, value)
            sources[f"{table}.{key}"] = "station.toml"
    for name, (value, source) in (remote or {}).items():
        if name not in REMOTE_KEYS:
            raise ConfigError(f"remote configuration: {name} cannot be set remotely")
        table, _, key = name.partition(".")
        values[table][key] = _checked(f"remote configuration ({source}): ", table, key, value)
        sources[name] = source
    return values, sources


def _programs(value: list[Any]) -> tuple[str, ...]:
    """kiosk.programs: program ids, each once (their existence is checked against the library)."""
    for item in value:
        if not isinstance(item, str) or not PROGRAM_ID.match(item):
            raise ConfigError(f"kiosk.programs must hold program ids, got {item!r}")
    if len(set(value)) != len(value):
        raise ConfigError("kiosk.programs names a program twice")
    return tuple(value)


def _quiet_hours(value: str) -> str:
    if value and not QUIET_HOURS.match(value):
        raise ConfigError(f'kiosk.quiet_hours must be "HH:MM-HH:MM" (24-hour) or empty, got {value!r}')
    return value


def default_data_dir() -> Path:
    if os.environ.get("OASIS_DATA_DIR"):
        return Path(os.environ["OASIS_DATA_DIR"])
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "oasis"


def config_path(explicit: str | Path | None = None) -> Path | None:
    """The file to read: explicit, else $OASIS_STATION_CONFIG, else /etc/oasis/station.toml if present."""
    if explicit:
        return Path(explicit)
    if os.environ.get("OASIS_STATION_CONFIG"):
        return Path(os.environ["OASIS_STATION_CONFIG"])
    return SYSTEM_FILE if SYSTEM_FILE.is_file() else None


def load_config(path: str | Path | None = None, remote: RemoteSettings | None = None) -> StationConfig:
    """Load and validate the station configuration (see station/station.toml), with the admin's
    ``remote`` settings over the file's: the same checks apply to both."""
    source = config_path(path)
    v, sources = _merged(source, remote)
    st, storage, admin, kiosk = v["station"], v["storage"], v["admin"], v["kiosk"]
    if st["timezone"]:
        try:
            ZoneInfo(st["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"station.timezone {st['timezone']!r} is not a known time zone") from None
    if st["language"] not in LANGUAGES:
        raise ConfigError(f"station.language must be one of {', '.join(LANGUAGES)}, got {st['language']!r}")
    if storage["retention_days"] < 0:
        raise ConfigError("storage.retention_days must be 0 or more")
    if not storage["database"] or Path(storage["database"]).name != storage["database"]:
        raise ConfigError(f"storage.database must be a file name in data_dir, got {storage['database']!r}")
    if admin["url"] and not admin["url"].startswith(("http://", "https://")):
        raise ConfigError(f"admin.url must start with http:// or https://, got {admin['url']!r}")
    for key, value in kiosk.items():
        if key in ("programs", "quiet_hours"):
            continue
        if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT_S):
            raise ConfigError(f"kiosk.{key} must be positive, at most {MAX_TIMEOUT_S:g} s")
    pin_hash = v["technician"]["pin_hash"]
    if pin_hash and not pin_hash.startswith("$argon2"):
        raise ConfigError("technician.pin_hash must be an argon2 hash (see station.toml for how to make one)")
    timeouts = FlowTimeouts(
        interaction_s=kiosk["interaction_timeout_s"],
        sensor_check_s=kiosk["sensor_check_timeout_s"],
        summary_s=kiosk["summary_timeout_s"],
        headset_grace_s=kiosk["headset_grace_s"],
        pause_limit_s=kiosk["pause_limit_s"],
        technician_idle_s=kiosk["technician_idle_s"],
    )
    return StationConfig(
        station_id=st["id"] or f"station-{socket.gethostname()}",
        name=st["name"],
        language=st["language"],
        data_dir=Path(storage["data_dir"]).expanduser() if storage["data_dir"] else default_data_dir(),
        retention_days=storage["retention_days"],
        admin_url=admin["url"].rstrip("/"),
        admin_discover=admin["discover"],
        pin_hash=pin_hash,
        timeouts=timeouts,
        source=source,
        technician_name=_technician_name(v["technician"]["name"]),
        calibration=_calibration(v["calibration"]),
        devices=parse_devices(v.get("devices", []), source),
        scene=scene_config(v["scene"]),
        database_name=storage["database"],
        timezone=st["timezone"],
        help_line=_help_line(v["officer"]["help_line"]),
        programs=_programs(kiosk["programs"]),
        quiet_hours=_quiet_hours(kiosk["quiet_hours"]),
        protocol_library=_library(v["protocols"]["library"]),
        sources=sources,
    )


def _help_line(value: str) -> str:
    if len(value) > 40 or any(ord(ch) < 32 for ch in value):
        raise ConfigError("officer.help_line must be at most 40 characters without control characters")
    return value


def _library(value: str) -> str:
    if value and not PROGRAM_ID.match(value):
        raise ConfigError(f"protocols.library must be a version label like 2026.12, got {value!r}")
    return value


def _technician_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 64 or any(ord(ch) < 32 for ch in name):
        raise ConfigError("technician.name must be 1 to 64 characters without control characters")
    return name


def _calibration(c: dict[str, Any]) -> CalibrationSettings:
    """The [calibration] table as settings; every number must be positive."""
    for key, value in c.items():
        if key != "resonance_program" and not (math.isfinite(value) and value > 0):
            raise ConfigError(f"calibration.{key} must be a positive number")
    if not 1.0 <= c["eda_reference_kohm"] <= 10_000.0:
        raise ConfigError("calibration.eda_reference_kohm must be 1 to 10000 kΩ (1000 to 0.1 µS)")
    return CalibrationSettings(
        eda=EdaCheckSettings(
            reference_kohm=c["eda_reference_kohm"],
            step_s=c["eda_step_s"],
            gain_tolerance_pct=c["eda_gain_tolerance_pct"],
        ),
        eeg=EegReactivitySettings(eyes_open_s=c["eeg_eyes_open_s"], eyes_closed_s=c["eeg_eyes_closed_s"]),
        heart=RestingHeartSettings(rest_s=c["resting_hr_s"]),
        resonance_program=c["resonance_program"],
    )


def parse_devices(entries: object, source: Path | None = None) -> tuple[DeviceConfig, ...]:
    """Validate the ``[[devices]]`` array of tables; a ConfigError names the entry and the key."""
    where = f"{source}: " if source else ""
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{where}devices must be an array of tables, written [[devices]]")
    if len(entries) > MAX_DEVICES:
        raise ConfigError(f"{where}at most {MAX_DEVICES} [[devices]] entries, got {len(entries)}")
    devices: list[DeviceConfig] = []
    for number, entry in enumerate(entries, start=1):
        devices.append(_device(entry, f"{where}[[devices]] entry {number}"))
    names = [d.name for d in devices]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{where}[[devices]] name {name!r} is used twice")
    for i, a in enumerate(devices):
        for b in devices[i + 1 :]:
            if a.port == b.port and a.port != "auto":
                raise ConfigError(f"{where}[[devices]] {a.name!r} and {b.name!r} both use port {a.port}")
    return tuple(devices)


def _device(entry: dict[str, Any], where: str) -> DeviceConfig:
    known = ("name", "kind", "port", "autostart")
    for key in entry:
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(known)})")
    for key in ("name", "kind", "port"):
        if key not in entry:
            raise ConfigError(f"{where}: missing key {key!r}")
        if not isinstance(entry[key], str):
            raise ConfigError(f"{where}: {key} must be a string, got {entry[key]!r}")
    name, kind, port = entry["name"], entry["kind"], entry["port"]
    if not DEVICE_NAME.match(name):
        raise ConfigError(
            f"{where}: name {name!r} must be 1 to 16 letters, digits, '.', '_' or '-' "
            "(starting with a letter or digit)"
        )
    if kind not in DEVICE_KINDS:
        raise ConfigError(f"{where} ({name}): kind must be one of {', '.join(DEVICE_KINDS)}, got {kind!r}")
    if not port.strip():
        raise ConfigError(f'{where} ({name}): port must be a device path or "auto"')
    autostart = entry.get("autostart", True)
    if not isinstance(autostart, bool):
        raise ConfigError(f"{where} ({name}): autostart must be true or false, got {autostart!r}")
    return DeviceConfig(name, kind, port, autostart)


def scene_config(table: dict[str, Any]) -> SceneConfig:
    """Validate the merged [scene] table (types are already checked)."""
    from scenes.catalog import SCENES

    if table["name"] not in SCENES:
        raise ConfigError(f"scene.name must be one of {', '.join(SCENES)}, got {table['name']!r}")
    if table["output"] not in SCENE_OUTPUTS:
        raise ConfigError(f"scene.output must be one of {', '.join(SCENE_OUTPUTS)}, got {table['output']!r}")
    for key in ("headless_width", "headless_height"):
        if not 16 <= table[key] <= MAX_IMAGE_PX:
            raise ConfigError(f"scene.{key} must be 16 to {MAX_IMAGE_PX} pixels, got {table[key]}")
    if not 0 <= table["pace_fps"] <= MAX_PACE_FPS:
        raise ConfigError(f"scene.pace_fps must be 0 (unpaced) to {MAX_PACE_FPS:g}, got {table['pace_fps']}")
    return SceneConfig(
        table["name"],
        table["output"],
        table["headless_width"],
        table["headless_height"],
        float(table["pace_fps"]),
    )


def hash_pin(pin: str) -> str:
    """argon2id hash of a technician PIN, for technician.pin_hash."""
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise ConfigError("a technician PIN is 4 to 12 digits")
    return PasswordHasher().hash(pin)


def verify_pin(pin_hash: str, pin: str) -> bool:
    """True if ``pin`` matches; False for a wrong PIN, an empty hash (mode disabled) or a bad hash."""
    if not pin_hash:
        return False
    try:
        return PasswordHasher().verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False
