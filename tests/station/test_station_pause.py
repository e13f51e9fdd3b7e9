"""A real pause: the runtime with simulated sensors on real LSL outlets (isolated per test run by
tests/conftest.py), the real pipeline and protocol engine, a tiny headless scene in its own
process, the SQLite store and the XDF recorder; and the kiosk controller pausing, resuming and
aborting a session from the scene process's headset report. Sessions use a 14-second protocol."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pylsl
import pytest
import pyxdf

from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
from station.kiosk.controller import KioskController, SceneSettings
from station.kiosk.flow import FlowTimeouts, PauseSession, ResumeSession, Screen
from station.kiosk.script import run_until
from station.recording.markers import parse_marker
from station.session.pause import PAUSED_LOOK
from station.session.report_figure import draw_report, load_traces
from station.session.runtime import SessionRuntime
from station.session.scene_process import HEADSET_OFF, HEADSET_ON, SceneProcess
from station.session.summary import paused_spans, phase_means, phases_from_markers
from station.store import SessionStatus, SessionStore
from tests.lsl_helpers import simulated_ecg
from tests.protocol_builder import Phase, protocol_toml, write_protocol

PROTOCOL = protocol_toml(
    "pause-test",
    [
        Phase("settle", 2, "请坐好。", "Sit down.", feedback=False),
        Phase("baseline", 4, "保持安静。", "Stay still.", baseline=True),
        Phase("training", 6, "放松。", "Relax.", pacer={"rate": 6.0}),
        Phase("cooldown", 2, "结束。", "The end.", feedback=False),
    ],
    name=("暂停测试", "Pause test"),
)
PAUSE_S = 4.0
CHECK_IN = ["begin", "new_code", "submit_code", "program:pause-test", "stress:6", "mood:2", "rate"]


@pytest.fixture(scope="module")
def ecg() -> Iterator[None]:
    """One simulated officer's ECG on LSL for the whole module."""
    with simulated_ecg("pause-test"):
        yield


@pytest.fixture
def protocol(tmp_path: Path):
    return write_protocol(tmp_path, PROTOCOL)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SessionStore]:
    with SessionStore(tmp_path / "sessions.db", "test-station") as s:
        yield s


@pytest.fixture
def registry(ecg) -> Iterator[SourceRegistry]:
    reg = SourceRegistry(StreamCatalog(buffer_seconds=30.0))
    yield reg
    reg.close()


