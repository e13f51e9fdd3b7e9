"""Pausing the protocol engine (the headset taken off): the timeline stands still while paused.

Times are multiples of 1/8 s and pauses whole seconds, so shifted times are exact in binary and a
paused session can be compared bit for bit with the same session unpaused, shifted in time.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols.engine import EngineState, StepOutput, pause, resume, start, step
from protocols.loader import find_protocol
from protocols.protocol_model import Protocol
from protocols.simulated_features import breathing_schedule, simulate
from sensors.types import FeatureSnapshot, Verdict

RATE_HZ = 8.0  # 1/8 s steps: exact binary fractions


def snapshots(protocol: Protocol) -> list[FeatureSnapshot]:
    return list(simulate(protocol.duration_s + 2, breathing_schedule(protocol), rate_hz=RATE_HZ))


def shifted(snapshot: FeatureSnapshot, by: float) -> FeatureSnapshot:
    return dataclasses.replace(snapshot, t=snapshot.t + by)


def fingerprint(outputs: list[StepOutput], back: float = 0.0) -> list[str]:
    """Exact text of every output, its times moved ``back`` seconds."""
    rows = []
    for o in outputs:
        events = [(e.t - back, e.kind, sorted(e.data.items())) for e in o.events]
        rows.append(
            repr(
                (
                    o.t - back,
                    o.elapsed,
                    o.phase,
                    sorted(o.params.items()),
                    events,
                    sorted(o.inactive.items()),
                    o.rewarded,
                    o.threshold,
                    o.stopped,
                    o.finished,
                )
            )
        )
    return rows


def run_paused(
    protocol: Protocol, snaps: list[FeatureSnapshot], pause_index: int, pause_s: float
) -> tuple[list[StepOutput], list[StepOutput], EngineState]:
    """Step to ``pause_index``, pause half a step later for ``pause_s``, resume and step the rest
    with the same snapshots shifted by the pause. Returns (before, after, state)."""
    state = start(protocol, snaps[0].t)
    before = [step(protocol, state, s.t, s) for s in snaps[:pause_index]]
    t_pause = snaps[pause_index - 1].t + 0.5 / RATE_HZ
    pause_event = pause(state, t_pause)
    assert pause_event.kind == "pause" and state.paused
    resume_event = resume(state, t_pause + pause_s)
    assert resume_event.kind == "resume" and resume_event.data["paused_s"] == pause_s
    after = []
    for s in snaps[pause_index:]:
        out = step(protocol, state, s.t + pause_s, shifted(s, pause_s))
        after.append(out)
        if out.finished:
            break
    return before, after, state


def run_straight(protocol: Protocol, snaps: list[FeatureSnapshot]) -> list[StepOutput]:
    state = start(protocol, snaps[0].t)
    outputs = []
    for s in snaps:
        outputs.append(step(protocol, state, s.t, s))
        if outputs[-1].finished:
            break
    return outputs


@pytest.mark.parametrize(
    ("name", "pause_at_s"),
    [
        ("quick-reset", 55.0),  # in the middle of the baseline
        ("quick-reset", 91.0),  # a second into the training: mappings ramping in, reward starting
        ("quick-reset", 150.0),  # during the training, reward and mappings running
        ("resonance-assessment", 250.0),  # inside an assessment block
    ],
)
def test_a_paused_session_is_the_same_session_shifted_by_the_pause(name: str, pause_at_s: float) -> None:
    protocol = find_protocol(name)
    snaps = snapshots(protocol)
    straight = run_straight(protocol, snaps)
    k = int(pause_at_s * RATE_HZ)
    before, after, state = run_paused(protocol, snaps, k, 7.0)
    assert fingerprint(before) == fingerprint(straight[:k])
    assert fingerprint(after, back=7.0) == fingerprint(straight[k:])
    assert after[-1].finished and straight[-1].finished
    assert after[-1].t == straight[-1].t + 7.0  # ends exactly the pause later
    assert state.paused_s == 7.0
    phases = [e.data["id"] for o in before + after for e in o.events if e.kind == "phase"]
    assert phases == [p.id for p in protocol.phases]


def test_no_baseline_samples_or_reward_time_accrue_while_paused() -> None:
    protocol = find_protocol("quick-reset")
    snaps = snapshots(protocol)
    straight_state = start(protocol, snaps[0].t)
    for s in snaps:
        if step(protocol, straight_state, s.t, s).finished:
            break
    k = int(60 * RATE_HZ)  # 30 s into the 60 s baseline
    state = start(protocol, snaps[0].t)
    for s in snaps[:k]:
        step(protocol, state, s.t, s)
    collected = {m: len(v) for m, v in state.baseline_samples.items()}
    assert collected and all(n > 0 for n in collected.values())
    pause(state, snaps[k - 1].t + 0.0625)
    with pytest.raises(ValueError, match="paused"):
        step(protocol, state, snaps[k].t, snaps[k])
    resume(state, snaps[k - 1].t + 0.0625 + 120.0)  # two minutes off: longer than the baseline left
    assert {m: len(v) for m, v in state.baseline_samples.items()} == collected
    first = step(protocol, state, snaps[k].t + 120.0, shifted(snaps[k], 120.0))
    assert first.phase == "baseline"  # the baseline did not run out during the pause
    for s in snaps[k + 1 :]:
        if step(protocol, state, s.t + 120.0, shifted(s, 120.0)).finished:
            break
    for metric, stats in state.baseline.items():
        assert stats is not None
        assert len(stats.sorted_samples) == len(straight_state.baseline[metric].sorted_samples)
    assert state.reward is not None and straight_state.reward is not None
    assert state.reward.time_running == straight_state.reward.time_running
    assert state.reward.time_on == straight_state.reward.time_on


def test_the_heart_rate_ceiling_timer_does_not_count_the_pause() -> None:
    protocol = find_protocol("quick-reset")  # stop after 10 s above 140 bpm
    rules = protocol.safety
    assert (rules.hr_ceiling_bpm, rules.hr_ceiling_s) == (140, 10)
    state = start(protocol, 1000.0)

    def at(t: float) -> StepOutput:
        snapshot = FeatureSnapshot(t, {"hr": 150.0}, {"hr": Verdict.good()})
        return step(protocol, state, t, snapshot)

    t = 1000.0
    while t < 1006.0:  # six seconds above the ceiling
        assert at(t).stopped is None
        t += 0.125
    pause(state, t)
    resume(state, t + 60.0)
    t += 60.0
    while t < 1069.875:  # three more seconds of session time: nine in all
        assert at(t).stopped is None, t
        t += 0.125
    while (out := at(t)).stopped is None:
        t += 0.125
    assert out.stopped == "hr_ceiling"
    assert t - 60.0 - 1000.0 == pytest.approx(rules.hr_ceiling_s, abs=0.2)


def test_pause_and_resume_refuse_the_wrong_order() -> None:
    protocol = find_protocol("quick-reset")
    state = start(protocol, 1000.0)
    with pytest.raises(ValueError, match="not paused"):
        resume(state, 1001.0)
    step(protocol, state, 1002.0, None)
    with pytest.raises(ValueError, match="before the last step"):
        pause(state, 1001.0)
    pause(state, 1003.0)
    with pytest.raises(ValueError, match="already paused"):
        pause(state, 1004.0)


def test_a_paused_state_round_trips_through_json_and_resumes_identically() -> None:
    protocol = find_protocol("quick-reset")
    snaps = snapshots(protocol)
    k = int(100 * RATE_HZ)
    state = start(protocol, snaps[0].t)
    for s in snaps[:k]:
        step(protocol, state, s.t, s)
    pause(state, snaps[k - 1].t + 0.0625)
    copy = EngineState.from_json(state.to_json())
    assert copy.paused and copy.to_json() == state.to_json()
    for paused_state in (state, copy):
        resume(paused_state, snaps[k - 1].t + 5.0625)
    rest = snaps[k : k + 400]
    a = [step(protocol, state, s.t + 5.0, shifted(s, 5.0)) for s in rest]
    b = [step(protocol, copy, s.t + 5.0, shifted(s, 5.0)) for s in rest]
    assert fingerprint(a) == fingerprint(b)
    assert not math.isnan(copy.last_t) and copy.paused_s == 5.0


@functools.cache
def quick_reset_straight() -> tuple[Protocol, list[FeatureSnapshot], list[str]]:
    protocol = find_protocol("quick-reset")
    snaps = snapshots(protocol)
    return protocol, snaps, fingerprint(run_straight(protocol, snaps))


@settings(max_examples=12, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 2399), st.integers(1, 600)), min_size=1, max_size=4, unique_by=lambda p: p[0]
    )
)
def test_any_pauses_shift_the_rest_of_the_session_by_their_total(pauses: list[tuple[int, int]]) -> None:
    protocol, snaps, straight = quick_reset_straight()
    lengths = dict(pauses)  # step index -> whole seconds paused just before it
    state = start(protocol, snaps[0].t)
    shift = 0.0
    rows: list[str] = []
    for i, s in enumerate(snaps):
        if i in lengths:
            t_pause = snaps[i - 1].t + shift + 0.0625
            pause(state, t_pause)
            resume(state, t_pause + lengths[i])
            shift += lengths[i]
        out = step(protocol, state, s.t + shift, shifted(s, shift))
        rows += fingerprint([out], back=shift)
        if out.finished:
            break
    assert rows == straight
    assert state.paused_s == sum(length for i, length in lengths.items() if i < len(rows))
