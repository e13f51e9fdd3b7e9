"""How well a breathing-rate estimate agrees with a respiration belt, window by window.

Used by tests and ``python -m bench cardiac`` to validate breathing rates from the heart (PPG
modulations, RSA, NeuroKit2's ECG-derived respiration) against the belt of the same recording.

- **Clean windows**: a belt exported with an integer overflow (v102s) is unwrapped
  (``sensors.analyze.overflow``); isolated wraps (a cardiac spike crossing the limit and back) are
  undone that way, but where wraps come in bursts (5 or more within ±2 s) the belt is unusable, and
  a window within 1 s of such a burst is left out.
- **The belt's rate** per window: cardiac spikes removed (median of 0.7 s at 10 Hz), then the
  same estimator as the heart's modulations (4 Hz, 0.067-0.5 Hz band-pass, Hann periodogram peak),
  so both sides are measured alike; also the rate from the belt's breath count
  (``respiration.detect_breaths``): a window whose two belt rates differ by more than 2 breaths/min
  has irregular or shallow breathing and is reported apart ("belt-consistent" windows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal

from sensors.analyze.overflow import unwrap_overflow, wrap_span
from sensors.features.pulse_respiration import MODULATION_BAND, NFFT
from sensors.features.respiration import detect_breaths

BURST_JUMPS, BURST_HALF_S = 5, 2.0
MARGIN_S = 1.0
CONSISTENT_BPM = 2.0
BELT_HZ = 10.0


@dataclass(frozen=True)
class BeltWindow:
    """One clean window of the belt: its start and end (s) and the belt's two rates (breaths/min)."""

    start_s: float
    end_s: float
    rate: float  # spectral peak
    count_rate: float  # from the breath count

    @property
    def consistent(self) -> bool:
        return abs(self.rate - self.count_rate) <= CONSISTENT_BPM


def wrap_bursts(belt: np.ndarray, fs: float) -> np.ndarray:
    """Times (s) of wraps that come in bursts: where unwrapping cannot restore the belt."""
    x = np.nan_to_num(np.asarray(belt, dtype=float))
    jumps = np.flatnonzero(np.abs(np.diff(x)) > wrap_span(x) / 2) / fs
    if jumps.size == 0:
        return jumps
    near = np.searchsorted(jumps, jumps + BURST_HALF_S, side="right") - np.searchsorted(
        jumps, jumps - BURST_HALF_S
    )
    return jumps[near >= BURST_JUMPS]


def spectral_rate(t: np.ndarray, v: np.ndarray, start: float, end: float) -> float:
    """The modulation estimator on one series: 4 Hz, band-pass 0.067-0.5 Hz, periodogram peak."""
    grid = np.arange(start, end, 0.25)
    ok = np.isfinite(t) & np.isfinite(v)
    if ok.sum() < 4 or grid.size < 16:
        return math.nan
    y = np.interp(grid, t[ok], v[ok])
    sos = signal.butter(2, MODULATION_BAND, btype="bandpass", fs=4.0, output="sos")
    y = signal.sosfiltfilt(sos, y - y.mean())
    f, p = signal.periodogram(y, fs=4.0, window="hann", nfft=NFFT)
    band = (f >= MODULATION_BAND[0]) & (f <= MODULATION_BAND[1])
    return float(60.0 * f[band][np.argmax(p[band])])


def belt_windows(
    belt: np.ndarray, fs: float, window_s: float = 32.0, step_s: float = 4.0
) -> list[BeltWindow]:
    """The belt's clean windows (``window_s`` long, every ``step_s``) with the belt's own rates."""
    x = unwrap_overflow(belt)
    bursts = wrap_bursts(belt, fs)
    step = max(1, round(fs / BELT_HZ))
    finite = np.where(np.isfinite(x), x, np.nanmedian(x))
    smooth = signal.medfilt(finite[::step], 7)  # 0.7 s: the belt's cardiac spikes out
    t = np.arange(smooth.size) * step / fs
    out = []
    for start in np.arange(0.0, x.size / fs - window_s + 1e-9, step_s):
        end = start + window_s
        if np.any((bursts >= start - MARGIN_S) & (bursts <= end + MARGIN_S)):
            continue
        sel = (t >= start) & (t < end)
        breaths = detect_breaths(np.repeat(smooth[sel], step), fs)
        count = 60.0 * fs / float(np.mean(np.diff(breaths))) if breaths.size > 2 else math.nan
        out.append(
            BeltWindow(float(start), float(end), spectral_rate(t[sel], smooth[sel], start, end), count)
        )
    return out
