"""The streaming EEG extractor: alpha_rel, alpha_beta, theta_alpha, iaf and faa, each with a verdict.

It shares :class:`~sensors.features.eeg_bands.EEGWindowing` with the offline ``analyze_eeg``, so a
window's band powers are the same however the samples arrive. Features come from the newest
clean window of each channel; while a channel's windows are flagged (blink, EMG, clipping…) the
feature holds its last clean window for up to ``stale_s`` and is marked degraded, then becomes NaN
and bad. Channels whose quality verdict is bad are left out; a feature with no usable channel is
NaN and bad, never reported as good.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from sensors.features.eeg_bands import (
    POSTERIOR,
    EEGSettings,
    EEGWindowing,
    WindowResult,
    band_ratio,
    individual_alpha_frequency,
    pick_channels,
)
from sensors.features.extractor import ExtractorOutput
from sensors.quality.checks import check_dropped
from sensors.types import Level, StreamKind, Verdict

DELTA, THETA, ALPHA, BETA, GAMMA = range(5)
RATIOS = {
    "alpha_rel": lambda b: band_ratio(b[ALPHA], b.sum()),
    "alpha_beta": lambda b: band_ratio(b[ALPHA], b[BETA]),
    "theta_alpha": lambda b: band_ratio(b[THETA], b[ALPHA]),
}


class EEGExtractor:
    """Streaming EEG features for one multi-channel EEG stream."""

    kind = StreamKind.EEG
    names = ("alpha_rel", "alpha_beta", "theta_alpha", "iaf", "faa")

    def __init__(self, fs: float, labels: Sequence[str], settings: EEGSettings | None = None) -> None:
        self.labels = list(labels)
        self.fs = float(fs)
        self.settings = settings or EEGSettings()
        self.core = EEGWindowing(self.fs, len(self.labels), self.settings)
        n = len(self.labels)
        self._times = np.full(0, np.nan)  # timestamps of buffered samples (last window's worth)
        self._times_start = 0
        self._last_clean: list[tuple[float, np.ndarray] | None] = [None] * n
        self._last_flag = [""] * n
        self._last_window_t = math.nan
        self._verdicts = [Verdict(Level.BAD, "no data yet")] * n
        self._psd_sum: np.ndarray | None = None  # sum of the clean windows' mean spectra, for the IAF
        self._psd_count = 0
        self._baseline_sum: np.ndarray | None = None  # the same over the eyes-closed baseline
        self._baseline_count = 0
        self._baseline_active = False
        self._baseline_iaf: float | None = None
        self._posterior = pick_channels(self.labels, POSTERIOR)
        upper = [name.upper() for name in self.labels]
        self._f3f4 = (upper.index("F3"), upper.index("F4")) if {"F3", "F4"} <= set(upper) else None

    @property
    def baseline_active(self) -> bool:
        return self._baseline_active

    def begin_baseline(self) -> None:
        """Start collecting an eyes-closed baseline for the individual alpha frequency."""
        self._baseline_sum, self._baseline_count, self._baseline_active = None, 0, True

    def end_baseline(self) -> float | None:
        """Stop the baseline; returns (and from now on reports) its IAF, None without an alpha peak."""
        self._baseline_active = False
        if self._baseline_sum is not None and self._baseline_count:
            self._baseline_iaf = individual_alpha_frequency(
                self.core.freqs, self._baseline_sum / self._baseline_count
            )
        return self._baseline_iaf

    def push(self, samples: np.ndarray, timestamps: np.ndarray) -> None:
        """Feed samples (n, channels) with their LSL timestamps (n,)."""
        x = np.asarray(samples, dtype=float).reshape(-1, len(self.labels))
        stamps = np.asarray(timestamps, dtype=float).reshape(-1)
        if stamps.size != x.shape[0]:
            raise ValueError(f"{x.shape[0]} samples but {stamps.size} timestamps")
        self._times = np.concatenate([self._times, stamps])
        for window in self.core.push(x):
            self._take(window)
        keep = self.core.window
        if self._times.size > keep:
            self._times_start += self._times.size - keep
            self._times = self._times[-keep:]

    def _take(self, window: WindowResult) -> None:
        stop = window.end - self._times_start
        t = float(self._times[stop - 1])
        self._last_window_t = t
        dropped = check_dropped(self._times[max(0, stop - self.core.window) : stop], self.fs)
        self._verdicts = [Verdict.worst([v, dropped]) for v in window.verdicts]
        clean_psd = []
        for ch, flag in enumerate(window.flags):
            self._last_flag[ch] = flag
            if not flag and self._verdicts[ch].level != Level.BAD:
                self._last_clean[ch] = (t, window.bands[ch])
                if ch in self._posterior:
                    clean_psd.append(window.psd[ch])
        if clean_psd:
            mean = np.mean(clean_psd, axis=0)
            self._psd_sum = mean if self._psd_sum is None else self._psd_sum + mean
            self._psd_count += 1
            if self._baseline_active:
                self._baseline_sum = mean if self._baseline_sum is None else self._baseline_sum + mean
                self._baseline_count += 1

    def _usable(self, channels: Sequence[int]) -> tuple[list[tuple[float, np.ndarray]], Verdict]:
        """Clean band powers of the usable channels among ``channels`` and the verdict they earn."""
        now = self._last_window_t
        usable, notes = [], []
        for ch in channels:
            clean, flag, verdict = self._last_clean[ch], self._last_flag[ch], self._verdicts[ch]
            name = self.labels[ch]
            if verdict.level == Level.BAD:
                notes.append(Verdict(Level.BAD, f"{name}: {verdict.reason}"))
            elif clean is None or now - clean[0] > self.settings.stale_s:
                notes.append(Verdict(Level.BAD, f"{name}: artifact ({flag or 'no clean window'})"))
            else:
                usable.append(clean)
                if flag:
                    notes.append(Verdict(Level.DEGRADED, f"{name}: {flag}, holding last clean window"))
                elif verdict.level == Level.DEGRADED:
                    notes.append(Verdict(Level.DEGRADED, f"{name}: {verdict.reason}"))
        if not usable:
            return [], Verdict.worst(notes) if notes else Verdict(Level.BAD, "no data yet")
        # some channels usable: the feature is degraded at worst
        return usable, Verdict(Level.DEGRADED, Verdict.worst(notes).reason) if notes else Verdict.good()

    def snapshot(self) -> ExtractorOutput:
        """Current EEG features (NaN when unavailable), their verdicts and the newest sample time used."""
        values: dict[str, float] = {}
        quality: dict[str, Verdict] = {}
        times: list[float] = []
        usable, verdict = self._usable(self._posterior)
        for name, ratio in RATIOS.items():
            values[name] = float(np.mean([ratio(b) for _, b in usable])) if usable else math.nan
            quality[name] = verdict
        times += [t for t, _ in usable]
        values["iaf"], quality["iaf"] = self._iaf()
        values["faa"], quality["faa"], faa_times = self._faa()
        times += faa_times
        for name in self.names:
            if math.isnan(values[name]) and quality[name].level != Level.BAD:
                quality[name] = Verdict(Level.BAD, quality[name].reason or "not computable")
        return ExtractorOutput(values, quality, max(times) if times else math.nan)

    def _iaf(self) -> tuple[float, Verdict]:
        if self._baseline_iaf is not None:
            return self._baseline_iaf, Verdict.good()
        if self._psd_sum is None or not self._psd_count:
            return math.nan, Verdict(Level.BAD, "no clean EEG yet")
        iaf = individual_alpha_frequency(self.core.freqs, self._psd_sum / self._psd_count)
        if iaf is None:
            return math.nan, Verdict(Level.BAD, "no alpha peak")
        return iaf, Verdict(Level.DEGRADED, "no eyes-closed baseline; estimated from all clean EEG")

    def _faa(self) -> tuple[float, Verdict, list[float]]:
        if self._f3f4 is None:
            return math.nan, Verdict(Level.BAD, "no F3/F4 channels"), []
        usable, verdict = self._usable(self._f3f4)
        if len(usable) < 2:
            return math.nan, Verdict(Level.BAD, verdict.reason or "F3/F4 not both usable"), []
        (t3, b3), (t4, b4) = usable
        if not (b3[ALPHA] > 0 and b4[ALPHA] > 0):
            return math.nan, Verdict(Level.BAD, "no alpha power"), []
        return float(np.log(b4[ALPHA]) - np.log(b3[ALPHA])), verdict, [t3, t4]
