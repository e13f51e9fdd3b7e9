"""HRV coherence after the published HeartMath definition (McCraty et al. 2009, "The coherent heart").

What is computed, exactly:

1. the last 64 s of the corrected NN series, interpolated at 4 Hz (cubic spline) → 256 samples,
   linear trend removed, Hann window;
2. its periodogram (density, ms²/Hz), zero-padded to 2048 points (0.002 Hz bins);
3. the highest bin between 0.04 and 0.26 Hz is the peak; peak power = integral over
   peak ± 0.015 Hz (a 0.030 Hz window);
4. total power = integral over 0.0033-0.4 Hz;
5. coherence = peak power / (total power − peak power).

A steady, sine-like rhythm at ~0.1 Hz (paced breathing at 6/min) scores high (> 3); an
irregular rhythm scores below 1.
"""

from __future__ import annotations

import numpy as np

from sensors.features.hrv import RESAMPLE_HZ, detrend_linear, hann_periodogram, resample_nn

WINDOW_S = 64.0
PEAK_BAND = (0.04, 0.26)
PEAK_HALF_WIDTH = 0.015
TOTAL_BAND = (0.0033, 0.4)


def coherence(times_s: np.ndarray, nn_ms: np.ndarray) -> float:
    """HeartMath coherence ratio of the last 64 s of beats; NaN with less than 64 s (±1 s)."""
    t = np.asarray(times_s, dtype=float).ravel()
    x = np.asarray(nn_ms, dtype=float).ravel()
    ok = np.isfinite(t) & np.isfinite(x)
    t, x = t[ok], x[ok]
    if t.size < 4 or t[-1] - t[0] < WINDOW_S - 1.0:
        return float("nan")
    keep = t >= t[-1] - WINDOW_S - 1.0 / RESAMPLE_HZ
    return series_coherence(resample_nn(t[keep], x[keep]))


def series_coherence(series: np.ndarray) -> float:
    """Coherence of the last 64 s of an NN series resampled at 4 Hz; NaN when shorter."""
    n = int(WINDOW_S * RESAMPLE_HZ)
    if series.size < n - RESAMPLE_HZ or not np.all(np.isfinite(series[-n:])):
        return float("nan")
    series = series[-n:]
    f, p = hann_periodogram(detrend_linear(series), RESAMPLE_HZ, 2048)
    search = (f >= PEAK_BAND[0]) & (f <= PEAK_BAND[1])
    f_peak = f[search][np.argmax(p[search])]
    in_peak = (f >= f_peak - PEAK_HALF_WIDTH) & (f <= f_peak + PEAK_HALF_WIDTH)
    in_total = (f >= TOTAL_BAND[0]) & (f <= TOTAL_BAND[1])
    peak = float(np.trapezoid(p[in_peak], f[in_peak]))
    total = float(np.trapezoid(p[in_total], f[in_total]))
    rest = total - peak
    return peak / rest if rest > 0 else float("nan")