def wait(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def by_kind(events) -> dict[str, list]:
    out: dict[str, list] = {}
    for e in events:
        out.setdefault(e.kind, []).append(e)
    return out


def test_runtime_pause_holds_the_timeline_and_is_recorded(protocol, store, registry, tmp_path: Path) -> None:
    scene = SceneProcess("lakeside", "headless", {"width": 64, "height": 36}, pace_fps=10.0).start()
    phases: list[str] = []
    steps: list = []  # every engine step's output

    def on_output(out) -> None:  # type: ignore[no-untyped-def]
        phases.append(out.phase)
        steps.append(out)

    runtime = SessionRuntime(
        store, registry, protocol, scene, tmp_path / "rec", "test-station", on_output=on_output
    )
    officer = store.new_officer()
    result: list = []
    worker = threading.Thread(target=lambda: result.append(runtime.run(officer, 5, 3, max_seconds=90.0)))
    worker.start()
    try:
        assert wait(lambda: "training" in phases, 90.0), phases
        runtime.pause("headset removed")
        assert wait(lambda: runtime.paused)
        steps_at_pause = len(phases)
        paused_at = pylsl.local_clock()
        assert wait(lambda: pylsl.local_clock() - paused_at >= PAUSE_S, PAUSE_S + 30.0)
        assert len(phases) == steps_at_pause, "the engine was stepped while paused"
        assert phases[-1] == "training"
        runtime.resume()
        assert wait(lambda: not runtime.paused)
        resumed_by = pylsl.local_clock()
    finally:
        worker.join(timeout=120.0)
    [outcome] = result
    assert outcome.status is SessionStatus.COMPLETED and outcome.stopped_reason is None
    # the pause began no earlier than the last step before it and ended before the test saw it end
    assert PAUSE_S <= outcome.paused_s <= resumed_by - steps[steps_at_pause - 1].t
    assert outcome.scene_stats["frames"] > 0

    events = by_kind(store.events(outcome.session_uuid))
    [pause], [resume] = events["pause"], events["resume"]
    assert pause.detail["reason"] == "headset removed" and pause.detail["elapsed"] > 6.0
    assert resume.detail["paused_s"] == pytest.approx(outcome.paused_s, abs=1e-6)
    assert resume.lsl_time - pause.lsl_time == pytest.approx(outcome.paused_s, abs=1e-6)
    # each step's elapsed time is its LSL time less the start and the pause before it, its phase is
    # the protocol's phase at that elapsed time, and each phase starts at its first step
    ends = np.cumsum([phase.duration_s for phase in protocol.phases])
    t_start = steps[0].t
    for out in steps:
        paused_before = outcome.paused_s if out.t >= resume.lsl_time else 0.0
        assert out.elapsed == pytest.approx(out.t - t_start - paused_before, abs=1e-6)
        index = int(np.searchsorted(ends, out.elapsed, side="right"))
        assert out.phase == (protocol.phases[index].id if index < len(ends) else "end")
    first_steps: dict[str, float] = {}
    for out in steps:
        first_steps.setdefault(out.phase, out.t)
    starts = {e.detail["id"]: e.lsl_time for e in events["phase"]}
    assert list(starts) == ["settle", "baseline", "training", "cooldown"]
    assert starts == {phase: first_steps[phase] for phase in starts}
    summaries = store.session(outcome.session_uuid).phase_summaries
    training_s = starts["cooldown"] - starts["training"] - outcome.paused_s  # the pause left out
    assert summaries["training"]["duration_s"] == pytest.approx(training_s, abs=1e-6)

    streams, _ = pyxdf.load_xdf(str(outcome.xdf_path))
    by_type = {s["info"]["type"][0]: s for s in streams}
    markers = [
        (parse_marker(row[0])[0], t)
        for row, t in zip(by_type["Markers"]["time_series"], by_type["Markers"]["time_stamps"], strict=True)
    ]
    kinds = [k for k, _ in markers]
    assert kinds.index("pause") < kinds.index("resume") < len(kinds)
    t_pause = next(t for k, t in markers if k == "pause")
    t_resume = next(t for k, t in markers if k == "resume")
    assert t_resume - t_pause == pytest.approx(outcome.paused_s, abs=0.05)
    features = np.asarray(by_type["Features"]["time_stamps"])
    inside = features[(features > t_pause) & (features < t_resume)]
    assert len(inside) > 0, "the pipeline stopped publishing during the pause"
    params = by_type["SceneParams"]
    labels = [c["label"][0] for c in params["info"]["desc"][0]["channels"][0]["channel"]]
    stamps = np.asarray(params["time_stamps"])
    held = np.asarray(params["time_series"])[(stamps > t_pause) & (stamps < t_resume)]
    assert len(held) > 0
    for name in ("light", "volume", "pacer_visible"):
        assert np.all(held[:, labels.index(name)] == pytest.approx(PAUSED_LOOK[name])), name

    traces = load_traces(outcome.xdf_path)  # the report reads the same pause from the recording
    assert paused_spans(traces.marker_times, traces.markers, float(traces.times[-1])) == [
        pytest.approx((t_pause, t_resume))
    ]
    draw_report(traces, tmp_path / "report.png", "pause")
    assert (tmp_path / "report.png").stat().st_size > 10_000


@pytest.fixture
def kiosk(tmp_path: Path, store, registry, protocol) -> Iterator:
    made: list[KioskController] = []

    def factory(timeouts: FlowTimeouts) -> KioskController:
        controller = KioskController(
            store,
            registry,
            [protocol],
            station_id="test-station",
            recordings_dir=tmp_path / "recordings",
            timeouts=timeouts,
            language="en",
            scene=SceneSettings("lakeside", "headless", {"width": 64, "height": 36}, 10.0),
        )
        made.append(controller)
        return controller

    yield factory
    for controller in made:
        if controller._runtime is not None:
            controller._runtime.request_stop("test over")
        run_until(controller, lambda c=controller: not c.session_running, 60.0)


def start_session(controller: KioskController) -> SceneProcess:
    """Check in and start; returns once the engine runs (its first phase event is stored): before
    that the runtime is still opening the recording, and a stop would overtake the pause."""
    for action in CHECK_IN:
        controller.tap(action)
    assert run_until(controller, lambda: controller.screen is Screen.BASELINE, 60.0)
    store = controller.store

    def engine_running() -> bool:
        sessions = store.sessions(limit=1)
        return bool(sessions) and any(e.kind == "phase" for e in store.events(sessions[0].uuid))

    assert run_until(controller, engine_running, 60.0)
    assert controller._runtime is not None and controller._runtime.scene is not None
    return controller._runtime.scene


def set_headset(scene: SceneProcess, code: int) -> None:
    # The headless output cannot tell whether a headset is worn (it reports None, which the child
    # never writes), so the test writes the shared value the way the child does for an XR output;
    # the controller reads it through its real path (SceneProcess.headset_worn, polled each tick).
    scene.headset.value = code


def test_headset_off_pauses_and_on_resumes_the_session(kiosk) -> None:
    controller = kiosk(
        FlowTimeouts(interaction_s=120.0, sensor_check_s=60.0, headset_grace_s=1.0, pause_limit_s=120.0)
    )
    scene = start_session(controller)
    runtime = controller._runtime
    set_headset(scene, HEADSET_ON)
    assert run_until(controller, lambda: scene.headset_worn is True, 10.0)
    off_at = pylsl.local_clock()
    set_headset(scene, HEADSET_OFF)
    assert run_until(controller, lambda: runtime.paused, 30.0)
    assert controller.flow.paused and any(isinstance(e, PauseSession) for e in controller.effects_seen)
    run_until(controller, lambda: False, 2.0)  # stay paused a little
    assert controller.screen in (Screen.BASELINE, Screen.SESSION)
    set_headset(scene, HEADSET_ON)
    assert run_until(controller, lambda: not runtime.paused, 30.0)
    assert any(isinstance(e, ResumeSession) for e in controller.effects_seen)
    assert run_until(controller, lambda: controller.screen is Screen.POST_RATING, 90.0)
    assert run_until(controller, lambda: not controller.session_running and controller.outcomes, 60.0)
    [outcome] = controller.outcomes
    assert outcome.status is SessionStatus.COMPLETED and outcome.paused_s >= 2.0
    events = by_kind(controller.store.events(outcome.session_uuid))
    assert [e.detail["reason"] for e in events["pause"]] == ["headset removed"]
    assert events["pause"][0].lsl_time - off_at >= 1.0  # not before the grace time
    assert len(events["resume"]) == 1


def test_headset_off_past_the_pause_limit_aborts_with_the_reason(kiosk) -> None:
    controller = kiosk(
        FlowTimeouts(interaction_s=120.0, sensor_check_s=60.0, headset_grace_s=1.0, pause_limit_s=3.0)
    )
    scene = start_session(controller)
    off_at = pylsl.local_clock()
    set_headset(scene, HEADSET_OFF)
    assert run_until(controller, lambda: controller._runtime.paused, 30.0)
    assert run_until(controller, lambda: controller.screen is Screen.IDLE, 30.0)
    assert run_until(controller, lambda: not controller.session_running and controller.outcomes, 60.0)
    [outcome] = controller.outcomes
    reason = "headset off too long: the officer left"
    assert outcome.status is SessionStatus.ABORTED and outcome.stopped_reason == reason
    events = by_kind(controller.store.events(outcome.session_uuid))
    assert [e.detail["reason"] for e in events["stop"]] == [reason]
    [pause], [stop] = events["pause"], events["stop"]
    assert stop.lsl_time - off_at >= 1.0 + 3.0  # the grace time, then the pause limit
    assert outcome.paused_s >= stop.lsl_time - pause.lsl_time > 0  # paused until the stop
    assert len(events["pause"]) == 1 and "resume" not in events
    assert controller.store.session(outcome.session_uuid).status is SessionStatus.ABORTED
    assert not math.isnan(outcome.usable_fraction)


def test_report_means_leave_paused_spans_out() -> None:
    times = [1.0, 2.0, 3.0, 5.0, 6.0, 9.0]
    texts = ["phase:baseline", "pause", "resume", "phase:training", 'pause:{"reason":"x"}', "session_end"]
    assert paused_spans(times, texts, 20.0) == [(2.0, 3.0), (6.0, 9.0)]
    assert paused_spans([1.0, 4.0], ["phase:a", "pause"], 10.0) == [(4.0, 10.0)]  # never resumed
    t = np.arange(0.0, 10.0, 0.5)
    hr = np.where((t >= 6.0) & (t < 9.0), 150.0, 60.0)  # a paused stretch with odd values
    phases = phases_from_markers(times, texts, 10.0)
    means = phase_means(t, {"hr": hr}, phases, paused_spans(times, texts, 10.0))
    assert means["training"]["hr"] == 60.0
    assert phase_means(t, {"hr": hr}, phases)["training"]["hr"] > 60.0
