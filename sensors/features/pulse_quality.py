"""Per-beat quality of a PPG: template correlation, and the beat-to-beat cross-check against an ECG.

Template correlation (Li & Clifford 2012, "Dynamic time warping and machine learning for signal
quality assessment of pulsatile signals", Physiol. Meas. 33:1491; Orphanidou et al. 2015): each
beat's cleaned waveform from 0.2 s before to 0.3 s after the systolic peak is compared with the
sample-wise median of the previous eight beats' waveforms; the Pearson correlation is the beat's
signal-quality index (SQI, -1..1). A pulse bent by motion, a step from a slipping clip or a
noise peak between two pulses correlates poorly with the template. The template is built from every
beat, not only the accepted ones, so a bad start (clip put on during a movement) cannot lock the
template onto noise: the median of eight forgets a few bad beats at once.

Cross-check: with an ECG on the same person, each pulse follows an R peak by the pulse arrival time
(PAT, ~0.2-0.5 s, changing slowly with blood pressure). A PPG beat is confirmed when an R peak lies
at the running median PAT before it, within a tolerance.
"""

from __future__ import annotations

from collections import deque

import numpy as np

PRE_S, POST_S = 0.2, 0.3  # waveform window around the systolic peak (one beat up to 120 bpm)
TEMPLATE_BEATS = 8
MIN_TEMPLATE_BEATS = 3
SQI_ACCEPT = 0.85  # beats below this are not used for intervals (see docs/sensors.md, "Heart" for the choice)
PAT_RANGE_S = (
    0.1,
    0.8,
)  # pulse arrival times: finger ~0.2-0.4 s, plus a monitor's pleth delay (v102s: 0.59 s)
PAT_TOLERANCE_S = 0.1
PAT_MEDIAN_BEATS = 15


class BeatTemplate:
    """Streaming template-correlation SQI: ``score(waveform)`` for each beat in order."""

    def __init__(self, fs: float) -> None:
        self.pre = round(PRE_S * fs)
        self.post = round(POST_S * fs)
        self._recent: deque[np.ndarray] = deque(maxlen=TEMPLATE_BEATS)

    @property
    def width(self) -> int:
        """Samples in a beat's waveform (``pre`` before the peak, the peak and ``post - 1`` after)."""
        return self.pre + self.post

    def score(self, waveform: np.ndarray) -> float:
        """The SQI of this beat's waveform (NaN while fewer than 3 beats are known), then learn it."""
        seg = np.asarray(waveform, dtype=float)
        sqi = float("nan")
        if len(self._recent) >= MIN_TEMPLATE_BEATS:
            sqi = correlation(seg, np.median(np.stack(self._recent), axis=0))
        self._recent.append(seg)
        return sqi


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two equal-length arrays; 0 when either is flat."""
    with np.errstate(over="ignore", invalid="ignore"):  # absurd magnitudes: 0, without warnings
        a = a - a.mean()
        b = b - b.mean()
        norm = float(np.sqrt(np.dot(a, a) * np.dot(b, b)))
        return float(np.dot(a, b)) / norm if norm > 0 and np.isfinite(norm) else 0.0


def accepted(sqi: np.ndarray) -> np.ndarray:
    """Which beats to use: SQI at least ``SQI_ACCEPT``, or not yet known (the first beats)."""
    q = np.asarray(sqi, dtype=float)
    return ~(q < SQI_ACCEPT)


def crosscheck_with_ecg(ppg_s: np.ndarray, ecg_s: np.ndarray) -> np.ndarray:
    """For each PPG beat (times in s), whether an ECG R peak precedes it by the pulse arrival time."""
    return pair_pulses_with_r_peaks(ppg_s, ecg_s) >= 0


def pair_pulses_with_r_peaks(ppg_s: np.ndarray, ecg_s: np.ndarray) -> np.ndarray:
    """For each PPG beat (times in s), the index of the R peak (in sorted ``ecg_s``) it follows, or -1.

    The PAT is the running median (last 15 confirmed beats) of the delay from the latest R peak
    to the pulse, within 0.1-0.8 s; a beat is confirmed by the R peak whose delay is nearest that
    median, when within 0.1 s of it. Before the first confirmation the latest R peak with a delay in
    the plausible range is taken. Each R peak confirms at most one pulse, in order.
    """
    p = np.asarray(ppg_s, dtype=float).ravel()
    r = np.sort(np.asarray(ecg_s, dtype=float).ravel())
    pair = np.full(p.size, -1, dtype=np.int64)
    if r.size == 0:
        return pair
    recent: deque[float] = deque(maxlen=PAT_MEDIAN_BEATS)
    latest = np.searchsorted(r, p - PAT_RANGE_S[0], side="right") - 1  # R peaks up to here qualify
    earliest = np.searchsorted(r, p - PAT_RANGE_S[1], side="left")  # …and from here
    last = -1
    for i in range(p.size):
        first, k = max(int(earliest[i]), last + 1), int(latest[i])
        if k < first:
            continue
        if recent:  # the candidate whose delay is nearest the running PAT (PAT can exceed an interval)
            expected = float(np.median(recent))
            k = first + int(np.argmin(np.abs(p[i] - r[first : k + 1] - expected)))
            if abs(p[i] - r[k] - expected) > PAT_TOLERANCE_S:
                continue
        pair[i] = last = k
        recent.append(float(p[i] - r[k]))
    return pair
