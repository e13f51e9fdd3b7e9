"""EDA: SCRs with known onsets and amplitudes, BioSPPy eda.txt, streaming == offline, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sensors.features.skin_conductance import EDAExtractor, SCRDetector, analyze_eda
from sensors.types import Level

FS = 32.0
ONSETS = [10.0, 25.0, 40.0, 52.0]
AMPLITUDES = [0.05, 0.02, 0.3, 1.0]  # trough-to-peak cannot see a small SCR on a big one's recovery


def scr_shape(t: np.ndarray, onset: float, amplitude: float) -> np.ndarray:
    """Bateman-like response (rise ~1.5 s, decay ~4 s time constant) scaled to peak at ``amplitude``."""
    s = np.clip(t - onset, 0, None)
    shape = np.exp(-s / 4.0) - np.exp(-s / 0.75)
    return amplitude * shape / shape.max() if shape.max() > 0 else shape


def synthetic_eda(seconds: float = 70.0, onsets=ONSETS, amplitudes=AMPLITUDES) -> tuple[np.ndarray, ...]:
    t = np.arange(int(seconds * FS)) / FS
    x = 5.0 - 0.002 * t  # tonic level drifting down slowly
    for onset, amplitude in zip(onsets, amplitudes, strict=True):
        x = x + scr_shape(t, onset, amplitude)
    x += np.random.default_rng(0).normal(0, 0.0005, t.size)
    return x, t


def test_known_scrs_are_found_with_onset_and_amplitude() -> None:
    x, t = synthetic_eda()
    detector = SCRDetector(FS)
    detector.push(x, t)
    assert len(detector.scrs) == len(ONSETS)
    for scr, onset, amplitude in zip(detector.scrs, ONSETS, AMPLITUDES, strict=True):
        assert scr.onset == pytest.approx(onset, abs=0.5)  # includes the causal low-pass delay
        # trough-to-peak loses the tonic decline over the rise: 0.002 µS/s × ~1.7 s
        assert scr.amplitude == pytest.approx(amplitude, rel=0.1, abs=0.005)


def test_responses_below_the_minimum_amplitude_are_ignored() -> None:
    x, _ = synthetic_eda(onsets=[10.0, 30.0], amplitudes=[0.005, 0.2])
    result = analyze_eda(x, FS)
    assert result["scr_count"] == 1
    assert analyze_eda(x, FS, min_amplitude=0.001)["scr_count"] == 2


def test_biosppy_eda(recordings) -> None:
    """BioSPPy eda.txt (1000 Hz, 12-bit BITalino ADC, 150 s): converted with the BITalino EDA transfer
    function µS = ADC / 2^12 · 3.3 V / 0.132, the trace shows responses starting near 54, 64, 72, 103,
    112 and 131 s on a declining ~15 µS level."""
    adc = np.loadtxt(recordings / "biosppy" / "eda.txt")
    microsiemens = adc / 4096 * 3.3 / 0.132
    result = analyze_eda(microsiemens, 1000.0)
    assert result["scl_mean"] == pytest.approx(microsiemens.mean(), rel=0.01)
    detector = SCRDetector(1000.0)
    detector.push(microsiemens, np.arange(adc.size) / 1000.0)
    big = [scr.onset for scr in detector.scrs if scr.amplitude > 0.3]
    assert len(big) == 6
    np.testing.assert_allclose(big, [54, 64, 72, 103, 112, 131], atol=1.5)
    assert result["scr_count"] >= 6
    assert result["scr_per_min"] == pytest.approx(result["scr_count"] / 2.5)


def test_streaming_equals_offline() -> None:
    x, t = synthetic_eda()
    whole = SCRDetector(FS)
    level_whole, _ = whole.push(x, t)
    parts, chunked, start = [], SCRDetector(FS), 0
    rng = np.random.default_rng(2)
    while start < x.size:
        step = int(rng.integers(1, 50))
        parts.append(chunked.push(x[start : start + step], t[start : start + step])[0])
        start += step
    assert whole.scrs == chunked.scrs
    np.testing.assert_allclose(np.concatenate(parts), level_whole, rtol=1e-12)


def test_extractor_reports_scl_and_rate() -> None:
    x, t = synthetic_eda()
    extractor = EDAExtractor(FS)
    for i in range(0, x.size, 16):
        extractor.push(x[i : i + 16, None], t[i : i + 16] + 1000.0)
    out = extractor.snapshot()
    assert out.quality["scl"].level == Level.GOOD
    assert out.values["scl"] == pytest.approx(x[t >= t[-1] - 60].mean(), rel=0.01)
    assert out.values["scr_rate"] == pytest.approx(4.0)  # 4 SCRs within the last 60 s
    assert out.t == t[-1] + 1000.0


def test_extractor_marks_electrode_off_as_bad() -> None:
    extractor = EDAExtractor(FS)
    t = np.arange(int(20 * FS)) / FS
    extractor.push(np.full((t.size, 1), 0.001) + 1e-4 * np.sin(t)[:, None], t)
    out = extractor.snapshot()
    assert math.isnan(out.values["scl"])
    assert out.quality["scl"].level == Level.BAD and "electrode off" in out.quality["scl"].reason


@pytest.mark.parametrize(
    ("signal", "fs", "match"),
    [
        (np.zeros((10, 2)), FS, "one channel"),
        (np.full(100, np.nan), FS, "no usable"),
        (np.ones(100), 0.0, "rate"),
    ],
)
def test_bad_input_raises_clear_errors(signal: np.ndarray, fs: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        analyze_eda(signal, fs)


@settings(max_examples=60, deadline=None)
@given(
    chunk=arrays(np.float64, st.integers(0, 300), elements=st.floats(allow_nan=True, allow_infinity=True)),
)
def test_extractor_never_raises_and_never_reports_junk_as_good(chunk: np.ndarray) -> None:
    extractor = EDAExtractor(16.0)
    extractor.push(chunk[:, None], np.arange(chunk.size) / 16.0)
    out = extractor.snapshot()
    for name, value in out.values.items():
        if math.isnan(value):
            assert out.quality[name].level == Level.BAD
        if not np.all(np.isfinite(chunk)):
            assert out.quality[name].level != Level.GOOD


@settings(max_examples=40, deadline=None)
@given(
    signal=arrays(np.float64, st.integers(0, 600), elements=st.floats(allow_nan=True, allow_infinity=True)),
    fs=st.one_of(st.sampled_from([4.0, 32.0, 1000.0]), st.floats(allow_nan=True, allow_infinity=True)),
)
def test_analyze_eda_gives_a_result_or_a_clear_error(signal: np.ndarray, fs: float) -> None:
    try:
        result = analyze_eda(signal, fs)
    except ValueError as exc:
        assert str(exc)
        return
    assert result["scr_count"] >= 0 and result["scr_per_min"] >= 0


def test_simulated_officer_scr_rate_is_in_the_simulators_range_and_follows_arousal() -> None:
    # The simulator draws 1-8 SCRs a minute, more when stressed; its slow tonic drift must not be
    # counted as responses (a first-order drift filter once made that 30 a minute).
    from sensors.sim.eda_signal import EdaGenerator
    from sensors.sim.officer_state import Scenario

    rates = {}
    for name in ("steady", "stressed"):
        gen = EdaGenerator(Scenario.named(name, 300, None), seed=3)
        rates[name] = analyze_eda(gen.next_chunk(int(300 * gen.fs))[:, 0], gen.fs)["scr_per_min"]
    assert 1.0 <= rates["steady"] <= 8.0 and 1.0 <= rates["stressed"] <= 9.0
    assert rates["stressed"] > rates["steady"]
