"""The station's BridgeManager with real parts: device emulators writing protocol bytes on pty pairs,
pyserial reading them, real LSL outlets found by real LSL resolution (isolated per run by conftest)."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sensors.devices.device_kinds import get
from sensors.devices.emulator import PtyEmulator
from station.bridges import BridgeManager, BridgeRow
from station.config import DeviceConfig
from tests.devices_helpers import NOT_SYNC, InletReader, wait_for
from tests.station_bridges_helpers import Watch


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


class GarbageDevice:
    """An emulated device that streams random bytes that can never start a Cyton packet (the
    pty emulator's EmulatedDevice protocol)."""

    rate = 250.0
    streaming = True

    def __init__(self) -> None:
        self._alphabet = NOT_SYNC["cyton"]

    def packets(self, n: int) -> bytes:
        return bytes(self._alphabet[b % len(self._alphabet)] for b in os.urandom(33 * n))

    def command(self, data: bytes) -> bytes:
        return b""


@pytest.fixture
def manager_for() -> Iterator:
    made: list[BridgeManager] = []

    def factory(*devices: DeviceConfig, **kw) -> BridgeManager:
        made.append(BridgeManager(list(devices), **kw))
        return made[-1]

    yield factory
    for manager in made:
        manager.stop_all()


def row(manager: BridgeManager, name: str) -> BridgeRow:
    return next(r for r in manager.rows() if r.name == name)


def test_start_publishes_the_stream_and_stop_removes_it(manager_for, tmp_path: Path) -> None:
    name = unique("ox")
    with PtyEmulator(get("cms50d").make_emulator(), link=tmp_path / "tty") as emulator:
        manager = manager_for(DeviceConfig(name, "cms50d", emulator.path, autostart=False))
        manager.start_autostart()
        assert row(manager, name) == BridgeRow(
            name, "cms50d", emulator.path, False, "bad", "stopped", "stopped", {}
        )
        manager.start(name)
        reader, watch = InletReader(name), Watch(name)
        assert reader.info.type() == "PPG" and reader.info.source_id() == f"oasis-bridge-{name}:ppg"
        assert reader.wait_samples(60) >= 60
        assert wait_for(lambda: row(manager, name).code == "streaming", timeout=20)
        streaming = row(manager, name)
        assert streaming.running and streaming.level == "good"
        assert 40 <= streaming.values["rate"] <= 80 and streaming.values["gaps"] == 0  # 60 Hz device
        assert streaming.detail.endswith("Hz, 0 gaps")
        manager.start(name)  # already running: a no-op, the same bridge keeps streaming
        before = reader.pull()
        assert reader.wait_samples(before + 30) >= before + 30
        assert not watch.ended()
        manager.stop(name)
        assert wait_for(watch.ended, timeout=20)  # the outlet is gone
        assert row(manager, name).code == "stopped" and not row(manager, name).running
        manager.stop(name)  # stopping a stopped bridge: a no-op
        received = reader.pull()
        manager.start(name)  # it starts again under the same source id: the first inlet recovers
        assert reader.wait_samples(received + 30) >= received + 30  # and the port (8O1 on a pty) reopens
        assert wait_for(lambda: row(manager, name).level == "good", timeout=20)


def test_a_missing_port_gives_a_row_not_an_exception_and_is_picked_up_when_plugged_in(
    manager_for, tmp_path: Path
) -> None:
    name = unique("gsr")
    link = tmp_path / "ttyUSB-gsr"
    manager = manager_for(DeviceConfig(name, "gsr", str(link)))
    manager.start_autostart()
    missing = row(manager, name)
    assert missing.running and missing.level == "bad"
    assert missing.code == "port_missing" and missing.detail == "port not found"
    with PtyEmulator(get("gsr").make_emulator(), link=link):
        assert wait_for(lambda: row(manager, name).level == "good", timeout=20)
        assert InletReader(name).wait_samples(5) >= 5


def test_a_device_sending_garbage_is_reported_in_plain_words(manager_for, tmp_path: Path) -> None:
    name = unique("eeg")
    with PtyEmulator(GarbageDevice(), link=tmp_path / "tty") as emulator:
        manager = manager_for(DeviceConfig(name, "cyton", emulator.path))
        manager.start(name)
        assert wait_for(lambda: row(manager, name).code == "garbage", timeout=20)
        garbage = row(manager, name)
        assert garbage.running and garbage.level == "bad"
        assert garbage.detail == "data not understood (wrong device?)"
        assert emulator.commands_received.startswith(b"b")  # the bridge did ask the "Cyton" to stream


def test_a_silent_device_says_for_how_long(manager_for, tmp_path: Path) -> None:
    # A Cyton sends nothing until 'b'; a GSR bridge never sends it.
    name = unique("quiet")
    with PtyEmulator(get("cyton").make_emulator(), link=tmp_path / "tty") as emulator:
        manager = manager_for(DeviceConfig(name, "gsr", emulator.path))
        manager.start(name)
        assert wait_for(lambda: row(manager, name).code == "silent", timeout=20)
        silent = row(manager, name)
        assert silent.level == "bad" and silent.detail.startswith("no data for ")
        assert silent.values["seconds"] >= 2.0


def test_auto_finds_the_device_on_a_free_port_and_skips_busy_ones(manager_for, tmp_path: Path) -> None:
    ox, eeg = unique("ox"), unique("eeg")
    with (
        PtyEmulator(get("cms50d").make_emulator(), link=tmp_path / "a") as oximeter,
        PtyEmulator(get("thinkgear").make_emulator(), link=tmp_path / "b") as headband,
    ):
        ports = [oximeter.path, headband.path, str(tmp_path / "absent")]
        devices = [
            DeviceConfig(ox, "cms50d", oximeter.path),
            DeviceConfig(eeg, "thinkgear", "auto"),
            DeviceConfig("nothing", "cyton", "auto", autostart=False),
        ]
        manager = manager_for(*devices, serial_ports=lambda: ports, listen_s=0.5)
        manager.start_autostart()
        assert row(manager, eeg).code == "searching" and row(manager, eeg).running
        assert row(manager, "nothing").code == "stopped"
        assert wait_for(lambda: row(manager, eeg).port == f"auto: {headband.path}", timeout=30)
        assert InletReader(eeg).info.type() == "EEG"
        assert wait_for(lambda: row(manager, eeg).level == "good", timeout=20)
        # the oximeter's port was never listened on: its bridge owns it
        assert row(manager, ox).level == "good"
        manager.start("nothing")  # no Cyton anywhere: the search ends with a plain answer
        assert wait_for(lambda: row(manager, "nothing").code == "not_found", timeout=30)
        nothing = row(manager, "nothing")
        assert not nothing.running and nothing.level == "bad"
        assert nothing.detail == "no OpenBCI Cyton found on 1 serial port(s)"  # the two others are busy


@pytest.mark.parametrize("kind", ["cyton", "cms50d-v7"])
def test_auto_probes_a_device_that_streams_only_when_asked(manager_for, tmp_path: Path, kind: str) -> None:
    name = unique("asked")
    with PtyEmulator(get(kind).make_emulator(), link=tmp_path / "tty") as emulator:
        assert not emulator.device.streaming
        manager = manager_for(
            DeviceConfig(name, kind, "auto"), serial_ports=lambda: [emulator.path], listen_s=0.3
        )
        manager.start(name)
        assert wait_for(lambda: row(manager, name).level == "good", timeout=30)
        assert row(manager, name).port == f"auto: {emulator.path}"


def test_stop_during_a_search_cancels_it(manager_for, tmp_path: Path) -> None:
    name = unique("auto")
    with PtyEmulator(get("gsr").make_emulator(), link=tmp_path / "tty") as emulator:
        manager = manager_for(
            DeviceConfig(name, "gsr", "auto"), serial_ports=lambda: [emulator.path], listen_s=0.6
        )
        manager.start(name)
        manager.stop(name)
        assert row(manager, name).code == "stopped"
        assert wait_for(
            lambda: not any(t.name == f"bridge-search-{name}" for t in threading.enumerate()), timeout=30
        )
        assert row(manager, name).code == "stopped"  # the search ended but opened nothing


def test_unknown_names_are_refused_with_the_configured_ones(manager_for) -> None:
    manager = manager_for(DeviceConfig("ox", "cms50d", "/dev/null-port"))
    with pytest.raises(KeyError, match="no device named 'eeg'; configured: ox"):
        manager.start("eeg")
    assert manager_for().rows() == []


def test_the_search_listens_only_for_the_configured_kind(tmp_path: Path) -> None:
    from sensors.devices.detect import guess_port

    with PtyEmulator(get("gsr").make_emulator(), link=tmp_path / "tty") as emulator:
        assert guess_port(emulator.path, seconds=0.5, kinds=("gsr",)).device == "gsr"
        other = guess_port(emulator.path, seconds=0.5, kinds=("thinkgear",))
        assert other.device is None and set(other.scores) == {"thinkgear"}


def test_a_pty_opens_again_with_odd_parity() -> None:
    # Linux ptys refuse to enable parity when it was set before (tcsetattr: EINVAL): a CMS50D+ (8O1)
    # emulator could be opened once only, so a restarted bridge or a search before it failed.
    import tty

    from sensors.devices.serial_port import open_serial

    master, slave = os.openpty()
    try:
        tty.setraw(slave)
        for _ in range(3):
            port = open_serial(os.ttyname(slave), timeout=0.05, **get("cms50d").serial.as_kwargs())
            assert port.parity == "O"
            port.close()
    finally:
        os.close(master)
        os.close(slave)
