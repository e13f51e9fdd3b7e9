"""The systemd unit is valid for systemd and matches what docs/operations.md promises."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "station" / "deploy" / "oasis-station.service"


def _sections() -> dict[str, dict[str, list[str]]]:
    """systemd's INI dialect: repeated keys (Environment=) accumulate."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
        else:
            key, _, value = line.partition("=")
            current.setdefault(key, []).append(value)
    return sections


def test_unit_restarts_on_failure_and_keeps_data_in_var_lib() -> None:
    unit = _sections()
    service = unit["Service"]
    assert service["Restart"] == ["on-failure"]
    assert service["ExecStart"][0].endswith("oasis station run")
    assert service["StateDirectory"] == ["oasis"]
    assert "OASIS_DATA_DIR=/var/lib/oasis" in service["Environment"]
    assert unit["Install"]["WantedBy"] == ["graphical.target"]
    assert "StartLimitBurst" in unit["Unit"]


def test_unit_uses_the_kiosks_watchdog() -> None:
    """Type=notify: systemd waits for the kiosk's READY=1 and restarts it when its main loop stops
    pinging (tests/station/test_station_systemd_notify.py: the kiosk's side)."""
    service = _sections()["Service"]
    assert service["Type"] == ["notify"] and service["NotifyAccess"] == ["main"]
    [watchdog] = service["WatchdogSec"]
    assert int(watchdog) >= 10  # pings come at half of it; a slow pass (a session starting) is no hang
    assert service["Restart"] == ["on-failure"]  # systemd.service(5): on-failure includes on-watchdog


def test_systemd_accepts_the_unit() -> None:
    result = subprocess.run(["systemd-analyze", "verify", str(UNIT)], capture_output=True, text=True)
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "is not executable" not in line  # /opt/oasis is not installed here
    ]
    assert problems == []


def test_exec_start_pre_runs_the_station_check_and_never_blocks_the_start(tmp_path: Path) -> None:
    """ExecStartPre= runs `oasis station check` in the unit's environment; its leading "-" makes systemd
    log a failed check and start the kiosk anyway. The same command runs here from this checkout, with
    the unit's configuration and data paths pointed at a temporary station (the rest of its
    environment as the unit sets it)."""
    service = _sections()["Service"]
    [pre] = service["ExecStartPre"]
    assert pre.startswith("-"), "a failed check must not keep the kiosk from starting"
    program, *args = shlex.split(pre[1:])
    assert program == "/opt/oasis/.venv/bin/oasis" and args[:2] == ["station", "check"]
    unit_env = dict(line.split("=", 1) for line in service["Environment"])
    assert set(unit_env) >= {"OASIS_STATION_CONFIG", "OASIS_DATA_DIR", "DISPLAY"}
    config, data = tmp_path / "station.toml", tmp_path / "data"
    config.write_text('[station]\nid = "unit-check"\n', encoding="utf-8")
    unit_env.update(OASIS_STATION_CONFIG=str(config), OASIS_DATA_DIR=str(data))
    done = subprocess.run(
        [sys.executable, "-m", "station.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={**os.environ, **unit_env, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0, done.stdout + done.stderr  # warnings (no PIN, no sensor) do not fail
    assert f"{config}; station unit-check" in done.stdout
    assert f"{data} writable" in done.stdout
    assert "display :0" in done.stdout  # the unit's DISPLAY
