"""sensors.quality.channel_verdicts: one verdict per fault type, and never an exception on junk."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sensors.quality import channel_verdicts
from sensors.types import Level, StreamKind

FS = 250.0
T = np.arange(int(2 * FS)) / FS
RNG = np.random.default_rng(7)


def eeg_like() -> np.ndarray:
    return 20 * np.sin(2 * np.pi * 10 * T) + 5 * RNG.standard_normal(T.size)


def only(x: np.ndarray, kind: StreamKind = StreamKind.EEG, **kw: object):
    (verdict,) = channel_verdicts(x[:, None], FS, kind, **kw)
    return verdict


def test_clean_eeg_is_good() -> None:
    assert only(eeg_like()).level == Level.GOOD


def test_clean_eda_is_good() -> None:
    assert only(5.0 + 0.1 * np.sin(T), StreamKind.EDA).level == Level.GOOD


def test_one_verdict_per_channel_and_1d_input() -> None:
    window = np.column_stack([eeg_like(), np.zeros(T.size), eeg_like()])
    levels = [v.level for v in channel_verdicts(window, FS, StreamKind.EEG)]
    assert levels == [Level.GOOD, Level.BAD, Level.GOOD]
    assert len(channel_verdicts(eeg_like(), FS, StreamKind.EEG)) == 1


@pytest.mark.parametrize(
    ("signal", "kind", "level", "reason"),
    [
        (np.zeros(T.size), StreamKind.EEG, Level.BAD, "flatline"),
        (np.full(T.size, 3.0), StreamKind.EDA, Level.DEGRADED, "flatline"),
        (np.clip(eeg_like(), -10, 10), StreamKind.EEG, Level.BAD, "clipping"),
        (eeg_like() + 200 * np.sin(2 * np.pi * 50 * T), StreamKind.EEG, Level.BAD, "50 Hz mains"),
        (eeg_like() + 15 * np.sin(2 * np.pi * 50 * T), StreamKind.ECG, Level.DEGRADED, "50 Hz mains"),
        (np.r_[eeg_like()[:-1], np.nan], StreamKind.EEG, Level.DEGRADED, "NaN/inf"),
        (np.where(T < 0.5, np.inf, eeg_like()), StreamKind.EEG, Level.BAD, "NaN/inf"),
        (-1.0 + 0.1 * np.sin(T), StreamKind.EDA, Level.BAD, "impossible"),
        (0.01 + 0.001 * np.sin(T), StreamKind.EDA, Level.BAD, "electrode off"),
        (50_000 + eeg_like(), StreamKind.EEG, Level.BAD, "electrode off"),
    ],
)
def test_each_fault_has_its_verdict(signal: np.ndarray, kind: StreamKind, level: Level, reason: str) -> None:
    verdict = only(signal, kind)
    assert verdict.level == level
    assert reason in verdict.reason


def test_dropped_samples_from_timestamps() -> None:
    stamps = 100.0 + T.copy()
    assert only(eeg_like(), timestamps=stamps).level == Level.GOOD
    gappy = np.r_[stamps[:200], stamps[260:] + 0.0]  # 60 of 500 samples missing
    verdict = only(eeg_like()[: gappy.size], timestamps=gappy)
    assert verdict.level == Level.BAD
    assert "dropped samples" in verdict.reason


def test_bad_sampling_rate_and_empty_window() -> None:
    assert channel_verdicts(np.ones((10, 2)), 0.0, StreamKind.EEG)[0].level == Level.BAD
    assert [v.reason for v in channel_verdicts(np.zeros((0, 2)), FS, StreamKind.EEG)] == ["no data"] * 2


@settings(max_examples=150, deadline=None)
@given(
    window=arrays(
        np.float64,
        st.tuples(st.integers(0, 300), st.integers(1, 4)),
        elements=st.floats(allow_nan=True, allow_infinity=True, width=64),
    ),
    fs=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([125.0, 250.0, 1000.0])),
    kind=st.sampled_from(list(StreamKind)),
)
def test_never_raises_on_junk(window: np.ndarray, fs: float, kind: StreamKind) -> None:
    verdicts = channel_verdicts(window, fs, kind)
    assert len(verdicts) == window.shape[1]
    if window.shape[0] < 2 or not np.isfinite(fs) or fs <= 0:
        assert all(v.level == Level.BAD for v in verdicts)
    if window.shape[0] >= 2 and np.isfinite(fs) and fs > 0:
        for column, verdict in zip(window.T, verdicts, strict=True):
            if not np.all(np.isfinite(column)):
                assert verdict.level != Level.GOOD
