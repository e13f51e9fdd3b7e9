"""EEG: accuracy on BioSPPy recordings, streaming == offline, notch, artifact flags, extractor verdicts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from mne.time_frequency import psd_array_welch

from sensors.features.eeg_bands import EEGWindowing, analyze_eeg
from sensors.features.eeg_extractor import EEGExtractor
from sensors.features.filters import CausalFilter, bandpass_notch_sos
from sensors.types import Level

FS = 250.0


def synthetic_eeg(seconds: float, alpha_hz: float = 10.0, seed: int = 0, channels: int = 1) -> np.ndarray:
    """1/f background (µV) plus an alpha rhythm: the usual resting-EEG shape."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    spectrum = np.fft.rfft(rng.standard_normal((channels, n)), axis=1)
    freqs = np.fft.rfftfreq(n, 1 / FS)
    spectrum[:, 1:] /= np.sqrt(freqs[1:])
    background = np.fft.irfft(spectrum, n, axis=1).T
    background *= 10.0 / background.std()
    t = np.arange(n) / FS
    return background + 10.0 * np.sin(2 * np.pi * alpha_hz * t)[:, None]


def load(recordings, name: str) -> np.ndarray:
    return np.loadtxt(recordings / "biosppy" / f"{name}.txt")[:, None]


def test_relative_alpha_eyes_closed_vs_open(recordings) -> None:
    """BioSPPy eeg_ec.txt / eeg_eo.txt (125 Hz, 1 channel): relative alpha ≥ 1.5× higher eyes closed."""
    closed = analyze_eeg(load(recordings, "eeg_ec"), 125.0, ["EEG"])
    opened = analyze_eeg(load(recordings, "eeg_eo"), 125.0, ["EEG"])
    assert closed["alpha_rel"]["EEG"] >= 1.5 * opened["alpha_rel"]["EEG"]
    assert 8.0 <= closed["iaf"] <= 12.0
    assert set(closed["bands"]["EEG"]) == {"delta", "theta", "alpha", "beta", "gamma"}


def test_iaf_of_a_known_rhythm_and_faa() -> None:
    data = synthetic_eeg(30, alpha_hz=10.6, channels=2)
    data[:, 1] += 15.0 * np.sin(2 * np.pi * 10.6 * np.arange(len(data)) / FS)  # more alpha on F4
    result = analyze_eeg(data, FS, ["F3", "F4"])
    assert result["iaf"] == pytest.approx(10.6, abs=0.3)
    extractor = EEGExtractor(FS, ["F3", "F4"])
    stamps = np.arange(len(data)) / FS
    extractor.push(data[:2500], stamps[:2500])
    extractor.begin_baseline()
    extractor.push(data[2500:], stamps[2500:])
    assert extractor.end_baseline() == pytest.approx(10.6, abs=0.3)
    out = extractor.snapshot()
    assert out.quality["iaf"].level == Level.GOOD
    assert out.values["faa"] > 0.5  # ln(alpha F4 / alpha F3) with F4's alpha ~ (25/10)² larger
    assert stamps[-1] - 0.25 < out.t <= stamps[-1]  # end of the newest complete window


def test_streaming_equals_offline() -> None:
    data = synthetic_eeg(20, channels=3)
    data[1000:1100, 1] += 400.0  # an artifact, so flags take part in the comparison
    whole = EEGWindowing(FS, 3).push(data)
    chunked, core = [], EEGWindowing(FS, 3)
    rng = np.random.default_rng(1)
    start = 0
    while start < len(data):
        step = int(rng.integers(1, 40))
        chunked += core.push(data[start : start + step])
        start += step
    assert [w.end for w in whole] == [w.end for w in chunked]
    assert [w.flags for w in whole] == [w.flags for w in chunked]
    np.testing.assert_allclose([w.bands for w in whole], [w.bands for w in chunked], rtol=1e-9)
    assert any(w.flags[1] for w in whole)


def test_incremental_psd_is_welch_of_the_window() -> None:
    """The mean of cached segment PSDs equals mne's Welch over the whole window (same segments)."""
    data = synthetic_eeg(5, channels=2)
    core = EEGWindowing(FS, 2)
    last = core.push(data)[-1]
    filtered = CausalFilter(bandpass_notch_sos(FS, (1.0, 45.0)), 2).process(data)
    window = filtered[last.end - core.window : last.end].T
    psd, _ = psd_array_welch(
        window,
        FS,
        fmin=1.0,
        fmax=45.0,
        n_fft=core.n_fft,
        n_per_seg=core.segment,
        n_overlap=core.segment - core.hop,
        verbose=False,
    )
    np.testing.assert_allclose(last.psd, psd, rtol=1e-10)


def test_notch_removes_50hz_and_keeps_alpha() -> None:
    t = np.arange(int(10 * FS)) / FS
    x = (20 * np.sin(2 * np.pi * 50 * t) + 5 * np.sin(2 * np.pi * 10 * t))[:, None]
    y = CausalFilter(bandpass_notch_sos(FS, (1.0, 45.0)), 1).process(x)[int(2 * FS) :, 0]
    spectrum = np.abs(np.fft.rfft(y)) / (y.size / 2)
    freqs = np.fft.rfftfreq(y.size, 1 / FS)
    assert spectrum[np.argmin(np.abs(freqs - 50))] < 0.01 * 20
    assert spectrum[np.argmin(np.abs(freqs - 10))] == pytest.approx(5, rel=0.05)


