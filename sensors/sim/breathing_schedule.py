"""A breathing schedule: piecewise-constant breathing rates over simulated time (a paced officer).

An officer who follows a breathing pacer changes rate when the pacer does: 6.5 breaths/min for two
minutes, then 6, then 5.5… A :class:`BreathingSchedule` holds those changes as ``(start_s, bpm)``
steps; before the first step the :class:`~sensors.sim.officer_state.Scenario`'s own breathing
applies. Steps can be added while a simulation runs (:meth:`BreathingSchedule.follow`, e.g. when a
live pacer announces a new rate), but only later than every step already held, and a caller adding
them live must leave :data:`LOOKAHEAD_S` between the newest generated sample and the step: the heart
generates its next beat up to that far ahead. The steps are kept as one tuple replaced in a single
assignment, so a generator thread reading the schedule never sees a half-made change.
"""

from __future__ import annotations

import math

import numpy as np

LOOKAHEAD_S = 2.0  # how far ahead of the newest sample the simulated heart may have generated beats
RATE_RANGE = (2.0, 40.0)  # breaths/min


class BreathingSchedule:
    """Breathing rate changes ``(start_s, bpm)`` in simulated seconds, in increasing time order."""

    def __init__(self, steps: tuple[tuple[float, float], ...] = ()) -> None:
        self._steps: tuple[tuple[float, float], ...] = ()
        self._cycles_at: tuple[float, ...] = ()  # breaths done from the first step to each step
        for start_s, bpm in steps:
            self.follow(start_s, bpm)

    @property
    def steps(self) -> tuple[tuple[float, float], ...]:
        """The rate changes held so far."""
        return self._steps

    @property
    def start_s(self) -> float:
        """When the schedule takes over (``inf`` while it holds no step)."""
        steps = self._steps
        return steps[0][0] if steps else math.inf

    def follow(self, start_s: float, bpm: float) -> None:
        """From ``start_s`` on, breathe at ``bpm`` breaths/min (``start_s`` later than every step held)."""
        if not (math.isfinite(start_s) and start_s >= 0.0):
            raise ValueError(f"a schedule step needs a finite start >= 0 s, got {start_s}")
        if not RATE_RANGE[0] <= bpm <= RATE_RANGE[1]:
            raise ValueError(f"breathing rate must be within 2..40 breaths/min, got {bpm}")
        steps, cycles_at = self._steps, self._cycles_at
        if steps and start_s <= steps[-1][0]:
            raise ValueError(f"schedule steps must come in time order: {start_s} s after {steps[-1][0]} s")
        done = cycles_at[-1] + (start_s - steps[-1][0]) * steps[-1][1] / 60.0 if steps else 0.0
        self._cycles_at = (*cycles_at, done)  # written first: a reader sizes everything by the steps
        self._steps = (*steps, (float(start_s), float(bpm)))

    def rate(self, t: np.ndarray) -> np.ndarray:
        """Breaths/min at times ``t`` (NaN before the first step)."""
        starts, rates, _ = self._arrays()
        if not starts.size:
            return np.full_like(np.asarray(t, dtype=float), np.nan)
        i = np.searchsorted(starts, t, side="right") - 1
        return np.where(i >= 0, rates[np.maximum(i, 0)], np.nan)

    def cycles_since_start(self, t: np.ndarray) -> np.ndarray:
        """Breaths done between the first step and ``t`` (0 before it)."""
        starts, rates, cycles_at = self._arrays()
        if not starts.size:
            return np.zeros_like(np.asarray(t, dtype=float))
        i = np.searchsorted(starts, t, side="right") - 1
        j = np.maximum(i, 0)
        return np.where(i >= 0, cycles_at[j] + (t - starts[j]) * rates[j] / 60.0, 0.0)

    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        steps = self._steps
        cycles_at = self._cycles_at[: len(steps)]
        table = np.asarray(steps, dtype=float).reshape(-1, 2)
        return table[:, 0], table[:, 1], np.asarray(cycles_at, dtype=float)


def parse_schedule(text: str) -> BreathingSchedule:
    """``"START:RATE,…"`` (seconds, breaths/min; e.g. ``"0:6.5,120:6,240:5.5"``) as a schedule.

    Raises ValueError with a one-line reason on anything else.
    """
    schedule = BreathingSchedule()
    for part in text.split(","):
        start, sep, rate = part.strip().partition(":")
        try:
            start_s, bpm = float(start), float(rate)
        except ValueError:
            start_s = bpm = math.nan
        if not sep or not (math.isfinite(start_s) and math.isfinite(bpm)):
            raise ValueError(f"bad schedule step {part.strip()!r}: expected START:RATE, e.g. 0:6.5,120:6")
        schedule.follow(start_s, bpm)
    return schedule
