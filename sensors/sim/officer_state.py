"""The simulated officer's state over time: arousal, breathing rate and resonance.

Arousal runs from 0 (relaxed) to 1 (stressed). Scenarios move it linearly from a start to an end
value over a ramp; the breathing rate is either fixed (paced breathing, ``--breathing 6``) or follows
arousal (about 9 breaths/min relaxed, 17 stressed); a :class:`BreathingSchedule` (a pacer's blocks)
overrides either from its first step on. ``resonance_bpm`` is the officer's resonance breathing rate
(see :func:`sensors.sim.cardiac_signal.resonance_gain`); None: no resonance peak. Everything is a
closed-form function of simulated time (the schedule only ever gains later steps), so every
generator sees the same officer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensors.sim.breathing_schedule import BreathingSchedule

SCENARIOS = ("relaxing", "stressed", "steady")
DEFAULT_RAMP_S = 300.0  # how long `relaxing` takes when the run has no fixed duration

# breathing rate (breaths/min) that follows arousal when no pace is given
_BREATHING_RELAXED = 8.0
_BREATHING_SPAN = 10.0
RESONANCE_RANGE = (3.0, 9.0)  # breaths/min; adults' resonance lies within about 4.5-7 (Vaschillo 2002)


@dataclass(frozen=True)
class OfficerState:
    """The officer at one instant: arousal (0 relaxed … 1 stressed) and breathing rate."""

    arousal: float
    breathing_bpm: float


@dataclass(frozen=True)
class Scenario:
    """Arousal moving linearly from ``start_arousal`` to ``end_arousal`` over ``ramp_s`` seconds.

    ``breathing_bpm`` fixes the breathing rate (paced breathing); ``None`` lets it follow arousal.
    ``schedule`` takes over the breathing rate from its first step; ``resonance_bpm`` is the
    officer's resonance breathing rate (``None``: no resonance peak).
    """

    start_arousal: float
    end_arousal: float
    ramp_s: float = DEFAULT_RAMP_S
    breathing_bpm: float | None = None
    resonance_bpm: float | None = None
    schedule: BreathingSchedule | None = None

    def __post_init__(self) -> None:
        for value in (self.start_arousal, self.end_arousal):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"arousal must be within 0..1, got {value}")
        if self.ramp_s <= 0:
            raise ValueError(f"ramp must be positive, got {self.ramp_s}")
        if self.breathing_bpm is not None and not 2.0 <= self.breathing_bpm <= 40.0:
            raise ValueError(f"breathing rate must be within 2..40 breaths/min, got {self.breathing_bpm}")
        low, high = RESONANCE_RANGE
        if self.resonance_bpm is not None and not low <= self.resonance_bpm <= high:
            raise ValueError(
                f"resonance rate must be within {low:g}..{high:g} breaths/min, got {self.resonance_bpm}"
            )

    @staticmethod
    def named(
        name: str,
        duration_s: float | None = None,
        breathing_bpm: float | None = None,
        resonance_bpm: float | None = None,
        schedule: BreathingSchedule | None = None,
    ) -> Scenario:
        """One of :data:`SCENARIOS`; ``relaxing`` spans ``duration_s`` (default 300 s)."""
        ramp = duration_s if duration_s else DEFAULT_RAMP_S
        arousal = {"relaxing": (0.85, 0.15), "stressed": (0.85, 0.85), "steady": (0.5, 0.5)}.get(name)
        if arousal is not None:
            return Scenario(*arousal, ramp, breathing_bpm, resonance_bpm, schedule)
        raise ValueError(f"unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)}")

    @staticmethod
    def fixed(
        arousal: float,
        breathing_bpm: float | None = None,
        resonance_bpm: float | None = None,
        schedule: BreathingSchedule | None = None,
    ) -> Scenario:
        """A constant officer."""
        return Scenario(arousal, arousal, DEFAULT_RAMP_S, breathing_bpm, resonance_bpm, schedule)

    def arousal(self, t: np.ndarray | float) -> np.ndarray:
        """Arousal at simulated times ``t`` (seconds since the start)."""
        frac = np.clip(np.asarray(t, dtype=float) / self.ramp_s, 0.0, 1.0)
        return self.start_arousal + (self.end_arousal - self.start_arousal) * frac

    def breathing(self, t: np.ndarray | float) -> np.ndarray:
        """Breathing rate (breaths/min) at times ``t``."""
        own = self._own_breathing(t)
        if self.schedule is None or not self.schedule.steps:
            return own
        t = np.asarray(t, dtype=float)
        return np.where(t >= self.schedule.start_s, self.schedule.rate(t), own)

    def breath_cycles(self, t: np.ndarray | float) -> np.ndarray:
        """Breathing cycles completed since the start (integral of the rate): the respiratory phase.

        Cycle fraction 0 … 0.4 is inspiration, 0.4 … 1 expiration.
        """
        t = np.asarray(t, dtype=float)
        if self.schedule is None or not self.schedule.steps:
            return self._own_cycles(t)
        before = self._own_cycles(np.minimum(t, self.schedule.start_s))
        return before + self.schedule.cycles_since_start(t)

    def _own_breathing(self, t: np.ndarray | float) -> np.ndarray:
        if self.breathing_bpm is not None:
            return np.full_like(np.asarray(t, dtype=float), self.breathing_bpm)
        return _BREATHING_RELAXED + _BREATHING_SPAN * self.arousal(t)

    def _own_cycles(self, t: np.ndarray) -> np.ndarray:
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
