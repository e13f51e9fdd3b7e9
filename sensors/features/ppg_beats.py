"""PPG systolic-peak detection, offline and streaming, with a fixed delay.

A causal form of Elgendi et al. 2013 (PLoS ONE 8:e76585), NeuroKit2's default PPG method:

- clean: Butterworth band-pass 0.5-8 Hz (order 2);
- energy: the cleaned signal clipped at 0 and squared; short mean 0.111 s (systolic peak),
  long mean 0.667 s (beat), both centred; a block is where short > long + 0.02 × the mean energy
  of the last 30 s;
- blocks shorter than 0.111 s are ignored, blocks close after 0.6 s; 300 ms refractory period;
- the peak is the maximum of the cleaned signal in the block, moved back by the filter's group
  delay at 2 Hz.

Polarity: Elgendi's method needs systolic peaks pointing up, but raw optical sensors (photodiode
intensity, e.g. a MAX3010x's IR count) give the inverse: more blood, less light. A band-passed PPG
is positively skewed when upright (sharp systolic peaks over broad troughs: Elgendi 2016's skewness
quality index), so ``PolarityTracker`` computes the skewness of each 5 s block (at absolute sample
positions: chunk-independent) and turns the signal over when, of the last six blocks, at least 80 %
are negatively skewed and their median clearly so. An inverted recording is turned after 10 s; in
noisy upright recordings single artifact blocks are strongly skewed either way, and do not flip it.

Quality: every released beat gets a template-correlation SQI (``sensors.features.pulse_quality``)
from the oriented, cleaned waveform around its systolic peak (``pop_sqi(beat)``); ``usable(beat)``
says whether it reaches 0.85. ``detect_ppg_beats`` returns every beat, ``detect_ppg_beats_with_quality``
adds the SQIs; the cardiac extractor uses only usable beats.

The release delay is fixed: ``PpgBeatDetector(fs).delay_s`` (≈ 1.0 s at any rate).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from statistics import median

import numpy as np
from scipy import signal

from sensors.features.beat_detector import RegionBeatDetector
from sensors.features.pulse_quality import SQI_ACCEPT, BeatTemplate
from sensors.features.streaming import RunningMean, SosFilter, group_delay_samples

MAX_UNREAD_BEATS = 1024
LEVEL_LOWPASS_HZ = 5.0  # the pulse's level (for its height and amplitude): raw signal low-passed
ONSET_S = 0.4  # the onset is the lowest level in this time before the systolic peak


@dataclass(frozen=True)
class PulseBeat:
    """What is measured on one released pulse: its SQI, and its height and amplitude on the
    low-passed raw signal (oriented), the respiratory modulations' raw material."""

    sqi: float
    intensity: float
    amplitude: float


UNKNOWN_BEAT = PulseBeat(math.nan, math.nan, math.nan)


class PolarityTracker:
    """Learns which way a PPG's systolic peaks point from its skewness; see the module docstring."""

    block_s = 5.0
    pooled_blocks = 6
    first_decision_blocks = 2
    flip_below = -0.2  # median block skewness of the oriented signal that turns it over…
    flip_share = 0.8  # …when at least this share of the pooled blocks is negatively skewed

    def __init__(self, fs: float) -> None:
        self.block = max(1, round(self.block_s * fs))
        self.sign = 1.0
        self.flips = 0
        self._fill = 0
        self._sums = np.zeros(4)  # n, sum x, sum x^2, sum x^3 of the current block (raw polarity)
        self._skews: deque[float] = deque(maxlen=self.pooled_blocks)

    def push(self, clean: np.ndarray) -> np.ndarray:
        """The chunk turned by the polarity in force at each of its samples."""
        return self.signs(clean) * clean

    def signs(self, clean: np.ndarray) -> np.ndarray:
        """Learn from the chunk; the polarity (+1 or -1) in force at each of its samples."""
        out = np.empty_like(clean)
        pos = 0
        while pos < clean.size:
            take = min(self.block - self._fill, clean.size - pos)
            seg = clean[pos : pos + take]
            out[pos : pos + take] = self.sign
            self._sums += (take, seg.sum(), np.dot(seg, seg), np.dot(seg * seg, seg))
            self._fill += take
            pos += take
            if self._fill == self.block:
                self._close_block()
        return out

    def _close_block(self) -> None:
        n, s1, s2, s3 = self._sums
        self._sums, self._fill = np.zeros(4), 0
        mean = s1 / n
        var = s2 / n - mean * mean
        if not (math.isfinite(var) and var > 1e-12 * max(1.0, mean * mean)):
            return  # a flat or broken block says nothing about polarity
        self._skews.append((s3 / n - 3 * mean * s2 / n + 2 * mean**3) / var**1.5)
        # artifact blocks can be strongly skewed either way: turn over only when nearly every block
        # and their median say so
        oriented = [self.sign * k for k in self._skews]
        negative = sum(k < 0 for k in oriented) / len(oriented)
        if (
            len(oriented) >= self.first_decision_blocks
            and negative >= self.flip_share
            and median(oriented) < self.flip_below
        ):
            self.sign = -self.sign
            self.flips += 1


