"""Signal checks over one window, vectorised over channels: each takes finite samples (n, ch).

Every check is unit-aware only where the stream kind fixes the unit (EDA in µS, EEG in µV);
elsewhere it is relative to the signal itself, so raw ADC counts work as well.
"""

from __future__ import annotations

import numpy as np

from sensors.types import Level, StreamKind, Verdict

MAINS_HZ = 50.0  # mains frequency in China

# Shares of the window above which a fault makes the channel degraded / bad.
NONFINITE_BAD = 0.05
CLIPPING_DEGRADED, CLIPPING_BAD = 0.01, 0.10
MAINS_DEGRADED, MAINS_BAD = 0.30, 0.80
DROPPED_DEGRADED, DROPPED_BAD = 0.01, 0.10

EDA_RANGE_US = (0.0, 100.0)  # skin conductance outside this is not physiological
EDA_ELECTRODE_OFF_US = 0.05  # an open circuit reads (almost) zero conductance
EEG_OFFSET_OFF_UV = 10_000.0  # a floating or railed electrode shows a huge DC offset


def _level(share: float, degraded: float, bad: float) -> Level | None:
    if share >= bad:
        return Level.BAD
    if share >= degraded:
        return Level.DEGRADED
    return None


def nonfinite_verdict(share: float) -> Verdict:
    """NaN or inf samples: bad at 5 % of the window or more, degraded below."""
    if share == 0.0:
        return Verdict.good()
    return Verdict(Level.BAD if share >= NONFINITE_BAD else Level.DEGRADED, f"NaN/inf samples ({share:.0%})")


def flat_channels(x: np.ndarray) -> np.ndarray:
    """Channels whose samples are all equal (needs n ≥ 2)."""
    return (x.max(axis=0) == x.min(axis=0)) if x.shape[0] >= 2 else np.zeros(x.shape[1], dtype=bool)


def flat_verdict(kind: StreamKind) -> Verdict:
    """A constant signal: bad, except EDA where a coarse ADC can legitimately sit still (degraded)."""
    return Verdict(Level.DEGRADED if kind == StreamKind.EDA else Level.BAD, "flatline")


def clipping_shares(x: np.ndarray, fs: float) -> np.ndarray:
    """Per channel, the share of samples held at the window's minimum or maximum in runs of
    ≥ max(3, 10 ms) samples. A clipped amplifier or saturated ADC holds its rail; a real extremum
    does not repeat that long."""
    n = x.shape[0]
    run = max(3, round(0.01 * fs))
    if n < run:
        return np.zeros(x.shape[1])
    low, high = x.min(axis=0), x.max(axis=0)
    at_rail = ((x == low) | (x == high)) & (high > low)
    # windows of `run` consecutive rail samples, then every sample such a window covers
    counts = np.cumsum(np.vstack([np.zeros((1, x.shape[1])), at_rail]), axis=0)
    full = (counts[run:] - counts[:-run]) == run  # full[i]: samples i .. i+run-1 all at a rail
    starts = np.cumsum(np.vstack([np.zeros((1, x.shape[1])), full]), axis=0)
    j = np.arange(n)
    first = np.clip(j - run + 1, 0, full.shape[0])
    last = np.clip(j + 1, 0, full.shape[0])
    covered = (starts[last] - starts[first]) > 0
    return covered.mean(axis=0)


def clipping_verdict(share: float) -> Verdict:
    """Samples held at the rails: degraded above 1 %, bad above 10 % of the window."""
    level = _level(share, CLIPPING_DEGRADED, CLIPPING_BAD)
    return Verdict(level, f"clipping ({share:.0%})") if level else Verdict.good()


def mains_shares(x: np.ndarray, fs: float) -> np.ndarray:
    """Per channel, the share of power above 1 Hz within ±2 Hz of 50 Hz (0 when not representable)."""
    n = x.shape[0]
    if fs <= 2 * (MAINS_HZ + 2.0) or n < fs / 4:
        return np.zeros(x.shape[1])
    spectrum = np.abs(np.fft.rfft((x - x.mean(axis=0)) * np.hanning(n)[:, None], axis=0)) ** 2
    freqs = np.fft.rfftfreq(n, 1.0 / fs)
    total = spectrum[freqs >= 1.0].sum(axis=0)
    mains = spectrum[np.abs(freqs - MAINS_HZ) <= 2.0].sum(axis=0)
    with np.errstate(all="ignore"):
        share = np.where(total > 0, mains / total, 0.0)
    return np.nan_to_num(share, nan=0.0)


def mains_verdict(share: float, kind: StreamKind) -> Verdict:
    """50 Hz mains interference: degraded above 30 % of the power, bad above 80 %."""
    level = _level(share, MAINS_DEGRADED, MAINS_BAD) if kind != StreamKind.EDA else None
    return Verdict(level, f"50 Hz mains noise ({share:.0%})") if level else Verdict.good()


def value_verdicts(x: np.ndarray, kind: StreamKind) -> list[Verdict]:
    """Physically impossible values and an electrode that is off (EDA near 0 µS, EEG huge offset)."""
    good = [Verdict.good()] * x.shape[1]
    if x.shape[0] == 0 or kind not in (StreamKind.EDA, StreamKind.EEG):
        return good
    median = np.median(x, axis=0)
    verdicts = []
    for ch in range(x.shape[1]):
        if kind == StreamKind.EDA:
            low, high = EDA_RANGE_US
            if x[:, ch].min() < low or x[:, ch].max() > high:
                verdicts.append(Verdict(Level.BAD, f"impossible values (EDA outside {low:g}–{high:g} µS)"))
            elif median[ch] < EDA_ELECTRODE_OFF_US:
                verdicts.append(Verdict(Level.BAD, "electrode off (EDA near 0 µS)"))
            else:
                verdicts.append(Verdict.good())
        elif abs(median[ch]) > EEG_OFFSET_OFF_UV:
            verdicts.append(Verdict(Level.BAD, "electrode off (EEG huge offset)"))
        else:
            verdicts.append(Verdict.good())
    return verdicts


def check_dropped(timestamps: np.ndarray, fs: float) -> Verdict:
    """Samples missing between timestamps (gaps > 1.5 sample periods): degraded ≥ 1 %, bad ≥ 10 %."""
    t = np.asarray(timestamps, dtype=float)
    t = t[np.isfinite(t)]
    if t.size < 2 or fs <= 0:
        return Verdict.good()
    steps = np.diff(t) * fs
    missing = float(np.sum(np.where(steps > 1.5, np.round(steps) - 1.0, 0.0)))
    share = missing / (t.size + missing)
    level = _level(share, DROPPED_DEGRADED, DROPPED_BAD)
    return Verdict(level, f"dropped samples ({share:.0%})") if level else Verdict.good()
