"""Pure maths of a mapping: baseline statistics, normalisation, curves, smoothing and rate limits."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from protocols.protocol_model import Curve, Direction, Normalise

MIN_BASELINE_SAMPLES = 10
_SIGMOID_GAIN = 8.0  # logistic slope across the input range; ends at ~2 % / 98 % before rescaling
_S0 = 1.0 / (1.0 + math.exp(_SIGMOID_GAIN / 2))
_S1 = 1.0 / (1.0 + math.exp(-_SIGMOID_GAIN / 2))


@dataclass(frozen=True)
class BaselineStats:
    """A metric's baseline: mean, sample SD (ddof=1) and the sorted samples for percentiles."""

    mean: float
    sd: float
    sorted_samples: tuple[float, ...]

    @staticmethod
    def from_samples(samples: Sequence[float]) -> BaselineStats | None:
        """Statistics of the baseline samples, or None when too few or without spread."""
        n = len(samples)
        if n < MIN_BASELINE_SAMPLES:
            return None
        mean = math.fsum(samples) / n
        sd = math.sqrt(math.fsum((x - mean) ** 2 for x in samples) / (n - 1))
        if not sd > 0.0:
            return None
        return BaselineStats(mean, sd, tuple(sorted(samples)))

    def percentile(self, x: float) -> float:
        """Share of baseline samples below ``x`` (ties count half), 0..1."""
        s = self.sorted_samples
        return (bisect_left(s, x) + bisect_right(s, x)) / (2.0 * len(s))

    def quantile(self, q: float) -> float:
        """The baseline value at quantile ``q`` (linear interpolation, like numpy's default)."""
        s = self.sorted_samples
        pos = min(max(q, 0.0), 1.0) * (len(s) - 1)
        i = int(pos)
        if i >= len(s) - 1:
            return s[-1]
        return s[i] + (s[i + 1] - s[i]) * (pos - i)


def normalise(x: float, how: Normalise, stats: BaselineStats | None) -> float:
    """The metric on the officer's own scale: z-score or percentile of the baseline, or raw."""
    if how == Normalise.NONE:
        return x
    if stats is None:
        return math.nan
    if how == Normalise.ZSCORE:
        return (x - stats.mean) / stats.sd
    return stats.percentile(x)


def shape(x: float, curve: Curve, input_range: tuple[float, float], direction: Direction) -> float:
    """Position 0..1 of ``x`` within the input range through the curve, flipped for direction down."""
    lo, hi = input_range
    u = min(1.0, max(0.0, (x - lo) / (hi - lo)))
    if curve == Curve.SIGMOID:
        u = (1.0 / (1.0 + math.exp(-_SIGMOID_GAIN * (u - 0.5))) - _S0) / (_S1 - _S0)
    elif curve == Curve.STEP:
        u = 1.0 if u >= 0.5 else 0.0
    return 1.0 - u if direction == Direction.DOWN else u


def smooth(previous: float, target: float, dt: float, tau: float) -> float:
    """One step of a first-order low-pass with time constant ``tau`` seconds (0: no smoothing)."""
    if tau <= 0.0 or dt <= 0.0:
        return target if tau <= 0.0 else previous
    return previous + (target - previous) * (1.0 - math.exp(-dt / tau))


def approach(current: float, target: float, max_step: float) -> float:
    """Move ``current`` toward ``target`` by at most ``max_step``."""
    if target > current:
        return min(target, current + max_step)
    return max(target, current - max_step)
