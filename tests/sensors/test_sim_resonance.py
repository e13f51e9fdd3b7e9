"""The simulated officer's resonance breathing rate and breathing schedule.

No LSL here: the generators are pure, so these tests drive them directly and measure the heart-rate
swing per breath from the simulated beats, as a peak-trough resonance assessment does.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sensors.sim.breathing_schedule import BreathingSchedule, parse_schedule
from sensors.sim.cardiac_signal import RrGenerator, resonance_gain, rsa_ms
from sensors.sim.officer_state import Scenario


def hr_swing_per_breath(scenario: Scenario, t0: float, t1: float, seed: int = 4) -> float:
    """Mean over the whole breaths in [t0, t1) of the max - min instantaneous HR (bpm) of the beats."""
    times, intervals = RrGenerator(scenario, seed).until(t1)
    ihr = 60000.0 / intervals[:, 0]
    breath = np.floor(scenario.breath_cycles(times))
    swings = [
        float(np.ptp(ihr[breath == b]))
        for b in np.unique(breath)[1:-1]  # the first and last breaths may be cut short
        if times[breath == b][0] >= t0
    ]
    assert len(swings) >= 5
    return float(np.mean(swings))


@pytest.mark.parametrize("resonance", [4.5, 5.5, 6.5])
def test_the_gain_peaks_at_the_configured_resonance_rate(resonance: float) -> None:
    rates = np.round(np.arange(3.0, 12.01, 0.1), 1)
    gains = [resonance_gain(r, resonance) for r in rates]
    assert rates[int(np.argmax(gains))] == resonance
    assert max(gains) == pytest.approx(2.0)
    assert resonance_gain(resonance + 1.0, resonance) < 1.2 and resonance_gain(
        12.0, resonance
    ) == pytest.approx(1.0)
    assert {resonance_gain(r, None) for r in rates} == {1.0}


@pytest.mark.parametrize("resonance", [5.0, 6.0])
def test_the_heart_rate_swing_is_largest_at_the_resonance_rate(resonance: float) -> None:
    rates = (4.5, 5.0, 5.5, 6.0, 6.5)
    swings = [hr_swing_per_breath(Scenario.fixed(0.3, rate, resonance), 0.0, 180.0) for rate in rates]
    assert rates[int(np.argmax(swings))] == resonance, dict(zip(rates, swings, strict=True))
    assert max(swings) > 1.5 * min(swings)


def test_without_a_resonance_rate_the_rsa_is_the_vagal_one_as_before() -> None:
    for arousal in (0.0, 0.3, 1.0):
        for rate in (4.5, 5.5, 6.0, 12.0, 20.0):
            vagal = (10.0 + 50.0 * (1.0 - arousal)) * float(np.clip(12.0 / rate, 0.6, 1.6))
            assert rsa_ms(arousal, rate) == pytest.approx(vagal)
            assert rsa_ms(arousal, rate, 5.5) == pytest.approx(vagal * resonance_gain(rate, 5.5))
    with pytest.raises(ValueError, match="resonance rate"):
        Scenario.fixed(0.3, 6.0, resonance_bpm=15.0)


def test_a_schedule_sets_the_rate_from_its_first_step_on() -> None:
    schedule = BreathingSchedule(((30.0, 6.5), (60.0, 5.5), (90.0, 4.5)))
    scenario = Scenario.named("steady", breathing_bpm=12.0, schedule=schedule)
    t = np.array([0.0, 29.9, 30.0, 59.9, 60.0, 95.0, 500.0])
    np.testing.assert_array_equal(scenario.breathing(t), [12.0, 12.0, 6.5, 6.5, 5.5, 4.5, 4.5])
    expected = (
        np.array(
            [
                0.0,
                29.9 * 12,
                30 * 12,
                30 * 12 + 29.9 * 6.5,
                30 * 12 + 30 * 6.5,
                30 * 12 + 30 * 6.5 + 30 * 5.5 + 5 * 4.5,
                30 * 12 + 30 * 6.5 + 30 * 5.5 + 410 * 4.5,
            ]
        )
        / 60
    )
    np.testing.assert_allclose(scenario.breath_cycles(t), expected)  # fmt: skip


@given(st.lists(st.tuples(st.floats(0.5, 60.0), st.floats(2.0, 40.0)), min_size=1, max_size=6))
def test_breath_cycles_are_the_integral_of_the_scheduled_rate(steps: list[tuple[float, float]]) -> None:
    starts = np.cumsum([gap for gap, _ in steps])
    schedule = BreathingSchedule(tuple((float(s), rate) for s, (_, rate) in zip(starts, steps, strict=True)))
    scenario = Scenario.fixed(0.5, 9.0, schedule=schedule)
    t = np.linspace(0.0, float(starts[-1]) + 30.0, 20001)
    numeric = np.concatenate([[0.0], np.cumsum(scenario.breathing(t[:-1]) * np.diff(t))]) / 60.0
    step_error = np.diff(t)[0] * 40.0 / 60.0 * len(steps)  # one grid step's breaths per rate change
    np.testing.assert_allclose(scenario.breath_cycles(t), numeric, atol=step_error + 1e-9)


def test_schedule_steps_come_in_time_order_and_in_range() -> None:
    schedule = BreathingSchedule(((10.0, 6.0),))
    with pytest.raises(ValueError, match="time order"):
        schedule.follow(10.0, 5.0)
    with pytest.raises(ValueError, match="breathing rate"):
        schedule.follow(20.0, 50.0)
    schedule.follow(20.0, 5.0)
    assert schedule.steps == ((10.0, 6.0), (20.0, 5.0))


def test_an_officer_following_a_paced_assessment_swings_most_in_the_resonance_block() -> None:
    """A schedule added while the simulation runs (as a live pacer's blocks would be) is followed."""
    schedule = BreathingSchedule()
    scenario = Scenario.named("relaxing", 400.0, breathing_bpm=12.0, resonance_bpm=5.5, schedule=schedule)
    rr = RrGenerator(scenario, seed=9)
    rr.until(20.0)  # already running before the pacer starts
    for i, rate in enumerate((6.5, 5.5, 4.5)):
        schedule.follow(30.0 + 120.0 * i, rate)
    swings = [hr_swing_per_breath(scenario, 30.0 + 120.0 * i, 150.0 + 120.0 * i) for i in range(3)]
    assert int(np.argmax(swings)) == 1, swings


def test_a_schedule_reads_from_text() -> None:
    assert parse_schedule("0:6.5, 120:6,240:5.5").steps == ((0.0, 6.5), (120.0, 6.0), (240.0, 5.5))


@given(st.text(alphabet="0123456789.:,-+ einfa", max_size=30))
def test_schedule_text_gives_a_schedule_or_a_one_line_error(text: str) -> None:
    try:
        schedule = parse_schedule(text)
    except ValueError as exc:
        assert "\n" not in str(exc) and str(exc)
    else:
        starts = [start for start, _ in schedule.steps]
        assert starts == sorted(set(starts)) and all(2.0 <= rate <= 40.0 for _, rate in schedule.steps)
