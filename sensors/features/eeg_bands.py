"""EEG band powers, ratios, individual alpha frequency and artifact rejection — offline and streaming.

Signal path (identical offline and streaming, see :class:`EEGWindowing`):

1. causal 1–45 Hz Butterworth band-pass + 50 Hz notch, state carried chunk to chunk;
2. every ``hop`` samples, the PSD of the newest ``segment`` (1 s) with mne's
   ``psd_array_welch`` (Hamming window, DC removed, zero-padded to 0.5 Hz bins);
3. the window PSD (default 2 s) is the mean of the segment PSDs it holds — exactly Welch's estimate
   of the window with ``n_overlap = segment - hop`` — so each update costs one segment FFT, not a
   whole-window Welch;
4. each window is checked per channel for artifacts (clipping, blink, large amplitude, EMG); a
   flagged window is excluded — features hold the last clean window and say so, never feed it on.
"""

from __future__ import annotations

import math
import warnings
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sensors.features.filters import CausalFilter, bandpass_notch_sos
from sensors.quality import WindowStats, verdicts_from, window_stats
from sensors.types import Level, StreamKind, Verdict

BANDS: dict[str, tuple[float, float]] = {
    "delta": (1.0, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 13.0),
    "beta": (13.0, 30.0),
    "gamma": (30.0, 45.0),
}
ALPHA_SEARCH_HZ = (7.0, 13.5)
MAX_FS = 20_000.0  # above any EEG amplifier; guards against absurd rates allocating huge buffers
POSTERIOR = {"O1", "O2", "OZ", "PZ", "P3", "P4", "P7", "P8", "POZ", "PO3", "PO4", "PO7", "PO8", "TP9", "TP10"}


@dataclass(frozen=True)
class EEGSettings:
    """Window geometry and artifact thresholds (all unit-free, so raw ADC counts work too)."""

    window_s: float = 2.0
    hop_s: float = 0.25
    segment_s: float = 1.0
    band: tuple[float, float] = (1.0, 45.0)
    notch_hz: float | None = 50.0
    clipping_share: float = 0.01  # share of samples held at a rail
    peak_to_sd: float = 5.0  # an excursion this many typical robust SDs from the median
    sd_jump: float = 3.0  # robust SD this many times the median of recent clean windows
    emg_gamma_share: float = 0.25  # gamma (30–45 Hz) share of 1–45 Hz power
    blink_delta_share: float = 0.5  # an amplitude artifact dominated by delta is a blink
    stale_s: float = 2.0  # how long a feature may hold the last clean window


@dataclass
class WindowResult:
    """One analysis window: its end (absolute sample count), band powers, PSD and artifact flags."""

    end: int
    bands: np.ndarray  # (channels, len(BANDS))
    psd: np.ndarray  # (channels, freqs)
    flags: list[str]  # per channel; "" when clean
    verdicts: list[Verdict]  # per channel, from sensors.quality on the raw window


