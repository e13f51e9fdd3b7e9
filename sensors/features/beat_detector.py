"""The shared engine of the ECG and PPG beat detectors: threshold regions of an energy signal.

Both detectors follow the same plan (NeuroKit2's ECG method and Elgendi 2013's PPG method are both
of this shape, made causal here):

1. clean the signal with a causal band-pass (carried filter state);
2. turn it into a non-negative "energy" signal;
3. a short and a long boxcar mean of the energy, time-aligned with delay lines, so that both are
   centred on the same instant as in the zero-phase originals;
4. a region is a run where short > threshold(long); regions shorter than a minimum are ignored and
   regions are closed after ``max_region_s`` so that the decision delay is bounded;
5. the beat is the extreme of the cleaned signal inside the region, corrected by the band-pass's
   group delay; beats closer than a refractory period to the previous one are dropped;
6. a beat at sample ``i`` is released exactly when sample ``i + delay`` arrives: a fixed delay.

All steps are chunk-independent, so ``detect(x)`` equals pushing ``x`` in pieces then ``finish()``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import deque

import numpy as np

from sensors.features.streaming import DelayLine, FiniteHold, RunningMean, SosFilter, group_delay_samples

MIN_FS = 50.0
MAX_FS = 5000.0


class RegionBeatDetector(ABC):
    """Base class; subclasses define the filter, energy, threshold, minimum length and polarity."""

    #: seconds: short and long boxcar widths, refractory period, longest region, group-delay frequency
    short_s: float
    long_s: float
    refractory_s: float = 0.3
    max_region_s: float
    delay_freq_hz: float

    def __init__(self, fs: float) -> None:
        if not (math.isfinite(fs) and MIN_FS <= fs <= MAX_FS):
            raise ValueError(f"sampling rate {fs!r} Hz is outside {MIN_FS:g}-{MAX_FS:g} Hz")
        self.fs = float(fs)
        self._hold = FiniteHold()
        sos = np.vstack(self._design_filters())  # one cascade: one filter call per chunk
        self._filter = SosFilter(sos)
        short_n = max(1, round(self.short_s * fs))
        long_n = max(1, round(self.long_s * fs))
        self._short = RunningMean(short_n)
        self._long = RunningMean(long_n)
        # the short mean is centred (short_n-1)/2 samples back, the long one (long_n-1)/2 back
        self._align_short = DelayLine(max(0, (long_n - 1) // 2 - (short_n - 1) // 2))
        self._lag = (long_n - 1) // 2  # samples between the newest input and the region decision
        self._align_clean = DelayLine(self._lag)
        self._gd = group_delay_samples(sos, self.delay_freq_hz, fs)
        self._max_region = max(2, round(self.max_region_s * fs))
        self._refractory = round(self.refractory_s * fs)
        #: fixed release delay in samples after the reported beat position
        self.delay = self._lag + self._max_region + self._gd + 1
        self._n = 0  # samples pushed so far
        self._in_region = False
        self._prev_above = False
        self._region_start = 0
        self._region_clean: list[np.ndarray] = []
        self._region_energy: list[np.ndarray] = []
        self._last_beat = -(10**12)
        self._pending: deque[int] = deque()
        self.lengths: deque[int] = deque(maxlen=20)

    @property
    def delay_s(self) -> float:
        """The fixed delay between a beat and its release, in seconds."""
        return self.delay / self.fs

    @property
    def nonfinite_samples(self) -> int:
        """How many NaN/inf input samples were replaced so far."""
        return self._hold.bad

    @property
    def samples_seen(self) -> int:
        return self._n

    # -- subclass hooks -------------------------------------------------------------------------
    @abstractmethod
    def _design_filters(self) -> list[np.ndarray]:
        """The filter sections that clean the raw signal for this kind of beat."""

    @abstractmethod
    def _energy(self, clean: np.ndarray) -> np.ndarray:
        """The detection energy computed from the cleaned signal."""

    @abstractmethod
    def _threshold(self, long_mean: np.ndarray, energy: np.ndarray) -> np.ndarray:
        """The detection threshold, from the long-term mean of the energy."""

    def _long_input(self, short_mean: np.ndarray, energy: np.ndarray) -> np.ndarray:
        return energy

    @abstractmethod
    def _accept(self, length: int) -> bool:
        """Whether a candidate region ``length`` samples long is a beat."""

    def _pick(self, segment: np.ndarray) -> int:
        return int(np.argmax(segment))

    def _orient(self, clean: np.ndarray) -> np.ndarray:
        """The cleaned signal turned so that beats point up (a subclass may learn the polarity)."""
        return clean

    def _observe(self, x: np.ndarray) -> None:
        """The raw chunk (NaN/inf held), before cleaning, for a subclass that measures beats on it."""
        return None

    # -- streaming ------------------------------------------------------------------------------
    def push(self, x: np.ndarray) -> list[int]:
        """Feed new samples (1-D); returns beats (absolute sample indices) released by them."""
        x = self._hold.push(np.ravel(np.asarray(x, dtype=float)))
        if x.size == 0:
            return []
        self._observe(x)
        clean = self._orient(self._filter.push(x))
        energy = self._energy(clean)
        short = self._short.push(energy)
        long_mean = self._long.push(self._long_input(short, energy))
        above = self._align_short.push(short) > self._threshold(long_mean, energy)
        self._scan(above, self._align_clean.push(clean))
        self._n += x.size
        return self._release(self._n)

    def finish(self) -> list[int]:
        """End of the recording: push the last value for ``delay`` samples, release every beat.

        A beat within ``short_s`` of the end is dropped: its wave may be cut short by the end.
        """
        pad = np.full(self.delay + 1, self._hold.last)
        last_whole = self._n - round(self.short_s * self.fs)
        beats = self.push(pad)
        self._in_region = False
        beats += self._release(10**15)
        return [b for b in beats if b < last_whole]

    def _scan(self, above: np.ndarray, clean: np.ndarray) -> None:
        """Walk region edges in this chunk (a Python loop over edges only, not samples)."""
        if not self._in_region and not above.any():  # most chunks: nothing to do
            self._prev_above = False
            return
        base = self._n - self._lag  # absolute index (in the delayed time base) of above[0]
        before = np.concatenate([[self._prev_above], above[:-1]])
        rises = np.flatnonzero(above & ~before)
        falls = np.flatnonzero(~above & before)
        self._prev_above = bool(above[-1])
        pos, n = 0, above.size
        while pos < n:
            if not self._in_region:
                if not above[pos]:
                    k = int(np.searchsorted(rises, pos))
                    if k == rises.size:
                        return
                    pos = int(rises[k])
                self._in_region = True
                self._region_start = base + pos
                self._region_clean = []
            room = self._max_region - sum(c.size for c in self._region_clean)
            # a fall at ``pos`` itself ends a region carried over from the previous chunk
            k = int(np.searchsorted(falls, pos))
            fall = int(falls[k]) if k < falls.size else n + room
            end = min(fall, pos + room, n)
            self._region_clean.append(clean[pos:end])
            closed = end == fall or end == pos + room
            pos = end
            if closed:
                self._close_region()

    def _close_region(self) -> None:
        self._in_region = False
        segment = np.concatenate(self._region_clean)
        self._region_clean = []
        self.lengths.append(segment.size)
        if segment.size == 0 or not self._accept(segment.size):
            return
        peak = self._region_start + self._pick(segment) - self._gd
        if peak < 0 or peak - self._last_beat <= self._refractory:
            return
        self._last_beat = peak
        self._pending.append(peak)

    def usable(self, beat: int) -> bool:
        """Whether a released beat is good enough for intervals (the PPG detector checks its SQI);
        call once per released beat."""
        return True

    def _release(self, n_seen: int) -> list[int]:
        out = []
        while self._pending and self._pending[0] + self.delay <= n_seen:
            out.append(self._pending.popleft())
        return out

    @classmethod
    def detect(cls, x: np.ndarray, fs: float) -> np.ndarray:
        """Offline detection over a whole recording: the streaming detector in one push."""
        det = cls(fs)
        beats = det.push(x) + det.finish()
        return np.asarray(beats, dtype=np.int64)
