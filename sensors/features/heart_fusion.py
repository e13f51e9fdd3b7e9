"""One heart from two sensors: ECG R peaks and PPG pulses cross-checked beat by beat.

When an officer wears a chest strap and a clip, each pulse should follow an R peak by the pulse
arrival time (PAT, ``pulse_quality.pair_pulses_with_r_peaks``). The fused beat series lies on the
R-peak time axis and is built from:

- **both**: an R peak a pulse confirms;
- **ECG only**: an unconfirmed R peak where the ECG is regular (both intervals touching it within
  25 % of the local median interval) or where the clip gives no usable pulse nearby (motion: the
  SQI rejected its beats). The ECG is preferred where it is good;
- **PPG only**: an unconfirmed pulse, moved back by the median PAT, that falls in a gap of the ECG
  longer than 1.5 local median intervals between the R peaks kept (a missed R peak, an electrode
  off, a noisy stretch) and at least 0.4 intervals from every kept R peak. The PPG fills in where
  the ECG is bad.

What is dropped: an R peak that no pulse confirms while the clip is beating nearby and the ECG is
irregular there (a T wave or a noise spike taken for a QRS), and a pulse that falls where the ECG
is regular (a false pulse).

``fuse_beats`` is the offline form; ``HeartFusion`` applies it, at each new beat, to the beats the
pipeline's ECG and PPG extractors have released, up to the time both have seen (the PPG's release
delay plus the longest PAT: about 1.6 s behind the newest sample).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from sensors.features.cardiac import STALE_S, CardiacExtractor, window_features
from sensors.features.extractor import Extractor, ExtractorOutput
from sensors.features.pulse_quality import PAT_RANGE_S, pair_pulses_with_r_peaks
from sensors.types import StreamKind, Verdict

BOTH, ECG_ONLY, PPG_ONLY = 0, 1, 2
REGULAR_TOLERANCE = 0.25  # an interval within 25 % of the local median is regular
GAP_FACTOR = 1.5  # an ECG interval longer than this many local medians has a missing beat
MIN_SEPARATION = 0.4  # a filled-in pulse keeps this many local medians from every R peak
PRESENCE_S = 1.5  # a usable pulse this close to where an R peak's pulse should be: the clip is beating
MEDIAN_INTERVALS = 11
PLAUSIBLE_INTERVAL_S = (0.25, 2.5)


@dataclass(frozen=True)
class FusedBeats:
    """The fused beat times (R-peak axis, s), where each came from, and what was left out."""

    times_s: np.ndarray
    source: np.ndarray  # BOTH, ECG_ONLY or PPG_ONLY per beat
    ecg_dropped: int
    ppg_dropped: int
    pat_s: float  # median pulse arrival time of the confirmed pairs (NaN: none)

    def count(self, source: int) -> int:
        """How many fused beats came from ``source`` (BOTH, ECG_ONLY, PPG_ONLY)."""
        return int(np.sum(self.source == source))


def _local_median(intervals: np.ndarray) -> np.ndarray:
    """The median of the 11 intervals around each interval, implausible ones left out."""
    low, high = PLAUSIBLE_INTERVAL_S
    plausible = np.where((intervals >= low) & (intervals <= high), intervals, np.nan)
    fallback = float(np.nanmedian(plausible)) if np.any(np.isfinite(plausible)) else 1.0
    filled = np.where(np.isfinite(plausible), plausible, fallback)
    return np.asarray(ndimage.median_filter(filled, size=MEDIAN_INTERVALS, mode="nearest"), dtype=float)


def _regular_r_peaks(r: np.ndarray, median: np.ndarray) -> np.ndarray:
    """Per R peak: both intervals touching it are within 25 % of their local median."""
    ok_interval = np.abs(np.diff(r) - median) <= REGULAR_TOLERANCE * median
    regular = np.ones(r.size, dtype=bool)
    regular[1:] &= ok_interval
    regular[:-1] &= ok_interval
    return regular


def _fill_ins(r: np.ndarray, kept_r: np.ndarray, q: np.ndarray, median: np.ndarray) -> np.ndarray:
    """Which unconfirmed pulses (at R-axis times ``q``) fall in a gap of the kept R peaks and may
    be added; ``median`` is the local median of the intervals of all R peaks ``r``."""
    if median.size:
        k = np.clip(np.searchsorted(r, q) - 1, 0, median.size - 1)
        local = median[k]
    else:
        local = np.full(q.size, 1.0)  # a single R peak: no interval known, assume 60 bpm
    if not kept_r.size:
        return np.ones(q.size, dtype=bool)
    j = np.searchsorted(kept_r, q)
    before = kept_r[np.clip(j - 1, 0, kept_r.size - 1)]
    after = kept_r[np.clip(j, 0, kept_r.size - 1)]
    # before the first or after the last kept R peak the ECG says nothing: an unbounded gap
    gap = np.where((j > 0) & (j < kept_r.size), after - before, np.inf)
    nearest = np.minimum(np.abs(q - before), np.abs(after - q))
    return (gap > GAP_FACTOR * local) & (nearest >= MIN_SEPARATION * local)


def fuse_beats(ecg_s: np.ndarray, ppg_s: np.ndarray) -> FusedBeats:
    """Fuse R peaks and usable PPG pulses (times in s) into one beat series; see the module docstring."""
    r = np.sort(np.asarray(ecg_s, dtype=float).ravel())
    p = np.sort(np.asarray(ppg_s, dtype=float).ravel())
    if r.size == 0:
        return FusedBeats(p, np.full(p.size, PPG_ONLY), 0, 0, math.nan)
    pair = pair_pulses_with_r_peaks(p, r)
    paired = pair >= 0
    pat = float(np.median(p[paired] - r[pair[paired]])) if paired.any() else math.nan
    if not paired.any():  # the two sensors never agree: keep the ECG, the better beat timing
        return FusedBeats(r, np.full(r.size, ECG_ONLY), 0, p.size, pat)
    confirmed = np.zeros(r.size, dtype=bool)
    confirmed[pair[paired]] = True
    median = _local_median(np.diff(r)) if r.size > 1 else np.zeros(0)
    regular = _regular_r_peaks(r, median) if r.size > 1 else np.ones(r.size, dtype=bool)
    expected = r + pat  # where each R peak's pulse should be
    j = np.searchsorted(p, expected)
    near = np.minimum(
        np.abs(expected - p[np.clip(j - 1, 0, p.size - 1)]), np.abs(p[np.clip(j, 0, p.size - 1)] - expected)
    )
    clip_beating = near <= PRESENCE_S
    keep_r = confirmed | regular | ~clip_beating
    kept = r[keep_r]
    q = p[~paired] - pat
    fill = _fill_ins(r, kept, q, median)
    times = np.concatenate([kept, q[fill]])
    source = np.concatenate([np.where(confirmed[keep_r], BOTH, ECG_ONLY), np.full(int(fill.sum()), PPG_ONLY)])
    order = np.argsort(times, kind="stable")
    return FusedBeats(
        times[order], source[order], int((~keep_r).sum()), int((~paired).sum() - fill.sum()), pat
    )


def _cardiac(extractors: Sequence[Extractor], kind: StreamKind) -> CardiacExtractor | None:
    for extractor in extractors:
        if isinstance(extractor, CardiacExtractor) and extractor.kind is kind:
            return extractor
    return None


class HeartFusion:
    """Heart features from the cross-checked beats of the pipeline's ECG and PPG extractors.

    ``combine(extractors)`` returns None unless both a usable ECG and a usable PPG extractor are
    there and neither stream has fallen silent (its newest sample more than 3 s behind the
    other's): then the single-sensor extractors speak for themselves.
    """

    def __init__(self, window_s: float = 60.0) -> None:
        self.window_s = window_s
        self.last: FusedBeats | None = None  # the fused beats of the newest answer
        self.latest: ExtractorOutput | None = None  # the newest answer (None: standing aside)
        self._key: tuple[float, float] | None = None
        self._newest = -math.inf  # the newest fused beat of the cached answer
        self._cache: tuple[dict[str, float], dict[str, Verdict]] = ({}, {})

    def combine(self, extractors: Sequence[Extractor]) -> ExtractorOutput | None:
        """Fused heart features, or None when the ECG and the PPG cannot both be used."""
        ecg, ppg = _cardiac(extractors, StreamKind.ECG), _cardiac(extractors, StreamKind.PPG)
        self.latest = None
        if ecg is None or ppg is None or not (ecg.signal_ok and ppg.signal_ok):
            return None
        if abs(ecg.newest_t - ppg.newest_t) > STALE_S:
            return None
        horizon = min(ecg.known_until, ppg.known_until - PAT_RANGE_S[1])
        r, p = ecg.beat_times, ppg.beat_times
        r, p = r[r <= horizon], p[p <= horizon + PAT_RANGE_S[1]]
        key = (float(r[-1]) if r.size else -math.inf, float(p[-1]) if p.size else -math.inf)
        if key != self._key or horizon - self._newest > STALE_S:
            fused = fuse_beats(r, p)
            times = fused.times_s[fused.times_s <= horizon]
            self.last = fused
            self._newest = float(times[-1]) if times.size else -math.inf
            self._cache = window_features(times, horizon, self.window_s, ppg.pulses)
            self._key = key
        values, quality = self._cache
        self.latest = ExtractorOutput(dict(values), dict(quality), max(ecg.newest_t, ppg.newest_t))
        return self.latest
