"""EDA: skin conductance level (tonic) and skin conductance responses (phasic) — offline and streaming.

Signal path (the same code offline and streaming, so both agree exactly):

1. causal 1 Hz Butterworth low-pass (state carried chunk to chunk), decimated to ~16 Hz;
2. SCRs by trough-to-peak detection with hysteresis: a trough is confirmed once the signal has
   risen ``min_amplitude`` (0.01 µS by default) above it, the peak once it has fallen
   ``min_amplitude`` below it. An SCR is onset = trough, amplitude = peak − trough
   (≥ ``min_amplitude``), rise time ≤ ``max_rise_s`` (15 s; slower rises are tonic drift). SCRs
   that start before the previous one has peaked merge into one, as in classic trough-to-peak
   scoring; a phasic decomposition (a 0.05 Hz high-pass) splits them but, tried on BioSPPy's
   eda.txt, turned ADC quantisation on the tonic decline into spurious 0.02 µS responses;
3. SCL is the mean of the low-passed signal over the window (60 s streaming, whole record offline).

Input is skin conductance in µS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sensors.features.extractor import ExtractorOutput
from sensors.features.filters import CausalFilter, lowpass_sos
from sensors.quality import channel_verdicts
from sensors.types import Level, StreamKind, Verdict

TARGET_FS = 16.0


@dataclass(frozen=True)
class SCR:
    """One skin conductance response: onset time and peak time (s or LSL time) and amplitude (µS)."""

    onset: float
    peak: float
    amplitude: float


@dataclass
class SCRDetector:
    """Low-pass, decimate and find SCRs incrementally; feed (samples, times) chunks of any size."""

    fs: float
    min_amplitude: float = 0.01
    max_rise_s: float = 15.0
    cutoff_hz: float = 1.0
    scrs: list[SCR] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.fs) and self.fs > 0):
            raise ValueError(f"EDA sampling rate {self.fs!r} Hz is not usable")
        if not self.min_amplitude > 0:
            raise ValueError("minimum SCR amplitude must be positive")
        self._level = CausalFilter(lowpass_sos(self.fs, self.cutoff_hz), 1)
        self.step = max(1, int(self.fs // TARGET_FS))
        self._phase = 0  # index within the next chunk of the next kept sample
        self._rising = False
        self._trough: tuple[float, float] | None = None  # (time, value)
        self._peak: tuple[float, float] | None = None

    def push(self, samples: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Feed µS samples (n,) and their times (n,); returns the kept low-passed samples and times."""
        x = np.asarray(samples, dtype=float).reshape(-1, 1)
        t = np.asarray(times, dtype=float).reshape(-1)
        with np.errstate(all="ignore"):
            level = self._level.process(x)[:, 0]
        kept = np.arange(self._phase, t.size, self.step)
        self._phase = (kept[-1] + self.step - t.size) if kept.size else self._phase - t.size
        for value, stamp in zip(level[kept].tolist(), t[kept].tolist(), strict=True):
            if math.isfinite(value):
                self._step(stamp, value)
        return level[kept], t[kept]

    def _step(self, t: float, v: float) -> None:
        h = self.min_amplitude
        if self._trough is None or self._peak is None:
            self._trough = self._peak = (t, v)
            return
        if not self._rising:
            if v < self._trough[1]:
                self._trough = (t, v)
            elif v >= self._trough[1] + h:
                self._rising, self._peak = True, (t, v)
            return
        if v > self._peak[1]:
            self._peak = (t, v)
        elif v <= self._peak[1] - h:
            self._close(t, v, self._trough, self._peak)

    def _close(self, t: float, v: float, trough: tuple[float, float], peak: tuple[float, float]) -> None:
        (onset, low), (peak_t, high) = trough, peak
        if high - low >= self.min_amplitude and peak_t - onset <= self.max_rise_s:
            self.scrs.append(SCR(onset, peak_t, high - low))
        self._rising, self._trough = False, (t, v)


