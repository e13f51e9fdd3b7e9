"""Head movement from a head-mounted accelerometer (the Cyton's LIS3DH at 25 Hz).

A relaxation station wants to know when the officer's head moves, because EEG recorded then carries
movement artefacts. The measure is the total standard deviation of the acceleration over a short window,
``sqrt(var(x) + var(y) + var(z))`` in g: a still head gives the sensor noise (a few mg), a turn or a nod
re-projects gravity onto the axes and shows at once. The SD of the magnitude alone would miss a slow turn
(the magnitude of gravity does not change when the head rotates), so every axis counts.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from sensors.devices.device_interfaces import Decoded
from sensors.types import Level, Verdict

MOTION_KEY = "motion"  # parser output key: rows (moving 0/1, motion_sd in g)
WINDOW = 25  # readings: 1 s at 25 Hz
THRESHOLD_G = 0.04  # well above a still LIS3DH's noise, well below a 10-degree nod (0.17 g on one axis)


@dataclass(frozen=True)
class Motion:
    """The latest head-movement reading: ``moving`` when ``sd_g`` exceeds ``threshold_g``."""

    moving: bool
    sd_g: float
    threshold_g: float = THRESHOLD_G

    def verdict(self) -> Verdict:
        """Amber while the head moves (EEG may carry movement artefacts), green otherwise."""
        if self.moving:
            return Verdict(
                Level.DEGRADED,
                f"head moving (motion SD {self.sd_g:.3f} g > "
                f"{self.threshold_g:g} g): EEG may carry movement artefacts",
            )
        return Verdict.good()


class MotionDetector:
    """Streaming head-movement detector: ``update(readings (n, 3) g) -> (n, 2)`` rows of (moving, sd).

    Readings come at 25 Hz, one or two per serial read, so the window's sums are kept running in plain
    Python (a numpy call per reading would cost more than the sums) and re-added exactly once per window,
    so rounding cannot accumulate.
    """

    def __init__(self, window: int = WINDOW, threshold_g: float = THRESHOLD_G):
        if window < 2:
            raise ValueError(f"motion window must hold at least 2 readings, got {window}")
        self.window = window
        self.threshold_g = threshold_g
        self.reset()

    def reset(self) -> None:
        self._readings: deque[tuple[float, float, float]] = deque()
        self._sum = [0.0, 0.0, 0.0]
        self._sum_sq = [0.0, 0.0, 0.0]
        self._since_exact = 0

    def update(self, readings: np.ndarray) -> np.ndarray:
        """One (moving, sd) row per reading, each over the ``window`` readings that end with it."""
        rows = np.asarray(readings, dtype=np.float64).reshape(-1, 3).tolist()
        out = np.empty((len(rows), 2))
        for i, reading in enumerate(rows):
            sd = self._push(reading)
            out[i, 0] = sd > self.threshold_g
            out[i, 1] = sd
        return out

    def _push(self, reading: list[float]) -> float:
        self._readings.append((reading[0], reading[1], reading[2]))
        if len(self._readings) > self.window:
            old = self._readings.popleft()
            for axis in range(3):
                self._sum[axis] -= old[axis]
                self._sum_sq[axis] -= old[axis] * old[axis]
        for axis in range(3):
            self._sum[axis] += reading[axis]
            self._sum_sq[axis] += reading[axis] * reading[axis]
        self._since_exact += 1
        if self._since_exact >= self.window:
            self._sum = [math.fsum(r[axis] for r in self._readings) for axis in range(3)]
            self._sum_sq = [math.fsum(r[axis] * r[axis] for r in self._readings) for axis in range(3)]
            self._since_exact = 0
        n = len(self._readings)
        var = sum(max(self._sum_sq[a] / n - (self._sum[a] / n) ** 2, 0.0) for a in range(3))
        return math.sqrt(var)


def latest_motion(decoded: Decoded, threshold_g: float = THRESHOLD_G) -> Motion | None:
    """The last finite (moving, sd) row of a decoded batch, or None when the batch has none."""
    rows = decoded.get(MOTION_KEY)
    if rows is None:
        return None
    finite = rows[np.isfinite(rows).all(axis=1)]
    if not len(finite):
        return None
    return Motion(bool(finite[-1, 0]), float(finite[-1, 1]), threshold_g)
