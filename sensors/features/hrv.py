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
MAX_SPAN_S = 48 * 3600.0  # longer series are not resampled (memory), frequency features are NaN
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
    """The NN series at ``fs`` Hz over its own time span (empty with < 2 finite beats or > 48 h)."""
    return resample_nn_grid(times_s, nn_ms, fs)[1]


def resample_nn_grid(
    times_s: np.ndarray, nn_ms: np.ndarray, fs: float = RESAMPLE_HZ
) -> tuple[np.ndarray, np.ndarray]:
    """``(grid times, NN values)``: cubic spline at ``fs`` Hz (linear below 4 beats or when the
    spline cannot be solved, e.g. for beats microseconds apart)."""
    t = np.asarray(times_s, dtype=float).ravel()
    x = np.asarray(nn_ms, dtype=float).ravel()
    ok = np.isfinite(t) & np.isfinite(x)
    t, x = t[ok], x[ok]
    t, first = np.unique(t, return_index=True)
    x = x[first]
    if t.size < 2 or t[-1] - t[0] > MAX_SPAN_S:
        return np.zeros(0), np.zeros(0)
    grid = np.arange(t[0], t[-1], 1.0 / fs)
    if t.size >= 4:
        try:
            return grid, interpolate.make_interp_spline(t, x, k=3)(grid)  # not-a-knot cubic spline
        except (ValueError, np.linalg.LinAlgError):  # degenerate knots (absurd input): linear
            pass
    return grid, np.interp(grid, t, x)


def detrend_linear(x: np.ndarray) -> np.ndarray:
    """``x`` minus its least-squares straight line."""
    t = np.arange(x.size) - (x.size - 1) / 2
    return x - x.mean() - t * (t @ x) / (t @ t)


def hann_periodogram(x: np.ndarray, fs: float, nfft: int) -> tuple[np.ndarray, np.ndarray]:
    """One-sided PSD of ``x`` with a periodic Hann window, zero-padded to ``nfft`` (as
    ``scipy.signal.periodogram(x, fs, "hann", nfft, detrend=False)``, without its overhead)."""
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(x.size) / x.size)
    spec = np.abs(np.fft.rfft(x * w, nfft)) ** 2 / (fs * (w @ w))
    spec[1 : (nfft + 1) // 2] *= 2
    return np.fft.rfftfreq(nfft, 1.0 / fs), spec


def nn_psd(times_s: np.ndarray, nn_ms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Welch PSD (ms²/Hz) of the detrended 4 Hz NN series; empty arrays when too short."""
    return series_psd(resample_nn(times_s, nn_ms))


def series_psd(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Welch PSD (ms²/Hz) of an NN series already resampled at 4 Hz (detrended here)."""
    if x.size < 16 or not np.all(np.isfinite(x)):
        return np.zeros(0), np.zeros(0)
    x = detrend_linear(x)
    nperseg = min(x.size, int(256 * RESAMPLE_HZ))
    nfft = max(2048, 1 << (nperseg - 1).bit_length())
    if nperseg == x.size:  # one segment: Welch is the Hann periodogram
        return hann_periodogram(x, RESAMPLE_HZ, nfft)
    return signal.welch(x, fs=RESAMPLE_HZ, window="hann", nperseg=nperseg, noverlap=nperseg // 2, nfft=nfft)


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
