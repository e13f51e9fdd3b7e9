"""Cardiac features over a sliding window of beats, with a verdict per feature, and the streaming
``CardiacExtractor`` for an ECG or PPG stream.

``window_features(beat_times, now)`` is the offline form; the extractor runs the streaming beat
detector on new samples only and calls the same function on the beats it has released, so at
time ``now`` both give identical answers for the beats released by then (the detector's fixed
delay: a beat at t is known at t + delay_s).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from sensors.features.beat_detector import RegionBeatDetector
from sensors.features.coherence import WINDOW_S as COHERENCE_WINDOW_S
from sensors.features.coherence import series_coherence
from sensors.features.ecg_beats import EcgBeatDetector
from sensors.features.extractor import ExtractorOutput
from sensors.features.hrv import (
    HF_BAND,
    band_power,
    frequency_from_psd,
    hrv_time,
    resample_nn_grid,
    rsa_rate_from_psd,
    series_psd,
)
from sensors.features.ibi import correct_ibi
from sensors.features.ppg_beats import PpgBeatDetector
from sensors.features.pulse_quality import SQI_ACCEPT
from sensors.features.pulse_respiration import PulseModulations, pulse_breathing
from sensors.types import Level, StreamKind, Verdict

CARDIAC_FEATURES = (
    "hr",
    "rmssd",
    "sdnn",
    "pnn50",
    "lf",
    "hf",
    "lf_hf",
    "coherence",
    "resp_rate",
    "corrected_share",
    "ihr",
)
HR_RANGE = (30.0, 220.0)
CORRECTED_DEGRADED, CORRECTED_BAD = 5.0, 20.0  # % of beats corrected
STALE_S = 3.0  # no beat for this long before `now`: no signal
MIN_LF_SPAN_S = 50.0
MIN_RSA_SPAN_S = 20.0
MIN_SPAN_S = {  # seconds of beats a feature needs
    "lf": MIN_LF_SPAN_S,
    "lf_hf": MIN_LF_SPAN_S,
    "hf": MIN_RSA_SPAN_S,
    "resp_rate": MIN_RSA_SPAN_S,
    "coherence": COHERENCE_WINDOW_S - 1.0,
}
NAN = float("nan")


def _span_all(window_s: float) -> float:
    """Seconds of beats window_features looks at: the window, or 64 s (+3 s margin) for coherence."""
    return max(window_s, COHERENCE_WINDOW_S + 3.0)


def _bad(reason: str) -> tuple[dict[str, float], dict[str, Verdict]]:
    return {k: NAN for k in CARDIAC_FEATURES}, {k: Verdict(Level.BAD, reason) for k in CARDIAC_FEATURES}


def window_features(
    beat_times_s: np.ndarray, now: float, window_s: float = 60.0, pulses: PulseModulations | None = None
) -> tuple[dict[str, float], dict[str, Verdict]]:
    """HR/HRV/coherence/breathing rate at time ``now`` from the beats known by then.

    The breathing rate is the RSA peak of the HRV spectrum, or with ``pulses`` (a PPG's beats
    and their heights and amplitudes) the fused respiratory modulations of the pulse over the
    last 32 s (``pulse_respiration``), degraded when the modulations disagree.

    ``ihr`` is the instantaneous heart rate, 60000 / the newest (corrected) interval: it swings
    with every breath, where ``hr`` averages the window.

    The window is the ``window_s`` seconds of beats ending at the newest beat (so the answer
    changes only when a beat arrives); coherence uses the last 64 s. Each feature gets a verdict:
    bad (NaN) without enough beats, with no beat for 3 s before ``now``, an implausible HR or
    > 20 % corrected beats; degraded with > 5 % corrected beats or a window not yet full.
    """
    t = np.asarray(beat_times_s, dtype=float).ravel()
    t = t[np.isfinite(t)]
    if not (math.isfinite(now) and math.isfinite(window_s) and window_s > 0):
        return _bad("no time reference")
    span_all = _span_all(window_s)
    t = t[t <= now]
    if t.size and now - t[-1] > STALE_S:
        return _bad(f"no beat for {now - t[-1]:.0f} s")
    if t.size:
        t = t[t >= t[-1] - span_all]
    if t.size < 3:
        return _bad("no beats" if t.size == 0 else "window too short")
    end = t[-1]
    ibi = correct_ibi(t)
    in_win = ibi.source_s >= end - window_s
    raw_in_win = t[1:] >= end - window_s
    n_raw = int(raw_in_win.sum())
    if n_raw < 2 or not np.any(ibi.valid[in_win]):
        return _bad("window too short")
    times, nn, valid = ibi.times_s[in_win], ibi.nn_ms[in_win], ibi.valid[in_win]
    values = hrv_time(nn, valid)
    newest = float(nn[-1])
    values["ihr"] = 60000.0 / newest if math.isfinite(newest) and newest > 0 else NAN
    if not (HR_RANGE[0] <= values["hr"] <= HR_RANGE[1]):
        return _bad(f"implausible HR {values['hr']:.0f} bpm")
    share = 100.0 * float(np.sum(~valid)) / valid.size
    values["corrected_share"] = share
    span = float(times[-1] - times[0])
    # one 4 Hz series for all spectra: the window's part for LF/HF/RSA, the last 64 s for coherence
    grid, series = resample_nn_grid(ibi.times_s, ibi.nn_ms)
    in_window = series[grid >= times[0]]
    f, p = series_psd(in_window) if span >= MIN_RSA_SPAN_S else (np.zeros(0), np.zeros(0))
    values.update(frequency_from_psd(f, p) if span >= MIN_LF_SPAN_S else {"lf": NAN, "hf": NAN, "lf_hf": NAN})
    values["hf"] = band_power(f, p, HF_BAND)
    values["resp_rate"] = rsa_rate_from_psd(f, p)
    extra: dict[str, Verdict] = {}
    if pulses is not None:
        breathing = pulse_breathing(pulses, end)
        values["resp_rate"] = breathing.rate
        if math.isfinite(breathing.rate) and not breathing.consistent:
            extra["resp_rate"] = Verdict(Level.DEGRADED, "breathing modulations disagree")
    values["coherence"] = series_coherence(series)
    values.pop("mean_nn")

    base: list[Verdict] = []
    if share > CORRECTED_BAD:
        base.append(Verdict(Level.BAD, f"too many corrected beats ({share:.0f} %)"))
    elif share > CORRECTED_DEGRADED:
        base.append(Verdict(Level.DEGRADED, f"many corrected beats ({share:.0f} %)"))
    if span < 0.8 * window_s:
        base.append(Verdict(Level.DEGRADED, "window not yet full"))
    quality: dict[str, Verdict] = {}
    for name in CARDIAC_FEATURES:
        own = list(base) + ([extra[name]] if name in extra else [])
        need = MIN_SPAN_S.get(name, 0.0)
        if not math.isfinite(values[name]):
            reason = f"window too short (needs {need:.0f} s)" if need else "unavailable"
            own.append(Verdict(Level.BAD, reason))
        quality[name] = Verdict.worst(own) if own else Verdict.good()
        if quality[name].level is Level.BAD and name != "corrected_share":
            values[name] = NAN
    return values, quality


class CardiacExtractor:
    """Streaming HR/HRV features from one ECG or PPG channel (``push`` then ``snapshot``)."""

    def __init__(self, kind: StreamKind, fs: float, channel: int = 0, window_s: float = 60.0) -> None:
        if kind not in (StreamKind.ECG, StreamKind.PPG):
            raise ValueError(f"CardiacExtractor reads ECG or PPG, not {kind}")
        self.kind = kind
        self.channel = channel
        self.window_s = window_s
        detector_class = EcgBeatDetector if kind is StreamKind.ECG else PpgBeatDetector
        self.detector: RegionBeatDetector = detector_class(fs)
        self._ts_tail = np.zeros(0)  # timestamps of the newest `delay + 1` samples
        self._beats: deque[float] = deque()
        self._pulses: deque[tuple[float, float]] = deque()  # PPG: (height, amplitude) per kept beat
        self._span = max(window_s, COHERENCE_WINDOW_S) + 5.0
        self._t = NAN
        self._bad_until = -math.inf
        self._cache_key: float | None = None
        self._cache: tuple[dict[str, float], dict[str, Verdict]] = ({}, {})

    @property
    def beat_times(self) -> np.ndarray:
        """Times (LSL s) of the beats released so far and still in the window."""
        return np.fromiter(self._beats, dtype=float)

    @property
    def pulses(self) -> PulseModulations | None:
        """A PPG's kept beats with their heights and amplitudes (None for an ECG)."""
        if self.kind is not StreamKind.PPG:
            return None
        measures = np.array(self._pulses, dtype=float).reshape(-1, 2)
        return PulseModulations(self.beat_times, measures[:, 0], measures[:, 1])

    @property
    def newest_t(self) -> float:
        """LSL time of the newest sample pushed (NaN before any)."""
        return self._t

    @property
    def known_until(self) -> float:
        """Every beat up to this LSL time has been released: the newest sample minus the detector's delay."""
        return self._t - self.detector.delay_s

    @property
    def signal_ok(self) -> bool:
        """Samples have arrived and no chunk in the last window was mostly NaN/inf."""
        return math.isfinite(self._t) and self._t > self._bad_until

    def push(self, samples: np.ndarray, timestamps: np.ndarray) -> None:
        x = np.asarray(samples, dtype=float)
        column = x[:, self.channel] if x.ndim == 2 else x.ravel()
        ts = np.asarray(timestamps, dtype=float).ravel()
        if ts.size != column.size:
            raise ValueError(f"{column.size} samples but {ts.size} timestamps")
        if column.size == 0:
            return
        first = self.detector.samples_seen
        bad_before = self.detector.nonfinite_samples
        # a beat released now lies after first - delay: the kept tail plus this chunk cover it
        stamps = np.concatenate([self._ts_tail, ts])
        base = first - self._ts_tail.size  # sample index of stamps[0]
        for b in self.detector.push(column):
            if isinstance(self.detector, PpgBeatDetector):
                pulse = self.detector.pop_beat(b)
                if pulse.sqi < SQI_ACCEPT:
                    continue
                self._pulses.append((pulse.intensity, pulse.amplitude))
            self._beats.append(float(stamps[b - base]))
        self._ts_tail = stamps[-(self.detector.delay + 1) :]
        self._t = float(ts[-1])
        if self.detector.nonfinite_samples - bad_before > 0.1 * (self.detector.samples_seen - first):
            self._bad_until = self._t + self.window_s
        while self._beats and self._beats[0] < self._t - self._span:
            self._beats.popleft()
            if self._pulses:
                self._pulses.popleft()

    def snapshot(self) -> ExtractorOutput:
        """Features at the newest sample; recomputed only when a new beat has arrived.

        ``window_features`` depends on ``now`` only through the newest beat and whether it is
        stale, so between beats the previous answer is reused as is.
        """
        if self._t <= self._bad_until:
            values, quality = _bad("non-finite samples in window")
            return ExtractorOutput(values, quality, self._t)
        times = self.beat_times
        stale = not times.size or self._t - times[-1] > STALE_S
        key = None if stale else float(times[-1])
        if key is None or key != self._cache_key:
            self._cache = window_features(times, self._t, self.window_s, self.pulses)
            self._cache_key = key
        values, quality = self._cache
        return ExtractorOutput(dict(values), dict(quality), self._t)
