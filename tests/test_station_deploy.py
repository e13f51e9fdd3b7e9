"""The systemd unit is valid for systemd and matches what docs/operations.md promises."""

from __future__ import annotations

import subprocess
from pathlib import Path

UNIT = Path(__file__).resolve().parents[1] / "station" / "deploy" / "oasis-station.service"


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


def test_systemd_accepts_the_unit() -> None:
    result = subprocess.run(["systemd-analyze", "verify", str(UNIT)], capture_output=True, text=True)
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "is not executable" not in line  # /opt/oasis is not installed here
    ]
    assert problems == []
