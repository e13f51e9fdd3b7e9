"""Signal quality: a good / degraded / bad verdict with a reason for each channel of a window.

``channel_verdicts`` is the entry point (used by ``oasis streams`` and the pipeline); the single
checks live in :mod:`sensors.quality.checks`, vectorised over channels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensors.quality.checks import (
    check_dropped,
    clipping_shares,
    clipping_verdict,
    flat_channels,
    flat_verdict,
    mains_shares,
    mains_verdict,
    nonfinite_verdict,
    value_verdicts,
)
from sensors.types import Level, StreamKind, Verdict

MIN_SAMPLES = 2


@dataclass(frozen=True)
class WindowStats:
    """Per-channel measurements of one window that the verdicts are made from."""

    nonfinite: np.ndarray  # share of NaN/inf samples
    flat: np.ndarray  # all finite samples equal
    clipping: np.ndarray  # share of samples held at a rail
    mains: np.ndarray  # share of power at 50 Hz
    values: list[Verdict]  # impossible values / electrode off
    enough: np.ndarray  # at least MIN_SAMPLES finite samples


def window_stats(x: np.ndarray, fs: float, kind: StreamKind) -> WindowStats:
    """Measure a 2-D window (n ≥ 1, ch) with a valid rate; non-finite samples are left out per channel."""
    finite = np.isfinite(x)
    clean = finite.all(axis=0)
    n_ch = x.shape[1]
    stats = WindowStats(
        nonfinite=1.0 - finite.mean(axis=0),
        flat=np.zeros(n_ch, dtype=bool),
        clipping=np.zeros(n_ch),
        mains=np.zeros(n_ch),
        values=[Verdict.good()] * n_ch,
        enough=finite.sum(axis=0) >= MIN_SAMPLES,
    )
    with np.errstate(all="ignore"):  # extreme finite values may overflow a power sum; checks still hold
        groups = [np.flatnonzero(clean)] + [np.array([ch]) for ch in np.flatnonzero(~clean & stats.enough)]
        for columns in groups:
            if columns.size == 0:
                continue
            block = x[:, columns] if clean[columns[0]] else x[finite[:, columns[0]], columns[0]][:, None]
            stats.flat[columns] = flat_channels(block)
            stats.clipping[columns] = clipping_shares(block, fs)
            stats.mains[columns] = mains_shares(block, fs)
            for ch, verdict in zip(columns, value_verdicts(block, kind), strict=True):
                stats.values[ch] = verdict
    return stats


def verdicts_from(stats: WindowStats, kind: StreamKind, shared: list[Verdict] | None = None) -> list[Verdict]:
    """One verdict per channel from its measurements (plus verdicts shared by all channels)."""
    return [
        Verdict.worst(
            [
                nonfinite_verdict(float(stats.nonfinite[ch])),
                flat_verdict(kind) if stats.flat[ch] else Verdict.good(),
                clipping_verdict(float(stats.clipping[ch])),
                mains_verdict(float(stats.mains[ch]), kind),
                stats.values[ch],
                *(shared or []),
            ]
        )
        for ch in range(len(stats.values))
    ]


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
    return verdicts_from(window_stats(x, fs, kind), kind, shared)


__all__ = ["WindowStats", "channel_verdicts", "verdicts_from", "window_stats"]
