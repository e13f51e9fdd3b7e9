"""Simulated respiration belt (arbitrary units, 25 Hz) at the scenario's breathing rate.

The chest expands during inspiration (the first 40 % of each cycle) and relaxes during the longer
expiration; slower breathing is deeper. A slow baseline drift and a little noise are added.
"""

from __future__ import annotations

import numpy as np

from sensors.sim.officer_state import Scenario
from sensors.sim.signal_generator import SignalGenerator, seeded_rng
from sensors.types import StreamKind

INSPIRATION_SHARE = 0.4


def breath_shape(cycles: np.ndarray) -> np.ndarray:
    """Chest expansion 0 … 1 over the breathing cycle (0 at the start of inspiration)."""
    frac = np.mod(cycles, 1.0)
    warped = np.where(
        frac < INSPIRATION_SHARE,
        0.5 * frac / INSPIRATION_SHARE,
        0.5 + 0.5 * (frac - INSPIRATION_SHARE) / (1.0 - INSPIRATION_SHARE),
    )
    return 0.5 * (1.0 - np.cos(2 * np.pi * warped))


class RespGenerator(SignalGenerator):
    """Respiration: ``next_chunk(n)`` returns ``(n, 1)`` chest expansion (a.u.)."""

    kind = StreamKind.RESP
    fs = 25.0
    labels = ("RESP",)
    units = ("a.u.",)
    channel_type = "RESP"
    scale = 1.0

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        super().__init__(scenario, seed)
        self._noise = seeded_rng(seed, "resp.noise")
        self._drift_phase = self._noise.uniform(0.0, 2 * np.pi)

    def _render(self, t: np.ndarray) -> np.ndarray:
        depth = np.clip(12.0 / self.scenario.breathing(t), 0.7, 1.8)
        drift = 0.1 * np.sin(2 * np.pi * t / 47.0 + self._drift_phase)
        noise = self._noise.normal(0.0, 0.02, len(t))
        return (depth * breath_shape(self.scenario.breath_cycles(t)) + drift + noise)[:, None]