@dataclass
class EEGWindowing:
    """Filter → segment PSDs → window PSDs → artifact flags, for chunks of any size.

    The window length is rounded to ``segment + k·hop`` samples so that window ends coincide with
    segment ends; results do not depend on how the input is chunked.
    """

    fs: float
    n_channels: int
    settings: EEGSettings = field(default_factory=EEGSettings)

    def __post_init__(self) -> None:
        s = self.settings
        if not (math.isfinite(self.fs) and 2 * s.band[0] + 1 < self.fs <= MAX_FS):
            low = 2 * s.band[0] + 1
            raise ValueError(f"EEG sampling rate {self.fs!r} Hz is not usable (need {low:g}–{MAX_FS:g} Hz)")
        if self.n_channels < 1:
            raise ValueError("EEG needs at least one channel")
        self.hop = max(1, round(s.hop_s * self.fs))
        self.segment = max(8, min(round(s.segment_s * self.fs), round(s.window_s * self.fs)))
        self.n_segments = max(0, round((s.window_s * self.fs - self.segment) / self.hop)) + 1
        self.window = self.segment + (self.n_segments - 1) * self.hop
        self.n_fft = 2 * self.segment
        self.fmax = min(s.band[1], self.fs / 2)
        self._filter = CausalFilter(bandpass_notch_sos(self.fs, s.band, s.notch_hz), self.n_channels)
        self._filtered = np.zeros((0, self.n_channels))
        self._raw = np.zeros((0, self.n_channels))
        self._buffer_start = 0  # absolute index of the first buffered sample
        self._next_segment_end = self.segment
        self._segments: deque[np.ndarray] = deque(maxlen=self.n_segments)
        self._recent_sd = np.full((40, self.n_channels), np.nan)  # robust SDs of the last 40 windows
        self._recent_index = 0
        self.freqs = np.fft.rfftfreq(self.n_fft, 1.0 / self.fs)
        self.freqs = self.freqs[(self.freqs >= s.band[0]) & (self.freqs <= self.fmax)]
        self._band_masks = [(self.freqs >= lo) & (self.freqs < hi) for lo, hi in BANDS.values()]

    @property
    def n_seen(self) -> int:
        return self._buffer_start + self._filtered.shape[0]

    def push(self, samples: np.ndarray) -> list[WindowResult]:
        """Feed raw samples (n, channels); returns the windows completed by them, oldest first."""
        raw = np.asarray(samples, dtype=float).reshape(-1, self.n_channels)
        with np.errstate(all="ignore"):  # absurd amplitudes overflow to inf and are flagged, not raised
            return self._push(raw)

    def _push(self, raw: np.ndarray) -> list[WindowResult]:
        self._filtered = np.concatenate([self._filtered, self._filter.process(raw)])
        self._raw = np.concatenate([self._raw, raw])
        results = []
        while self._next_segment_end <= self.n_seen:
            end = self._next_segment_end
            self._segments.append(self._segment_psd(end))
            if len(self._segments) == self.n_segments:
                results.append(self._window(end))
            self._next_segment_end += self.hop
        keep = max(0, self.n_seen - self.window)
        drop = keep - self._buffer_start
        if drop > 0:
            self._filtered, self._raw = self._filtered[drop:], self._raw[drop:]
            self._buffer_start = keep
        return results

    def _slice(self, buffer: np.ndarray, end: int, length: int) -> np.ndarray:
        stop = end - self._buffer_start
        return buffer[stop - length : stop]

    def _segment_psd(self, end: int) -> np.ndarray:
        from mne.time_frequency import psd_array_welch

        segment = self._slice(self._filtered, end, self.segment).T
        # absurd input (overflowing or about to in the PSD): no spectrum; the window is flagged later
        finite = np.all(np.abs(segment) < 1e100, axis=1)
        psd = np.full((self.n_channels, self.freqs.size), np.nan)
        if not finite.any():
            return psd
        psd[finite], _ = psd_array_welch(
            segment[finite],
            self.fs,
            fmin=self.settings.band[0],
            fmax=self.fmax,
            n_fft=self.n_fft,
            n_per_seg=self.segment,
            n_overlap=0,
            verbose=False,
        )
        return psd

    def _window(self, end: int) -> WindowResult:
        psd = np.mean(self._segments, axis=0)
        df = self.freqs[1] - self.freqs[0]
        bands = np.stack([psd[:, mask].sum(axis=1) * df for mask in self._band_masks], axis=1)
        filtered = self._slice(self._filtered, end, self.window)
        raw = self._slice(self._raw, end, self.window)
        stats = window_stats(raw, self.fs, StreamKind.EEG)
        flags = self._artifacts(filtered, stats, bands)
        return WindowResult(end, bands, psd, flags, verdicts_from(stats, StreamKind.EEG))

    def _artifacts(self, filtered: np.ndarray, stats: WindowStats, bands: np.ndarray) -> list[str]:
        """Per-channel artifact flag of one window ("" when clean).

        Amplitude is judged against the median robust SD of the channel's last 40 windows (10 s, all
        windows, so a lasting change of state is learnt within ~5 s while a blink is not).
        """
        s = self.settings
        median = np.median(filtered, axis=0)
        deviation = np.abs(filtered - median)
        sd = 1.4826 * np.median(deviation, axis=0)
        peak = deviation.max(axis=0)
        total = bands.sum(axis=1)
        history = np.sum(np.isfinite(self._recent_sd), axis=0)
        with warnings.catch_warnings():  # channels without history yet: all-NaN columns
            warnings.simplefilter("ignore", RuntimeWarning)
            reference = np.where(history >= 4, np.nanmedian(self._recent_sd, axis=0), sd)
        usable = np.isfinite(sd) & (sd > 0)
        self._recent_sd[self._recent_index % len(self._recent_sd), usable] = sd[usable]
        self._recent_index += 1
        flags = []
        for ch in range(self.n_channels):
            if stats.nonfinite[ch] > 0:
                flag = "NaN/inf"
            elif stats.clipping[ch] >= s.clipping_share:
                flag = "clipping"
            elif not (np.isfinite(sd[ch]) and np.isfinite(total[ch])):
                flag = "overflow"
            elif sd[ch] == 0.0 or total[ch] <= 0.0:
                flag = "flat"
            elif peak[ch] > s.peak_to_sd * reference[ch] or sd[ch] > s.sd_jump * reference[ch]:
                flag = "blink" if bands[ch, 0] / total[ch] >= s.blink_delta_share else "amplitude"
            elif bands[ch, 4] / total[ch] >= s.emg_gamma_share:
                flag = "EMG"
            else:
                flag = ""
            flags.append(flag)
        return flags


