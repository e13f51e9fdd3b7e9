"""Per-phase statistics of a running session, stored as the phase's summary when it ends."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sensors.types import FeatureSnapshot, Level
from station.session.pause import PauseClock

SUMMARY_METRICS = ("hr", "rmssd", "coherence", "alpha_rel", "scl")


@dataclass
class PhaseStats:
    """Means of the summary metrics over usable updates, paused time and reward time of one phase."""

    started: float
    sums: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    paused: PauseClock = field(default_factory=PauseClock)
    target_s: float = 0.0  # seconds the reward was on (the officer in the target state)
    feedback_s: float = 0.0  # seconds the reward was running

    def add(self, snapshot: FeatureSnapshot) -> None:
        """Count the summary metrics of one update whose verdict is not bad."""
        for name in SUMMARY_METRICS:
            value = snapshot.values.get(name, math.nan)
            if math.isfinite(value) and snapshot.verdict(name).level is not Level.BAD:
                self.sums[name] = self.sums.get(name, 0.0) + value
                self.counts[name] = self.counts.get(name, 0) + 1

    def add_reward(self, rewarded: bool | None, dt: float) -> None:
        """Count ``dt`` seconds of feedback time, and of time in the target state when rewarded."""
        if rewarded is not None:
            self.feedback_s += dt
            self.target_s += dt if rewarded else 0.0

    def summary(self, ended: float) -> dict[str, float]:
        """The stored summary: metric means, ``duration_s`` without paused time, reward seconds."""
        out = {name: self.sums[name] / self.counts[name] for name in self.sums}
        out["duration_s"] = max(0.0, ended - self.started - self.paused.so_far(ended))
        if self.feedback_s > 0:
            out["target_s"], out["feedback_s"] = self.target_s, self.feedback_s
        return out
