"""Whole-recording analysis of ECG, PPG and respiration signals for ``oasis analyze``."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sensors.features.cardiac import window_features
from sensors.features.coherence import WINDOW_S as COHERENCE_WINDOW_S
from sensors.features.coherence import coherence
from sensors.features.ecg_beats import EcgBeatDetector
from sensors.features.hrv import hrv_frequency, hrv_time
from sensors.features.ibi import correct_ibi
from sensors.features.ppg_beats import PpgBeatDetector, PulseBeat
from sensors.features.pulse_quality import SQI_ACCEPT
from sensors.features.pulse_respiration import PulseModulations
from sensors.features.respiration import RespirationDecimator, detect_breaths, rate_from_decimated

COHERENCE_STEP_S = 5.0
CHUNK_S = 10.0

Progress = Callable[[int], None]


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def detect_beats(x: np.ndarray, fs: float, kind: str, progress: Progress | None = None) -> np.ndarray:
    """Beats of a whole recording with the streaming detector, in chunks (reporting progress)."""
    return _detect(x, fs, kind, progress)[0]


def _detect(
    x: np.ndarray, fs: float, kind: str, progress: Progress | None = None
) -> tuple[np.ndarray, list[PulseBeat]]:
    """Beats, and for a PPG each beat's measures (SQI, height, amplitude)."""
    det = (EcgBeatDetector if kind == "ecg" else PpgBeatDetector)(fs)
    step = max(1, int(CHUNK_S * fs))
    beats: list[int] = []
    for start in range(0, x.size, step):
        beats += det.push(x[start : start + step])
        if progress:
            progress(min(step, x.size - start))
    beats += det.finish()
    measured = [det.pop_beat(b) for b in beats] if isinstance(det, PpgBeatDetector) else []
    return np.asarray(beats, dtype=np.int64), measured


def _kept_pulses(
    beats: np.ndarray, measured: list[PulseBeat], fs: float
) -> tuple[np.ndarray, PulseModulations]:
    """The beats the station's PPG extractor uses (SQI ≥ 0.85 or not yet known) and their measures."""
    keep = [i for i, m in enumerate(measured) if not m.sqi < SQI_ACCEPT]
    times = beats[keep] / fs
    heights = np.array([measured[i].intensity for i in keep], dtype=float)
    amplitudes = np.array([measured[i].amplitude for i in keep], dtype=float)
    return times, PulseModulations(times, heights, amplitudes)


def mean_coherence(times_s: np.ndarray, nn_ms: np.ndarray) -> float:
    """Mean HeartMath coherence over 64 s windows ending every 5 s (NaN below 64 s of beats)."""
    if times_s.size < 4 or times_s[-1] - times_s[0] < COHERENCE_WINDOW_S - 1.0:
        return float("nan")
    scores = []
    for end in np.arange(times_s[0] + COHERENCE_WINDOW_S, times_s[-1] + 1e-9, COHERENCE_STEP_S):
        lo, hi = np.searchsorted(times_s, [end - COHERENCE_WINDOW_S - 2.0, end], side="right")
        scores.append(coherence(times_s[lo:hi], nn_ms[lo:hi]))
    scores_a = np.asarray(scores)
    return float(np.nanmean(scores_a)) if np.isfinite(scores_a).any() else float("nan")


def analyze_cardiac(
    x: np.ndarray, fs: float, kind: str, window_s: float | None = None, progress: Progress | None = None
) -> dict:
    """The issue's ECG/PPG report: beats, intervals, corrected count and whole-recording HRV.

    With ``window_s``, ``windows`` adds the real-time features of consecutive windows, as the
    station computes them (for a PPG: from the beats its SQI accepts, breathing from the pulse).
    """
    beats, measured = _detect(x, fs, kind, progress)
    ibi = correct_ibi(beats / fs)
    time_domain = hrv_time(ibi.nn_ms, ibi.valid)
    freq = hrv_frequency(ibi.times_s, ibi.nn_ms)
    hrv = {
        "mean_nn": time_domain["mean_nn"],
        "sdnn": time_domain["sdnn"],
        "rmssd": time_domain["rmssd"],
        "pnn50": time_domain["pnn50"],
        "lf": freq["lf"],
        "hf": freq["hf"],
        "lf_hf": freq["lf_hf"],
        "coherence": mean_coherence(ibi.times_s, ibi.nn_ms),
    }
    report: dict = {
        "fs": fs,
        "beats": beats.tolist(),
        "ibi_ms": [round(float(v), 3) for v in ibi.ibi_ms],
        "corrected": int(ibi.n_corrected),
        "hrv": {k: _finite(v) for k, v in hrv.items()},
    }
    if window_s:
        times, pulses = _kept_pulses(beats, measured, fs) if kind == "ppg" else (beats / fs, None)
        report["windows"] = []
        for end in np.arange(window_s, x.size / fs + 1e-9, window_s):
            values, quality = window_features(times, float(end), window_s, pulses)
            report["windows"].append(
                {
                    "end_s": float(end),
                    "features": {k: _finite(v) for k, v in values.items()},
                    "quality": {k: {"level": str(v.level), "reason": v.reason} for k, v in quality.items()},
                }
            )
    return report


def analyze_resp(x: np.ndarray, fs: float, progress: Progress | None = None) -> dict:
    """Respiration report: breaths (sample indices), intervals and the breathing rate."""
    dec = RespirationDecimator(fs)
    step = max(1, int(CHUNK_S * fs))
    pieces = []
    for start in range(0, x.size, step):
        pieces.append(dec.push(x[start : start + step]))
        if progress:
            progress(min(step, x.size - start))
    rate = rate_from_decimated(np.concatenate(pieces), dec.fs_out)
    breaths = detect_breaths(x, fs)
    return {
        "fs": fs,
        "breaths": breaths.tolist(),
        "breath_interval_s": [round(float(v), 3) for v in np.diff(breaths) / fs],
        "resp_rate": _finite(rate),
    }
