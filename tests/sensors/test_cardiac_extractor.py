"""Streaming extractors: same answers as the offline functions, and honest verdicts."""

from __future__ import annotations

import numpy as np
import pytest

from sensors.features.cardiac import CARDIAC_FEATURES, CardiacExtractor, window_features
from sensors.features.ecg_beats import detect_ecg_beats
from sensors.features.extractor import Extractor
from sensors.features.ppg_beats import detect_ppg_beats
from sensors.features.respiration import RespirationExtractor, breathing_rate, detect_breaths
from sensors.types import FEATURES, Level, StreamKind

T0 = 51234.5  # an LSL-like clock offset


@pytest.fixture(scope="module")
def record_100(recordings):
    d = np.load(recordings / "ecg_mitdb_100.npz")
    fs = float(d["fs"])
    return d["ecg_mV"][: int(150 * fs)].astype(float), fs


def _stream(extractor, x, fs, seed=1, snapshot_every_s=None):
    """Push ``x`` in random chunks with timestamps; snapshots at roughly the given period."""
    rng = np.random.default_rng(seed)
    stamps = T0 + np.arange(x.size) / fs
    snaps = []
    pos, next_snap = 0, snapshot_every_s
    while pos < x.size:
        step = int(rng.integers(1, int(0.2 * fs)))
        extractor.push(x[pos : pos + step, None], stamps[pos : pos + step])
        pos += step
        if snapshot_every_s and pos / fs >= next_snap:
            snaps.append((min(pos, x.size), extractor.snapshot()))
            next_snap += snapshot_every_s
    return snaps


def test_extractors_implement_the_interface():
    extractors: list[Extractor] = [CardiacExtractor(StreamKind.ECG, 500.0), RespirationExtractor(50.0)]
    for ex in extractors:  # Extractor is a structural Protocol: check its members
        assert isinstance(ex.kind, StreamKind) and callable(ex.push) and callable(ex.snapshot)
    assert set(CARDIAC_FEATURES) <= set(FEATURES)


def test_streaming_equals_offline_at_every_update(record_100):
    x, fs = record_100
    ex = CardiacExtractor(StreamKind.ECG, fs)
    snaps = _stream(ex, x, fs, snapshot_every_s=0.25)  # also exercises the between-beats cache
    beats = detect_ecg_beats(x, fs)
    for n_seen, snap in snaps:
        known = beats[beats + ex.detector.delay <= n_seen]  # what a streaming detector has released
        values, quality = window_features(T0 + known / fs, T0 + (n_seen - 1) / fs, 60.0)
        assert snap.t == pytest.approx(T0 + (n_seen - 1) / fs)
        np.testing.assert_equal(snap.values, values)
        assert snap.quality == quality
    final = snaps[-1][1]
    assert all(final.quality[k].level is Level.GOOD for k in CARDIAC_FEATURES), final.quality
    assert 65 < final.values["hr"] < 85 and 15 < final.values["rmssd"] < 40


def test_first_seconds_are_marked_not_good(record_100):
    x, fs = record_100
    ex = CardiacExtractor(StreamKind.ECG, fs)
    first = _stream(ex, x[: int(30 * fs)], fs, snapshot_every_s=1.0)
    assert first[0][1].quality["hr"].level is Level.BAD  # no beat yet after 1 s
    last = first[-1][1]
    assert last.quality["hr"].level is Level.DEGRADED and "window" in last.quality["hr"].reason
    assert np.isnan(last.values["lf"]) and last.quality["lf"].level is Level.BAD
    assert np.isnan(last.values["coherence"]) and "window too short" in last.quality["coherence"].reason


def test_ppg_extractor_on_biosppy_ppg(recordings):
    x = np.loadtxt(recordings / "biosppy" / "ppg.txt")
    ex = CardiacExtractor(StreamKind.PPG, 1000.0)
    _stream(ex, x, 1000.0)
    snap = ex.snapshot()
    assert 60 < snap.values["hr"] < 130
    np.testing.assert_allclose(
        ex.beat_times, T0 + detect_ppg_beats(x, 1000.0)[: ex.beat_times.size] / 1000.0, atol=1e-9
    )


