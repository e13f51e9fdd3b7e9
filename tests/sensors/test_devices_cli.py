"""`oasis devices`, `oasis bridge` and `oasis sim --device` on emulated devices behind real ptys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from sensors.devices.device_kinds import get
from sensors.devices.emulator import PtyEmulator
from station.cli import main
from tests.devices_helpers import DEVICES, InletReader

REPO = Path(__file__).resolve().parents[2]


class RandomBytes:
    """A device that sends noise: what a wrong baud rate or a broken adapter looks like."""

    rate = 200.0
    streaming = True

    def packets(self, n: int) -> bytes:
        return os.urandom(4 * n)

    def command(self, data: bytes) -> bytes:
        return b""


def devices_json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict]:
    assert main(["devices", "--only", "--listen", "0.4", "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_devices_guesses_each_emulated_device(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    emulators = [PtyEmulator(get(d).make_emulator(), link=tmp_path / d).start() for d in DEVICES]
    try:
        argv = [a for e in emulators for a in ("--port", e.path)]
        guesses = {Path(g["port"]).name: g for g in devices_json(capsys, *argv)}
        assert guesses["cyton"]["device"] is None and guesses["cyton"]["code"] == "silent"
        for device in ("thinkgear", "cms50d", "gsr"):
            assert guesses[device]["device"] == device and guesses[device]["code"] == "match"
        assert emulators[0].commands_received == b""  # listening sent nothing
        probed = devices_json(capsys, "--probe", "--port", emulators[0].path)
        assert probed[0]["device"] == "cyton" and probed[0]["code"] == "probe"
    finally:
        for e in emulators:
            e.stop()


def test_devices_gives_clear_verdicts_for_garbage_and_missing_ports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with PtyEmulator(RandomBytes(), link=tmp_path / "noise") as noise:
        guesses = devices_json(capsys, "--port", noise.path, "--port", str(tmp_path / "missing"))
    assert guesses[0]["device"] is None and guesses[0]["code"] == "unknown"
    assert guesses[1]["code"] == "unreadable" and "No such file" in guesses[1]["verdict"]
    assert main(["devices", "--only", "--listen", "0.2", "--port", str(tmp_path / "missing")]) == 0
    out = capsys.readouterr().out
    assert "无法打开" in out and "Traceback" not in out
    missing = ["devices", "--only", "--listen", "0.2", "--port", str(tmp_path / "missing")]
    assert main([*missing, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "cannot open" in out and "无法打开" not in out
    assert main([*missing, "--lang", "zh-CN"]) == 0
    assert "无法打开" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([*missing, "--lang", "zh"])  # one language code everywhere: zh-CN


def test_bridge_command_streams_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with PtyEmulator(get("gsr").make_emulator(), link=tmp_path / "tty") as emulator:
        code = main(
            [
                "bridge",
                "gsr",
                "--port",
                emulator.path,
                "--name",
                f"cli-{uuid.uuid4().hex[:6]}",
                "--duration",
                "2",
                "--status-every",
                "0.5",
                "--lang",
                "en",
                "--json",
            ]
        )
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("bridging Line-based GSR")
    statuses = [json.loads(line) for line in lines if line.startswith("{")]
    assert statuses[-1]["state"] == "streaming" and statuses[-1]["stats"]["packets"] > 0
    assert lines[-1] == "stopped"


def test_bridge_command_refuses_a_bad_calibration_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bridge", "gsr", "--port", "/dev/null", "--gsr-calibration", "nope", "--lang", "en"]) == 2
    out = capsys.readouterr().out.strip()
    assert out.startswith("bad GSR settings: no GSR calibration 'nope'") and "\n" not in out


def test_bridge_command_on_a_missing_port_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "bridge",
                "cms50d",
                "--port",
                str(tmp_path / "gone"),
                "--duration",
                "1",
                "--status-every",
                "0.4",
                "--name",
                f"cli-{uuid.uuid4().hex[:6]}",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "connecting" in out and "cannot open" in out and "Traceback" not in out


def test_sim_device_emulates_the_simulated_officer_end_to_end(tmp_path: Path) -> None:
    """`oasis sim --device cyton`: simulated EEG through a pty, the bridge, LSL and the quality checks."""
    import numpy as np

    from sensors.devices.bridge import SerialBridge
    from sensors.quality import channel_verdicts
    from sensors.types import Level, StreamKind

    link = tmp_path / "cyton"
    code = (
        "import sys, argparse; from sensors.sim import sim_command as cli;"
        "p = argparse.ArgumentParser(); cli.configure(p); sys.exit(cli.run(p.parse_args(sys.argv[1:])))"
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            "--device",
            "cyton",
            "--device-link",
            str(link),
            "--duration",
            "30",
            "--scenario",
            "steady",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "emulating OpenBCI Cyton" in first and str(link) in first
        name = f"sim-{uuid.uuid4().hex[:6]}"
        with SerialBridge(get("cyton"), str(link), name=name):
            reader = InletReader(name)
            assert reader.wait_samples(500) >= 500
        eeg = np.asarray(reader.samples)
        verdicts = channel_verdicts(eeg, 250.0, StreamKind.EEG, np.asarray(reader.stamps))
        assert all(v.level != Level.BAD for v in verdicts), verdicts
        assert 2.0 < float(np.std(eeg)) < 100.0  # scalp EEG in µV, not counts
    finally:
        proc.terminate()
        proc.wait(timeout=10)