class PpgBeatDetector(RegionBeatDetector):
    """Streaming systolic-peak detector: ``push(samples) -> released beats``, ``finish()`` at the end."""

    short_s = 0.111
    long_s = 0.667
    max_region_s = 0.6
    refractory_s = 0.3
    delay_freq_hz = 2.0
    offset_weight = 0.02
    mean_window_s = 30.0

    def __init__(self, fs: float) -> None:
        super().__init__(fs)
        self._energy_mean = RunningMean(round(self.mean_window_s * fs))
        self.polarity = PolarityTracker(fs)
        self.template = BeatTemplate(fs)
        self._measured: dict[int, PulseBeat] = {}  # released beat -> its measures, until popped
        level_sos = signal.butter(2, min(LEVEL_LOWPASS_HZ, 0.45 * fs), fs=fs, output="sos")
        self._level_filter = SosFilter(level_sos)
        self._level_gd = group_delay_samples(level_sos, 1.0, fs)
        self._onset = round(ONSET_S * fs)
        self._chunk_level = np.zeros(0)
        # the newest oriented clean samples and levels, enough to measure a released beat
        self._tail = np.zeros(0)
        self._level = np.zeros(0)
        self._tail_end = 0  # absolute index after the last sample in _tail and _level
        self._keep = self.delay + max(self.template.pre, self._onset) + 1

    def _observe(self, x: np.ndarray) -> None:
        self._chunk_level = self._level_filter.push(x)

    def _orient(self, clean: np.ndarray) -> np.ndarray:
        signs = self.polarity.signs(clean)
        oriented = signs * clean
        self._tail = np.concatenate([self._tail, oriented])  # trimmed after the release in push
        self._level = np.concatenate([self._level, signs * self._chunk_level])
        self._tail_end = self._n + oriented.size
        return oriented

    def push(self, x: np.ndarray) -> list[int]:
        beats = super().push(x)
        self._tail = self._tail[-self._keep :]
        self._level = self._level[-self._keep :]
        return beats

    def _release(self, n_seen: int) -> list[int]:
        beats = super()._release(n_seen)
        for b in beats:
            self._measured[b] = PulseBeat(self._sqi_of(b), *self._height_and_amplitude(b))
            if len(self._measured) > MAX_UNREAD_BEATS:
                del self._measured[next(iter(self._measured))]
        return beats

    def _sqi_of(self, b: int) -> float:
        top = b + self._gd  # the systolic peak in the cleaned signal
        start = top - self.template.pre - (self._tail_end - self._tail.size)
        seg = self._tail[max(0, start) : start + self.template.width]
        whole = start >= 0 and seg.size == self.template.width
        return self.template.score(seg) if whole else math.nan

    def _height_and_amplitude(self, b: int) -> tuple[float, float]:
        """The level at the detected systolic peak (moved by the level filter's delay), and that
        minus the lowest level of the 0.4 s before it (the onset)."""
        first = self._tail_end - self._level.size  # absolute index of _level[0]
        peak = b + self._level_gd
        if not first <= peak < self._tail_end:
            return math.nan, math.nan
        height = float(self._level[peak - first])
        onset = float(np.min(self._level[max(first, peak - self._onset) - first : peak - first + 1]))
        return height, height - onset

    def usable(self, beat: int) -> bool:
        """A beat whose waveform matches the template (SQI ≥ 0.85), or one before the template exists."""
        return not self.pop_sqi(beat) < SQI_ACCEPT  # NaN (no template yet) counts as usable

    def pop_sqi(self, beat: int) -> float:
        """The SQI of a released beat (NaN while the template is being learnt, or if unknown)."""
        return self.pop_beat(beat).sqi

    def pop_beat(self, beat: int) -> PulseBeat:
        """The measures of a released beat (all NaN if unknown); forgotten once popped."""
        return self._measured.pop(beat, UNKNOWN_BEAT)

    def _design_filters(self) -> list[np.ndarray]:
        high = min(8.0, 0.45 * self.fs)
        return [signal.butter(2, [0.5, high], btype="bandpass", fs=self.fs, output="sos")]

    def _energy(self, clean: np.ndarray) -> np.ndarray:
        return np.square(np.clip(clean, 0.0, None))

    def _threshold(self, long_mean: np.ndarray, energy: np.ndarray) -> np.ndarray:
        return long_mean + self.offset_weight * self._energy_mean.push(energy)

    def _accept(self, length: int) -> bool:
        return length >= round(self.short_s * self.fs)


def detect_ppg_beats(ppg: np.ndarray, fs: float) -> np.ndarray:
    """Systolic-peak sample indices of a 1-D PPG sampled at ``fs`` Hz (any units).

    Raises ValueError only for a sampling rate outside 50-5000 Hz; NaN/inf samples are held.
    """
    return PpgBeatDetector.detect(ppg, fs)


def detect_ppg_beats_with_quality(ppg: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """``(beats, sqi)``: systolic-peak sample indices and each beat's template-correlation SQI."""
    beats, measured = detect_ppg_pulses(ppg, fs)
    return beats, np.asarray([m.sqi for m in measured], dtype=float)


def detect_ppg_pulses(ppg: np.ndarray, fs: float) -> tuple[np.ndarray, list[PulseBeat]]:
    """``(beats, measures)``: systolic-peak sample indices and each beat's ``PulseBeat``."""
    det = PpgBeatDetector(fs)
    beats = det.push(ppg) + det.finish()
    return np.asarray(beats, dtype=np.int64), [det.pop_beat(b) for b in beats]
