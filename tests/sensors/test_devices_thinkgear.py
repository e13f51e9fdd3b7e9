"""NeuroSky ThinkGear: the guide's example packet, row round trips with extended codes, checksum and
length errors rejected and counted, quality verdicts from POOR_SIGNAL."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sensors.devices import thinkgear as tg
from sensors.types import Level
from tests.devices_helpers import quick_settings

# The example packet of the ThinkGear Serial Stream Guide ("Packet Structure" example): POOR_SIGNAL 0,
# ASIC_EEG_POWER, ATTENTION 0x0D, MEDITATION 0x3D, checksum 0x34.
GUIDE_EXAMPLE = bytes.fromhex("AAAA200200831800009400004200000B00006400004D00003D000007000005040D053D34")


def test_guide_example_packet() -> None:
    parser = tg.ThinkGearParser()
    out = parser.feed(GUIDE_EXAMPLE)
    assert parser.stats.packets == 1 and parser.stats.corrupt == 0
    np.testing.assert_array_equal(out["bands"][0], [0x94, 0x42, 0x0B, 0x64, 0x4D, 0x3D, 0x07, 0x05])
    np.testing.assert_array_equal(out["esense"][0], [13, 61])
    np.testing.assert_array_equal(out["quality"][0], [1.0, 0.0])
    assert (
        tg.encode_packet(
            [(0, 0x02, b"\x00"), (0, 0x83, GUIDE_EXAMPLE[7:31]), (0, 0x04, b"\x0d"), (0, 0x05, b"\x3d")]
        )
        == GUIDE_EXAMPLE
    )


row = st.one_of(
    st.tuples(
        st.integers(0, 3),
        st.integers(0, 0x7F).filter(lambda c: c != tg.EXCODE),
        st.binary(min_size=1, max_size=1),
    ),
    st.tuples(st.integers(0, 3), st.integers(0x80, 0xFF), st.binary(max_size=30)),
)
packet = st.lists(row, min_size=1, max_size=5).filter(
    lambda rows: sum(r[0] + len(r[2]) + (2 if r[1] >= 0x80 else 1) for r in rows) <= tg.MAX_PAYLOAD
)


@quick_settings
@given(packets=st.lists(packet, min_size=1, max_size=6))
def test_round_trip_rows(packets: list[list[tuple[int, int, bytes]]]) -> None:
    data = b"".join(tg.encode_packet(p) for p in packets)
    parser = tg.ThinkGearParser()
    assert parser.decode(data) == [list(p) for p in packets]
    assert parser.stats.corrupt == 0 and parser.stats.skipped_bytes == 0


@quick_settings
@given(values=st.lists(st.integers(-32768, 32767), min_size=1, max_size=50))
def test_raw_values_round_trip_to_microvolts(values: list[int]) -> None:
    data = b"".join(tg.raw_packet(v) for v in values)
    eeg = tg.ThinkGearParser().feed(data)["eeg"]
    np.testing.assert_allclose(eeg[:, 0], np.asarray(values) * 1.8 / 4096 / 2000 * 1e6)


def test_bad_checksum_is_rejected_and_counted() -> None:
    good = [tg.raw_packet(v) for v in range(10)]
    bad = bytearray(good[4])
    bad[-1] ^= 0xFF
    parser = tg.ThinkGearParser()
    out = parser.feed(b"".join(good[:4]) + bytes(bad) + b"".join(good[5:]))
    assert out["eeg"].shape[0] == 9
    assert parser.stats.corrupt == 1
    np.testing.assert_allclose(out["eeg"][4:, 0], np.arange(5, 10) * tg.UV_PER_COUNT)


def test_corrupted_payload_fails_the_checksum() -> None:
    bad = bytearray(tg.raw_packet(1000))
    bad[5] ^= 0x10
    parser = tg.ThinkGearParser()
    assert parser.feed(bytes(bad) + tg.raw_packet(7))["eeg"][:, 0].tolist() == [7 * tg.UV_PER_COUNT]
    assert parser.stats.corrupt == 1


def test_too_long_length_and_spurious_sync() -> None:
    parser = tg.ThinkGearParser()
    out = parser.feed(b"\xaa\xaa\xc8" + b"\xaa" + tg.raw_packet(3) + tg.raw_packet(4))
    assert out["eeg"].shape[0] == 2
    assert parser.stats.corrupt == 1  # PLENGTH 200 > 169
    assert parser.stats.skipped_bytes == 4


def test_row_running_past_the_payload_counts_corrupt_but_keeps_earlier_rows() -> None:
    payload = bytes([0x04, 50, 0x80, 0x05, 0x00])  # ATTENTION 50, then a raw row claiming 5 bytes
    packet = bytes([0xAA, 0xAA, len(payload)]) + payload + bytes([tg.checksum(payload)])
    parser = tg.ThinkGearParser()
    out = parser.feed(packet)
    assert out["esense"][0, 0] == 50 and np.isnan(out["esense"][0, 1])
    assert parser.stats.corrupt == 1


def test_poor_signal_feeds_the_quality_verdict() -> None:
    def verdict_for(poor: int):
        return tg.verdict(tg.ThinkGearParser().feed(tg.encode_packet([(0, tg.POOR_SIGNAL, bytes([poor]))])))

    assert verdict_for(0).level == Level.GOOD
    assert verdict_for(120).level == Level.DEGRADED
    v = verdict_for(200)
    assert v.level == Level.BAD and "skin contact" in v.reason
    assert tg.verdict({}) is None


def test_emulator_summary_reflects_its_signal() -> None:
    from sensors.devices.sources import SineSource

    alpha = tg.ThinkGearEmulator(SineSource(fs=512, amplitude=30, freq=10.5, noise=0.5))
    beta = tg.ThinkGearEmulator(SineSource(fs=512, amplitude=30, freq=22.0, noise=0.5))
    a = tg.ThinkGearParser().feed(alpha.packets(1024))
    b = tg.ThinkGearParser().feed(beta.packets(1024))
    assert a["bands"].shape == (2, 8)
    assert np.argmax(a["bands"][-1]) == tg.BANDS.index("high_alpha")
    assert np.argmax(b["bands"][-1]) == tg.BANDS.index("high_beta")
    assert a["esense"][-1, 1] > 90 and b["esense"][-1, 0] > 90  # meditation with alpha, attention with beta
