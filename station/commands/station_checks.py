"""`oasis station check`: is this machine ready to run a station? Each check gives ok, warn or fail
with a one-line reason; only a fail stops the station from working."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

from station.config import ConfigError, StationConfig, load_config

OPENXR_RUNTIME_FILES = (
    Path("/etc/xdg/openxr/1/active_runtime.json"),
    Path("/usr/share/openxr/1/active_runtime.json"),
)
MIN_FREE_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class Check:
    name: str
    level: str  # "ok" | "warn" | "fail"
    detail: str


def check_config(path: str | None) -> tuple[Check, StationConfig | None]:
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        return Check("config", "fail", str(exc)), None
    where = str(cfg.source) if cfg.source else "built-in defaults (no station.toml found)"
    return Check("config", "ok", f"{where}; station {cfg.station_id}, language {cfg.language}"), cfg


def check_data_dir(cfg: StationConfig) -> Check:
    try:
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        probe = cfg.data_dir / f".write-test-{uuid.uuid4().hex}"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        return Check("data dir", "fail", f"{cfg.data_dir} is not writable: {exc.strerror}")
    free = shutil.disk_usage(cfg.data_dir).free
    if free < MIN_FREE_BYTES:
        return Check("data dir", "warn", f"{cfg.data_dir}: only {free / 1024**3:.1f} GiB free")
    return Check("data dir", "ok", f"{cfg.data_dir} writable, {free / 1024**3:.0f} GiB free")


def check_store(cfg: StationConfig) -> Check:
    from station.store import SessionStore

    try:
        with SessionStore(cfg.database, cfg.station_id) as store:
            backlog, version = store.backlog(), store.schema_version
    except (OSError, RuntimeError, ValueError, sqlite3.Error) as exc:
        return Check("session store", "fail", f"{cfg.database}: {exc}")
    level = "warn" if backlog > 100 else "ok"
    return Check("session store", level, f"{cfg.database} schema v{version}, {backlog} waiting to sync")


def check_remote_config(cfg: StationConfig) -> list[Check]:
    """The admin's configuration version applied (or refused, and why), then each setting an admin
    may set and each station.toml sets, with where its value came from: station.toml, the room,
    the station's own override, or the default."""
    from station.config import REMOTE_KEYS
    from station.store.remote_config_store import RemoteConfigStore

    last, outcome = None, None
    if cfg.database.exists():
        store = RemoteConfigStore(cfg.database)
        try:
            last, outcome = store.last_good(), store.outcome()
        except sqlite3.Error:  # an older store (before migration 8): nothing received yet
            pass
        finally:
            store.close()
    effective = cfg
    checks = []
    if last is None or outcome is None:
        checks.append(Check("config version", "ok", "none from the admin: station.toml and defaults"))
    else:
        remote = {name: (value, last.sources.get(name, "station")) for name, value in last.settings.items()}
        try:
            effective = load_config(cfg.source, remote)
        except ConfigError as exc:
            checks.append(Check("config version", "warn", f"v{last.version} no longer applies: {exc}"))
        refused = f"; v{outcome.refused} refused: {outcome.reason}" if outcome.refused else ""
        checks.append(
            Check("config version", "warn" if refused else "ok", f"v{outcome.applied} applied{refused}")
        )
    shown = sorted(REMOTE_KEYS | {k for k, where in effective.sources.items() if where == "station.toml"})
    for key in shown:
        table, _, name = key.partition(".")
        value = "(set)" if key == "technician.pin_hash" else _setting(effective, table, name)
        where = {"room": "room", "station": "station override"}.get(effective.sources.get(key, ""), "")
        checks.append(
            Check(f"setting {key}", "ok", f"{value} (from {where or effective.sources.get(key, 'default')})")
        )
    return checks