def individual_alpha_frequency(freqs: np.ndarray, psd: np.ndarray) -> float | None:
    """Peak frequency in 7–13.5 Hz of a (mean) spectrum, refined by a parabola through the peak bin.

    None when the spectrum has no alpha peak (its maximum sits on the search edge).
    """
    psd = np.asarray(psd, dtype=float)
    if psd.ndim != 1 or not np.all(np.isfinite(psd)) or psd.size != freqs.size:
        return None
    inside = np.flatnonzero((freqs >= ALPHA_SEARCH_HZ[0]) & (freqs <= ALPHA_SEARCH_HZ[1]))
    if inside.size < 3:
        return None
    k = inside[np.argmax(psd[inside])]
    if k in (inside[0], inside[-1]):
        return None
    left, mid, right = np.log(psd[k - 1 : k + 2] + 1e-300)
    curvature = left - 2 * mid + right
    offset = 0.5 * (left - right) / curvature if curvature < 0 else 0.0
    return float(freqs[k] + offset * (freqs[1] - freqs[0]))


def band_ratio(num: float, den: float) -> float:
    """``num / den`` as a float; NaN when the denominator is not positive or either is not finite."""
    return float(num / den) if den > 0 and math.isfinite(num) and math.isfinite(den) else math.nan


def pick_channels(labels: Sequence[str], wanted: set[str]) -> list[int]:
    """Indices of the channels labelled as one of ``wanted`` (case-insensitive); all when none is."""
    picked = [i for i, name in enumerate(labels) if name.upper() in wanted]
    return picked or list(range(len(labels)))


def analyze_eeg(data: np.ndarray, fs: float, labels: list[str], window_s: float = 2.0) -> dict:
    """Offline EEG analysis of a whole recording, (n samples, channels).

    Returns ``{"bands": {channel: {band: power}}, "alpha_rel": {channel: value}, "iaf": Hz | None}``:
    band powers are the mean over clean windows (artifact or bad-quality windows excluded), relative
    alpha is the mean over those windows of alpha / 1–45 Hz (the streaming feature, averaged), IAF is
    the alpha peak of the mean clean spectrum of posterior
    channels (all channels when none is labelled posterior). A channel without any clean window gets
    None values. Raises ValueError on unusable input.
    """
    x = np.asarray(data, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != len(labels):
        raise ValueError(f"EEG data shape {x.shape} does not match {len(labels)} channel labels")
    if not window_s > 0:
        raise ValueError(f"window must be positive, got {window_s!r} s")
    core = EEGWindowing(float(fs), x.shape[1], EEGSettings(window_s=window_s))
    if x.shape[0] < core.window:
        raise ValueError(f"recording too short: {x.shape[0]} samples, need {core.window} for one window")
    windows = core.push(x)
    bands_out: dict[str, dict[str, float | None]] = {}
    alpha_rel: dict[str, float | None] = {}
    clean_psd = []
    for ch, name in enumerate(labels):
        clean = [w for w in windows if not w.flags[ch] and w.verdicts[ch].level != Level.BAD]
        if not clean:
            bands_out[name] = dict.fromkeys(BANDS)
            alpha_rel[name] = None
            continue
        powers = np.mean([w.bands[ch] for w in clean], axis=0)
        bands_out[name] = {band: float(p) for band, p in zip(BANDS, powers, strict=True)}
        alpha_rel[name] = float(np.mean([band_ratio(w.bands[ch, 2], w.bands[ch].sum()) for w in clean]))
        clean_psd.append((ch, np.mean([w.psd[ch] for w in clean], axis=0)))
    chosen = set(pick_channels(labels, POSTERIOR))
    spectra = [psd for ch, psd in clean_psd if ch in chosen] or [psd for _, psd in clean_psd]
    iaf = individual_alpha_frequency(core.freqs, np.mean(spectra, axis=0)) if spectra else None
    return {"bands": bands_out, "alpha_rel": alpha_rel, "iaf": iaf}
