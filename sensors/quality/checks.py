"""Pure signal checks over one window of one channel; each returns a Verdict.

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


def check_nonfinite(x: np.ndarray) -> Verdict:
    """NaN or inf samples: bad above 5 % of the window, degraded below."""
    share = float(np.mean(~np.isfinite(x))) if x.size else 0.0
    if share == 0.0:
        return Verdict.good()
    level = Level.BAD if share >= NONFINITE_BAD else Level.DEGRADED
    return Verdict(level, f"NaN/inf samples ({share:.0%})")


def check_flatline(x: np.ndarray, kind: StreamKind) -> Verdict:
    """A constant signal: bad, except EDA where a coarse ADC can legitimately sit still (degraded)."""
    finite = x[np.isfinite(x)]
    if finite.size >= 2 and np.ptp(finite) == 0.0:
        return Verdict(Level.DEGRADED if kind == StreamKind.EDA else Level.BAD, "flatline")
    return Verdict.good()


def clipping_share(x: np.ndarray, fs: float) -> float:
    """Share of samples sitting at the window's minimum or maximum in runs of ≥ max(3, 10 ms) samples.

    A clipped amplifier or saturated ADC holds its rail; a real extremum does not repeat that long.
    """
    finite = x[np.isfinite(x)]
    if finite.size < 3 or np.ptp(finite) == 0.0:
        return 0.0
    min_run = max(3, round(0.01 * fs))
    clipped = 0
    for rail in (finite.min(), finite.max()):
        at_rail = np.concatenate(([False], finite == rail, [False]))
        edges = np.flatnonzero(np.diff(at_rail.astype(np.int8)))
        runs = edges[1::2] - edges[::2]
        clipped += int(runs[runs >= min_run].sum())
    return clipped / finite.size


def check_clipping(x: np.ndarray, fs: float) -> Verdict:
    """Samples held at the rails: degraded above 1 %, bad above 10 % of the window."""
    share = clipping_share(x, fs)
    level = _level(share, CLIPPING_DEGRADED, CLIPPING_BAD)
    return Verdict(level, f"clipping ({share:.0%})") if level else Verdict.good()


def mains_share(x: np.ndarray, fs: float) -> float:
    """Share of the signal's power (above 1 Hz) within ±2 Hz of 50 Hz; 0 when 50 Hz is not representable."""
    finite = x[np.isfinite(x)]
    if fs <= 2 * (MAINS_HZ + 2.0) or finite.size < fs / 4:
        return 0.0
    spectrum = np.abs(np.fft.rfft((finite - finite.mean()) * np.hanning(finite.size))) ** 2
    freqs = np.fft.rfftfreq(finite.size, 1.0 / fs)
    total = spectrum[freqs >= 1.0].sum()
    if total <= 0.0:
        return 0.0
    return float(spectrum[np.abs(freqs - MAINS_HZ) <= 2.0].sum() / total)


def check_mains(x: np.ndarray, fs: float, kind: StreamKind) -> Verdict:
    """50 Hz mains interference: degraded above 30 % of the power, bad above 80 %."""
    if kind == StreamKind.EDA:
        return Verdict.good()
    share = mains_share(x, fs)
    level = _level(share, MAINS_DEGRADED, MAINS_BAD)
    return Verdict(level, f"50 Hz mains noise ({share:.0%})") if level else Verdict.good()


def check_values(x: np.ndarray, kind: StreamKind) -> Verdict:
    """Physically impossible values and an electrode that is off (EDA near 0 µS, EEG huge offset)."""
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return Verdict.good()
    if kind == StreamKind.EDA:
        low, high = EDA_RANGE_US
        if finite.min() < low or finite.max() > high:
            return Verdict(Level.BAD, f"impossible values (EDA outside {low:g}–{high:g} µS)")
        if np.median(finite) < EDA_ELECTRODE_OFF_US:
            return Verdict(Level.BAD, "electrode off (EDA near 0 µS)")
    if kind == StreamKind.EEG and abs(float(np.median(finite))) > EEG_OFFSET_OFF_UV:
        return Verdict(Level.BAD, "electrode off (EEG huge offset)")
    return Verdict.good()


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
