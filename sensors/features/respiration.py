"""Breathing rate from a respiration channel (belt, thermistor, impedance), offline and streaming.

The signal is low-passed causally (Butterworth order 2 at 1 Hz, state carried) and decimated to
10 Hz. The rate over a window (default 60 s) is the peak of the Welch spectrum (Hann, 32 s
segments, zero-padded to 4096 points) between 0.07 and 0.7 Hz (4.2-42 breaths/min). Breaths
(for the analyzer and its plot) are the peaks of the zero-phase 0.05-1 Hz band-passed signal at
least 1.2 s apart with a prominence of at least 0.3 standard deviations.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from scipy import signal

from sensors.features.extractor import ExtractorOutput
from sensors.features.streaming import FiniteHold, SosFilter
from sensors.types import Level, StreamKind, Verdict

DECIMATED_HZ = 10.0
RATE_BAND = (0.07, 0.7)
NAN = float("nan")


class RespirationDecimator:
    """Causal low-pass at 1 Hz and decimation to ~10 Hz; chunk-independent."""

    def __init__(self, fs: float) -> None:
        if not (np.isfinite(fs) and 5.0 <= fs <= 5000.0):
            raise ValueError(f"sampling rate {fs!r} Hz is outside 5-5000 Hz")
        self.step = max(1, round(fs / DECIMATED_HZ))
        self.fs_out = fs / self.step
        self._hold = FiniteHold()
        self._filter = SosFilter(signal.butter(2, min(1.0, 0.4 * fs), fs=fs, output="sos"))
        self._phase = 0

    @property
    def nonfinite_samples(self) -> int:
        return self._hold.bad

    def push(self, x: np.ndarray) -> np.ndarray:
        y = self._filter.push(self._hold.push(np.ravel(np.asarray(x, dtype=float))))
        first = (-self._phase) % self.step
        out = y[first :: self.step]
        self._phase = (self._phase + y.size) % self.step
        return out


def rate_from_decimated(y: np.ndarray, fs: float) -> float:
    """Breathing rate (breaths/min) of a low-passed respiration signal; NaN when too short or flat."""
    with np.errstate(over="ignore", invalid="ignore"):  # absurd magnitudes end as NaN, quietly
        return _rate(np.asarray(y, dtype=float), fs)


def _rate(y: np.ndarray, fs: float) -> float:
    if y.size < 20 * fs or not np.all(np.isfinite(y)) or np.ptp(y) <= 0:
        return NAN
    y = signal.detrend(y)
    if np.std(y) <= 1e-12 * (1 + np.max(np.abs(y))):
        return NAN
    nperseg = min(y.size, int(32 * fs))
    f, p = signal.welch(y, fs=fs, window="hann", nperseg=nperseg, nfft=max(4096, nperseg))
    m = (f >= RATE_BAND[0]) & (f <= RATE_BAND[1])
    if not np.any(p[m] > 0):
        return NAN
    return float(60.0 * f[m][np.argmax(p[m])])


def breathing_rate(resp: np.ndarray, fs: float, window_s: float = 60.0) -> float:
    """Breathing rate (breaths/min) over the last ``window_s`` seconds of a respiration signal."""
    dec = RespirationDecimator(fs)
    y = dec.push(resp)
    return rate_from_decimated(y[-round(window_s * dec.fs_out) :], dec.fs_out)


def detect_breaths(resp: np.ndarray, fs: float) -> np.ndarray:
    """Inhalation peaks (sample indices) of a respiration signal; empty when none can be found."""
    x = np.asarray(resp, dtype=float).ravel()
    if x.size < 3 * fs or not np.all(np.isfinite(x)) or np.ptp(x) <= 0:
        return np.zeros(0, dtype=np.int64)
    sos = signal.butter(2, [0.05, min(1.0, 0.4 * fs)], btype="bandpass", fs=fs, output="sos")
    with np.errstate(over="ignore", invalid="ignore"):  # absurd magnitudes: no prominence, no peaks
        y = signal.sosfiltfilt(sos, x - np.median(x))
        prominence = 0.3 * np.std(y)
    if not np.isfinite(prominence):
        return np.zeros(0, dtype=np.int64)
    peaks, _ = signal.find_peaks(y, distance=max(1, int(1.2 * fs)), prominence=prominence)
    return peaks.astype(np.int64)


class RespirationExtractor:
    """Streaming breathing rate from a RESP stream: ``resp_rate`` over a sliding window."""

    kind = StreamKind.RESP

    def __init__(self, fs: float, channel: int = 0, window_s: float = 60.0) -> None:
        self.channel = channel
        self.window_s = window_s
        self._dec = RespirationDecimator(fs)
        self._size = round(window_s * self._dec.fs_out)
        self._buf: deque[float] = deque(maxlen=self._size)
        self._t = NAN
        self._recent_bad = 0

    def push(self, samples: np.ndarray, timestamps: np.ndarray) -> None:
        x = np.asarray(samples, dtype=float)
        column = x[:, self.channel] if x.ndim == 2 else x.ravel()
        if column.size == 0:
            return
        before = self._dec.nonfinite_samples
        self._buf.extend(self._dec.push(column).tolist())
        self._recent_bad = self._dec.nonfinite_samples - before
        ts = np.asarray(timestamps, dtype=float)
        if ts.size:
            self._t = float(ts[-1])

    def snapshot(self) -> ExtractorOutput:
        y = np.fromiter(self._buf, dtype=float)
        rate = rate_from_decimated(y, self._dec.fs_out)
        if self._recent_bad:
            verdict = Verdict(Level.BAD, "non-finite samples")
            rate = NAN
        elif y.size < 20 * self._dec.fs_out:
            verdict = Verdict(Level.BAD, "window too short")
        elif not np.isfinite(rate):
            verdict = Verdict(Level.BAD, "flat respiration signal")
        elif y.size < self._size:
            verdict = Verdict(Level.DEGRADED, "window not yet full")
        else:
            verdict = Verdict.good()
        return ExtractorOutput({"resp_rate": rate}, {"resp_rate": verdict}, self._t)
