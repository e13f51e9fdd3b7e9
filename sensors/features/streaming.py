"""Causal building blocks whose output does not depend on how the input is chunked.

Every block processes samples strictly in order and carries its state from chunk to chunk, so
pushing a recording in one piece or in any number of pieces gives bit-identical results. That is
what lets the offline beat detectors be the streaming detectors run over a whole file.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

LIMIT = 1e100


class FiniteHold:
    """Replaces NaN/inf with the last finite value seen (0 before any) and counts them; clips
    magnitudes beyond 1e100 so that no later square or filter state can overflow."""

    def __init__(self) -> None:
        self.last = 0.0
        self.bad = 0

    def push(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):
            ordinary = x.size > 0 and abs(float(x.sum())) < LIMIT and float(np.abs(x).max()) < LIMIT
        if ordinary:  # the common case: nothing to replace or clip
            self.last = float(x[-1])
            return x
        finite = np.isfinite(x)
        x = np.clip(x, -LIMIT, LIMIT)
        if finite.all():
            if x.size:
                self.last = float(x[-1])
            return x
        self.bad += int(x.size - finite.sum())
        idx = np.where(finite, np.arange(x.size), -1)
        np.maximum.accumulate(idx, out=idx)
        out = np.where(idx >= 0, x[np.maximum(idx, 0)], self.last)
        if finite.any():
            self.last = float(x[finite][-1])
        return out


try:  # the compiled kernel behind signal.sosfilt: for 0.1 s chunks, sosfilt's argument checks and
    # axis moves cost ~20x the filtering itself (bench: cardiac_hrv_update_*)
    from scipy.signal._sosfilt import _sosfilt as _sosfilt_kernel
except ImportError:  # a SciPy that moved it: the public function gives the same numbers
    _sosfilt_kernel = None


class SosFilter:
    """Causal second-order-section filter of a 1-D signal; its state starts at steady state for the
    first sample. Same output as ``signal.sosfilt`` with carried ``zi``, at a fraction of the cost
    per small chunk."""

    def __init__(self, sos: np.ndarray) -> None:
        self.sos = np.ascontiguousarray(sos, dtype=float)
        self._zi: np.ndarray | None = None  # (1, sections, 2): the kernel's layout

    def push(self, x: np.ndarray) -> np.ndarray:
        if x.size == 0:
            return x
        if self._zi is None:
            self._zi = np.ascontiguousarray((signal.sosfilt_zi(self.sos) * x[0])[None])
        if _sosfilt_kernel is None:
            y, zi = signal.sosfilt(self.sos, x, zi=self._zi[0])
            self._zi[0] = zi
            return y
        y = np.array(x, dtype=float, ndmin=2, order="C", copy=True)  # filtered in place
        _sosfilt_kernel(self.sos, y, self._zi)
        return y[0]


class DelayLine:
    """Delays a signal by a whole number of samples (zeros before the start)."""

    def __init__(self, delay: int) -> None:
        self.delay = delay
        self._tail = np.zeros(delay)

    def push(self, x: np.ndarray) -> np.ndarray:
        if self.delay == 0:
            return x
        ext = np.concatenate([self._tail, x])
        self._tail = ext[ext.size - self.delay :]
        return ext[: x.size]


class RunningMean:
    """Trailing boxcar mean over ``size`` samples (over fewer at the start, where fewer exist).

    Sums come from prefix sums restarted at every absolute multiple of ``size`` (a sequential
    recursion, so chunk-independent); a window spans at most two such blocks, so rounding error or
    a huge transient never outlives two windows, unlike a forever-running ``sum += new - old``.
    """

    def __init__(self, size: int) -> None:
        self.size = max(1, int(size))
        # prefix sums with a leading 0: cur[1 + i] = x[block start] + ... + x[block start + i]
        self._prev = np.zeros(self.size + 1)  # of the last complete block
        self._cur = np.zeros(self.size + 1)  # of the current block, filled up to _fill
        self._fill = 0
        self._pos = 0  # samples seen

    def _segment(self, x: np.ndarray, sums: np.ndarray) -> None:
        """Add ``x`` (at most the rest of the current block) and write its window sums."""
        take = x.size
        seg = self._cur[self._fill : self._fill + take + 1]
        seg[1:] = x
        np.cumsum(seg, out=seg)  # sequential from the previous prefix: chunk-independent
        lo = self._fill + 1
        sums[:] = seg[1:] + (self._prev[-1] - self._prev[lo : lo + take])
        self._fill += take
        if self._fill == self.size:
            self._prev, self._cur = self._cur, self._prev
            self._cur[0], self._fill = 0.0, 0

    def push(self, x: np.ndarray) -> np.ndarray:
        sums = np.empty(x.size)
        with np.errstate(invalid="ignore", over="ignore"):
            head = min(self.size - self._fill, x.size)
            self._segment(x[:head], sums[:head])
            blocks = (x.size - head) // self.size
            if blocks:  # whole blocks at once: the same sequential sums, row by row
                end = head + blocks * self.size
                prefix = np.cumsum(x[head:end].reshape(blocks, self.size), axis=1)
                before = np.vstack([self._prev[1:], prefix[:-1]])
                sums[head:end] = (prefix + (before[:, -1:] - before)).ravel()
                self._prev[1:] = prefix[-1]
                head = end
            if head < x.size:
                self._segment(x[head:], sums[head:])
        if self._pos >= self.size:  # warmed up: every window is full
            self._pos += x.size
            return sums / self.size
        counts = np.minimum(np.arange(self._pos + 1, self._pos + x.size + 1), self.size)
        self._pos += x.size
        return sums / counts


def group_delay_samples(sos: np.ndarray, freq_hz: float, fs: float) -> int:
    """Group delay of a causal SOS cascade at ``freq_hz``, rounded to whole samples."""
    total = 0.0
    for section in sos:
        _, gd = signal.group_delay((section[:3], section[3:]), w=[freq_hz], fs=fs)
        total += float(gd[0])
    return max(0, round(total))  # summed per section, then rounded once