def test_filter_survives_nan_and_chunking() -> None:
    x = synthetic_eeg(4, channels=2)
    x[300:310, 0] = np.nan
    one = CausalFilter(bandpass_notch_sos(FS, (1.0, 45.0)), 2).process(x)
    f = CausalFilter(bandpass_notch_sos(FS, (1.0, 45.0)), 2)
    parts = np.concatenate([f.process(x[i : i + 7]) for i in range(0, len(x), 7)])
    assert np.all(np.isfinite(one))
    np.testing.assert_allclose(one, parts, rtol=1e-9, atol=1e-9)


def _flags_of(data: np.ndarray) -> set[str]:
    return {w.flags[0] for w in EEGWindowing(FS, 1).push(data)}


def test_artifact_flags_fire_on_blinks_emg_and_clipping() -> None:
    clean = synthetic_eeg(10)
    assert _flags_of(clean) == {""}
    blink = clean.copy()
    t = np.arange(int(0.4 * FS)) / FS
    for start in (3.0, 6.0):  # 150 µV, 400 ms blinks
        i = int(start * FS)
        blink[i : i + t.size, 0] += 150 * np.sin(np.pi * t / 0.4)
    assert "blink" in _flags_of(blink)
    emg = clean.copy()
    rng = np.random.default_rng(3)
    burst = rng.standard_normal(int(2 * FS)) * 40
    burst = CausalFilter(bandpass_notch_sos(FS, (30.0, 120.0), None), 1).process(burst[:, None])[:, 0]
    emg[int(4 * FS) : int(6 * FS), 0] += burst
    assert "EMG" in _flags_of(emg)
    clipped = np.clip(clean, -12, 12)
    assert "clipping" in _flags_of(clipped)


def test_extractor_holds_then_drops_artifact_windows() -> None:
    data = synthetic_eeg(12)
    stamps = np.arange(len(data)) / FS
    extractor = EEGExtractor(FS, ["Oz"])
    extractor.push(data[: int(6 * FS)], stamps[: int(6 * FS)])
    good = extractor.snapshot()
    assert good.quality["alpha_rel"].level == Level.GOOD and 0 < good.values["alpha_rel"] < 1
    assert good.quality["faa"].level == Level.BAD and math.isnan(good.values["faa"])
    blink = data[int(6 * FS) : int(6.5 * FS)].copy()
    blink[: int(0.4 * FS), 0] += 150 * np.sin(np.pi * np.arange(int(0.4 * FS)) / (0.4 * FS))
    extractor.push(blink, stamps[int(6 * FS) : int(6.5 * FS)])
    held = extractor.snapshot()
    assert held.quality["alpha_rel"].level == Level.DEGRADED
    assert "blink" in held.quality["alpha_rel"].reason
    assert 0 < held.values["alpha_rel"] < 1
    assert held.t < stamps[int(6.1 * FS)]  # from the last clean window, which ended before the blink
    saturated = np.clip(20 * data[int(6.5 * FS) :], -100, 100)  # the amplifier saturates from now on
    extractor.push(saturated, stamps[int(6.5 * FS) :])
    gone = extractor.snapshot()
    assert math.isnan(gone.values["alpha_rel"])
    assert gone.quality["alpha_rel"].level == Level.BAD and "clipping" in gone.quality["alpha_rel"].reason


@pytest.mark.parametrize(
    "data",
    [np.zeros((1000, 1)), np.full((1000, 1), np.nan), np.full((1000, 1), np.inf), np.ones((1000, 1)) * 5],
)
def test_degenerate_recordings_give_none_not_exceptions(data: np.ndarray) -> None:
    result = analyze_eeg(data, FS, ["Cz"])
    assert result["alpha_rel"]["Cz"] is None
    assert result["iaf"] is None


def test_bad_arguments_raise_clear_errors() -> None:
    with pytest.raises(ValueError, match="labels"):
        analyze_eeg(np.zeros((1000, 2)), FS, ["Cz"])
    with pytest.raises(ValueError, match="too short"):
        analyze_eeg(np.zeros((10, 1)), FS, ["Cz"])
    with pytest.raises(ValueError, match="sampling rate"):
        analyze_eeg(np.zeros((1000, 1)), 0.0, ["Cz"])


@settings(max_examples=40, deadline=None)
@given(
    chunk=arrays(
        np.float64,
        st.tuples(st.integers(0, 400), st.just(2)),
        elements=st.floats(allow_nan=True, allow_infinity=True, width=64),
    )
)
def test_extractor_never_raises_and_never_reports_junk_as_good(chunk: np.ndarray) -> None:
    extractor = EEGExtractor(125.0, ["O1", "O2"])
    extractor.push(chunk, np.arange(len(chunk)) / 125.0)
    out = extractor.snapshot()
    for name, value in out.values.items():
        if math.isnan(value):
            assert out.quality[name].level == Level.BAD
    if not np.all(np.isfinite(chunk)):
        assert all(v.level != Level.GOOD for k, v in out.quality.items() if k != "iaf")


@settings(max_examples=30, deadline=None)
@given(
    data=arrays(
        np.float64,
        st.tuples(st.integers(0, 800), st.integers(1, 3)),
        elements=st.floats(allow_nan=True, allow_infinity=True, width=64),
    ),
    fs=st.one_of(st.sampled_from([125.0, 250.0]), st.floats(allow_nan=True, allow_infinity=True)),
)
def test_analyze_eeg_gives_a_result_or_a_clear_error(data: np.ndarray, fs: float) -> None:
    labels = [f"C{i}" for i in range(data.shape[1])]
    try:
        result = analyze_eeg(data, fs, labels)
    except ValueError as exc:
        assert str(exc)
        return
    for name in labels:
        value = result["alpha_rel"][name]
        assert value is None or 0.0 <= value <= 1.0
