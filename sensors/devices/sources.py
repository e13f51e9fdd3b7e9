"""Signal sources for the emulators: anything with ``fs``, ``labels`` and ``next_chunk(n) -> (n, channels)``.

The simulators of ``sensors/sim`` have this interface; :class:`SineSource` is a small stand-in (a sine
per channel plus Gaussian noise) for tests and for machines without the simulators.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class SignalSource(Protocol):
    """A continuous multichannel signal generated chunk by chunk at ``fs`` Hz."""

    @property
    def fs(self) -> float:
        """Sampling rate in Hz."""
        ...

    @property
    def labels(self) -> Sequence[str]:
        """One label per channel."""
        ...

    def next_chunk(self, n: int) -> np.ndarray:
        """The next ``n`` samples, shape (n, channels)."""
        ...


class SineSource:
    """A sine per channel (``freq``, ``freq`` + 1 Hz, …) of ``amplitude`` plus noise, around ``offset``."""

    def __init__(
        self,
        fs: float,
        channels: int = 1,
        labels: Sequence[str] | None = None,
        amplitude: float = 20.0,
        freq: float = 10.0,
        noise: float = 2.0,
        offset: float = 0.0,
        seed: int = 0,
    ):
        self.fs = fs
        self.labels = list(labels) if labels is not None else [f"ch{i + 1}" for i in range(channels)]
        self.amplitude = amplitude
        self.freqs = freq + np.arange(len(self.labels), dtype=np.float64)
        self.noise = noise
        self.offset = offset
        self._rng = np.random.default_rng(seed)
        self._n = 0

    def next_chunk(self, n: int) -> np.ndarray:
        t = (self._n + np.arange(n))[:, None] / self.fs
        self._n += n
        x = self.offset + self.amplitude * np.sin(2 * np.pi * self.freqs[None, :] * t)
        return x + self.noise * self._rng.standard_normal(x.shape)


class Resampled:
    """A source seen at another rate (linear interpolation) and optionally a subset of its channels,
    e.g. the simulator's 250 Hz EEG as a ThinkGear's single 512 Hz channel."""

    def __init__(self, source: SignalSource, fs: float, channels: Sequence[int] | None = None):
        self.source = source
        self.fs = fs
        self.channels = list(channels) if channels is not None else list(range(len(source.labels)))
        self.labels = [source.labels[i] for i in self.channels]
        self._ratio = source.fs / fs
        self._buf = np.zeros((0, len(self.channels)))
        self._buf_start = 0  # source index of self._buf[0]
        self._n = 0

    def next_chunk(self, n: int) -> np.ndarray:
        if n <= 0:
            return np.zeros((0, len(self.channels)))
        pos = (self._n + np.arange(n)) * self._ratio
        base = np.floor(pos).astype(np.int64)
        have = self._buf_start + len(self._buf)
        need = int(base[-1]) + 2
        if need > have:
            fresh = np.asarray(self.source.next_chunk(need - have), dtype=np.float64)[:, self.channels]
            self._buf = np.vstack([self._buf, fresh])
        i = base - self._buf_start
        frac = (pos - base)[:, None]
        out = self._buf[i] * (1 - frac) + self._buf[i + 1] * frac
        drop = int(base[-1]) - self._buf_start
        self._buf = self._buf[drop:]
        self._buf_start += drop
        self._n += n
        return out


class Stacked:
    """Several sources at one rate side by side, e.g. two 8-channel EEG simulators as a Cyton + Daisy."""

    def __init__(self, sources: Sequence[SignalSource], labels: Sequence[str] | None = None):
        rates = {s.fs for s in sources}
        if len(rates) != 1:
            raise ValueError(f"stacked sources must share one rate, got {sorted(rates)}")
        self.sources = list(sources)
        self.fs = rates.pop()
        self.labels = list(labels) if labels is not None else [lab for s in sources for lab in s.labels]

    def next_chunk(self, n: int) -> np.ndarray:
        return np.hstack([np.asarray(s.next_chunk(n), dtype=np.float64) for s in self.sources])
