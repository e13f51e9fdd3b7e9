"""Technician mode through the real KioskController (the same taps the window and scripts use):
PIN login → EDA zero/gain check → resting HR → results stored (and accepted by the wire schema) →
exit; and the resonance hand-off to the officer flow. Real LSL streams (a GSR-like EDA outlet and the
simulator's ECG), the real SQLite store; no scene is started (no session runs here)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from protocols.loader import find_protocol
from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
from station.calibration.settings import CalibrationSettings, EdaCheckSettings, RestingHeartSettings
from station.config import hash_pin
from station.kiosk.controller import KioskController
from station.kiosk.flow import FlowTimeouts, Screen
from station.kiosk.script import run_until
from station.store import SessionStore
from tests.calibration_helpers import EDA_LABELS, EDA_UNITS, Feeder, gsr_like, steady_heart
from tests.lsl_helpers import unique
from wire import v1 as wire_v1

PIN = "2468"


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[KioskController]:
    store = SessionStore(tmp_path / "sessions.db", "tech-station")
    registry = SourceRegistry(StreamCatalog(buffer_seconds=30.0))
    protocols = [find_protocol("quick-reset"), find_protocol("resonance-assessment")]
    settings = CalibrationSettings(eda=EdaCheckSettings(step_s=2.0), heart=RestingHeartSettings(rest_s=8.0))
    controller = KioskController(
        store,
        registry,
        protocols,
        station_id="tech-station",
        recordings_dir=tmp_path / "recordings",
        timeouts=FlowTimeouts(),
        language="en",
        pin_hash=hash_pin(PIN),
        technician="Wang Li",
        calibration=settings,
    )
    yield controller
    registry.close()
    store.close()


def login(kiosk: KioskController) -> None:
    kiosk.tap("technician")
    for digit in PIN:
        kiosk.tap(f"pin_key:{digit}")
    kiosk.tap("pin_ok")
    assert kiosk.screen is Screen.TECHNICIAN and kiosk.model.tech_page == "home"


def calibrate(kiosk: KioskController, page: str, feeder: Feeder | None, timeout: float) -> None:
    kiosk.tap(f"tech_page:{page}")
    kiosk.tap("tech_start")

    def finished() -> bool:
        view = kiosk.model.calibration
        if feeder is not None and view is not None:
            feeder.step = view.step
        return view is not None and view.state != "running"

    assert run_until(kiosk, finished, timeout), kiosk.model.calibration


def test_login_calibrate_store_and_exit(kiosk: KioskController) -> None:
    login(kiosk)
    feeder = Feeder("EDA", EDA_LABELS, EDA_UNITS, 10.0, gsr_like(9.8, np.random.default_rng(5)), speed=3.0)
    prefix = unique("tech")
    ecg = steady_heart(prefix)
    with feeder, ecg:
        calibrate(kiosk, "eda", feeder, 30.0)
        view = kiosk.model.calibration
        assert view.state == "done" and view.result.passed, view
        kiosk.tap("tech_save")
        kiosk.tap("tech_save")  # a second tap stores nothing more
        assert kiosk.model.calibration_saved
        calibrate(kiosk, "hr", None, 40.0)
        assert kiosk.model.calibration.result.passed, kiosk.model.calibration
        kiosk.tap("tech_save")
    rows = kiosk.store.calibrations()
    assert [r["device"] for r in rows] == [feeder.source_id, f"{prefix}-ecg"]
    eda, heart = (r["results"] for r in rows)
    assert all(r["technician"] == "Wang Li" for r in rows)
    assert eda["procedure"] == "eda" and eda["passed"] is True
    assert eda["gain_error_pct"] == pytest.approx(-2.0, abs=0.5) and "gain error" in eda["notes"]
    assert heart["sensor"] == "ECG" and 40 < heart["hr_bpm"] < 100
    wires = [item.payload for item in kiosk.store.pending(10) if item.kind == "calibration"]
    checked = [wire_v1.Calibration.model_validate(w) for w in wires]
    assert [c.result for c in checked] == ["pass", "pass"]
    assert [c.sensor for c in checked] == ["EDA", "ECG"]
    assert checked[0].values["gain_error_pct"] == pytest.approx(eda["gain_error_pct"])
    assert checked[1].notes.startswith("Resting HR")
    kiosk.tap("tech_exit")
    assert kiosk.screen is Screen.IDLE and kiosk.model.calibration is None


def test_leaving_a_calibration_page_cancels_it(kiosk: KioskController) -> None:
    login(kiosk)
    kiosk.tap("tech_page:eeg")
    kiosk.tap("tech_start")
    kiosk.tick()
    assert kiosk.technician_desk.procedure is not None
    kiosk.tap("tech_page:home")
    kiosk.tick()
    assert kiosk.technician_desk.procedure is None and kiosk.model.calibration is None


def test_no_stream_fails_with_a_plain_reason(kiosk: KioskController) -> None:
    now = [time.monotonic()]
    kiosk.clock = lambda: now[0]
    login(kiosk)
    kiosk.tap("tech_page:eeg")
    kiosk.tap("tech_start")
    kiosk.tick()
    assert kiosk.model.calibration.state == "running"  # the stream may still be being resolved
    now[0] += 6.0
    kiosk.tick()
    assert kiosk.model.calibration.state == "failed"
    assert kiosk.model.calibration.error.key == "cal_error_missing"
    kiosk.tap("tech_save")
    assert kiosk.store.calibrations() == []  # nothing measured, nothing stored


def test_resonance_hand_off_lands_on_the_officers_pre_rating(kiosk: KioskController) -> None:
    code = kiosk.store.new_officer()
    login(kiosk)
    kiosk.tap("tech_page:resonance")
    for ch in "ACDEFGH":
        kiosk.tap(f"key:{ch}")
    kiosk.tap("tech_handoff")
    assert kiosk.screen is Screen.TECHNICIAN and kiosk.model.notice == "invalid_code"
    for _ in range(7):
        kiosk.tap("delete")
    for ch in code:
        kiosk.tap(f"key:{ch}")
    kiosk.tap("tech_handoff")
    assert kiosk.screen is Screen.PRE_RATING
    context = kiosk.flow.context
    assert context.officer_code == code and context.program == "resonance-assessment"
    assert context.baseline_s + context.session_s == pytest.approx(720.0)
    assert kiosk.model.tech_page == "home" and kiosk.model.code_entry == ""


def test_hand_off_needs_the_program_on_offer(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.db", "tech-station")
    registry = SourceRegistry(StreamCatalog())
    try:
        kiosk = KioskController(
            store,
            registry,
            [find_protocol("quick-reset")],
            station_id="tech-station",
            recordings_dir=tmp_path,
            pin_hash=hash_pin(PIN),
        )
        login(kiosk)
        kiosk.tap("tech_page:resonance")
        for ch in store.new_officer():
            kiosk.tap(f"key:{ch}")
        kiosk.tap("tech_handoff")
        assert kiosk.screen is Screen.TECHNICIAN and kiosk.model.notice == "tech_no_program"
    finally:
        registry.close()
        store.close()


def test_technician_idle_timeout_drops_the_calibration(kiosk: KioskController) -> None:
    now = [time.monotonic()]
    kiosk.clock = lambda: now[0]
    login(kiosk)
    kiosk.tap("tech_page:hr")
    kiosk.tap("tech_start")
    now[0] += 601.0
    kiosk.tick()
    assert kiosk.screen is Screen.IDLE and kiosk.technician_desk.procedure is None


def test_leaving_the_kiosk_is_confirmed_and_technician_only(kiosk: KioskController) -> None:
    kiosk.tap("tech_leave")  # on the attract screen: nothing
    assert not kiosk.leave_requested
    login(kiosk)
    kiosk.tap("tech_page:leave")
    assert kiosk.model.tech_page == "leave" and not kiosk.leave_requested  # asked once more first
    kiosk.tap("tech_page:home")
    assert kiosk.screen is Screen.TECHNICIAN and not kiosk.leave_requested
    kiosk.tap("tech_page:leave")
    kiosk.tap("tech_leave")
    assert kiosk.leave_requested and kiosk.screen is Screen.IDLE  # technician mode closed behind it
