"""The kiosk flow state machine, driven with injected times: the full path, timeouts, stop,
headset removal, technician PIN, and random event sequences (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.kiosk.flow import (
    Begin,
    CheckedIn,
    Done,
    EndSession,
    EnterPhase,
    FlowTimeouts,
    HeadsetOff,
    HeadsetOn,
    PauseSession,
    PinRejected,
    ProgramChosen,
    Rated,
    ResumeSession,
    ReturnedToIdle,
    SavePostRatings,
    Screen,
    SensorsReady,
    SessionFlow,
    SkipRating,
    StartSession,
    Stop,
    TechnicianExit,
    TechnicianLogin,
    TechnicianMode,
    Touch,
)

T = FlowTimeouts()


def to_sensor_check(flow: SessionFlow, now: float = 0.0) -> None:
    flow.handle(Begin(), now)
    flow.handle(CheckedIn("K7PQ3XM"), now + 1)
    flow.handle(ProgramChosen("lake-alpha", baseline_s=60, session_s=300), now + 2)
    flow.handle(Rated(7, 2), now + 3)
    assert flow.screen is Screen.SENSOR_CHECK


def test_full_session_path() -> None:
    flow = SessionFlow()
    to_sensor_check(flow)
    started = flow.handle(SensorsReady(), 10)
    assert started == [StartSession("K7PQ3XM", "lake-alpha", 7, 2), EnterPhase("baseline")]
    assert flow.screen is Screen.BASELINE
    assert flow.tick(69.9) == [] and flow.session_clock(69.9) == pytest.approx(59.9)
    assert flow.tick(70.0) == [EnterPhase("session")]
    assert flow.tick(369.9) == []
    assert flow.tick(370.0) == [EndSession("completed", "program finished")]
    assert flow.screen is Screen.POST_RATING
    assert flow.session_clock(500) == pytest.approx(360)  # stopped with the session
    assert flow.handle(Rated(3, 4), 380) == [SavePostRatings(3, 4)]
    assert flow.screen is Screen.SUMMARY and flow.context.post_rating == (3, 4)
    assert flow.handle(Done(), 390) == [ReturnedToIdle("finished")]
    assert flow.screen is Screen.IDLE


def test_program_without_baseline_starts_the_session_at_once() -> None:
    flow = SessionFlow()
    flow.handle(Begin(), 0)
    flow.handle(CheckedIn("K7PQ3XM"), 0)
    flow.handle(ProgramChosen("quick", baseline_s=0, session_s=60), 0)
    flow.handle(Rated(5, 3), 0)
    effects = flow.handle(SensorsReady(), 0)
    assert effects[-2:] == [EnterPhase("baseline"), EnterPhase("session")]
    assert flow.screen is Screen.SESSION


@pytest.mark.parametrize("steps", range(4))
def test_interactive_screens_time_out_to_idle(steps: int) -> None:
    flow = SessionFlow()
    events = [Begin(), CheckedIn("K7PQ3XM"), ProgramChosen("p", 10, 10), Rated(1, 1)]
    for event in events[: steps + 1]:
        flow.handle(event, 0)
    limit = T.sensor_check_s if flow.screen is Screen.SENSOR_CHECK else T.interaction_s
    assert flow.tick(limit - 1) == []
    flow.handle(Touch(), limit - 1)  # a touch keeps the screen alive
    assert flow.tick(2 * limit - 2) == []
    assert flow.tick(2 * limit) == [ReturnedToIdle("timeout")]
    assert flow.screen is Screen.IDLE


def test_post_rating_and_summary_time_out() -> None:
    flow = SessionFlow()
    to_sensor_check(flow)
    flow.handle(SensorsReady(), 10)
    flow.tick(370)
    assert flow.tick(370 + T.interaction_s + 1) == [ReturnedToIdle("timeout")]
    flow = SessionFlow()
    to_sensor_check(flow)
    flow.handle(SensorsReady(), 10)
    flow.tick(370)
    flow.handle(SkipRating(), 371)
    assert flow.screen is Screen.SUMMARY
    assert flow.tick(371 + T.summary_s + 1) == [ReturnedToIdle("finished")]


def test_stop_during_session_aborts_and_asks_for_rating() -> None:
    flow = SessionFlow()
    to_sensor_check(flow)
    flow.handle(SensorsReady(), 10)
    assert flow.tick(100) == [EnterPhase("session")]
    assert flow.handle(Stop(), 100) == [EndSession("aborted", "stopped by the officer")]
    assert flow.screen is Screen.POST_RATING and flow.context.status == "aborted"
    assert flow.tick(1000) == [ReturnedToIdle("timeout")]  # nothing more happens to the session


@pytest.mark.parametrize("steps", range(4))
def test_stop_before_the_session_returns_to_idle_without_a_session(steps: int) -> None:
    flow = SessionFlow()
    for event in [Begin(), CheckedIn("K7PQ3XM"), ProgramChosen("p", 10, 10), Rated(1, 1)][: steps + 1]:
        flow.handle(event, 0)
    assert flow.handle(Stop(), 1) == [ReturnedToIdle("stopped")]


def test_headset_removed_pauses_after_grace_and_resumes() -> None:
    flow = SessionFlow()
    to_sensor_check(flow)
    flow.handle(SensorsReady(), 0)
    assert flow.handle(HeadsetOff(), 30) == []
    assert flow.tick(30 + T.headset_grace_s - 0.1) == []  # a quick adjustment is not a pause
    assert flow.tick(30 + T.headset_grace_s + 0.5) == [PauseSession("headset removed")]
    assert flow.paused
    frozen = flow.session_clock(50)
    assert frozen == pytest.approx(30 + T.headset_grace_s)
    assert flow.session_clock(100) == frozen
    assert flow.handle(HeadsetOn(), 100) == [ResumeSession()]
    # baseline (60 s of session time) ends 60 - frozen seconds after resuming
    assert flow.tick(100 + 60 - frozen - 0.1) == []
    assert flow.tick(100 + 60 - frozen + 0.1) == [EnterPhase("session")]


def test_headset_back_within_grace_is_no_pause() -> None:
    flow = SessionFlow()
    to_sensor_check(flow)
    flow.handle(SensorsReady(), 0)
    flow.handle(HeadsetOff(), 20)
    assert flow.handle(HeadsetOn(), 20 + T.headset_grace_s / 2) == []
    assert flow.tick(20 + 3 * T.headset_grace_s) == []
    assert flow.session_clock(40) == pytest.approx(40)


def test_paused_too_long_aborts_and_returns_to_idle() -> None:
    flow = SessionFlow()
    to_sensor_check(flow)
    flow.handle(SensorsReady(), 0)
    flow.handle(HeadsetOff(), 100)
    flow.tick(100 + T.headset_grace_s + 1)
    effects = flow.tick(100 + T.headset_grace_s + T.pause_limit_s + 1)
    assert effects == [
        EndSession("aborted", "headset off too long: the officer left"),
        ReturnedToIdle("left"),
    ]
    assert flow.screen is Screen.IDLE


def test_stop_while_paused() -> None:
    flow = SessionFlow()
    to_sensor_check(flow)
    flow.handle(SensorsReady(), 0)
    flow.handle(HeadsetOff(), 100)
    flow.tick(200)
    assert flow.handle(Stop(), 210) == [EndSession("aborted", "stopped by the officer")]
    assert flow.session_clock(300) == pytest.approx(100 + T.headset_grace_s)


def test_technician_mode_pin_lockout_and_idle_timeout() -> None:
    flow = SessionFlow()
    for i in range(T.pin_attempts - 1):
        assert flow.handle(TechnicianLogin(False), i) == [PinRejected(None)]
    [locked] = flow.handle(TechnicianLogin(False), 10)
    assert locked == PinRejected(10 + T.pin_lockout_s)
    assert flow.handle(TechnicianLogin(True), 20) == [PinRejected(10 + T.pin_lockout_s)]  # even the right PIN
    assert flow.screen is Screen.IDLE
    assert flow.handle(TechnicianLogin(True), 11 + T.pin_lockout_s) == [TechnicianMode(True)]
    assert flow.screen is Screen.TECHNICIAN
    assert flow.handle(TechnicianExit(), 400) == [TechnicianMode(False), ReturnedToIdle("technician")]
    flow.handle(TechnicianLogin(True), 500)
    assert flow.tick(500 + T.technician_idle_s + 1) == [TechnicianMode(False), ReturnedToIdle("timeout")]


def test_technician_login_only_from_idle_and_stale_taps_are_ignored() -> None:
    flow = SessionFlow()
    to_sensor_check(flow)
    assert flow.handle(TechnicianLogin(True), 5) == []
    assert flow.handle(Begin(), 5) == [] and flow.handle(Done(), 5) == []
    assert flow.screen is Screen.SENSOR_CHECK


def test_bad_values_are_refused() -> None:
    flow = SessionFlow()
    flow.handle(Begin(), 0)
    flow.handle(CheckedIn("K7PQ3XM"), 0)
    with pytest.raises(ValueError, match="session_s"):
        flow.handle(ProgramChosen("p", 10, 0), 0)
    flow.handle(ProgramChosen("p", 10, 10), 0)
    with pytest.raises(ValueError, match="stress is 0-10"):
        flow.handle(Rated(11, 3), 0)
    assert flow.screen is Screen.PRE_RATING


events = st.sampled_from(
    [
        Touch(),
        Begin(),
        CheckedIn("K7PQ3XM"),
        ProgramChosen("p", 30, 60),
        Rated(4, 3),
        SkipRating(),
        SensorsReady(),
        HeadsetOff(),
        HeadsetOn(),
        Stop(),
        Done(),
        TechnicianLogin(True),
        TechnicianLogin(False),
        TechnicianExit(),
        None,
    ]  # None: only time passes
)


@given(st.lists(st.tuples(events, st.floats(0, 400)), max_size=60))
def test_random_sequences_keep_sessions_balanced(steps: list) -> None:
    flow = SessionFlow()
    now, open_session, clock = 0.0, False, 0.0
    for event, dt in steps:
        now += dt
        effects = flow.tick(now) if event is None else flow.handle(event, now)
        for effect in effects:
            if isinstance(effect, StartSession):
                assert not open_session
                open_session, clock = True, 0.0
            elif isinstance(effect, EndSession):
                assert open_session
                open_session = False
            elif isinstance(effect, (PauseSession, ResumeSession, EnterPhase)):
                assert open_session
        if open_session:
            assert flow.screen in (Screen.BASELINE, Screen.SESSION)
            assert flow.session_clock(now) >= clock - 1e-9
            clock = flow.session_clock(now)
        else:
            assert flow.screen not in (Screen.BASELINE, Screen.SESSION)
