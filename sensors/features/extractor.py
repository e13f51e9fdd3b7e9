"""The one interface every streaming feature extractor shares (Timeflux-style: one job each).

The real-time pipeline is a plain list of extractors. For each, it pushes the new samples of the
stream kind the extractor consumes and, at the update rate, asks for a snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from sensors.types import StreamKind, Verdict


@dataclass(frozen=True)
class ExtractorOutput:
    """Values (NaN when unavailable), a verdict per value, and the LSL time of the newest sample used."""

    values: dict[str, float]
    quality: dict[str, Verdict] = field(default_factory=dict)
    t: float = float("nan")


class Extractor(Protocol):
    """A streaming feature extractor fed by one stream kind."""

    kind: StreamKind

    def push(self, samples: np.ndarray, timestamps: np.ndarray) -> None:
        """Feed new samples, shape (n, channels), with their LSL timestamps, shape (n,)."""
        ...

    def snapshot(self) -> ExtractorOutput:
        """The current features; cheap enough to call at the pipeline's update rate."""
        ...
