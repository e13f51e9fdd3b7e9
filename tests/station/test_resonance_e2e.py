"""End to end, with real parts: a simulated officer's ECG on real LSL (isolated per run by
tests/conftest.py), the real pipeline, protocol engine, kiosk flow and SQLite store, and a tiny
headless scene in its own process. The simulated officer has a known resonance rate (5.5
breaths/min) and breathes what the pacer asks: every phase event the engine emits changes the
officer's breathing schedule, LOOKAHEAD_S later (a reaction time, and no sooner than the simulated
heart may have generated its beats). A short resonance assessment finds that rate although a slower
block comes after it, and stores it; the same officer's next paced session breathes at it; a stop
after the result keeps it, a stop before stores none. The protocols are shortened copies of the
library's resonance-assessment and coherent-breathing; the assessment measures the per-breath
peak-trough swing of the instantaneous heart rate (``ihr``), as LF power needs two-minute blocks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from protocols.engine import StepOutput
from protocols.protocol_model import Protocol
from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
from sensors.sim.breathing_schedule import LOOKAHEAD_S, BreathingSchedule
from sensors.sim.officer_state import Scenario
from sensors.sim.outlets import SimPublisher
from sensors.sim.streams import build_generators
from station.kiosk.controller import KioskController, SceneSettings
from station.kiosk.flow import FlowTimeouts, Screen
from station.kiosk.script import run_until
from station.session.runtime import SessionRuntime
from station.store import SessionStatus, SessionStore
from tests.protocol_builder import Phase, protocol_toml, write_protocol

RESONANCE = 5.5  # the simulated officer's resonance rate, breaths/min
PACE = {"inhale": 4, "exhale": 6}
# Blocks of settle_s + 1.8 breaths at least: whatever the pacer's position when a block begins, one
# whole breath lies after the settle time (a breath that started up to 20 % before it counts).
ASSESSMENT = protocol_toml(
    "assess-short",
    [
        Phase("practice", 6, "练习。", "Practice.", feedback=False, pacer={"rate": 5.5, **PACE}),
        Phase("rate-5-5", 25, "每分钟5.5次。", "5.5 a minute.", feedback=False, assess_rate=True,
              pacer={"rate": 5.5, **PACE}),
        Phase("rate-4-5", 29, "每分钟4.5次。", "4.5 a minute.", feedback=False, assess_rate=True,
              pacer={"rate": 4.5, **PACE}),
        Phase("rest", 3, "休息。", "Rest.", feedback=False),
    ],
    name=("共振测定（短）", "Resonance (short)"),
    description=("测试", "Test"),
    max_session_s=120,
    tables='[assessment]\nmetric = "ihr"\nmethod = "peak_trough"\nsettle_s = 4\nmin_valid_share = 0.8',
)  # fmt: skip
RESONANCE_PACE = {"rate": "resonance", **PACE, "fallback_rate": 6.0}
BREATHING = protocol_toml(
    "breathe-short",
    [
        Phase("settle", 3, "坐好。", "Sit.", feedback=False, pacer=RESONANCE_PACE),
        Phase("baseline", 4, "呼吸。", "Breathe.", baseline=True, pacer=RESONANCE_PACE),
        Phase("training", 5, "保持。", "Keep on.", pacer=RESONANCE_PACE),
    ],
    name=("共振呼吸（短）", "Coherent (short)"),
    description=("测试", "Test"),
)
TIMEOUTS = FlowTimeouts(interaction_s=120.0, sensor_check_s=60.0, summary_s=120.0)


class PacedOfficer:
    """A simulated officer (ECG on LSL) with a known resonance rate who follows the engine's pacer."""

    def __init__(self, publisher: SimPublisher, schedule: BreathingSchedule) -> None:
        self.publisher, self.schedule = publisher, schedule

    def follow(self, out: StepOutput) -> None:
        """Breathe at each new phase's pacer rate from LOOKAHEAD_S after the phase began."""
        for event in out.events:
            rate = event.data.get("pacer_rate") if event.kind == "phase" else None
            if rate is not None:
                self.schedule.follow(event.t - self.publisher.start_time + LOOKAHEAD_S, rate)


@pytest.fixture(scope="module")
def officer() -> Iterator[PacedOfficer]:
    """One calm simulated officer's ECG on LSL for the whole module, breathing 6/min until paced."""
    schedule = BreathingSchedule()
    scenario = Scenario.fixed(0.3, 6.0, resonance_bpm=RESONANCE, schedule=schedule)
    publisher = SimPublisher(build_generators(["ecg"], scenario, 0), "resonance-test")
    publisher.start()
    try:
        yield PacedOfficer(publisher, schedule)
    finally:
        publisher.stop()


def _load(tmp_path: Path, text: str) -> Protocol:
    return write_protocol(tmp_path, text)


