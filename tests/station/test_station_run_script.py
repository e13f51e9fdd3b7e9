"""The kiosk script format of `oasis station run --headless-script`, and its CLI errors."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.commands.station_run import choose_output
from station.kiosk.script import ScriptError, Step, parse_script
from tests.cli_support import STATION_RUN, no_display_env


def test_json_and_toml_scripts_parse_to_the_same_steps() -> None:
    as_json = '{"steps": [{"tap": "begin"}, {"sleep_s": 1.5}, {"wait_for": "idle", "timeout_s": 9}]}'
    as_toml = (
        '[[steps]]\ntap = "begin"\n[[steps]]\nsleep_s = 1.5\n[[steps]]\nwait_for = "idle"\ntimeout_s = 9\n'
    )
    expected = [Step(tap="begin"), Step(sleep_s=1.5), Step(wait_for="idle", timeout_s=9.0)]
    assert parse_script(as_json) == parse_script(as_toml) == expected


@pytest.mark.parametrize(
    "text, reason",
    [
        ('{"steps": [{"tap": "begin", "sleep_s": 1}]}', "one of tap"),
        ('{"steps": [{"wait_for": "lobby"}]}', "wait_for must be a screen"),
        ('{"steps": [{"sleep_s": -1}]}', "sleep_s must be seconds"),
        ('{"steps": [{"tap": "begin", "colour": 1}]}', "unknown keys colour"),
        ('{"taps": []}', "needs a list named steps"),
        ("steps = [", "neither JSON nor TOML"),
    ],
)
def test_bad_scripts_say_why(text: str, reason: str) -> None:
    with pytest.raises(ScriptError, match=reason):
        parse_script(text)


@given(st.text(max_size=200))
def test_any_text_parses_or_raises_script_error(text: str) -> None:
    try:
        steps = parse_script(text)
    except ScriptError:
        return
    assert all(isinstance(s, Step) for s in steps)


def test_output_choice() -> None:
    assert choose_output(None, has_display=True, has_xr=True) == "xr"
    assert choose_output(None, has_display=True, has_xr=False) == "window"
    assert choose_output(None, has_display=False, has_xr=False) == "headless"
    assert choose_output("headless", has_display=True, has_xr=True) == "headless"


def test_cli_reports_a_bad_script_in_one_line(tmp_path: Path) -> None:
    script = tmp_path / "bad.json"
    script.write_text('{"steps": [{"wait_for": "lobby"}]}', encoding="utf-8")
    config = tmp_path / "station.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{tmp_path / "data"}"\n[admin]\ndiscover = false\n', encoding="utf-8"
    )
    result = subprocess.run(
        [
            *STATION_RUN,
            "--config",
            str(config),
            "--headless-script",
            str(script),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("oasis station run: bad.json: step 1: wait_for must be a screen")
    assert "Traceback" not in result.stderr


def test_headless_without_a_script_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    config = tmp_path / "station.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{tmp_path / "data"}"\n[admin]\ndiscover = false\n', encoding="utf-8"
    )
    env = no_display_env()
    proc = subprocess.Popen(
        [*STATION_RUN, "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = []
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if "no display; headless" in line:
                break
        assert any("scene output headless" in line for line in lines), lines
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, proc.stderr.read()  # type: ignore[union-attr]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (tmp_path / "data" / "sessions.db").exists()


def test_the_technician_leaves_the_kiosk_and_the_program_exits(tmp_path: Path) -> None:
    """PIN, "leave the kiosk", confirm: `oasis station run` exits 0 and plays no further step."""
    from station.config import hash_pin

    config = tmp_path / "station.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{tmp_path / "data"}"\n[admin]\ndiscover = false\n'
        f'[technician]\npin_hash = "{hash_pin("2468")}"\n',
        encoding="utf-8",
    )
    steps = [
        {"tap": "technician"},
        *({"tap": f"pin_key:{d}"} for d in "2468"),
        {"tap": "pin_ok"},
        {"tap": "tech_page:leave"},
        {"tap": "tech_leave"},
        {"wait_for": "check_in", "timeout_s": 30},
    ]
    script = tmp_path / "leave.json"
    script.write_text(json.dumps({"steps": steps}), encoding="utf-8")
    env = no_display_env()
    result = subprocess.run(
        [
            *STATION_RUN,
            "--config",
            str(config),
            "--headless-script",
            str(script),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "the technician left the kiosk" in result.stdout