def analyze_eda(signal: np.ndarray, fs: float, min_amplitude: float = 0.01) -> dict:
    """Offline EDA of a whole recording in µS: ``{"scl_mean", "scr_count", "scr_per_min"}``.

    Raises ValueError on unusable input (wrong shape, bad rate, too short, no finite samples).
    """
    x = np.asarray(signal, dtype=float)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"EDA must be one channel, got shape {x.shape}")
    if x.size < 2 or not np.isfinite(x).any():
        raise ValueError("EDA recording has no usable samples")
    detector = SCRDetector(float(fs), min_amplitude)
    smoothed, _ = detector.push(x, np.arange(x.size) / fs)
    minutes = x.size / fs / 60.0
    finite = smoothed[np.isfinite(smoothed)]
    with np.errstate(all="ignore"):  # absurd magnitudes: an inf mean, not a warning
        scl = float(finite.mean()) if finite.size else None
    return {
        "scl_mean": scl,
        "scr_count": len(detector.scrs),
        "scr_per_min": len(detector.scrs) / minutes,
    }


class EDAExtractor:
    """Streaming SCL and SCR rate over a sliding window (default 60 s) of one EDA channel."""

    kind = StreamKind.EDA
    names = ("scl", "scr_rate")

    def __init__(self, fs: float, window_s: float = 60.0, min_amplitude: float = 0.01) -> None:
        self.fs = float(fs)
        self.window_s = window_s
        self.detector = SCRDetector(self.fs, min_amplitude)
        self._raw, self._raw_t = np.zeros(0), np.zeros(0)  # the last window of raw samples
        self._level, self._level_t = np.zeros(0), np.zeros(0)  # low-passed, decimated
        self._first_t = math.nan
        self._last_t = math.nan

    def push(self, samples: np.ndarray, timestamps: np.ndarray) -> None:
        """Feed samples (n, 1) in µS with their LSL timestamps (n,); extra channels are ignored."""
        x = np.asarray(samples, dtype=float)
        x = x[:, 0] if x.ndim == 2 and x.shape[1] else x.reshape(-1)
        t = np.asarray(timestamps, dtype=float).reshape(-1)
        if x.size != t.size:
            raise ValueError(f"{x.size} samples but {t.size} timestamps")
        if not x.size:
            return
        if math.isnan(self._first_t):
            self._first_t = float(t[0])
        self._last_t = float(t[-1])
        level, level_t = self.detector.push(x, t)
        horizon = self._last_t - self.window_s
        self._raw, self._raw_t = _keep_after(
            np.concatenate([self._raw, x]), np.concatenate([self._raw_t, t]), horizon
        )
        self._level, self._level_t = _keep_after(
            np.concatenate([self._level, level]), np.concatenate([self._level_t, level_t]), horizon
        )
        cutoff = self._last_t - 3600.0
        while self.detector.scrs and self.detector.scrs[0].onset < cutoff:
            self.detector.scrs.pop(0)

    def snapshot(self) -> ExtractorOutput:
        """SCL (µS) and SCR rate (1/min) over the window, with verdicts from the window's quality."""
        if math.isnan(self._last_t):
            bad = Verdict(Level.BAD, "no data yet")
            return ExtractorOutput({"scl": math.nan, "scr_rate": math.nan}, {"scl": bad, "scr_rate": bad})
        horizon = self._last_t - self.window_s
        verdict = channel_verdicts(self._raw, self.fs, StreamKind.EDA, self._raw_t)[0]
        values = {"scl": math.nan, "scr_rate": math.nan}
        quality = {"scl": verdict, "scr_rate": verdict}
        if verdict.level != Level.BAD:
            level = self._level[np.isfinite(self._level)]
            values["scl"] = float(level.mean()) if level.size else math.nan
            span = min(self.window_s, self._last_t - self._first_t)
            if span >= 10.0:
                count = sum(1 for scr in self.detector.scrs if scr.onset >= horizon)
                values["scr_rate"] = count / (span / 60.0)
            else:
                quality["scr_rate"] = Verdict(Level.BAD, "less than 10 s of EDA yet")
        for name, value in values.items():
            if math.isnan(value) and quality[name].level != Level.BAD:
                quality[name] = Verdict(Level.BAD, "not computable")
        return ExtractorOutput(values, quality, self._last_t)


def _keep_after(values: np.ndarray, times: np.ndarray, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    start = int(np.searchsorted(times, horizon, side="left"))
    return values[start:], times[start:]
