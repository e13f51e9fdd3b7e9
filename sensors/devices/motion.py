"""Head movement from a head-mounted accelerometer (the Cyton's LIS3DH at 25 Hz).

A relaxation station wants to know when the officer's head moves, because EEG recorded then carries
movement artefacts. The measure is the total standard deviation of the acceleration over a short window,
``sqrt(var(x) + var(y) + var(z))`` in g: a still head gives the sensor noise (a few mg), a turn or a nod
re-projects gravity onto the axes and shows at once. The SD of the magnitude alone would miss a slow turn
(the magnitude of gravity does not change when the head rotates), so every axis counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensors.devices.base import Decoded
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
            return Verdict(Level.DEGRADED, f"head moving (motion SD {self.sd_g:.3f} g > "
                                           f"{self.threshold_g:g} g): EEG may carry movement artefacts")
        return Verdict.good()


class MotionDetector:
    """Streaming head-movement detector: ``update(readings (n, 3) g) -> (n, 2)`` rows of (moving, sd)."""

    def __init__(self, window: int = WINDOW, threshold_g: float = THRESHOLD_G):
        if window < 2:
            raise ValueError(f"motion window must hold at least 2 readings, got {window}")
        self.window = window
        self.threshold_g = threshold_g
        self._history = np.zeros((0, 3))

    def reset(self) -> None:
        self._history = np.zeros((0, 3))

    def update(self, readings: np.ndarray) -> np.ndarray:
        """One (moving, sd) row per reading, each over the ``window`` readings that end with it."""
        readings = np.asarray(readings, dtype=np.float64).reshape(-1, 3)
        history = np.vstack([self._history, readings])
        start = len(self._history)
        out = np.empty((len(readings), 2))
        for i in range(len(readings)):
            end = start + i + 1
            sd = float(np.sqrt(history[max(0, end - self.window):end].var(axis=0).sum()))
            out[i] = (float(sd > self.threshold_g), sd)
        self._history = history[-(self.window - 1):]
        return out


def latest_motion(decoded: Decoded, threshold_g: float = THRESHOLD_G) -> Motion | None:
    """The last finite (moving, sd) row of a decoded batch, or None when the batch has none."""
    rows = decoded.get(MOTION_KEY)
    if rows is None:
        return None
    finite = rows[np.isfinite(rows).all(axis=1)]
    if not len(finite):
        return None
    return Motion(bool(finite[-1, 0]), float(finite[-1, 1]), threshold_g)
