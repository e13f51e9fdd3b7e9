"""Simulated officer physiology: generators checked against what the signals are meant to carry.

No LSL here: the generators are pure, so these tests drive ``next_chunk`` directly.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import interpolate, signal

from sensors.sim.cardiac_signal import BeatTrain, EcgGenerator, PpgGenerator, RrGenerator
from sensors.sim.eda_signal import EdaGenerator
from sensors.sim.eeg_signal import LABELS, EegGenerator
from sensors.sim.officer_state import Scenario
from sensors.sim.resp_signal import RespGenerator
from sensors.sim.streams import STREAM_NAMES, build_generators


def rr_spectrum_peak_hz(breathing: float, seed: int = 3) -> float:
    """Frequency of the largest peak (0.04-0.5 Hz) of 300 s of RR intervals resampled at 4 Hz."""
    rr = RrGenerator(Scenario.named("steady", breathing_bpm=breathing), seed)
    times, intervals = rr.until(300.0)
    grid = np.arange(times[0], times[-1], 0.25)
    series = interpolate.CubicSpline(times, intervals[:, 0])(grid)
    freqs, power = signal.welch(series - series.mean(), fs=4.0, nperseg=512)
    band = (freqs >= 0.04) & (freqs <= 0.5)
    return float(freqs[band][np.argmax(power[band])])


@pytest.mark.parametrize(("breathing", "expected_hz"), [(6.0, 0.1), (12.0, 0.2)])
def test_rr_spectrum_peaks_at_the_breathing_rate(breathing: float, expected_hz: float) -> None:
    assert rr_spectrum_peak_hz(breathing) == pytest.approx(expected_hz, abs=0.01)


def alpha_power(arousal: float, seed: int = 5) -> np.ndarray:
    """Welch 8-12 Hz power (µV²) per channel over 60 s of EEG at a fixed arousal."""
    eeg = EegGenerator(Scenario.fixed(arousal), seed)
    data = eeg.next_chunk(int(60 * eeg.fs))
    freqs, psd = signal.welch(data, fs=eeg.fs, nperseg=512, axis=0)
    band = (freqs >= 8) & (freqs <= 12)
    return np.trapezoid(psd[band], freqs[band], axis=0)


def test_posterior_alpha_rises_with_relaxation() -> None:
    relaxed, stressed = alpha_power(0.15), alpha_power(0.85)
    for name in ("O1", "O2"):
        i = LABELS.index(name)
        assert relaxed[i] / stressed[i] > 1.5
    # posterior dominance: alpha is stronger on O1/O2 than on Fp1/Fp2 when relaxed
    assert relaxed[LABELS.index("O1")] > 2 * relaxed[LABELS.index("Fp1")]


def test_alpha_peaks_at_the_individual_alpha_frequency() -> None:
    eeg = EegGenerator(Scenario.fixed(0.1), seed=2, iaf_hz=9.0)
    data = eeg.next_chunk(int(60 * eeg.fs))[:, LABELS.index("O1")]
    freqs, psd = signal.welch(data, fs=eeg.fs, nperseg=1024)
    band = (freqs >= 6) & (freqs <= 14)
    assert freqs[band][np.argmax(psd[band])] == pytest.approx(9.0, abs=0.5)


def test_blinks_are_frontal_and_emg_rises_with_stress() -> None:
    stressed = EegGenerator(Scenario.fixed(0.9), seed=4).next_chunk(250 * 120)
    relaxed = EegGenerator(Scenario.fixed(0.1), seed=4).next_chunk(250 * 120)
    fp1, o1 = LABELS.index("Fp1"), LABELS.index("O1")
    # blinks: large positive frontal deflections that the occipital channel does not see
    assert np.percentile(stressed[:, fp1], 99.9) > 60.0
    assert np.percentile(stressed[:, o1], 99.9) < 60.0
    # EMG: broadband high-frequency power on Fp1 is larger under stress
    sos = signal.butter(4, 30.0, "highpass", fs=250.0, output="sos")
    hf = [np.mean(signal.sosfilt(sos, x[:, fp1]) ** 2) for x in (stressed, relaxed)]
    assert hf[0] > 2 * hf[1]


def test_ecg_r_peaks_match_the_beat_times() -> None:
    scenario = Scenario.named("relaxing", duration_s=120.0)
    ecg = EcgGenerator(scenario, seed=7)
    data = ecg.next_chunk(int(120 * ecg.fs))[:, 0]
    peaks, _ = signal.find_peaks(data, height=0.6, distance=int(0.3 * ecg.fs))
    found = peaks / ecg.fs
    truth = np.array([t for t in ecg.beats.times if 0.3 < t < 119.7])
    found = found[(found > 0.3) & (found < 119.7)]
    assert len(found) == len(truth)
    assert np.max(np.abs(found - truth)) <= 2.0 / ecg.fs


def test_heart_rate_is_plausible_and_follows_the_scenario() -> None:
    beats = BeatTrain(Scenario.named("relaxing", duration_s=300.0), seed=11)
    beats.extend_to(300.0)
    times = np.array(beats.times)
    hr = 60.0 / np.diff(times)
    normal = ~np.array(beats.ectopic[1:]) & ~np.array(beats.ectopic[:-1])
    assert np.all((hr[normal] > 50) & (hr[normal] < 110))
    start, end = hr[times[1:] < 60].mean(), hr[times[1:] > 240].mean()
    assert start > end + 15  # the officer relaxes: HR falls


def test_ectopic_beats_are_premature_and_recorded() -> None:
    beats = BeatTrain(Scenario.fixed(0.5), seed=1, ectopic_per_min=3.0)
    beats.extend_to(600.0)
    rr = np.diff(beats.times)
    ectopic = np.array(beats.ectopic[1:])
    assert 10 <= ectopic.sum() <= 60
    neighbours = np.median(rr[~ectopic])
    assert np.all(rr[ectopic] < 0.75 * neighbours)
    # the compensatory pause follows each premature beat
    after = np.flatnonzero(ectopic) + 1
    after = after[after < len(rr)]
    assert np.median(rr[after]) > 1.2 * neighbours


def test_ppg_pulses_follow_the_beats_after_a_transit_delay() -> None:
    scenario = Scenario.fixed(0.3)
    beats = BeatTrain(scenario, seed=2, ectopic_per_min=0.0)
    ppg = PpgGenerator(scenario, seed=2, beats=beats)
    data = ppg.next_chunk(int(60 * ppg.fs))[:, 0]
    peaks, _ = signal.find_peaks(data, prominence=0.4)
    peak_times = peaks / ppg.fs
    r = np.array(beats.times)
    lags = np.array([p - r[r < p].max() for p in peak_times if (r < p).any()])
    assert len(peak_times) == pytest.approx(len(r[r < 60]), abs=2)
    assert 0.25 < np.median(lags) < 0.5


def test_eda_is_plausible_and_responds_to_arousal() -> None:
    stressed = EdaGenerator(Scenario.fixed(0.9), seed=3)
    relaxed = EdaGenerator(Scenario.fixed(0.1), seed=3)
    hi, lo = stressed.next_chunk(32 * 300)[:, 0], relaxed.next_chunk(32 * 300)[:, 0]
    for x in (hi, lo):
        assert np.all((x > 0.5) & (x < 30.0))  # µS
    assert hi.mean() > lo.mean() + 3.0
    assert len(stressed.scr_onsets) > 2 * len(relaxed.scr_onsets)


def test_respiration_cycles_at_the_breathing_rate() -> None:
    resp = RespGenerator(Scenario.named("steady", breathing_bpm=6.0), seed=0)
    data = resp.next_chunk(int(120 * resp.fs))[:, 0]
    freqs, psd = signal.welch(data - data.mean(), fs=resp.fs, nperseg=1024)
    assert freqs[np.argmax(psd)] == pytest.approx(0.1, abs=0.02)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(0, 700), min_size=1, max_size=5))
def test_chunking_does_not_change_the_signal(sizes: list[int]) -> None:
    scenario = Scenario.named("relaxing", duration_s=20.0)
    wholes = build_generators(STREAM_NAMES, scenario, seed=9)
    pieces = build_generators(STREAM_NAMES, scenario, seed=9)
    for name in STREAM_NAMES:
        whole = wholes[name].next_chunk(sum(sizes))
        joined = np.concatenate([pieces[name].next_chunk(n) for n in sizes])
        assert joined.shape == whole.shape == (sum(sizes), len(wholes[name].labels))
        np.testing.assert_allclose(joined, whole, rtol=0, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_the_seed_changes_the_signal(name: str) -> None:
    scenario = Scenario.named("steady")
    same = [build_generators([name], scenario, seed=9)[name].next_chunk(500) for _ in range(2)]
    other = build_generators([name], scenario, seed=10)[name].next_chunk(500)
    np.testing.assert_array_equal(same[0], same[1])
    assert not np.allclose(other, same[0])


def test_scenarios() -> None:
    relaxing = Scenario.named("relaxing", duration_s=100.0)
    assert relaxing.at(0.0).arousal > 0.8 and relaxing.at(100.0).arousal < 0.2
    assert Scenario.named("stressed").at(500.0).arousal > 0.8
    assert Scenario.named("steady", breathing_bpm=6).at(50.0).breathing_bpm == 6.0
    # breathing follows arousal when not paced; the phase is its integral
    assert relaxing.at(0.0).breathing_bpm > relaxing.at(100.0).breathing_bpm
    t = np.linspace(0, 200, 20001)
    numeric = np.concatenate([[0], np.cumsum(relaxing.breathing(t)[1:] * np.diff(t))]) / 60
    np.testing.assert_allclose(relaxing.breath_cycles(t), numeric, atol=1e-3)
    with pytest.raises(ValueError, match="unknown scenario"):
        Scenario.named("panicking")
