"""A fixed-memory ring buffer for multichannel samples and their timestamps.

It is *mirrored*: every sample is stored twice, at ``i`` and ``i + capacity``. Writing costs only the
new samples (twice), and any "last n samples" read is one contiguous zero-copy view — no ``np.roll``
of the whole buffer per chunk (mne-lsl's StreamLSL does that) and no concatenation on wrap-around.

Views are valid until ``capacity - n`` further samples have been written; consumers that keep data
longer must copy it. The buffer is not thread-safe: one thread writes and reads (the pull model
used by :class:`sensors.lsl.inlet.Inlet`).
"""

from __future__ import annotations

import numpy as np


class RingBuffer:
    """Preallocated storage of the most recent ``capacity`` samples of ``channels`` channels."""

    def __init__(self, capacity: int, channels: int, dtype: np.dtype | type = np.float64) -> None:
        if capacity < 1 or channels < 1:
            raise ValueError(f"capacity and channels must be >= 1 (got {capacity}, {channels})")
        self.capacity = capacity
        self.channels = channels
        self._data = np.zeros((2 * capacity, channels), dtype=dtype)
        self._times = np.zeros(2 * capacity, dtype=np.float64)
        self._head = 0  # index (in [0, capacity)) where the next sample goes
        self.total_written = 0  # samples written since creation: a cursor for readers

    def __len__(self) -> int:
        return min(self.total_written, self.capacity)

    @property
    def nbytes(self) -> int:
        return self._data.nbytes + self._times.nbytes

    def write(self, samples: np.ndarray, timestamps: np.ndarray) -> None:
        """Append samples, shape (n, channels), with timestamps, shape (n,)."""
        samples = np.asarray(samples)
        if samples.ndim == 1:
            samples = samples.reshape(-1, self.channels)
        n = samples.shape[0]
        if samples.shape[1:] != (self.channels,) or len(timestamps) != n:
            raise ValueError(
                f"expected ({n}, {self.channels}) samples and {n} timestamps, "
                f"got {samples.shape} and {len(timestamps)}"
            )
        if n == 0:
            return
        if n > self.capacity:  # only the newest capacity samples can be kept
            samples, timestamps = samples[-self.capacity :], timestamps[-self.capacity :]
            self.total_written += n - self.capacity
            n = self.capacity
        cap, head = self.capacity, self._head
        first = min(n, cap - head)  # part before the physical end of the first copy
        for offset in (0, cap):
            self._data[head + offset : head + offset + first] = samples[:first]
            self._times[head + offset : head + offset + first] = timestamps[:first]
        rest = n - first
        if rest:
            for offset in (0, cap):
                self._data[offset : offset + rest] = samples[first:]
                self._times[offset : offset + rest] = timestamps[first:]
        self._head = (head + n) % cap
        self.total_written += n

    def latest(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Views of the newest ``min(n, len(self))`` samples and timestamps, oldest first."""
        n = max(0, min(n, len(self)))
        end = self._head + self.capacity
        return self._data[end - n : end], self._times[end - n : end]

    def since(self, cursor: int) -> tuple[np.ndarray, np.ndarray, int, int]:
        """Samples written after ``cursor`` (a previous ``total_written``).

        Returns (samples, timestamps, new_cursor, lost) where ``lost`` counts samples the reader missed
        because they were overwritten before it came back.
        """
        pending = self.total_written - cursor
        if pending < 0:
            raise ValueError(f"cursor {cursor} is ahead of the buffer ({self.total_written})")
        lost = max(0, pending - self.capacity)
        data, times = self.latest(pending - lost)
        return data, times, self.total_written, lost

    def latest_seconds(self, seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """Views of the samples whose timestamps are within ``seconds`` of the newest one."""
        data, times = self.latest(len(self))
        if len(times) == 0:
            return data, times
        start = int(np.searchsorted(times, times[-1] - seconds, side="left"))
        return data[start:], times[start:]
