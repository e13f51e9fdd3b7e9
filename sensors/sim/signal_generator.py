"""What every simulated signal shares: the generator interface, seeded randomness, random events.

A generator's ``next_chunk(n)`` returns the next ``n`` samples, ``(n, channels)`` float64. Each
source of randomness has its own seeded stream and random events are drawn one after another in
time order, so the output is the same whatever the chunk sizes: ``next_chunk(300)`` then
``next_chunk(700)`` equals ``next_chunk(1000)``.
"""

from __future__ import annotations

import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable

import numpy as np
from scipy.signal import lfilter

from sensors.sim.officer_state import Scenario
from sensors.types import StreamKind


def noise_gain(b: np.ndarray, a: np.ndarray) -> float:
    """RMS of a filter's output for unit-variance white noise (from its impulse response)."""
    impulse = np.zeros(20000)
    impulse[0] = 1.0
    return float(np.sqrt(np.sum(lfilter(b, a, impulse) ** 2)))


def seeded_rng(seed: int, purpose: str) -> np.random.Generator:
    """An independent random stream for one ``purpose`` (e.g. ``"eeg.blinks"``) of one seed."""
    return np.random.default_rng([seed, zlib.crc32(purpose.encode())])


class SignalGenerator(ABC):
    """A regularly sampled simulated signal.

    Class attributes describe the stream: ``kind`` (LSL type), ``fs`` (Hz), ``labels`` and ``units``
    per channel, ``channel_type`` (XDF channel type) and ``scale`` (typical peak-to-peak size in the
    signal's unit, which sizes injected mains noise).
    """

    kind: StreamKind
    fs: float
    labels: tuple[str, ...]
    units: tuple[str, ...]
    channel_type: str
    scale: float

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.scenario = scenario
        self.seed = seed
        self.samples_done = 0

    @property
    def channel_count(self) -> int:
        return len(self.labels)

    def next_chunk(self, n: int) -> np.ndarray:
        """The next ``n`` samples as a ``(n, channels)`` float64 array."""
        if n < 0:
            raise ValueError(f"chunk size must be >= 0, got {n}")
        t = (self.samples_done + np.arange(n)) / self.fs
        out = self._render(t) if n else np.zeros((0, self.channel_count))
        self.samples_done += n
        return out

    @abstractmethod
    def _render(self, t: np.ndarray) -> np.ndarray:
        """Samples at simulated times ``t`` (consecutive, starting at :attr:`time`)."""


class EventTrain:
    """Random events in time (Poisson with a time-varying rate, by thinning), drawn incrementally.

    ``rate(t)`` is events per second and must stay below ``max_rate``; ``draw(rng, t)`` gives an
    event's parameters. Events are kept in time order in :attr:`events` as ``(t, *params)``.
    """

    def __init__(
        self,
        rng: np.random.Generator,
        rate: Callable[[float], float],
        max_rate: float,
        draw: Callable[[np.random.Generator, float], tuple[float, ...]],
        keep_s: float = 60.0,
    ) -> None:
        self._rng = rng
        self._rate = rate
        self._max_rate = max_rate
        self._draw = draw
        self._keep_s = keep_s
        self._candidate = 0.0
        self.events: list[tuple[float, ...]] = []

    def between(self, t0: float, t1: float) -> list[tuple[float, ...]]:
        """Events with onset in ``[t0, t1)``; forgets events older than ``keep_s`` before ``t0``."""
        while self._candidate < t1:
            self._candidate += self._rng.exponential(1.0 / self._max_rate)
            if self._rng.random() * self._max_rate < self._rate(self._candidate):
                self.events.append((self._candidate, *self._draw(self._rng, self._candidate)))
        horizon = t0 - self._keep_s
        while self.events and self.events[0][0] < horizon:
            self.events.pop(0)
        return [e for e in self.events if t0 <= e[0] < t1]
