"""Properties every device parser shares, checked on the five protocols: chunking anywhere gives the same
result, garbage and lost bytes are survived with resynchronisation, fuzzed input never raises."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sensors.devices.device_kinds import get
from tests.devices_helpers import (
    BULK_FUZZ_EXAMPLES,
    CONFIRMED_BY_NEXT,
    DEVICES,
    NOT_SYNC,
    PRIMARY,
    assert_same,
    check_decoded,
    concat,
    fuzz_settings,
    packet_list,
    quick_settings,
)


def decode_whole(device: str, data: bytes) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    parser = get(device).make_parser()
    out = concat([parser.feed(data)])
    return out, parser.stats.as_dict()


@pytest.mark.parametrize("device", DEVICES)
def test_split_at_every_offset_gives_the_same_result(device: str) -> None:
    data = b"".join(packet_list(device, 12))
    whole, whole_stats = decode_whole(device, data)
    assert len(whole[PRIMARY[device]]) == (11 if device in CONFIRMED_BY_NEXT else 12)
    for k in range(len(data) + 1):
        parser = get(device).make_parser()
        parts = [parser.feed(data[:k]), parser.feed(data[k:])]
        assert_same(concat(parts), whole)
        assert parser.stats.as_dict() == whole_stats


@pytest.mark.parametrize("device", DEVICES)
def test_all_packets_decoded_in_order(device: str) -> None:
    packets = packet_list(device, 30)
    parser = get(device).make_parser()
    out = concat([parser.feed(p) for p in packets])
    rows = out[PRIMARY[device]]
    # CMS50D+ confirms a packet by the next sync byte: the last one waits for its successor.
    expected = 29 if device in CONFIRMED_BY_NEXT else 30
    assert len(rows) == expected
    assert parser.stats.corrupt == 0 and parser.stats.skipped_bytes == 0 and parser.stats.dropped == 0


@pytest.mark.parametrize("device", DEVICES)
@quick_settings
@given(cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=20))
def test_random_chunking_gives_the_same_result(device: str, cuts: list[int]) -> None:
    data = b"".join(packet_list(device, 25))
    whole, stats = decode_whole(device, data)
    parser = get(device).make_parser()
    bounds = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    parts = [parser.feed(data[a:b]) for a, b in itertools.pairwise(bounds)]
    assert_same(concat(parts), whole)
    assert parser.stats.as_dict() == stats


@pytest.mark.parametrize("device", ["cyton", "thinkgear"])
@quick_settings
@given(data=st.data())
def test_sync_free_garbage_costs_no_packet(device: str, data: st.DataObject) -> None:
    packets = packet_list(device, 20)
    size = len(packets[0])
    garbage = data.draw(
        st.binary(min_size=1, max_size=size).map(
            lambda g: bytes(NOT_SYNC[device][b % len(NOT_SYNC[device])] for b in g)
        )
    )
    # After lost sync a packet is confirmed by the next one's header: garbage goes neither between the
    # first two packets nor before the last one.
    at = data.draw(st.integers(min_value=0, max_value=18).filter(lambda i: i != 1))
    clean, _ = decode_whole(device, b"".join(packets))
    dirty, stats = decode_whole(device, b"".join(packets[:at]) + garbage + b"".join(packets[at:]))
    assert_same(dirty, clean)
    assert stats["skipped_bytes"] == len(garbage)


@pytest.mark.parametrize("device", DEVICES)
@quick_settings
@given(garbage=st.binary(min_size=1, max_size=33), at=st.integers(min_value=1, max_value=20))
def test_resynchronises_after_any_garbage_within_a_packet_length(
    device: str, garbage: bytes, at: int
) -> None:
    packets = packet_list(device, 40)
    key = PRIMARY[device]
    clean, _ = decode_whole(device, b"".join(packets))
    dirty, _ = decode_whole(device, b"".join(packets[:at]) + garbage + b"".join(packets[at:]))
    tail = 40 - at - 2  # the packets from the second one after the garbage on are all recovered
    ours = clean[key][len(clean[key]) - (tail - (1 if device in CONFIRMED_BY_NEXT else 0)) :]
    np.testing.assert_array_equal(dirty[key][len(dirty[key]) - len(ours) :], ours)


@pytest.mark.parametrize("device", DEVICES)
@quick_settings
@given(which=st.integers(min_value=1, max_value=30), offset=st.integers(min_value=0, max_value=100))
def test_lost_byte_costs_at_most_the_damaged_packet_and_its_neighbour(
    device: str, which: int, offset: int
) -> None:
    # 30+ packets follow the damage: a ThinkGear length byte hit may make the parser wait for up to 170 bytes.
    packets = packet_list(device, 62)
    damaged = bytearray(packets[which])
    del damaged[offset % len(damaged)]
    key = PRIMARY[device]
    clean, _ = decode_whole(device, b"".join(packets))
    broken = b"".join(packets[:which]) + bytes(damaged) + b"".join(packets[which + 1 :])
    dirty, stats = decode_whole(device, broken)
    assert len(clean[key]) - 2 <= len(dirty[key]) <= len(clean[key])
    tail = 62 - which - 2
    ours = clean[key][len(clean[key]) - (tail - (1 if device in CONFIRMED_BY_NEXT else 0)) :]
    np.testing.assert_array_equal(dirty[key][len(dirty[key]) - len(ours) :], ours)
    assert stats["skipped_bytes"] > 0 or stats["corrupt"] > 0 or stats["dropped"] > 0 or device == "gsr"


@pytest.mark.parametrize("device", DEVICES)
@fuzz_settings
@given(chunks=st.lists(st.binary(max_size=200), max_size=8))
def test_fuzz_random_bytes_never_raise(device: str, chunks: list[bytes]) -> None:
    parser = get(device).make_parser()
    total = 0
    for chunk in chunks:
        check_decoded(parser.feed(chunk), device)
        total += len(chunk)
    s = parser.stats
    assert min(s.packets, s.corrupt, s.dropped, s.skipped_bytes) >= 0
    assert s.skipped_bytes <= total


_VALID = {d: b"".join(packet_list(d, 30, seed=1)) for d in DEVICES}


@pytest.mark.parametrize("device", DEVICES)
@fuzz_settings
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), edits=st.integers(min_value=1, max_value=12))
def test_fuzz_mutated_streams_never_raise(device: str, seed: int, edits: int) -> None:
    rng = random.Random(seed)
    data = bytearray(_VALID[device])
    for _ in range(edits):
        i = rng.randrange(len(data))
        op = rng.randrange(4)
        if op == 0:
            data[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            del data[i]
        elif op == 2:
            data[i:i] = rng.randbytes(rng.randrange(1, 40))
        else:
            j = rng.randrange(len(data))
            data[i:i] = data[j : j + rng.randrange(1, 40)]
    parser = get(device).make_parser()
    cut = rng.randrange(len(data) + 1)
    for part in (bytes(data[:cut]), bytes(data[cut:])):
        check_decoded(parser.feed(part), device)
    assert parser.stats.packets > 0 or len(data) < 40


def mutate(rng: np.random.Generator, data: bytes) -> bytes:
    """A few random bit flips, deletions, insertions of noise and duplications of a stretch."""
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 12))):
        i = int(rng.integers(len(out) or 1))
        op = int(rng.integers(4))
        if op == 0 and out:
            out[i] ^= 1 << int(rng.integers(8))
        elif op == 1 and out:
            del out[i]
        elif op == 2:
            out[i:i] = rng.bytes(int(rng.integers(1, 40)))
        else:
            j = int(rng.integers(len(out) or 1))
            out[i:i] = out[j : j + int(rng.integers(1, 40))]
    return bytes(out)


@pytest.mark.parametrize("device", DEVICES)
def test_fuzz_bulk_random_and_mutated_streams(device: str) -> None:
    """BULK_FUZZ_EXAMPLES streams (100 000 with OASIS_FUZZ_LONG=1), half random bytes, half mutated valid
    packets, each fed in random chunks to a fresh parser: no exception, well-formed output."""
    rng = np.random.default_rng(20261123)
    valid = _VALID[device]
    for i in range(BULK_FUZZ_EXAMPLES):
        if i % 2:
            data = rng.bytes(int(rng.integers(0, 300)))
        else:
            data = mutate(rng, valid[: int(rng.integers(40, 400))])
        parser = get(device).make_parser()
        cuts = np.sort(rng.integers(0, len(data) + 1, size=3))
        for a, b in itertools.pairwise([0, *cuts.tolist(), len(data)]):
            check_decoded(parser.feed(data[a:b]), device)
        s = parser.stats
        assert s.skipped_bytes <= len(data) and min(s.packets, s.corrupt, s.dropped) >= 0
