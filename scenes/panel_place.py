"""Where the in-headset panel is in the world (pure geometry, no GL: tests and the XR test use it).

The world is metres with the floor at y = 0 and the seated officer at the origin looking along -Z;
the panel stays put there whatever the head does (world-anchored, not a screen overlay).
"""

from __future__ import annotations

import math

import numpy as np

AHEAD_M = 1.5  # distance of the panel in front of the eyes: a comfortable vergence distance
BELOW_EYE_M = 0.42  # how far below eye height its centre sits (about 16° down)


class PanelFrame:
    """The panel's place in the world for a seated eye height: centre ``AHEAD_M`` ahead and
    ``BELOW_EYE_M`` below the eyes, its face turned up towards them."""

    def __init__(self, eye_height: float):
        self.eye_height = eye_height
        self.centre = np.array([0.0, eye_height - BELOW_EYE_M, -AHEAD_M])
        tilt = math.atan2(BELOW_EYE_M, AHEAD_M)
        self.right = np.array([1.0, 0.0, 0.0])
        self.up = np.array([0.0, math.cos(tilt), math.sin(tilt)])

    def point(self, x: float, y: float) -> tuple[float, float, float]:
        """The world point at card coordinates (x right, y up, metres)."""
        p = self.centre + self.right * x + self.up * y
        return float(p[0]), float(p[1]), float(p[2])
