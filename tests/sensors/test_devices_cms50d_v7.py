"""Contec CMS50D+ firmware 4.6 (protocol V7.0): a package captured from a real device, the high-byte
encoding, field round trips, command replies skipped, broken packages counted, and the bridge over a
real pty sending the start, keep-alive and stop commands."""

from __future__ import annotations

import dataclasses
import json
import uuid
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sensors.devices import cms50d_v7 as v7
from sensors.devices.bridge import SerialBridge
from sensors.devices.emulator import PtyEmulator
from sensors.types import Level
from station.cli import main
from tests.devices_helpers import InletReader, quick_settings, wait_for

# headrotor/art-sensors spO2/stream_data.py: a CMS50D+ answering 7D 81 A1 ... with live data
CAPTURED = bytes.fromhex("01E085B396C1E1FFFF")
LIMITS = {
    "signal_strength": 15,
    "searching_too_long": 1,
    "low_spo2": 1,
    "beep": 1,
    "probe_error": 1,
    "waveform": 127,
    "searching": 1,
    "bar_graph": 15,
    "pi_invalid": 1,
    "pulse_rate": 255,
    "spo2": 255,
    "pi": 0xFFFF,
}


def test_a_package_captured_from_a_real_cms50d_plus() -> None:
    parser = v7.Cms50dV7Parser()
    out = parser.feed(CAPTURED + b"\x01")  # the next package's type byte confirms it
    f = v7.decode_fields(np.frombuffer(CAPTURED, np.uint8)[None, :])
    assert (f["signal_strength"][0], f["waveform"][0], f["bar_graph"][0]) == (5, 0x33, 6)
    assert (f["pulse_rate"][0], f["spo2"][0], f["pi"][0], f["probe_error"][0]) == (65, 97, 0xFFFF, 0)
    np.testing.assert_array_equal(out["ppg"], [[51]])
    np.testing.assert_array_equal(out["vitals"], [[65, 97, 0]])
    assert parser.stats.packets == 1 and parser.stats.skipped_bytes == 0


def test_commands_are_the_documented_bytes() -> None:
    assert bytes.fromhex("7D81A1808080808080") == v7.START
    assert bytes.fromhex("7D81A2808080808080") == v7.STOP
    assert bytes.fromhex("7D81AF808080808080") == v7.STILL_CONNECTED
    # the high byte carries bit 7 of each data byte (kaivol/pulox encoding.rs's example)
    assert v7.package(0x05, [0x00, 0xFF, 0x00, 0xFF]) == bytes([0x05, 0b10001010, 0x80, 0xFF, 0x80, 0xFF])


@quick_settings
@given(k=st.integers(1, 20), data=st.data())
def test_round_trip_fields(k: int, data: st.DataObject) -> None:
    fields = {f: data.draw(hnp.arrays(np.int64, k, elements=st.integers(0, LIMITS[f]))) for f in v7.FIELDS}
    raw = v7.encode_packets(fields)
    assert all(b >= 0x80 for i, b in enumerate(raw) if i % 9)  # only type bytes have bit 7 clear
    decoded = v7.Cms50dV7Parser().decode(raw + b"\x01")
    assert decoded.shape == (k, 9)
    out = v7.decode_fields(decoded)
    for f in v7.FIELDS:
        np.testing.assert_array_equal(out[f], fields[f], err_msg=f)


def test_replies_to_commands_are_skipped_and_broken_packages_counted() -> None:
    # replies seen in headrotor's capture: free feedback (0C 80) and the device identifier (04 ...)
    replies = bytes.fromhex("0C80") + bytes.fromhex("0480F5F3E5F2A0A0A0")
    parser = v7.Cms50dV7Parser()
    out = parser.feed(replies + CAPTURED + CAPTURED[:5] + CAPTURED + CAPTURED + b"\x01")
    assert len(out["ppg"]) == 3  # the cut one is lost, the three whole ones decode
    assert parser.stats.corrupt == 1 and parser.stats.skipped_bytes == len(replies) + 5


def test_no_reading_values_and_the_finger_out_verdict() -> None:
    fields = {f: np.zeros(2, np.int64) for f in v7.FIELDS}
    fields["probe_error"] = np.array([0, 1])
    fields["pulse_rate"] = np.array([255, 0])
    fields["spo2"] = np.array([127, 0])
    out = v7.Cms50dV7Parser().feed(v7.encode_packets(fields) + b"\x01")
    assert np.isnan(out["vitals"][:, :2]).all()
    verdict = v7.SPEC.verdict(out)
    assert verdict is not None and verdict.level == Level.BAD and "finger out" in verdict.reason


def test_emulator_streams_between_start_and_stop_and_counts_keepalives() -> None:
    emulator = v7.Cms50dV7Emulator()
    assert not emulator.streaming
    emulator.command(v7.START[:4])
    emulator.command(v7.START[4:] + b"\x00garbage")  # split and followed by junk
    assert emulator.streaming
    emulator.command(v7.STILL_CONNECTED + v7.STILL_CONNECTED)
    assert emulator.keepalives == 2
    emulator.command(v7.STOP)
    assert not emulator.streaming


def test_bridge_starts_keeps_alive_and_stops_the_device_over_a_pty(tmp_path: Path) -> None:
    spec = dataclasses.replace(v7.SPEC, keepalive_s=0.3)
    name = f"test-v7-{uuid.uuid4().hex[:8]}"
    with (
        PtyEmulator(spec.make_emulator(), link=tmp_path / "tty") as pty,
        SerialBridge(spec, pty.path, name=name) as bridge,
    ):
        reader = InletReader(name)
        assert reader.wait_samples(60) >= 60
        assert reader.info.type() == "PPG" and reader.info.nominal_srate() == 60.0
        assert wait_for(lambda: pty.device.keepalives >= 2)
        status = bridge.status()
        assert status.state == "streaming" and status.stats.corrupt == 0
        bridge.stop()
        assert wait_for(lambda: not pty.device.streaming)
        assert bytes(pty.commands_received).startswith(v7.START)
        assert bytes(pty.commands_received).endswith(v7.STOP)


def test_devices_hears_nothing_but_the_probe_finds_it_and_stops_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with PtyEmulator(v7.Cms50dV7Emulator(), link=tmp_path / "tty") as pty:
        assert main(["devices", "--only", "--listen", "0.3", "--json", "--port", pty.path]) == 0
        assert json.loads(capsys.readouterr().out)[0]["code"] == "silent"
        assert main(["devices", "--only", "--listen", "0.5", "--json", "--probe", "--port", pty.path]) == 0
        guess = json.loads(capsys.readouterr().out)[0]
        assert guess["device"] == "cms50d-v7" and guess["code"] == "probe_v7"
        assert wait_for(lambda: not pty.device.streaming)
        assert (
            main(["devices", "--only", "--listen", "0.3", "--probe", "--lang", "en", "--port", pty.path]) == 0
        )
        assert (
            "Contec CMS50D+ firmware 4.6 (answered the real-time command; now stopped)"
            in capsys.readouterr().out
        )
