"""RingBuffer: wrap-around, zero-copy views, reader cursors — checked against a plain-list model."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensors.lsl.ring_buffer import RingBuffer


def _chunk(start: int, n: int, channels: int = 2) -> tuple[np.ndarray, np.ndarray]:
    values = np.arange(start, start + n, dtype=np.float64)
    return np.stack([values, -values], axis=1)[:, :channels], values / 100.0


def test_wrap_around_keeps_newest_in_order() -> None:
    ring = RingBuffer(capacity=5, channels=2)
    for start in range(0, 12, 3):
        ring.write(*_chunk(start, 3))
    data, times = ring.latest(5)
    assert data[:, 0].tolist() == [7, 8, 9, 10, 11]
    assert times.tolist() == pytest.approx([0.07, 0.08, 0.09, 0.10, 0.11])
    assert len(ring) == 5 and ring.total_written == 12


def test_reads_are_views_not_copies() -> None:
    ring = RingBuffer(capacity=8, channels=2)
    ring.write(*_chunk(0, 13))  # wrapped
    data, times = ring.latest(8)
    assert data.base is not None and np.shares_memory(data, ring._data)
    assert np.shares_memory(times, ring._times)
    assert data.flags.c_contiguous


def test_latest_seconds_window() -> None:
    ring = RingBuffer(capacity=100, channels=1)
    ring.write(np.arange(50.0)[:, None], np.arange(50.0) * 0.1)  # 10 Hz for 5 s
    data, times = ring.latest_seconds(1.0)
    assert times[0] == pytest.approx(3.9) and times[-1] == pytest.approx(4.9)
    assert len(data) == 11


def test_cursor_reports_lost_samples_when_reader_is_too_slow() -> None:
    ring = RingBuffer(capacity=4, channels=1)
    ring.write(np.arange(3.0)[:, None], np.arange(3.0))
    data, _, cursor, lost = ring.since(0)
    assert data[:, 0].tolist() == [0, 1, 2] and lost == 0
    ring.write(np.arange(3.0, 10.0)[:, None], np.arange(3.0, 10.0))
    data, _, cursor, lost = ring.since(cursor)
    assert data[:, 0].tolist() == [6, 7, 8, 9] and lost == 3 and cursor == 10


def test_chunk_larger_than_capacity_keeps_tail() -> None:
    ring = RingBuffer(capacity=4, channels=1)
    ring.write(np.arange(10.0)[:, None], np.arange(10.0))
    assert ring.latest(10)[0][:, 0].tolist() == [6, 7, 8, 9]


def test_shape_mismatch_is_a_clear_error() -> None:
    ring = RingBuffer(capacity=4, channels=2)
    with pytest.raises(ValueError, match="expected"):
        ring.write(np.zeros((3, 3)), np.zeros(3))


@settings(max_examples=200, deadline=None)
@given(capacity=st.integers(1, 20), chunks=st.lists(st.integers(0, 30), max_size=20), ask=st.integers(0, 40))
def test_matches_list_model(capacity: int, chunks: list[int], ask: int) -> None:
    ring = RingBuffer(capacity=capacity, channels=1)
    model: list[float] = []
    start = 0
    for n in chunks:
        data, times = _chunk(start, n, channels=1)
        ring.write(data, times)
        model.extend(data[:, 0].tolist())
        start += n
    expected = model[-ask:] if ask else []
    expected = expected[-capacity:] if expected else []
    assert ring.latest(ask)[0][:, 0].tolist() == expected
    assert ring.total_written == len(model)
