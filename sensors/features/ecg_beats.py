"""ECG R-peak detection, offline and streaming, with a fixed delay.

A causal form of NeuroKit2's default ECG method (gradient energy against a moving threshold):

- clean: Butterworth band-pass 0.5-40 Hz (order 2; 40 Hz capped at 0.45·fs) and a 50 Hz notch
  (Q 30, mains in China) when fs ≥ 125 Hz — removes baseline wander and mains hum;
- energy: |first difference| of the cleaned signal; short mean 0.1 s, long mean 0.75 s of the
  short mean, region where short > 1.5 × long (both centred, as in the zero-phase original);
- regions shorter than 0.4 × the mean length of the last 20 regions are ignored; regions close after
  0.3 s; 300 ms refractory period (≤ 200 bpm);
- the R peak is the extreme of the cleaned signal in the region, on the side of the running polarity
  vote (so inverted leads work), moved back by the filter's group delay at 12 Hz.

The release delay is fixed: ``EcgBeatDetector(fs).delay_s`` (≈ 0.68 s at any rate).
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from sensors.features.beat_detector import RegionBeatDetector


class EcgBeatDetector(RegionBeatDetector):
    """Streaming R-peak detector: ``push(samples) -> released beats``, ``finish()`` at the end."""

    short_s = 0.1
    long_s = 0.75
    max_region_s = 0.3
    refractory_s = 0.3
    delay_freq_hz = 12.0
    threshold_weight = 1.5
    min_length_weight = 0.4

    def __init__(self, fs: float) -> None:
        self._prev_clean: float | None = None
        self._polarity_score = 0.0
        super().__init__(fs)

    def _design_filters(self) -> list[np.ndarray]:
        high = min(40.0, 0.45 * self.fs)
        sos = [signal.butter(2, [0.5, high], btype="bandpass", fs=self.fs, output="sos")]
        if self.fs >= 125.0:
            b, a = signal.iirnotch(50.0, 30.0, fs=self.fs)
            sos.append(signal.tf2sos(b, a))
        return sos

    def _energy(self, clean: np.ndarray) -> np.ndarray:
        energy = np.empty(clean.size)
        energy[0] = 0.0 if self._prev_clean is None else clean[0] - self._prev_clean
        np.subtract(clean[1:], clean[:-1], out=energy[1:])
        self._prev_clean = float(clean[-1])
        return np.abs(energy, out=energy)

    def _long_input(self, short_mean: np.ndarray, energy: np.ndarray) -> np.ndarray:
        return short_mean

    def _threshold(self, long_mean: np.ndarray, energy: np.ndarray) -> np.ndarray:
        return self.threshold_weight * long_mean

    def _accept(self, length: int) -> bool:
        return length >= self.min_length_weight * (sum(self.lengths) / len(self.lengths))

    def _pick(self, segment: np.ndarray) -> int:
        mid = float(np.median(segment))
        up, down = float(segment.max()) - mid, mid - float(segment.min())
        vote = (up - down) / (up + down) if up + down > 0 else 0.0
        self._polarity_score = 0.9 * self._polarity_score + vote
        polarity = 1.0 if self._polarity_score >= 0 else -1.0
        return int(np.argmax(polarity * segment))


def detect_ecg_beats(ecg: np.ndarray, fs: float) -> np.ndarray:
    """R-peak sample indices of a 1-D ECG sampled at ``fs`` Hz (any units, either polarity).

    Raises ValueError only for a sampling rate outside 50-5000 Hz; NaN/inf samples are held.
    """
    return EcgBeatDetector.detect(ecg, fs)
