"""Causal building blocks whose output does not depend on how the input is chunked.

Every block processes samples strictly in order and carries its state from chunk to chunk, so
pushing a recording in one piece or in any number of pieces gives bit-identical results. That is
what lets the offline beat detectors be the streaming detectors run over a whole file.
"""

from __future__ import annotations

import numpy as np
from scipy import signal


class FiniteHold:
    """Replaces NaN/inf with the last finite value seen (0 before any) and counts them."""

    def __init__(self) -> None:
        self.last = 0.0
        self.seen_finite = False
        self.bad = 0

    def push(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        finite = np.isfinite(x)
        if finite.all():
            if x.size:
                self.last, self.seen_finite = float(x[-1]), True
            return x
        self.bad += int(x.size - finite.sum())
        idx = np.where(finite, np.arange(x.size), -1)
        np.maximum.accumulate(idx, out=idx)
        out = np.where(idx >= 0, x[np.maximum(idx, 0)], self.last)
        if finite.any():
            self.last, self.seen_finite = float(x[finite][-1]), True
        return out


class SosFilter:
    """Causal second-order-section filter; its state starts at steady state for the first sample."""

    def __init__(self, sos: np.ndarray) -> None:
        self.sos = sos
        self._zi: np.ndarray | None = None

    def push(self, x: np.ndarray) -> np.ndarray:
        if x.size == 0:
            return x
        if self._zi is None:
            self._zi = signal.sosfilt_zi(self.sos) * x[0]
        y, self._zi = signal.sosfilt(self.sos, x, zi=self._zi)
        return y


class DelayLine:
    """Delays a signal by a whole number of samples (zeros, or a fill value, before the start)."""

    def __init__(self, delay: int, fill: float = 0.0) -> None:
        self.delay = delay
        self._tail = np.full(delay, fill)

    def push(self, x: np.ndarray) -> np.ndarray:
        if self.delay == 0:
            return x
        ext = np.concatenate([self._tail, x])
        self._tail = ext[ext.size - self.delay :]
        return ext[: x.size]


class RunningMean:
    """Trailing boxcar mean over ``size`` samples (over fewer at the start, where fewer exist).

    The window sum is a sequential recursion (sum += new - oldest), so it is chunk-independent.
    """

    def __init__(self, size: int) -> None:
        self.size = max(1, int(size))
        self._delay = DelayLine(self.size)
        self._zi = np.zeros(1)
        self._count = 0

    def push(self, x: np.ndarray) -> np.ndarray:
        if x.size == 0:
            return x
        diff = x - self._delay.push(x)
        sums, self._zi = signal.lfilter([1.0], [1.0, -1.0], diff, zi=self._zi)
        counts = np.minimum(np.arange(self._count + 1, self._count + x.size + 1), self.size)
        self._count = min(self._count + x.size, self.size)
        return sums / counts


def group_delay_samples(sos: np.ndarray, freq_hz: float, fs: float) -> int:
    """Group delay of a causal SOS cascade at ``freq_hz``, rounded to whole samples."""
    total = 0.0
    for section in sos:
        _, gd = signal.group_delay((section[:3], section[3:]), w=[freq_hz], fs=fs)
        total += float(gd[0])
    return max(0, round(total))
