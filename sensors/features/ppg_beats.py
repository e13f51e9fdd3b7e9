"""PPG systolic-peak detection, offline and streaming, with a fixed delay.

A causal form of Elgendi et al. 2013 (PLoS ONE 8:e76585), NeuroKit2's default PPG method:

- clean: Butterworth band-pass 0.5-8 Hz (order 2);
- energy: the cleaned signal clipped at 0 and squared; short mean 0.111 s (systolic peak),
  long mean 0.667 s (beat), both centred; a block is where short > long + 0.02 × the mean energy
  of the last 30 s;
- blocks shorter than 0.111 s are ignored, blocks close after 0.6 s; 300 ms refractory period;
- the peak is the maximum of the cleaned signal in the block, moved back by the filter's group
  delay at 2 Hz.

The release delay is fixed: ``PpgBeatDetector(fs).delay_s`` (≈ 1.0 s at any rate).
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from sensors.features.beat_detector import RegionBeatDetector
from sensors.features.streaming import RunningMean


class PpgBeatDetector(RegionBeatDetector):
    """Streaming systolic-peak detector: ``push(samples) -> released beats``, ``finish()`` at the end."""

    short_s = 0.111
    long_s = 0.667
    max_region_s = 0.6
    refractory_s = 0.3
    delay_freq_hz = 2.0
    offset_weight = 0.02
    mean_window_s = 30.0

    def __init__(self, fs: float) -> None:
        super().__init__(fs)
        self._energy_mean = RunningMean(round(self.mean_window_s * fs))

    def _design_filters(self) -> list[np.ndarray]:
        high = min(8.0, 0.45 * self.fs)
        return [signal.butter(2, [0.5, high], btype="bandpass", fs=self.fs, output="sos")]

    def _energy(self, clean: np.ndarray) -> np.ndarray:
        return np.square(np.clip(clean, 0.0, None))

    def _threshold(self, long_mean: np.ndarray, energy: np.ndarray) -> np.ndarray:
        return long_mean + self.offset_weight * self._energy_mean.push(energy)

    def _accept(self, length: int) -> bool:
        return length >= round(self.short_s * self.fs)


def detect_ppg_beats(ppg: np.ndarray, fs: float) -> np.ndarray:
    """Systolic-peak sample indices of a 1-D PPG sampled at ``fs`` Hz (any units).

    Raises ValueError only for a sampling rate outside 50-5000 Hz; NaN/inf samples are held.
    """
    return PpgBeatDetector.detect(ppg, fs)
