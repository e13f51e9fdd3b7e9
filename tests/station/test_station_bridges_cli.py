"""`oasis station check` lists the configured devices; `oasis station run` starts the autostart bridges
and stops them all on SIGTERM (a real subprocess, a Cyton emulator on a pty, real LSL)."""

from __future__ import annotations

import json
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

from sensors.devices.device_kinds import get
from sensors.devices.emulator import PtyEmulator
from station.cli import main
from tests.cli_support import STATION_RUN, no_display_env
from tests.devices_helpers import wait_for
from tests.station_bridges_helpers import Watch, found


def test_check_lists_each_device_and_whether_its_port_exists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with PtyEmulator(get("gsr").make_emulator(), link=tmp_path / "ttyGSR") as emulator:
        config = tmp_path / "station.toml"
        config.write_text(
            f'[storage]\ndata_dir = "{tmp_path / "data"}"\n'
            f'[[devices]]\nname = "skin"\nkind = "gsr"\nport = "{emulator.path}"\n'
            f'[[devices]]\nname = "oximeter"\nkind = "cms50d"\nport = "{tmp_path / "gone"}"\n'
            "autostart = false\n"
            '[[devices]]\nname = "eeg"\nkind = "cyton"\nport = "auto"\n',
            encoding="utf-8",
        )
        rc = main(["station", "check", "--config", str(config), "--json", "--sensor-wait", "0.2"])
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)}
    assert checks["device skin"]["level"] == "ok"
    assert checks["device skin"]["detail"] == f"gsr on {emulator.path} (port present); autostart"
    assert checks["device oximeter"]["level"] == "warn"
    assert f"port {tmp_path / 'gone'} not found" in checks["device oximeter"]["detail"]
    assert checks["device eeg"]["detail"].startswith("cyton, port auto: ")
    names = list(checks)
    assert names.index("session store") < names.index("device skin") < names.index("sensors")
    assert rc == (1 if any(c["level"] == "fail" for c in checks.values()) else 0)


def test_check_without_devices_lists_none(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "station.toml"
    config.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    main(["station", "check", "--config", str(config), "--json", "--sensor-wait", "0.2"])
    assert not [c for c in json.loads(capsys.readouterr().out) if c["name"].startswith("device")]


def test_a_bad_devices_entry_is_one_line_for_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "station.toml"
    config.write_text('[[devices]]\nname = "ox"\nkind = "pulse"\nport = "auto"\n', encoding="utf-8")
    assert main(["station", "run", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("oasis station run: ") and "kind must be one of cms50d" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_station_run_starts_the_bridges_and_stops_them_on_sigterm(tmp_path: Path) -> None:
    name = f"eeg-{uuid.uuid4().hex[:6]}"
    with PtyEmulator(get("cyton").make_emulator(), link=tmp_path / "ttyCyton") as emulator:
        config = tmp_path / "station.toml"
        config.write_text(
            f'[station]\nid = "bridge-station"\n[storage]\ndata_dir = "{tmp_path / "data"}"\n'
            "[admin]\ndiscover = false\n"
            f'[[devices]]\nname = "{name}"\nkind = "cyton"\nport = "{emulator.path}"\n'
            f'[[devices]]\nname = "spare"\nkind = "gsr"\nport = "{tmp_path / "gone"}"\n'
            "autostart = false\n",
            encoding="utf-8",
        )
        env = no_display_env()
        process = subprocess.Popen(
            [
                *STATION_RUN,
                "--config",
                str(config),
                "--output",
                "headless",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            assert wait_for(lambda: found(name) or process.poll() is not None, timeout=60)
            assert process.poll() is None, process.communicate()
            watch = Watch(name)
            assert wait_for(lambda: emulator.device.streaming, timeout=20)
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        assert process.returncode == 0, err[-3000:]
        assert f"device {name} (cyton, {emulator.path}) started" in out
        assert f"device spare (gsr, {tmp_path / 'gone'}) not started (autostart = false)" in out
        # the board was told to stop ('s' after 'b') before the process ended
        assert emulator.commands_received == bytearray(b"bs") and not emulator.device.streaming
        assert wait_for(watch.ended)
