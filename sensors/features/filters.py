"""Causal IIR filters whose state is carried from chunk to chunk.

Filtering a recording in one call or chunk by chunk gives the same samples (to floating-point
rounding), because the second-order-section state (``zi`` of ``scipy.signal.sosfilt``) is kept
between calls — the same idea as mne-lsl's StreamLSL filters. The state starts at the steady state
for the first sample, so a DC offset (raw ADC counts, electrode potential) causes no start-up
transient. Non-finite samples are replaced by the channel's last finite value before filtering, so a
single NaN cannot poison the state; quality checks report them separately.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

MAINS_HZ = 50.0


def bandpass_notch_sos(
    fs: float, band: tuple[float, float], notch_hz: float | None = MAINS_HZ, order: int = 4
) -> np.ndarray:
    """SOS of a Butterworth band-pass (high edge capped at 0.45·fs) and, if representable, a notch (Q 30)."""
    low, high = band[0], min(band[1], 0.45 * fs)
    if not 0 < low < high:
        raise ValueError(f"band {band} is not usable at fs={fs:g} Hz")
    sos = signal.butter(order, [low, high], btype="bandpass", fs=fs, output="sos")
    if notch_hz is not None and notch_hz < 0.48 * fs:
        b, a = signal.iirnotch(notch_hz, Q=30.0, fs=fs)
        sos = np.vstack([sos, signal.tf2sos(b, a)])
    return sos


def lowpass_sos(fs: float, cutoff: float, order: int = 2) -> np.ndarray | None:
    """SOS of a Butterworth low-pass, or None when the cutoff is not below 0.45·fs (no filtering needed)."""
    if cutoff >= 0.45 * fs:
        return None
    return signal.butter(order, cutoff, btype="lowpass", fs=fs, output="sos")


class CausalFilter:
    """Apply an SOS cascade to (n, channels) chunks, carrying the filter state between chunks."""

    def __init__(self, sos: np.ndarray | None, n_channels: int) -> None:
        self.sos = sos
        self.n_channels = n_channels
        self._zi: np.ndarray | None = None
        self._last = np.zeros(n_channels)
        self._seen_finite = np.zeros(n_channels, dtype=bool)

    def _hold_nonfinite(self, x: np.ndarray) -> np.ndarray:
        bad = ~np.isfinite(x)
        if not bad.any():
            self._last = x[-1].copy()
            self._seen_finite[:] = True
            return x
        x = x.copy()
        for ch in np.flatnonzero(bad.any(axis=0)):
            column = x[:, ch]
            # index of the latest finite sample at or before each position (-1: none in this chunk)
            latest = np.maximum.accumulate(np.where(bad[:, ch], -1, np.arange(column.size)))
            column[:] = np.where(latest >= 0, column[np.maximum(latest, 0)], self._last[ch])
        self._seen_finite |= (~bad).any(axis=0)
        self._last = x[-1].copy()
        return x

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Filter one chunk, shape (n, channels); returns the filtered chunk, same shape."""
        x = np.asarray(samples, dtype=float).reshape(-1, self.n_channels)
        if x.shape[0] == 0:
            return x
        x = self._hold_nonfinite(x)
        if self.sos is None:
            return x
        if self._zi is None:
            first = np.where(self._seen_finite, x[0], 0.0)
            self._zi = signal.sosfilt_zi(self.sos)[:, :, None] * first[None, None, :]
        y, self._zi = signal.sosfilt(self.sos, x, axis=0, zi=self._zi)
        return y
