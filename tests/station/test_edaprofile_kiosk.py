"""Applying the technician's EDA check to the device, end to end with real parts: a GSR emulator on a pty
whose unit is deliberately off (open-electrode reading 560 instead of the factory 512, 10 % gain error),
the station's BridgeManager reading it with pyserial and publishing real LSL, the real SQLite store and
the KioskController driven by taps: PIN → devices page → EDA check (fails) → apply → the bridge restarts
with the profile → a second check passes within 2 %."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from protocols.loader import find_protocol
from sensors.devices.emulator import PtyEmulator
from sensors.devices.gsr import GsrCalibration, GsrEmulator
from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
from sensors.types import StreamKind
from station.bridges import BridgeManager
from station.calibration.eda_profile import DeviceProfile, profile_lookup
from station.calibration.settings import CalibrationSettings, EdaCheckSettings
from station.config import DeviceConfig, hash_pin
from station.kiosk.controller import KioskController
from station.kiosk.flow import FlowTimeouts, Screen
from station.kiosk.layout import layout
from station.kiosk.script import run_until
from station.store import SessionStore
from tests.devices_helpers import InletReader, wait_for
from tests.lsl_helpers import unique
from wire import v1 as wire_v1

PIN = "1357"
TRUE_UNIT = GsrCalibration(zero=560.0, gain=0.9)  # what the emulated device really is
REFERENCE_US = 10.0  # the technician's 100 kΩ resistor


class Electrodes:
    """The emulated sensor's input: open (0 µS) or the reference resistor with a little noise."""

    fs = 10.0

    def __init__(self) -> None:
        self.labels = ["eda"]
        self.us = 0.0
        self._rng = np.random.default_rng(11)

    def next_chunk(self, n: int) -> np.ndarray:
        noise = self._rng.normal(0.0, 0.08, n) if self.us > 0 else np.zeros(n)
        return (self.us + noise)[:, None]


@pytest.fixture
def station(tmp_path: Path) -> Iterator[tuple[KioskController, Electrodes, str]]:
    electrodes, name = Electrodes(), unique("skin")
    store = SessionStore(tmp_path / "sessions.db", "eda-station")
    registry = SourceRegistry(StreamCatalog(buffer_seconds=30.0))
    with PtyEmulator(GsrEmulator(electrodes, calibration=TRUE_UNIT), link=tmp_path / "ttyGSR") as emulator:
        bridges = BridgeManager(
            [DeviceConfig(name, "gsr", emulator.path, autostart=False)],
            profiles=profile_lookup(store.device_profile),
        )
        kiosk = KioskController(
            store,
            registry,
            [find_protocol("quick-reset")],
            station_id="eda-station",
            recordings_dir=tmp_path / "rec",
            timeouts=FlowTimeouts(),
            language="en",
            pin_hash=hash_pin(PIN),
            technician="Li Na",
            bridges=bridges,
            calibration=CalibrationSettings(eda=EdaCheckSettings(step_s=2.0)),
        )
        try:
            yield kiosk, electrodes, name
        finally:
            bridges.stop_all()
            registry.close()
            store.close()


def delivering(kiosk: KioskController, reading: float) -> bool:
    """The EDA inlet's newest raw reading is ``reading`` (± 3 counts): what the device sends now."""
    kiosk.tick()
    inlet = kiosk.registry.get(StreamKind.EDA)
    if inlet is None or inlet.buffer.total_written == 0:
        return False
    data, _ = inlet.buffer.latest(1)
    return abs(float(data[-1][1]) - reading) <= 3.0


def check(kiosk: KioskController, electrodes: Electrodes, open_reading: float) -> None:
    """One EDA zero/gain check, the electrodes following its steps as the technician would."""
    electrodes.us = 0.0
    assert run_until(kiosk, lambda: delivering(kiosk, open_reading), 20.0), "no open-electrode readings"
    kiosk.tap("tech_start")

    def finished() -> bool:
        view = kiosk.model.calibration
        if view is not None:
            electrodes.us = 0.0 if view.step == 0 else REFERENCE_US
        return view is not None and view.state != "running"

    assert run_until(kiosk, finished, 30.0), kiosk.model.calibration
    assert kiosk.model.calibration.state == "done", kiosk.model.calibration


def texts_on_screen(kiosk: KioskController) -> list[str]:
    return [w.text for w in layout(kiosk.model, kiosk.flow, kiosk.clock(), 1280, 800)]


