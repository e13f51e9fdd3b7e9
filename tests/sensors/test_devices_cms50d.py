"""Contec CMS50D+: the bit layout of atbrask/CMS50Dplus, field round trips, truncated packets counted,
'no reading' values, finger-out and searching verdicts, and the emulator's pulse rate."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sensors.devices import cms50d
from sensors.devices.sources import SineSource
from sensors.types import Level
from tests.devices_helpers import quick_settings

LIMITS = {
    "signal_strength": 15,
    "finger_out": 1,
    "spo2_dropping": 1,
    "beep": 1,
    "waveform": 127,
    "bar_graph": 15,
    "probe_error": 1,
    "searching": 1,
    "pulse_rate": 255,
    "spo2": 127,
}


@quick_settings
@given(k=st.integers(1, 20), data=st.data())
def test_round_trip_fields(k: int, data: st.DataObject) -> None:
    fields = {
        f: data.draw(hnp.arrays(np.int64, k, elements=st.integers(0, LIMITS[f]))) for f in cms50d.FIELDS
    }
    raw = cms50d.encode_packets(fields)
    parser = cms50d.Cms50dParser()
    decoded = parser.decode(raw + b"\x80")  # the next sync byte confirms the last packet
    assert decoded.shape == (k, 5)
    out = cms50d.decode_fields(decoded)
    for f in cms50d.FIELDS:
        np.testing.assert_array_equal(out[f], fields[f], err_msg=f)


def test_bit_layout() -> None:
    # beep, strength 9 | waveform 100 | pulse bit 7 set, searching, bar 5 | pulse low 0x04 | SpO2 97
    packet = bytes([0x80 | 0x40 | 9, 100, 0x40 | 0x20 | 5, 0x04, 97])
    out = cms50d.Cms50dParser().feed(packet + b"\x80")
    np.testing.assert_array_equal(out["ppg"], [[100]])
    np.testing.assert_array_equal(out["vitals"], [[132, 97, 1]])
    np.testing.assert_array_equal(out["quality"], [[9 / 15, 9, 0, 1]])


def test_truncated_packet_is_counted_and_skipped() -> None:
    good = cms50d.encode_packets({f: np.full(3, 1) for f in cms50d.FIELDS})
    parser = cms50d.Cms50dParser()
    out = parser.feed(good[:5] + good[5:8] + good[10:] + b"\x80")
    assert out["ppg"].shape[0] == 2
    assert parser.stats.corrupt == 1 and parser.stats.skipped_bytes == 3


def test_no_reading_is_nan_and_finger_out_is_bad() -> None:
    fields = {f: np.zeros(2, np.int64) for f in cms50d.FIELDS}
    fields["finger_out"][:] = 1
    fields["spo2"][:] = 127
    out = cms50d.Cms50dParser().feed(cms50d.encode_packets(fields) + b"\x80")
    assert np.isnan(out["vitals"][:, :2]).all()
    assert out["quality"][:, 0].tolist() == [0.0, 0.0]
    verdict = cms50d.verdict(out)
    assert verdict.level == Level.BAD and "finger" in verdict.reason
    fields["finger_out"][:] = 0
    fields["searching"][:] = 1
    assert (
        cms50d.verdict(cms50d.Cms50dParser().feed(cms50d.encode_packets(fields) + b"\x80")).level
        == Level.DEGRADED
    )


def test_emulator_pulse_rate_follows_the_source() -> None:
    emulator = cms50d.Cms50dEmulator(SineSource(fs=60, amplitude=1.0, freq=1.25, noise=0.0))  # 75 bpm
    out = cms50d.Cms50dParser().feed(emulator.packets(60 * 10))
    pulse = out["vitals"][:, 0]
    assert np.nanmedian(pulse[-120:]) == 75
    assert out["vitals"][:, 2].sum() in (12, 13)  # beats flagged, one per 0.8 s
    assert np.all(out["vitals"][:, 1] == 98)
