"""Breathing rate from a PPG clip when no belt is worn: the three respiratory modulations of the pulse.

Breathing modulates a pulse wave three ways (Charlton et al. 2016, Physiol. Meas. 37:610; review
Charlton et al. 2018, IEEE Rev. Biomed. Eng. 11:2): the baseline (respiratory-induced intensity
variation, RIIV: the systolic peak's height), the pulse amplitude (RIAV: peak minus the preceding
onset) and the beat rate (RIFV: the inter-beat interval, i.e. respiratory sinus arrhythmia). Each
is a beat-level series. Here each series of the window's beats is interpolated at 4 Hz, band-passed
to 0.067-0.5 Hz (4-30 breaths/min: slow paced breathing at 4.5-6.5/min included) with a zero-phase
Butterworth (order 2), and given a Hann periodogram normalised to unit power in that band; the three
normalised spectra are averaged (spectral fusion, as Lázaro et al. 2013 average the spectra of
several respiratory signals) and the breathing rate is the frequency of the average's peak.

Quality rule: the fused rate is *consistent* when at least two of the three modulations put their
own spectral peak within 2 breaths/min of it (the spirit of Karlen et al. 2013's smart fusion,
which rejects windows whose modulations disagree).

The window is 32 s of beats ending at the newest (Charlton's window); it needs at least 20 s of
beats. Chosen and measured on PhysioNet v102s against its belt (development data; see
docs/sensors.md, "Breathing rate without a belt").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal

from sensors.features.hrv import RESAMPLE_HZ, hann_periodogram

MODULATION_BAND = (0.067, 0.5)  # Hz
WINDOW_S = 32.0
MIN_SPAN_S = 20.0
AGREE_BPM = 2.0
MIN_AGREEING = 2
NFFT = 4096
_SOS = signal.butter(2, MODULATION_BAND, btype="bandpass", fs=RESAMPLE_HZ, output="sos")


@dataclass(frozen=True)
class PulseModulations:
    """Beat-level PPG features: systolic-peak times (s), peak heights and peak-minus-onset amplitudes."""

    times_s: np.ndarray
    intensity: np.ndarray
    amplitude: np.ndarray


@dataclass(frozen=True)
class PulseBreathing:
    """The fused breathing rate (breaths/min) and each modulation's own rate (RIIV, RIAV, RIFV)."""

    rate: float
    own_rates: tuple[float, float, float]

    @property
    def agreeing(self) -> int:
        """How many modulations peak within 2 breaths/min of the fused rate."""
        return sum(abs(r - self.rate) <= AGREE_BPM for r in self.own_rates if math.isfinite(r))

    @property
    def consistent(self) -> bool:
        return math.isfinite(self.rate) and self.agreeing >= MIN_AGREEING


NO_BREATHING = PulseBreathing(math.nan, (math.nan, math.nan, math.nan))


Spectrum = tuple[np.ndarray, np.ndarray]


def _normalised_spectrum(t: np.ndarray, v: np.ndarray, grid: np.ndarray) -> Spectrum | None:
    ok = np.isfinite(t) & np.isfinite(v)
    t, v = t[ok], v[ok]
    if t.size < 4 or np.ptp(v) <= 0:
        return None
    y = np.interp(grid, t, v)
    y = signal.sosfiltfilt(_SOS, y - y.mean())
    f, p = hann_periodogram(y, RESAMPLE_HZ, NFFT)
    band = (f >= MODULATION_BAND[0]) & (f <= MODULATION_BAND[1])
    total = float(p[band].sum())
    if not (math.isfinite(total) and total > 0):
        return None
    return f[band], p[band] / total


def pulse_breathing(mod: PulseModulations, end_s: float, window_s: float = WINDOW_S) -> PulseBreathing:
    """Breathing rate from the beats in ``[end_s - window_s, end_s]``; NaN with under 20 s of beats."""
    t = np.asarray(mod.times_s, dtype=float)
    sel = (t >= end_s - window_s) & (t <= end_s)
    t_w = t[sel]
    if t_w.size < 8 or t_w[-1] - t_w[0] < MIN_SPAN_S:
        return NO_BREATHING
    grid = np.arange(t_w[0], t_w[-1], 1.0 / RESAMPLE_HZ)
    if grid.size <= 3 * (2 * len(_SOS) + 1):  # sosfiltfilt's padding
        return NO_BREATHING
    series = (
        (t_w, np.asarray(mod.intensity, dtype=float)[sel]),
        (t_w, np.asarray(mod.amplitude, dtype=float)[sel]),
        (t_w[1:], np.diff(t_w)),
    )
    with np.errstate(over="ignore", invalid="ignore"):
        spectra = [_normalised_spectrum(st, sv, grid) for st, sv in series]
    found = [s for s in spectra if s is not None]
    if not found:
        return NO_BREATHING
    f = found[0][0]
    fused = float(60.0 * f[np.argmax(np.mean([p for _, p in found], axis=0))])
    own = [float(60.0 * s[0][np.argmax(s[1])]) if s is not None else math.nan for s in spectra]
    return PulseBreathing(fused, (own[0], own[1], own[2]))