def test_apply_the_check_restarts_the_bridge_and_the_next_check_passes(station) -> None:
    kiosk, electrodes, name = station
    kiosk.tap("technician")
    for digit in PIN:
        kiosk.tap(f"pin_key:{digit}")
    kiosk.tap("pin_ok")
    kiosk.tap("tech_page:devices")
    kiosk.tap(f"bridge_start:{name}")
    assert kiosk.model.bridges[0].profile == {}
    assert "Factory values" in texts_on_screen(kiosk)

    kiosk.tap("tech_page:eda")
    check(kiosk, electrodes, TRUE_UNIT.zero)
    first = kiosk.model.calibration.result
    assert not first.passed and first.reason.key == "cal_eda_gain_off"
    assert first.values["gain_error_pct"] == pytest.approx(-16.0, abs=2.0)
    offer = kiosk.model.calibration_apply
    assert offer.device == name and not offer.applied
    assert offer.calibration.zero == pytest.approx(560.0, abs=1.0)
    assert offer.gain == pytest.approx(0.9, abs=0.02)
    assert "Apply to this device" in texts_on_screen(kiosk)

    bridge = kiosk.bridges._slots[name].bridge
    kiosk.tap("tech_apply")
    assert kiosk.model.calibration_saved and kiosk.model.calibration_apply.applied
    assert kiosk.bridges._slots[name].bridge is not bridge  # restarted with the profile
    assert "Apply to this device" not in texts_on_screen(kiosk)
    assert any(t.startswith(f"Applied to {name}") for t in texts_on_screen(kiosk))
    kiosk.tap("tech_apply")  # a second tap changes nothing
    assert len(kiosk.store.calibrations()) == 1

    assert wait_for(lambda: kiosk.bridges.rows()[0].code == "streaming", timeout=20)
    check(kiosk, electrodes, TRUE_UNIT.zero)
    second = kiosk.model.calibration.result
    assert second.passed, second
    assert abs(second.values["gain_error_pct"]) < 2.0 and second.values["zero_us"] == 0.0
    kiosk.tap("tech_save")

    rows = kiosk.store.calibrations()
    applied, confirmed = (r["results"] for r in rows)
    assert [r["device"] for r in rows] == [f"oasis-bridge-{name}:eda"] * 2
    assert applied["correction_applied"] == 1.0 and applied["profile_gain"] == pytest.approx(0.9, abs=0.02)
    assert f"Applied to {name}" in applied["notes"]
    assert confirmed["correction_applied"] == 0.0 and confirmed["passed"] is True
    wires = [wire_v1.Calibration.model_validate(i.payload) for i in kiosk.store.pending(10)]
    assert [w.result for w in wires] == ["fail", "pass"]
    assert wires[0].values["correction_applied"] == 1.0

    kiosk.tap("tech_page:devices")
    kiosk.tick()
    row = kiosk.model.bridges[0]
    assert row.profile["gain"] == pytest.approx(0.9, abs=0.02) and row.profile["date"][:2] == "20"
    assert any(t.startswith("Calibrated 20") and "(×0.9" in t for t in texts_on_screen(kiosk))
    kiosk.tap("tech_exit")
    assert kiosk.screen is Screen.IDLE


def test_a_stored_profile_is_used_when_the_bridge_starts(tmp_path: Path) -> None:
    electrodes, name = Electrodes(), unique("skin")
    electrodes.us = REFERENCE_US
    profile = DeviceProfile(name, "gsr", TRUE_UNIT, "2026-11-23T10:00:00Z", "c0ffee")
    stale = DeviceProfile("moved", "cms50d", TRUE_UNIT, "2026-11-23T10:00:00Z", "c0ffee")  # kind changed
    profiles = {name: profile, "moved": stale}
    with PtyEmulator(GsrEmulator(electrodes, calibration=TRUE_UNIT), link=tmp_path / "tty") as emulator:
        devices = [
            DeviceConfig(name, "gsr", emulator.path),
            DeviceConfig("moved", "gsr", "auto", autostart=False),
            DeviceConfig("ox", "cms50d", "auto", autostart=False),
        ]
        manager = BridgeManager(devices, profiles=profiles.get)
        try:
            assert [r.profile for r in manager.rows()] == [{"date": "2026-11-23", "gain": 0.9}, {}, None]
            manager.start(name)
            reader = InletReader(name)
            assert reader.wait_samples(20) >= 20
            us = np.asarray(reader.samples)[:, 0]
            assert np.mean(us) == pytest.approx(REFERENCE_US, rel=0.02)  # the unit's own calibration
        finally:
            manager.stop_all()
