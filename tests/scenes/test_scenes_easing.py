"""Easing: parameters arriving at ~10 Hz glide frame by frame, never pop, and are rate-limited;
the breathing phase wraps forwards without reversing."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scenes.catalog import SCENES
from scenes.easing import DEFAULT_RATE, PHASE, RATES, ParamEaser, wrap_half

SCHEMA = SCENES["lakeside"].params
FRAME = 1 / 72


def run(easer: ParamEaser, targets: list[dict], frames_per_target: int = 7) -> list[dict]:
    """Feed one target every ``frames_per_target`` frames (72 Hz / 7 ≈ 10 Hz); record each frame."""
    now, history = 0.0, []
    for target in targets:
        easer.set_target(target, now)
        for _ in range(frames_per_target):
            now += FRAME
            history.append(dict(easer.step(FRAME, now)))
    return history


VALUES = st.one_of(st.floats(-2, 3), st.just(float("nan")))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(sorted(SCHEMA)), VALUES), min_size=1, max_size=40))
def test_never_pops_and_stays_in_range(targets):
    easer = ParamEaser(SCHEMA)
    previous = dict(easer.current)
    for frame in run(easer, targets):
        for name, value in frame.items():
            spec = SCHEMA[name]
            assert spec.low <= value <= spec.high
            change = abs(wrap_half(value - previous[name])) if name == PHASE else abs(value - previous[name])
            assert change <= RATES.get(name, DEFAULT_RATE) * FRAME + 1e-9, name
        previous = frame


def test_reaches_a_held_target():
    easer = ParamEaser(SCHEMA)
    history = run(easer, [{"light": 0.9, "fog": 0.0}] * 40)
    assert abs(history[-1]["light"] - 0.9) < 1e-3 and abs(history[-1]["fog"]) < 1e-3
    lights = [h["light"] for h in history]
    assert all(b >= a for a, b in itertools.pairwise(lights)), "monotone glide, no overshoot"


def test_phase_follows_a_breathing_pacer_across_the_wrap():
    """A 6-breaths-per-minute pacer sampled at about 10 Hz: the eased phase runs forwards, wraps from 1 to
    0 without running backwards, and stays close to the true phase."""
    easer = ParamEaser(SCHEMA)
    now, errors, previous = 0.0, [], easer.current[PHASE]
    for k in range(300):  # 30 s
        true_phase = (now / 10.0) % 1.0
        easer.set_target({PHASE: true_phase}, now)
        for _ in range(7):
            now += FRAME
            value = easer.step(FRAME, now)[PHASE]
            assert wrap_half(value - previous) >= -1e-9, "the pacer ran backwards"
            previous = value
        if k > 50:
            errors.append(abs(wrap_half(value - (now / 10.0) % 1.0)))
    assert np.mean(errors) < 0.02


def test_unknown_names_and_nan_are_harmless():
    easer = ParamEaser(SCHEMA)
    easer.set_target({"no_such_parameter": 1.0, "light": float("nan")}, 0.0)
    assert "no_such_parameter" not in easer.step(0.1, 0.1)
    assert easer.current["light"] == SCHEMA["light"].default