def test_large_chunks_keep_every_beat_with_its_timestamp(record_100):
    """A stalled pipeline may push 10 s at once: every released beat still gets its own stamp."""
    x, fs = record_100
    ex = CardiacExtractor(StreamKind.ECG, fs)
    stamps = T0 + np.arange(x.size) / fs
    for start in range(0, x.size, int(10 * fs)):
        ex.push(x[start : start + int(10 * fs), None], stamps[start : start + int(10 * fs)])
    beats = detect_ecg_beats(x, fs)
    released = beats[beats + ex.detector.delay <= x.size]
    kept = released[T0 + released / fs >= ex.beat_times[0]]
    np.testing.assert_array_equal(ex.beat_times, T0 + kept / fs)


def test_flat_signal_and_lost_electrode_are_bad(record_100):
    x, fs = record_100
    flat = CardiacExtractor(StreamKind.ECG, fs)
    _stream(flat, np.full(int(20 * fs), 0.3), fs)
    assert all(v.level is Level.BAD for v in flat.snapshot().quality.values())
    # good ECG, then the electrode comes off (flat) for 10 s: no beats → bad, NaN
    lost = CardiacExtractor(StreamKind.ECG, fs)
    _stream(lost, np.concatenate([x[: int(70 * fs)], np.full(int(10 * fs), x[int(70 * fs)])]), fs)
    snap = lost.snapshot()
    assert snap.quality["hr"].level is Level.BAD and "no beat" in snap.quality["hr"].reason
    assert np.isnan(snap.values["hr"])


def test_non_finite_samples_make_features_bad(record_100):
    x, fs = record_100
    ex = CardiacExtractor(StreamKind.ECG, fs)
    y = x[: int(70 * fs)].copy()
    y[-int(2 * fs) :] = np.nan
    _stream(ex, y, fs)
    snap = ex.snapshot()
    assert all(snap.quality[k].level is Level.BAD for k in CARDIAC_FEATURES)
    assert all(np.isnan(snap.values[k]) for k in CARDIAC_FEATURES)


def test_implausible_heart_rate_and_many_corrections():
    fast = np.arange(0, 60, 0.25)  # 240 bpm
    values, quality = window_features(fast, 60.0)
    assert quality["hr"].level is Level.BAD and "implausible HR" in quality["hr"].reason
    assert np.isnan(values["hr"])
    rng = np.random.default_rng(0)
    chaotic = np.cumsum(rng.choice([0.4, 0.8, 1.6], size=80, p=[0.2, 0.6, 0.2]))
    values, quality = window_features(chaotic, float(chaotic[-1]))
    assert quality["rmssd"].level is Level.BAD and "corrected beats" in quality["rmssd"].reason
    assert values["corrected_share"] > 20


def test_kind_must_be_cardiac():
    with pytest.raises(ValueError, match="ECG or PPG"):
        CardiacExtractor(StreamKind.EEG, 250.0)


def test_respiration_extractor_matches_offline(recordings):
    x = np.loadtxt(recordings / "biosppy" / "resp.txt")
    ex = RespirationExtractor(1000.0, window_s=60.0)
    _stream(ex, x, 1000.0)
    snap = ex.snapshot()
    assert snap.values["resp_rate"] == breathing_rate(x, 1000.0, 60.0)
    breaths = detect_breaths(x, 1000.0)
    by_count = 60.0 / np.median(np.diff(breaths) / 1000.0)
    assert snap.values["resp_rate"] == pytest.approx(by_count, rel=0.25)
    assert 8 < snap.values["resp_rate"] < 30
    assert snap.quality["resp_rate"].level is not Level.BAD


def test_respiration_extractor_verdicts():
    short = RespirationExtractor(50.0)
    short.push(np.sin(np.arange(250) / 50.0)[:, None], T0 + np.arange(250) / 50.0)
    assert short.snapshot().quality["resp_rate"].reason == "window too short"
    flat = RespirationExtractor(50.0)
    flat.push(np.ones((50 * 40, 1)), T0 + np.arange(50 * 40) / 50.0)
    assert flat.snapshot().quality["resp_rate"].level is Level.BAD
    assert np.isnan(flat.snapshot().values["resp_rate"])
