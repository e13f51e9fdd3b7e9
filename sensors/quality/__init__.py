"""Signal quality: a good / degraded / bad verdict with a reason for each channel of a window.

``channel_verdicts`` is the entry point (used by ``oasis streams`` and the pipeline); the single
checks live in :mod:`sensors.quality.checks`.
"""

from __future__ import annotations

import numpy as np

from sensors.quality.checks import (
    check_clipping,
    check_dropped,
    check_flatline,
    check_mains,
    check_nonfinite,
    check_values,
)
from sensors.types import Level, StreamKind, Verdict

MIN_SAMPLES = 2


def channel_verdicts(
    window: np.ndarray, fs: float, kind: StreamKind, timestamps: np.ndarray | None = None
) -> list[Verdict]:
    """One verdict per channel of ``window`` (n samples × ch channels; a 1-D array is one channel).

    Checks NaN/inf, flatline, clipping, 50 Hz mains noise, impossible values, electrode off and,
    when ``timestamps`` are given, dropped samples. Never raises on bad data: an empty window or a
    bad sampling rate gives ``bad`` verdicts.
    """
    x = np.asarray(window, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        return [Verdict(Level.BAD, f"window must be 2-D, got {x.ndim}-D")]
    if not np.isfinite(fs) or fs <= 0:
        return [Verdict(Level.BAD, f"invalid sampling rate {fs!r}")] * x.shape[1]
    if x.shape[0] < MIN_SAMPLES:
        return [Verdict(Level.BAD, "no data" if x.shape[0] == 0 else "too few samples")] * x.shape[1]
    shared = [check_dropped(timestamps, fs)] if timestamps is not None else []
    with np.errstate(all="ignore"):  # extreme finite values may overflow a power sum; checks still hold
        return [_verdict(column, fs, kind, shared) for column in x.T]


def _verdict(column: np.ndarray, fs: float, kind: StreamKind, shared: list[Verdict]) -> Verdict:
    checks = [
        check_nonfinite(column),
        check_flatline(column, kind),
        check_clipping(column, fs),
        check_mains(column, fs, kind),
        check_values(column, kind),
        *shared,
    ]
    return Verdict.worst(checks)


__all__ = ["channel_verdicts"]
