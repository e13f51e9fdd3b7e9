"""Heart-rate variability: time domain on normal-to-normal intervals, frequency domain on the
corrected series resampled at 4 Hz, and breathing rate from respiratory sinus arrhythmia.

Frequency method: the corrected NN series (ms) is interpolated at 4 Hz with a cubic spline
(linear with fewer than 4 beats), its linear trend removed, and its power spectral density taken
with Welch's method (Hann window, segments of up to 256 s with 50 % overlap, zero-padded to at
least 2048 points). Band powers (ms²) are trapezoid integrals: LF 0.04-0.15 Hz, HF 0.15-0.40 Hz.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import interpolate, signal

RESAMPLE_HZ = 4.0
LF_BAND = (0.04, 0.15)
HF_BAND = (0.15, 0.40)
RSA_BAND = (0.07, 0.50)  # 4.2-30 breaths/min; slow paced breathing (6/min) included
NAN = float("nan")


def hrv_time(nn_ms: np.ndarray, valid: np.ndarray | None = None) -> dict[str, float]:
    """HR (bpm), mean NN, SDNN (ddof=1), RMSSD (ms) and pNN50 (%) from normal-to-normal intervals.

    ``valid`` marks normal intervals; successive differences use only adjacent valid pairs.
    Values are NaN when there are too few intervals.
    """
    nn = np.asarray(nn_ms, dtype=float).ravel()
    ok = np.isfinite(nn) & (nn > 0)
    if valid is not None:
        ok &= np.asarray(valid, dtype=bool).ravel()[: nn.size]
    good = nn[ok]
    pairs = ok[1:] & ok[:-1]
    diffs = np.diff(nn)[pairs] if nn.size > 1 else np.zeros(0)
    mean_nn = float(good.mean()) if good.size else NAN
    return {
        "hr": 60000.0 / mean_nn if good.size else NAN,
        "mean_nn": mean_nn,
        "sdnn": float(good.std(ddof=1)) if good.size > 1 else NAN,
        "rmssd": float(np.sqrt(np.mean(diffs**2))) if diffs.size else NAN,
        "pnn50": float(100.0 * np.mean(np.abs(diffs) > 50.0)) if diffs.size else NAN,
    }


def resample_nn(times_s: np.ndarray, nn_ms: np.ndarray, fs: float = RESAMPLE_HZ) -> np.ndarray:
    """The NN series at ``fs`` Hz over its own time span (empty with fewer than 2 finite beats)."""
    t = np.asarray(times_s, dtype=float).ravel()
    x = np.asarray(nn_ms, dtype=float).ravel()
    ok = np.isfinite(t) & np.isfinite(x)
    t, x = t[ok], x[ok]
    if t.size < 2:
        return np.zeros(0)
    t, first = np.unique(t, return_index=True)
    x = x[first]
    if t.size < 2:
        return np.zeros(0)
    grid = np.arange(t[0], t[-1], 1.0 / fs)
    if t.size >= 4:
        return interpolate.CubicSpline(t, x)(grid)
    return np.interp(grid, t, x)


def nn_psd(times_s: np.ndarray, nn_ms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Welch PSD (ms²/Hz) of the detrended 4 Hz NN series; empty arrays when too short."""
    x = resample_nn(times_s, nn_ms)
    if x.size < 16 or not np.all(np.isfinite(x)):
        return np.zeros(0), np.zeros(0)
    x = signal.detrend(x)
    nperseg = min(x.size, int(256 * RESAMPLE_HZ))
    nfft = max(2048, 1 << (nperseg - 1).bit_length())
    f, p = signal.welch(x, fs=RESAMPLE_HZ, window="hann", nperseg=nperseg, noverlap=nperseg // 2, nfft=nfft)
    return f, p


def band_power(f: np.ndarray, p: np.ndarray, band: tuple[float, float]) -> float:
    """Trapezoid integral of the PSD over ``band`` (NaN when the spectrum is empty)."""
    m = (f >= band[0]) & (f <= band[1])
    return float(np.trapezoid(p[m], f[m])) if m.sum() >= 2 else NAN


def hrv_frequency(times_s: np.ndarray, nn_ms: np.ndarray) -> dict[str, float]:
    """LF and HF power (ms²) and LF/HF from the corrected NN series; NaN below 25 s of beats."""
    t = np.asarray(times_s, dtype=float)
    span = float(np.nanmax(t) - np.nanmin(t)) if t.size and np.isfinite(t).any() else 0.0
    if span < 1.0 / LF_BAND[0]:
        return {"lf": NAN, "hf": NAN, "lf_hf": NAN}
    return frequency_from_psd(*nn_psd(t, nn_ms))


def frequency_from_psd(f: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """LF, HF (ms²) and LF/HF from an NN spectrum."""
    lf, hf = band_power(f, p, LF_BAND), band_power(f, p, HF_BAND)
    return {"lf": lf, "hf": hf, "lf_hf": lf / hf if hf > 0 and math.isfinite(lf) else NAN}


def rsa_breathing_rate(times_s: np.ndarray, nn_ms: np.ndarray) -> float:
    """Breathing rate (breaths/min) as the HRV spectral peak in 0.07-0.5 Hz; NaN below 20 s."""
    t = np.asarray(times_s, dtype=float)
    if t.size < 4 or not np.isfinite(t).any() or np.nanmax(t) - np.nanmin(t) < 20.0:
        return NAN
    return rsa_rate_from_psd(*nn_psd(t, nn_ms))


def rsa_rate_from_psd(f: np.ndarray, p: np.ndarray) -> float:
    """Breathing rate (breaths/min) as the peak of an NN spectrum in 0.07-0.5 Hz."""
    m = (f >= RSA_BAND[0]) & (f <= RSA_BAND[1])
    if not m.any() or not np.any(p[m] > 0):
        return NAN
    return float(60.0 * f[m][np.argmax(p[m])])
