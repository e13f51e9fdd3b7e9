"""The per-device EDA profile's pure parts: the correction maths (station/calibration/eda_profile.py),
the GSR calibration's gain, matching a checked stream to its bridge, and the profile's storage in the
real SQLite store (migration 3)."""

from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sensors.devices.gsr import GsrCalibration, load_calibration
from station.calibration.eda_profile import (
    ProfileRefused,
    bridge_for,
    correct_calibration,
    profile_lookup,
)
from station.store import SessionStore
from station.store.migrations import MIGRATIONS

FACTORY = load_calibration()


def readings(unit: GsrCalibration, reference_us: float) -> tuple[float, float]:
    """What ``unit`` reads with the electrodes open and across a resistor of ``reference_us``."""
    zero, reference = unit.to_reading(np.array([0.0, reference_us]))
    return float(zero), float(reference)


def test_gain_scales_the_grove_formula_and_round_trips() -> None:
    unit = GsrCalibration(zero=560.0, gain=0.9)
    us = np.array([0.5, 2.0, 10.0, 25.0])
    assert np.allclose(unit.to_microsiemens(unit.to_reading(us)), us)
    plain = GsrCalibration(zero=560.0)
    x = np.array([365.0])
    assert np.allclose(unit.to_microsiemens(x), 0.9 * plain.to_microsiemens(x))


def test_a_wrong_grove_unit_gets_its_zero_and_gain() -> None:
    unit = GsrCalibration(zero=560.0, gain=0.9)  # what the device really is
    zero, reference = readings(unit, 10.0)
    assert FACTORY.to_microsiemens(np.array([reference]))[0] == pytest.approx(8.38, abs=0.05)  # 16 % low
    corrected = correct_calibration(FACTORY, zero, reference, 10.0)
    assert corrected.model == "grove" and corrected.adc_max == FACTORY.adc_max
    assert corrected.zero == pytest.approx(560.0) and corrected.gain == pytest.approx(0.9)
    assert corrected.to_microsiemens(np.array([reference]))[0] == pytest.approx(10.0)


def test_a_check_within_tolerance_changes_almost_nothing() -> None:
    zero, reference = readings(FACTORY, 10.0)
    corrected = correct_calibration(FACTORY, zero, round(reference), 10.0)  # as the ADC reads it
    assert corrected.zero == pytest.approx(FACTORY.zero)
    assert corrected.gain == pytest.approx(1.0, abs=0.01)


def test_the_linear_model_gets_scale_and_offset() -> None:
    base = load_calibration("microsiemens")
    corrected = correct_calibration(base, 0.4, 11.4, 10.0)  # offset 0.4 µS, 10 % high
    assert corrected.scale == pytest.approx(10.0 / 11.0) and corrected.gain == 1.0
    assert corrected.to_microsiemens(np.array([0.4, 11.4])) == pytest.approx([0.0, 10.0])


@pytest.mark.parametrize(
    ("zero", "reference", "expected", "key"),
    [
        (math.nan, 365.0, 10.0, "cal_profile_not_measured"),
        (560.0, math.inf, 10.0, "cal_profile_not_measured"),
        (560.0, 365.0, 0.0, "cal_profile_not_measured"),
        (2000.0, 365.0, 10.0, "cal_profile_out_of_range"),
        (512.0, 512.0, 10.0, "cal_profile_no_span"),  # the resistor was never connected
        (400.0, 500.0, 10.0, "cal_profile_no_span"),
        (1000.0, 20.0, 10.0, "cal_profile_gain_absurd"),
    ],
)
def test_results_that_cannot_describe_a_unit_are_refused_with_a_reason(
    zero: float, reference: float, expected: float, key: str
) -> None:
    with pytest.raises(ProfileRefused) as refused:
        correct_calibration(FACTORY, zero, reference, expected)
    assert refused.value.message.key == key


def test_a_linear_unit_without_span_is_refused() -> None:
    with pytest.raises(ProfileRefused, match="cal_profile_no_span"):
        correct_calibration(load_calibration("microsiemens"), 3.0, 3.0, 10.0)


@settings(max_examples=200, deadline=None)
@given(st.floats(300.0, 1000.0), st.floats(0.6, 1.6), st.floats(1.0, 30.0))
def test_the_corrected_unit_reads_the_reference_as_expected(
    zero: float, gain: float, expected: float
) -> None:
    unit = GsrCalibration(zero=zero, gain=gain)
    open_reading, reference = readings(unit, expected)
    assume(reference >= 0.0)  # a resistor the unit can read at all
    corrected = correct_calibration(FACTORY, open_reading, reference, expected)
    assert corrected.to_microsiemens(np.array([reference]))[0] == pytest.approx(expected, rel=1e-9)
    assert corrected.zero == pytest.approx(zero, abs=1e-6) and corrected.gain == pytest.approx(gain)


def test_a_checked_stream_is_matched_to_its_bridge() -> None:
    names = ["skin", "skin-2"]
    assert bridge_for("oasis-bridge-skin:eda", names) == "skin"
    assert bridge_for("oasis-bridge-skin-2:eda", names) == "skin-2"
    assert bridge_for("skin-2", names) == "skin-2"
    assert bridge_for("oasis-bridge-skinny:eda", names) is None
    assert bridge_for("muse-1234", names) is None


def test_profiles_are_stored_with_their_calibration_and_replaced(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "s.db", "st-1") as store:
        assert store.schema_version == len(MIGRATIONS) >= 3
        lookup = profile_lookup(store.device_profile)
        assert lookup("skin") is None
        first = GsrCalibration(zero=560.0, gain=0.9)
        uuid = store.add_calibration(
            "Wang",
            "oasis-bridge-skin:eda",
            {"procedure": "eda", "passed": False},
            ("skin", "gsr", asdict(first)),
        )
        profile = lookup("skin")
        assert profile.calibration == first and profile.calibration_uuid == uuid and profile.gain == 0.9
        assert profile.kind == "gsr" and profile.applied_at[:4].isdigit()
        second = GsrCalibration(zero=530.0, gain=1.05)
        store.add_calibration(
            "Wang",
            "oasis-bridge-skin:eda",
            {"procedure": "eda", "passed": True},
            ("skin", "gsr", asdict(second)),
        )
        assert lookup("skin").calibration == second
        assert len(store.calibrations()) == 2 and lookup("other") is None
