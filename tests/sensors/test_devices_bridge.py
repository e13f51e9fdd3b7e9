"""End to end with real parts: an emulated device writes protocol bytes on a pty, the bridge opens it with
pyserial, parses and publishes real LSL outlets, read back by real LSL inlets. Unplug/replug, wrong device,
silence, late plug-in and device quality verdicts."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from sensors.devices import cyton, thinkgear
from sensors.devices.bridge import SerialBridge
from sensors.devices.device_kinds import get
from sensors.devices.emulator import PtyEmulator
from sensors.devices.sources import SineSource
from sensors.types import Level
from tests.devices_helpers import DEVICES, InletReader, wait_for

EXPECTED = {  # primary stream: LSL type, channel count, first label and unit, plausible value range
    "cyton": ("EEG", 8, ("Fp1", "microvolts"), (-40.0, 40.0)),
    "thinkgear": ("EEG", 1, ("Fp1", "microvolts"), (-40.0, 40.0)),
    "cms50d": ("PPG", 1, ("pleth", "a.u."), (0.0, 127.0)),
    "cms50d-v7": ("PPG", 1, ("pleth", "a.u."), (0.0, 127.0)),
    "gsr": ("EDA", 3, ("eda", "microsiemens"), (2.0, 12.0)),
}


def unique(device: str) -> str:
    return f"test-{device}-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize("device", DEVICES)
def test_pty_to_lsl_for_every_device(device: str, tmp_path: Path) -> None:
    spec = get(device)
    name = unique(device)
    with (
        PtyEmulator(spec.make_emulator(), link=tmp_path / "tty") as emulator,
        SerialBridge(spec, emulator.path, name=name) as bridge,
    ):
        reader = InletReader(name)
        want = 20 if device == "gsr" else 100
        assert reader.wait_samples(want) >= want
        kind, channels, first, (lo, hi) = EXPECTED[device]
        assert reader.info.type() == kind
        assert reader.info.channel_count() == channels
        assert reader.labels()[0] == first
        data = np.asarray(reader.samples)
        assert data.shape[1] == channels
        assert lo <= data[:, 0].min() and data[:, 0].max() <= hi
        assert np.all(np.diff(reader.stamps) > 0)
        status = bridge.status()
        assert status.state == "streaming" and status.verdict.level == Level.GOOD
        assert status.stats.corrupt == 0 and status.stats.dropped == 0


def test_cyton_samples_arrive_exactly_as_the_board_sent_them(tmp_path: Path) -> None:
    source = SineSource(fs=250, channels=8, amplitude=50, noise=5, seed=3)
    reference = SineSource(fs=250, channels=8, amplitude=50, noise=5, seed=3)
    name = unique("cyton")
    link = tmp_path / "tty"
    # The inlet is open before the board is plugged in, so it sees every sample from the first on.
    with SerialBridge(cyton.SPEC, str(link), name=name, reconnect_s=0.1) as bridge:
        reader = InletReader(name)
        with PtyEmulator(cyton.CytonEmulator(source), link=link) as emulator:
            n = reader.wait_samples(500)
            assert n >= 500
            # the board starts on the bridge's 'b', so the first sample is the source's first
            sent = np.round(reference.next_chunk(n) / cyton.uv_per_count()) * cyton.uv_per_count()
            np.testing.assert_allclose(np.asarray(reader.samples), sent, atol=1e-4, rtol=1e-5)
            bridge.stop()
            assert wait_for(lambda: emulator.commands_received == bytearray(b"bs"))
            assert not emulator.device.streaming


def test_thinkgear_extra_streams_and_quality(tmp_path: Path) -> None:
    name = unique("thinkgear")
    emulator = thinkgear.ThinkGearEmulator(poor_signal=200)
    with (
        PtyEmulator(emulator, link=tmp_path / "tty") as pty,
        SerialBridge(thinkgear.SPEC, pty.path, name=name) as bridge,
    ):
        esense = InletReader(f"{name}-eSense")
        bands = InletReader(f"{name}-Bands")
        quality = InletReader(f"{name}-Quality")
        assert esense.wait_samples(1) and bands.wait_samples(1) and quality.wait_samples(1)
        assert esense.labels() == [("attention", "percent"), ("meditation", "percent")]
        assert bands.info.channel_count() == 8 and bands.labels()[2][0] == "low_alpha"
        assert quality.samples[0] == [0.0, 200.0]
        verdict = bridge.status().verdict
        assert verdict.level == Level.BAD and "skin contact" in verdict.reason


@pytest.mark.parametrize("device", DEVICES)
def test_unplug_and_replug_reconnects_and_records_the_gap(device: str, tmp_path: Path) -> None:
    spec = get(device)
    name = unique(device)
    link = tmp_path / "tty"
    with SerialBridge(spec, str(link), name=name, reconnect_s=0.1) as bridge:
        reader = InletReader(name)  # open before the device is plugged in: it must see every sample
        events = InletReader(f"{name}-Events")
        emulator = PtyEmulator(spec.make_emulator(), link=link).start()
        try:
            assert reader.wait_samples(5) >= 5
            emulator.unplug()
            unplugged = time.monotonic()
            assert wait_for(lambda: bridge.status().state == "disconnected")
            down = bridge.status()
            assert down.verdict.level == Level.BAD and "vanished" in down.verdict.reason
            time.sleep(0.5)
            received_before = reader.pull()
            emulator.replug()
            assert wait_for(lambda: len(bridge.status().gaps) == 1)
            away = time.monotonic() - unplugged
            status = bridge.status()
            assert status.reconnects == 1
            gap = status.gaps[0]
            assert 0.5 <= gap.duration <= away + 1.0
            assert reader.wait_samples(received_before + 5) >= received_before + 5
            assert wait_for(lambda: events.pull() >= 2)
            markers = [s[0] for s in events.samples]
            assert markers[0].startswith("disconnected") and markers[1].startswith("reconnected: gap")
            # nothing already received is lost: pull the plug again, every published sample arrives
            emulator.unplug()
            assert wait_for(lambda: bridge.status().state == "disconnected")
            published = bridge.status().samples[spec.streams[0].key]
            assert wait_for(lambda: reader.pull() >= published, timeout=10)
            assert len(reader.stamps) == published
            assert np.all(np.diff(reader.stamps) > 0)
        finally:
            emulator.stop()


def test_wrong_device_is_reported_not_crashed(tmp_path: Path) -> None:
    with (
        PtyEmulator(thinkgear.ThinkGearEmulator(), link=tmp_path / "tty") as emulator,
        SerialBridge(cyton.SPEC, emulator.path, name=unique("wrong")) as bridge,
    ):
        assert wait_for(lambda: bridge.status().state == "no-packets")
        status = bridge.status()
        assert status.verdict.level == Level.BAD and "wrong device or baud rate" in status.verdict.reason
        assert status.stats.packets == 0 and status.bytes_received > 0


def test_silent_device_is_reported(tmp_path: Path) -> None:
    # A Cyton sends nothing until 'b'; a GSR bridge never sends it.
    with (
        PtyEmulator(cyton.CytonEmulator(), link=tmp_path / "tty") as emulator,
        SerialBridge(get("gsr"), emulator.path, name=unique("silent"), silence_s=0.5) as bridge,
    ):
        assert wait_for(lambda: bridge.status().state == "silent")
        assert "silent" in bridge.status().verdict.reason


def test_port_missing_at_start_then_plugged_in(tmp_path: Path) -> None:
    link = tmp_path / "tty"
    name = unique("late")
    with SerialBridge(get("gsr"), str(link), name=name, reconnect_s=0.1) as bridge:
        assert wait_for(lambda: bridge.status().error != "")
        status = bridge.status()
        assert status.state == "connecting" and "cannot open" in status.verdict.reason
        with PtyEmulator(get("gsr").make_emulator(), link=link):
            reader = InletReader(name)
            assert reader.wait_samples(5) >= 5
            assert bridge.status().state == "streaming" and bridge.status().reconnects == 0
