"""How well two beat series agree: one-to-one matching, and heart rate per window.

Used to measure detectors against annotations or against each other (ECG and PPG of one heart),
in tests and in ``python -m bench cardiac``.
"""

from __future__ import annotations

import numpy as np

from sensors.features.ibi import correct_ibi


def match_beats(detected: np.ndarray, reference: np.ndarray, tol: float) -> tuple[float, float]:
    """Sensitivity and positive predictivity (0-1): each reference beat takes the first unused
    detected beat within ``tol`` (same units as the beats)."""
    det = np.sort(np.asarray(detected, dtype=float).ravel())
    used = np.zeros(det.size, bool)
    tp = 0
    for r in np.sort(np.asarray(reference, dtype=float).ravel()):
        k = int(np.searchsorted(det, r - tol))
        while k < det.size and det[k] <= r + tol:
            if not used[k]:
                used[k] = True
                tp += 1
                break
            k += 1
    return tp / max(1, reference.size), tp / max(1, det.size)


def windowed_heart_rate(beat_times_s: np.ndarray, duration_s: float, window_s: float = 10.0) -> np.ndarray:
    """Heart rate (bpm) in consecutive windows from 0 to ``duration_s``: 60000 / the mean of the
    normal-to-normal intervals (``correct_ibi`` over all beats) that end in the window, as the
    station's ``hr`` feature; NaN for a window with fewer than two of them."""
    ibi = correct_ibi(beat_times_s)
    starts = np.arange(0.0, duration_s - window_s + 1e-9, window_s)
    out = np.full(starts.size, np.nan)
    for i, s in enumerate(starts):
        sel = ibi.valid & (ibi.times_s >= s) & (ibi.times_s < s + window_s)
        if sel.sum() >= 2:
            out[i] = 60000.0 / float(ibi.nn_ms[sel].mean())
    return out
