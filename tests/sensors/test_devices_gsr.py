"""Line-based GSR: the three line formats, the Grove calibration formula and its inverse, bad and
over-long lines counted, round trips."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sensors.devices import gsr
from tests.devices_helpers import quick_settings


def test_line_formats() -> None:
    assert gsr.parse_line("517") == (pytest.approx(math.nan, nan_ok=True), 517.0)
    assert gsr.parse_line("1200,517") == (1200.0, 517.0)
    assert gsr.parse_line("t=1200, gsr=517,temp=31.5") == (1200.0, 517.0)
    assert gsr.parse_line("gsr=3.2", key="gsr")[1] == 3.2
    assert gsr.parse_line("eda=3.2") is None  # wrong key
    assert gsr.parse_line("517", fmt="t,value") is None
    assert gsr.parse_line("hello") is None
    assert gsr.parse_line("nan") is None


def test_grove_formula_and_inverse() -> None:
    cal = gsr.load_calibration("grove")
    # Seeed: R = ((1024 + 2*300) * 10000) / (512 - 300) ohm
    expected_us = 1e6 / ((1024 + 2 * 300) * 10000 / (512 - 300))
    assert cal.to_microsiemens(np.array([300.0]))[0] == pytest.approx(expected_us)
    us = np.array([0.5, 2.0, 8.0, 20.0])
    np.testing.assert_allclose(cal.to_microsiemens(cal.to_reading(us)), us)
    assert np.isnan(cal.to_microsiemens(np.array([512.0, 600.0, -1.0]))).all()
    assert gsr.load_calibration("microsiemens").to_microsiemens(np.array([4.2]))[0] == 4.2
    with pytest.raises(KeyError, match="no GSR calibration"):
        gsr.load_calibration("nope")


@quick_settings
@given(
    readings=st.lists(st.integers(0, 511), min_size=1, max_size=30),
    fmt=st.sampled_from(["value", "t,value", "key=value"]),
)
def test_round_trip_lines(readings: list[int], fmt: str) -> None:
    data = b"".join(gsr.encode_line(r, fmt, t=10.0 * i) for i, r in enumerate(readings))
    parser = gsr.GsrParser("auto")
    rows = parser.decode(data)
    assert [r[1] for r in rows] == readings
    if fmt != "value":
        assert [r[0] for r in rows] == [10.0 * i for i in range(len(readings))]
    assert parser.stats.corrupt == 0


def test_bad_and_overlong_lines_are_counted_and_skipped() -> None:
    parser = gsr.GsrParser("value")
    out = parser.decode(b"100\r\nabc\n" + b"9" * 300 + b"\n200\n\xff\xfe\n\n300\n")
    assert [r[1] for r in out] == [100.0, 200.0, 300.0]
    assert parser.stats.corrupt == 3  # abc, the 300-byte line, the non-ASCII line


def test_overlong_line_split_across_chunks_counts_once() -> None:
    parser = gsr.GsrParser("value")
    for _ in range(5):
        parser.decode(b"7" * 100)
    assert parser.decode(b"\n42\n") == [(pytest.approx(math.nan, nan_ok=True), 42.0)]
    assert parser.stats.corrupt == 1


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown GSR line format"):
        gsr.GsrParser("csv")


def test_feed_gives_microsiemens_reading_and_device_time() -> None:
    out = gsr.GsrParser("t,value").feed(b"1000,300\n")["eda"]
    assert out.shape == (1, 3)
    assert out[0, 1:].tolist() == [300.0, 1000.0]