def _setting(cfg: StationConfig, table: str, name: str) -> str:
    """The effective value of ``table.name`` as the configuration holds it."""
    attributes = {
        "kiosk.programs": cfg.programs,
        "kiosk.quiet_hours": cfg.quiet_hours,
        "scene.name": cfg.scene.name,
        "station.language": cfg.language,
        "officer.help_line": cfg.help_line,
        "storage.retention_days": cfg.retention_days,
        "protocols.library": cfg.protocol_library,
        "station.id": cfg.station_id,
        "station.name": cfg.name,
        "station.timezone": cfg.timezone,
        "storage.data_dir": cfg.data_dir,
        "storage.database": cfg.database_name,
        "admin.url": cfg.admin_url,
        "admin.discover": cfg.admin_discover,
        "technician.name": cfg.technician_name,
    }
    value = attributes.get(f"{table}.{name}", "(see station.toml)")
    if isinstance(value, tuple):
        return ", ".join(value) if value else "(all of the library)"
    return repr(value) if isinstance(value, str) else str(value)


def check_sensors(wait_s: float) -> Check:
    import pylsl

    streams = pylsl.resolve_streams(wait_time=wait_s)
    if not streams:
        return Check("sensors", "warn", "no LSL streams found (start the sensor bridges, or `oasis sim`)")
    kinds = sorted({f"{s.type()}:{s.name()}" for s in streams})
    return Check("sensors", "ok", f"{len(streams)} LSL streams: {', '.join(kinds)}")


def check_display() -> Check:
    display = os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY")
    egl = ctypes.util.find_library("EGL")
    if display:
        return Check("display", "ok", f"display {display} (kiosk window and monitor mirror)")
    if egl:
        return Check("display", "warn", "no display: only headless rendering (EGL) is possible")
    return Check("display", "fail", "no display and no EGL library: nothing can render")


def check_xr_runtime() -> Check:
    env = os.environ.get("XR_RUNTIME_JSON")
    candidates = [Path(env)] if env else []
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    candidates += [config_home / "openxr/1/active_runtime.json", *OPENXR_RUNTIME_FILES]
    for path in candidates:
        if path.is_file():
            return Check("XR runtime", "ok", f"OpenXR runtime manifest {path}")
    return Check("XR runtime", "warn", "no OpenXR runtime: the scene will show on the monitor only")


def check_technician(cfg: StationConfig) -> Check:
    if cfg.pin_hash:
        return Check("technician PIN", "ok", "set")
    return Check("technician PIN", "warn", "not set: technician mode is disabled (see technician.pin_hash)")


def check_devices(cfg: StationConfig) -> list[Check]:
    """One line per [[devices]] entry (none without any): its kind and whether its port exists.
    Nothing is opened: listening on a port would disturb a running bridge."""
    from sensors.devices.detect import list_serial_ports

    checks = []
    for d in cfg.devices:
        start = "autostart" if d.autostart else "started by the technician"
        if d.port == "auto":
            ports = [path for path, _ in list_serial_ports()]
            level = "ok" if ports else "warn"
            found = (
                f"{len(ports)} serial port(s) to search: {', '.join(ports)}"
                if ports
                else "no serial ports found to search"
            )
            checks.append(Check(f"device {d.name}", level, f"{d.kind}, port auto: {found}; {start}"))
        elif Path(d.port).exists():
            checks.append(Check(f"device {d.name}", "ok", f"{d.kind} on {d.port} (port present); {start}"))
        else:
            checks.append(
                Check(
                    f"device {d.name}",
                    "warn",
                    f"{d.kind}: port {d.port} not found (plugged in? see ls /dev/serial/by-id)",
                )
            )
    return checks


def run_checks(config: str | None, sensor_wait_s: float = 2.0) -> list[Check]:
    """Every check, in order; later checks need a readable config and are skipped without one."""
    first, cfg = check_config(config)
    if cfg is None:
        return [first]
    checks = [first, check_data_dir(cfg)]
    if checks[-1].level != "fail":
        checks.append(check_store(cfg))
        checks += check_remote_config(cfg)
    return [
        *checks,
        *check_devices(cfg),
        check_sensors(sensor_wait_s),
        check_display(),
        check_xr_runtime(),
        check_technician(cfg),
    ]