@pytest.fixture
def controller(tmp_path: Path, officer: PacedOfficer) -> Iterator[KioskController]:
    protocols = [_load(tmp_path, ASSESSMENT), _load(tmp_path, BREATHING)]
    store = SessionStore(tmp_path / "sessions.db", "test-station")
    registry = SourceRegistry(StreamCatalog(buffer_seconds=30.0))
    kiosk = KioskController(
        store,
        registry,
        protocols,
        station_id="test-station",
        recordings_dir=tmp_path / "recordings",
        timeouts=TIMEOUTS,
        language="en",
        scene=SceneSettings("lakeside", "headless", {"width": 64, "height": 36}, 10.0),
    )
    kiosk.on_output = officer.follow
    yield kiosk
    if kiosk._runtime is not None:
        kiosk._runtime.stop_requested.set()
    run_until(kiosk, lambda: not kiosk.session_running, 60.0)
    registry.close()
    store.close()


def _session(kiosk: KioskController, code_taps: list[str], program: str) -> str:
    """One officer's session through the kiosk's taps, from idle to the summary; returns its UUID."""
    for action in ("begin", *code_taps, "submit_code", f"program:{program}", "stress:5", "mood:3", "rate"):
        kiosk.tap(action)
        kiosk.tick()
    assert run_until(kiosk, lambda: kiosk.screen is Screen.POST_RATING, 150.0), kiosk.screen
    for action in ("stress:2", "mood:4", "rate"):
        kiosk.tap(action)
    assert run_until(kiosk, lambda: not kiosk.session_running and kiosk.model.summary, 90.0)
    assert kiosk.screen is Screen.SUMMARY
    return kiosk.outcomes[-1].session_uuid


def test_an_assessed_rate_paces_the_officers_next_session(controller: KioskController) -> None:
    store = controller.store
    first = _session(controller, ["new_code"], "assess-short")
    assert store.session(first).status is SessionStatus.COMPLETED
    code = store.session(first).officer_code
    [event] = [e for e in store.events(first) if e.kind == "resonance_result"]
    blocks = event.detail["blocks"]
    assert [b["rate"] for b in blocks] == [5.5, 4.5], event.detail
    assert all(b["amplitude"] is not None and b["valid_share"] >= 0.8 and b["breaths"] >= 1 for b in blocks)
    rate = event.detail["rate"]
    assert rate == RESONANCE, event.detail  # not the slower, later block
    assert store.resonance_rate(code) == rate
    assert store.resonance_result(first).details["blocks"] == event.detail["blocks"]
    assert controller.model.summary["en"][0] == f"Your resonance breathing rate: {rate:g} breaths a minute"
    assert controller.model.summary["zh-CN"][0] == f"您的共振呼吸频率：每分钟 {rate:g} 次"

    controller.tap("done")
    assert controller.screen is Screen.IDLE
    second = _session(controller, [f"key:{c}" for c in code], "breathe-short")
    assert store.session(second).officer_code == code
    events = store.events(second)
    phase_rates = {e.detail["id"]: e.detail["pacer_rate"] for e in events if e.kind == "phase"}
    assert phase_rates == {"settle": rate, "baseline": rate, "training": rate}
    cue_rates = {e.detail["rate"] for e in events if e.kind == "pacer"}
    assert cue_rates == {rate}
    assert not any("resonance" in line for line in controller.model.summary["en"])


def test_a_stop_after_the_result_keeps_it_and_a_stop_before_stores_none(
    tmp_path: Path, officer: PacedOfficer
) -> None:
    protocol = _load(tmp_path, ASSESSMENT)
    registry = SourceRegistry(StreamCatalog(buffer_seconds=30.0))
    try:
        with SessionStore(tmp_path / "sessions.db", "test-station") as store:
            code = store.new_officer()

            def session(stop_in: str) -> str:
                runtime = SessionRuntime(
                    store, registry, protocol, None, tmp_path / "recordings", "test-station"
                )

                def on_output(out: StepOutput) -> None:
                    officer.follow(out)
                    if out.phase == stop_in:  # the officer taps stop here
                        runtime.stop_requested.set()

                runtime.on_output = on_output
                outcome = runtime.run(code, 5, 3, max_seconds=120.0)
                assert outcome.status is SessionStatus.ABORTED
                return outcome.session_uuid

            after = session("rest")
            kinds = [e.kind for e in store.events(after)]
            assert kinds.index("resonance_result") < kinds.index("safety")  # the stop came after it
            assert store.resonance_rate(code) == RESONANCE and store.resonance_result(after).rate == RESONANCE

            before = session("rate-5-5")  # stopped during the blocks: no result, the rate stays
            assert "resonance_result" not in [e.kind for e in store.events(before)]
            assert store.resonance_result(before) is None and store.resonance_rate(code) == RESONANCE
    finally:
        registry.close()
