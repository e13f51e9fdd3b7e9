"""OpenBCI Cyton: encoder/parser round trips, the documented scale and sign extension, counter-based drop
counting, and the emulator's answers to b/s/v."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sensors.devices import cyton
from tests.devices_helpers import quick_settings


def packets_strategy(max_k: int = 12) -> st.SearchStrategy:
    return st.integers(min_value=1, max_value=max_k).flatmap(
        lambda k: st.tuples(
            hnp.arrays(np.int64, k, elements=st.integers(0, 255)),
            hnp.arrays(np.int64, (k, 8), elements=st.integers(-(2**23), 2**23 - 1)),
            hnp.arrays(np.int64, (k, 3), elements=st.integers(-(2**15), 2**15 - 1)),
            hnp.arrays(np.int64, k, elements=st.integers(0xC0, 0xCF)),
        )
    )


@quick_settings
@given(packets=packets_strategy())
def test_round_trip_counts_counters_aux_and_footers(packets: tuple[np.ndarray, ...]) -> None:
    counters, counts, aux, footers = packets
    data = cyton.encode_packets(counters, counts, aux, footers)
    assert len(data) == 33 * len(counters)
    parser = cyton.CytonParser()
    out = parser.decode(data + bytes([cyton.HEADER]))  # the next header confirms the first packet
    np.testing.assert_array_equal(out.counters, counters)
    np.testing.assert_array_equal(out.counts, counts)
    np.testing.assert_array_equal(out.aux, aux)
    np.testing.assert_array_equal(out.footers, footers)
    assert parser.stats.corrupt == 0 and parser.stats.skipped_bytes == 0


def test_scale_follows_the_documented_formula_and_sign_extension() -> None:
    assert cyton.uv_per_count(24) == 4.5 / 24 / (2**23 - 1) * 1e6
    assert abs(cyton.uv_per_count(24) - 0.02235) < 1e-5
    raw = bytearray(cyton.encode_packets([0], np.zeros((1, 8), np.int64)))
    raw[2:5] = b"\xff\xff\xff"  # -1
    raw[5:8] = b"\x80\x00\x00"  # most negative
    raw[8:11] = b"\x7f\xff\xff"  # most positive
    out = cyton.CytonParser().decode(bytes(raw) + b"\xa0")
    assert out.counts[0, :3].tolist() == [-1, -(2**23), 2**23 - 1]
    eeg = cyton.CytonParser().feed(bytes(raw) + b"\xa0")["eeg"]
    assert eeg[0, 0] == -cyton.uv_per_count()


def test_dropped_packets_are_counted_from_the_sample_counter() -> None:
    counters = np.arange(0, 300) % 256
    keep = np.ones(300, bool)
    keep[[10, 11, 12, 255, 256]] = False  # 5 lost, one run across the 255 -> 0 wrap
    data = cyton.encode_packets(counters[keep], np.zeros((keep.sum(), 8), np.int64))
    parser = cyton.CytonParser()
    out = parser.decode(data)
    assert len(out) == keep.sum()
    assert parser.stats.dropped == 5


def test_emulator_answers_v_with_banner_and_streams_between_b_and_s() -> None:
    emulator = cyton.CytonEmulator()
    assert not emulator.streaming
    assert emulator.command(b"v").endswith(b"$$$") and b"OpenBCI" in emulator.command(b"v")
    emulator.command(b"b")
    assert emulator.streaming
    data = emulator.packets(250)
    parser = cyton.CytonParser()
    eeg = parser.feed(data + b"\xa0")["eeg"]
    assert eeg.shape == (250, 8)
    # the default source: 20 µV sines plus noise, quantised at 0.022 µV
    assert 15 < np.abs(eeg).max() < 40
    emulator.command(b"s")
    assert not emulator.streaming


def test_text_between_packets_is_skipped_not_decoded() -> None:
    emulator = cyton.CytonEmulator()
    emulator.command(b"b")
    data = emulator.packets(5) + cyton.BANNER + emulator.packets(5)
    parser = cyton.CytonParser()
    out = parser.decode(data)
    assert len(out) == 10
    assert parser.stats.skipped_bytes == len(cyton.BANNER)
    assert parser.stats.corrupt == 1  # one break in the packet train
