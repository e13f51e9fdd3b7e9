"""The live sensor view: every discovered EEG/ECG/PPG/EDA/RESP stream, per channel the last seconds
as a small trace and the channel's quality verdict with its reason."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensors.lsl.stream_catalog import SourceRegistry
from sensors.types import StreamKind

LIVE_KINDS = (StreamKind.EEG, StreamKind.ECG, StreamKind.PPG, StreamKind.EDA, StreamKind.RESP)
TRACE_POINTS = 400


@dataclass(frozen=True)
class LiveRow:
    """One channel on the live page: its trace scaled to 0..1 (empty without data) and verdict."""

    kind: str
    label: str
    trace: tuple[float, ...]
    level: str  # "good" | "degraded" | "bad"
    reason: str


def trace_points(x: np.ndarray, points: int = TRACE_POINTS) -> tuple[float, ...]:
    """At most ``points`` values in 0..1: min/max per bin (so ECG R peaks survive decimation), scaled
    robustly between the 1st and 99th percentile and clipped; non-finite samples are left out."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return ()
    if x.size > points:
        bins = points // 2
        usable = x[x.size % bins :].reshape(bins, -1)
        low, high = usable.min(axis=1), usable.max(axis=1)
        first_low = usable.argmin(axis=1) < usable.argmax(axis=1)  # keep each bin's time order
        x = np.where(first_low[:, None], np.stack([low, high], 1), np.stack([high, low], 1)).ravel()
    lo, hi = np.percentile(x, [1.0, 99.0])
    if not hi > lo:
        return tuple(np.full(x.size, 0.5).tolist())
    return tuple(np.clip((x - lo) / (hi - lo), 0.0, 1.0).tolist())


def live_rows(registry: SourceRegistry, seconds: float = 10.0) -> list[LiveRow]:
    """A row per channel of every visible stream of the live kinds (inlets opened on first sight)."""
    rows = []
    catalog = registry.catalog
    for kind in LIVE_KINDS:
        for stream in registry.candidates(kind):
            inlet = catalog.open(stream.key)
            if inlet is None:
                continue
            data, _ = inlet.latest_seconds(seconds)
            verdicts = inlet.channel_verdicts(2.0)
            status = inlet.status()
            for ch in range(inlet.description.channel_count):
                label = inlet.description.labels[ch] or f"ch{ch + 1}"
                verdict = verdicts[ch] if ch < len(verdicts) else status.verdict
                if status.verdict.level.rank > verdict.level.rank:  # stalled, lost: the stream's verdict
                    verdict = status.verdict
                rows.append(
                    LiveRow(kind.value, label, trace_points(data[:, ch]), verdict.level.value, verdict.reason)
                )
    return rows
