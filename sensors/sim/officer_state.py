"""The simulated officer's state over time: arousal and breathing rate.

Arousal runs from 0 (relaxed) to 1 (stressed). Scenarios move it linearly from a start to an end
value over a ramp; the breathing rate is either fixed (paced breathing, ``--breathing 6``) or follows
arousal (about 9 breaths/min relaxed, 17 stressed). Everything is a closed-form function of
simulated time, so every generator sees the same officer without sharing mutable state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCENARIOS = ("relaxing", "stressed", "steady")
DEFAULT_RAMP_S = 300.0  # how long `relaxing` takes when the run has no fixed duration

# breathing rate (breaths/min) that follows arousal when no pace is given
_BREATHING_RELAXED = 8.0
_BREATHING_SPAN = 10.0


@dataclass(frozen=True)
class OfficerState:
    """The officer at one instant: arousal (0 relaxed … 1 stressed) and breathing rate."""

    arousal: float
    breathing_bpm: float


@dataclass(frozen=True)
class Scenario:
    """Arousal moving linearly from ``start_arousal`` to ``end_arousal`` over ``ramp_s`` seconds.

    ``breathing_bpm`` fixes the breathing rate (paced breathing); ``None`` lets it follow arousal.
    """

    start_arousal: float
    end_arousal: float
    ramp_s: float = DEFAULT_RAMP_S
    breathing_bpm: float | None = None

    def __post_init__(self) -> None:
        for value in (self.start_arousal, self.end_arousal):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"arousal must be within 0..1, got {value}")
        if self.ramp_s <= 0:
            raise ValueError(f"ramp must be positive, got {self.ramp_s}")
        if self.breathing_bpm is not None and not 2.0 <= self.breathing_bpm <= 40.0:
            raise ValueError(f"breathing rate must be within 2..40 breaths/min, got {self.breathing_bpm}")

    @staticmethod
    def named(name: str, duration_s: float | None = None, breathing_bpm: float | None = None) -> Scenario:
        """One of :data:`SCENARIOS`; ``relaxing`` spans ``duration_s`` (default 300 s)."""
        ramp = duration_s if duration_s else DEFAULT_RAMP_S
        if name == "relaxing":
            return Scenario(0.85, 0.15, ramp, breathing_bpm)
        if name == "stressed":
            return Scenario(0.85, 0.85, ramp, breathing_bpm)
        if name == "steady":
            return Scenario(0.5, 0.5, ramp, breathing_bpm)
        raise ValueError(f"unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)}")

    @staticmethod
    def fixed(arousal: float, breathing_bpm: float | None = None) -> Scenario:
        """A constant officer."""
        return Scenario(arousal, arousal, DEFAULT_RAMP_S, breathing_bpm)

    def arousal(self, t: np.ndarray | float) -> np.ndarray:
        """Arousal at simulated times ``t`` (seconds since the start)."""
        frac = np.clip(np.asarray(t, dtype=float) / self.ramp_s, 0.0, 1.0)
        return self.start_arousal + (self.end_arousal - self.start_arousal) * frac

    def breathing(self, t: np.ndarray | float) -> np.ndarray:
        """Breathing rate (breaths/min) at times ``t``."""
        if self.breathing_bpm is not None:
            return np.full_like(np.asarray(t, dtype=float), self.breathing_bpm)
        return _BREATHING_RELAXED + _BREATHING_SPAN * self.arousal(t)

    def breath_cycles(self, t: np.ndarray | float) -> np.ndarray:
        """Breathing cycles completed since the start (integral of the rate): the respiratory phase.

        Cycle fraction 0 … 0.4 is inspiration, 0.4 … 1 expiration.
        """
        t = np.asarray(t, dtype=float)
        if self.breathing_bpm is not None:
            return t * self.breathing_bpm / 60.0
        b0 = _BREATHING_RELAXED + _BREATHING_SPAN * self.start_arousal
        b1 = _BREATHING_RELAXED + _BREATHING_SPAN * self.end_arousal
        tr = np.minimum(t, self.ramp_s)
        during = b0 * tr + (b1 - b0) * tr**2 / (2 * self.ramp_s)
        after = b1 * np.maximum(t - self.ramp_s, 0.0)
        return (during + after) / 60.0

    def at(self, t: float) -> OfficerState:
        """The officer's state at time ``t``."""
        return OfficerState(float(self.arousal(t)), float(self.breathing(t)))
