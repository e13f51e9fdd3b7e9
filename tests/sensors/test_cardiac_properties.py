"""Property tests: the feature functions never raise on random or adversarial input; they answer
NaN or a bad verdict instead."""

from __future__ import annotations

import math
import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sensors.features.cardiac import CARDIAC_FEATURES, CardiacExtractor, window_features
from sensors.features.coherence import coherence
from sensors.features.ecg_beats import detect_ecg_beats
from sensors.features.hrv import hrv_frequency, hrv_time, rsa_breathing_rate
from sensors.features.ibi import correct_ibi
from sensors.features.ppg_beats import detect_ppg_beats
from sensors.features.respiration import RespirationExtractor, breathing_rate, detect_breaths
from sensors.types import Level, StreamKind

# OASIS_FUZZ_EXAMPLES=2000 for a long fuzz run; the default keeps the suite quick
EXAMPLES = int(os.environ.get("OASIS_FUZZ_EXAMPLES", "60"))
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

any_float = st.floats(allow_nan=True, allow_infinity=True, width=64)
wild = st.one_of(
    arrays(np.float64, st.integers(0, 3000), elements=any_float),
    arrays(np.float64, st.integers(0, 3000), elements=st.floats(-1e6, 1e6)),
    st.builds(lambda n, v: np.full(n, v), st.integers(0, 3000), any_float),  # constant
    st.builds(lambda n: np.random.default_rng(n).standard_normal(n), st.integers(0, 3000)),
)
beat_times = st.one_of(
    arrays(np.float64, st.integers(0, 200), elements=any_float),
    st.builds(lambda d: np.cumsum(d), arrays(np.float64, st.integers(0, 200), elements=st.floats(0, 3))),
)
fs_values = st.sampled_from([125.0, 250.0, 360.0, 1000.0])


def _nan_or_finite(x: float) -> bool:
    return isinstance(x, float) and (math.isnan(x) or math.isfinite(x))


@FAST
@given(wild, fs_values)
def test_beat_detectors_never_raise(x, fs):
    for detect in (detect_ecg_beats, detect_ppg_beats):
        beats = detect(x, fs)
        assert beats.dtype == np.int64
        assert np.all(np.diff(beats) > 0) and np.all((beats >= 0) & (beats < max(1, x.size)))


@FAST
@given(beat_times)
def test_ibi_and_hrv_never_raise(t):
    ibi = correct_ibi(t)
    assert ibi.nn_ms.size == ibi.valid.size == ibi.times_s.size
    for value in [*hrv_time(ibi.nn_ms, ibi.valid).values(), *hrv_frequency(ibi.times_s, ibi.nn_ms).values()]:
        assert _nan_or_finite(value)
    assert _nan_or_finite(coherence(ibi.times_s, ibi.nn_ms))
    assert _nan_or_finite(rsa_breathing_rate(ibi.times_s, ibi.nn_ms))


@FAST
@given(beat_times, any_float, st.one_of(st.floats(-10, 400), st.just(math.nan)))
def test_window_features_nan_means_bad(t, now, window):
    values, quality = window_features(t, now, window)
    assert set(values) == set(quality) == set(CARDIAC_FEATURES)
    for name, value in values.items():
        assert _nan_or_finite(value)
        if math.isnan(value) and name != "corrected_share":
            assert quality[name].level is Level.BAD and quality[name].reason


@FAST
@given(wild, st.sampled_from([StreamKind.ECG, StreamKind.PPG]), st.integers(1, 500))
def test_cardiac_extractor_never_raises(x, kind, chunk):
    ex = CardiacExtractor(kind, 250.0)
    for start in range(0, x.size, chunk):
        part = x[start : start + chunk]
        ex.push(part[:, None], 100.0 + (start + np.arange(part.size)) / 250.0)
    snap = ex.snapshot()
    for name in CARDIAC_FEATURES:
        assert _nan_or_finite(snap.values[name])
        if math.isnan(snap.values[name]) and name != "corrected_share":
            assert snap.quality[name].level is Level.BAD


@FAST
@given(wild, st.sampled_from([10.0, 50.0, 1000.0]))
def test_respiration_never_raises(x, fs):
    assert _nan_or_finite(breathing_rate(x, fs))
    assert detect_breaths(x, fs).dtype == np.int64
    ex = RespirationExtractor(fs)
    ex.push(x[:, None], np.arange(x.size) / fs)
    snap = ex.snapshot()
    if math.isnan(snap.values["resp_rate"]):
        assert snap.quality["resp_rate"].level is Level.BAD


@FAST
@given(beat_times, beat_times)
def test_heart_fusion_never_raises(r, p):
    from sensors.features.heart_fusion import fuse_beats

    r, p = r[np.isfinite(r)], p[np.isfinite(p)]
    fused = fuse_beats(r, p)
    assert fused.times_s.size == fused.source.size and np.all(np.diff(fused.times_s) >= 0)
    assert fused.ecg_dropped + fused.ppg_dropped + fused.times_s.size <= r.size + p.size


@FAST
@given(beat_times, wild, wild)
def test_pulse_breathing_never_raises(t, heights, amplitudes):
    from sensors.features.pulse_respiration import PulseModulations, pulse_breathing

    n = min(t.size, heights.size, amplitudes.size)
    t = np.sort(t[:n])
    end = float(t[-1]) if n and math.isfinite(t[-1]) else 0.0
    result = pulse_breathing(PulseModulations(t, heights[:n], amplitudes[:n]), end)
    assert _nan_or_finite(result.rate) and all(_nan_or_finite(x) for x in result.own_rates)
    assert math.isnan(result.rate) or 4.0 <= result.rate <= 30.0
