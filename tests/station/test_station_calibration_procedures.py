"""Calibration procedures on real LSL streams (loopback, isolated per run by tests/conftest.py):
EDA zero/gain with a stream that reads like our GSR device (open circuit = NaN, then a resistor),
EEG eyes open/closed on the real BioSPPy recordings replayed over LSL (and a no-alpha control),
resting HR on the simulator's ECG. Step durations are short; polling is bounded by generous timeouts."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from sensors.lsl.inlet import Inlet, wait_for
from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
from sensors.sim.cardiac_signal import mean_hr_bpm
from sensors.types import StreamKind
from station.calibration.eda_check import EdaCheck
from station.calibration.eeg_reactivity import EegReactivity
from station.calibration.procedure import Procedure
from station.calibration.resting_hr import RestingHeart
from station.calibration.settings import EdaCheckSettings, EegReactivitySettings, RestingHeartSettings
from tests.calibration_helpers import EDA_LABELS, EDA_UNITS, Feeder, gsr_like, steady_heart
from tests.lsl_helpers import unique


@pytest.fixture
def registry():
    reg = SourceRegistry(StreamCatalog(buffer_seconds=30.0))
    yield reg
    reg.close()


def run(procedure: Procedure, registry: SourceRegistry, feeder: Feeder | None, timeout: float) -> None:
    """Poll like the kiosk does (10 Hz), telling the feeder which step the screen shows."""
    deadline = time.monotonic() + timeout
    while procedure.state == "running" and time.monotonic() < deadline:
        registry.catalog.update()
        procedure.poll(time.monotonic())
        if feeder is not None:
            feeder.step = procedure.step
        time.sleep(0.05)
    assert procedure.state != "running", f"still on step {procedure.step} after {timeout} s"


def source(registry: SourceRegistry, kind: StreamKind) -> Callable[[], Inlet | None]:
    return lambda: registry.get(kind)


def wait_visible(registry: SourceRegistry, kind: StreamKind) -> None:
    assert wait_for(lambda: registry.get(kind) is not None, 10.0)


def test_eda_zero_gain_passes_with_the_right_resistor(registry) -> None:
    feeder = Feeder("EDA", EDA_LABELS, EDA_UNITS, 10.0, gsr_like(10.1, np.random.default_rng(1)), speed=3.0)
    with feeder:
        wait_visible(registry, StreamKind.EDA)
        check = EdaCheck(source(registry, StreamKind.EDA), EdaCheckSettings(reference_kohm=100.0, step_s=3.0))
        run(check, registry, feeder, 30.0)
    result = check.result
    assert check.state == "done" and result is not None, check.error
    assert result.passed and result.reason.key == "cal_eda_pass"
    v = result.values
    assert v["zero_us"] == 0.0 and v["zero_reading"] == 512.0  # NaN (open circuit) counted as 0 µS
    assert v["expected_us"] == 10.0 and v["reference_us"] == pytest.approx(10.1, abs=0.02)
    assert v["gain_error_pct"] == pytest.approx(1.0, abs=0.3)
    assert 0.005 < v["reference_sd_us"] < 0.02
    assert result.device == feeder.source_id


def test_eda_wrong_gain_fails_with_its_reason(registry) -> None:
    feeder = Feeder("EDA", EDA_LABELS, EDA_UNITS, 10.0, gsr_like(8.0, np.random.default_rng(2)), speed=3.0)
    with feeder:
        wait_visible(registry, StreamKind.EDA)
        check = EdaCheck(source(registry, StreamKind.EDA), EdaCheckSettings(step_s=3.0))
        run(check, registry, feeder, 30.0)
    assert check.state == "done" and not check.result.passed
    assert check.result.reason.key == "cal_eda_gain_off"
    assert check.result.values["gain_error_pct"] == pytest.approx(-20.0, abs=0.5)


def test_eda_bad_signal_restarts_the_step_then_fails(registry) -> None:
    """NaN with the resistor on (a broken lead): the reference step restarts twice, then fails."""

    def sample(step: int, i: int) -> np.ndarray:
        return np.array([np.nan if step == 1 else 0.0, 512.0, i * 100.0])

    feeder = Feeder("EDA", EDA_LABELS, EDA_UNITS, 10.0, sample, speed=1.0)
    with feeder:
        wait_visible(registry, StreamKind.EDA)
        check = EdaCheck(source(registry, StreamKind.EDA), EdaCheckSettings(step_s=2.0))
        run(check, registry, feeder, 30.0)
    assert check.state == "failed" and check.restarts == 2 and check.step == 1
    assert check.error.key == "cal_error_signal" and "NaN" in check.error.values["reason"]
    assert check.notice.key == "cal_restarted"


def test_missing_stream_fails_after_the_grace_time(registry) -> None:
    check = RestingHeart(lambda: None)
    check.poll(100.0)
    assert check.state == "running"
    check.poll(106.0)
    assert check.state == "failed" and check.error.key == "cal_error_missing"


def _biosppy(recordings: Path, name: str) -> np.ndarray:
    return np.loadtxt(recordings / "biosppy" / name)


def test_eeg_reactivity_and_iaf_on_the_real_biosppy_recordings(registry, recordings) -> None:
    """eeg_eo.txt / eeg_ec.txt (125 Hz, one channel, BioSPPy examples) from 80 s on, replayed at 16×:
    session 1 measured eyes-closed relative alpha 1.61× eyes-open over the whole files, IAF 9.7 Hz."""
    start = 80 * 125
    recordings = [_biosppy(recordings, "eeg_eo.txt")[start:], _biosppy(recordings, "eeg_ec.txt")[start:]]
    feeder = Feeder(
        "EEG", ["EEG"], ["microvolts"], 125.0, lambda step, i: recordings[step][i : i + 1], speed=16.0
    )
    with feeder:
        wait_visible(registry, StreamKind.EEG)
        check = EegReactivity(
            source(registry, StreamKind.EEG), EegReactivitySettings(eyes_open_s=40.0, eyes_closed_s=40.0)
        )
        run(check, registry, feeder, 60.0)
    result = check.result
    assert check.state == "done", check.error
    assert result.values["alpha_reactivity"] > 1.3
    assert 8.0 <= result.values["iaf_hz"] <= 12.0
    assert result.values["reactivity_EEG"] == result.values["alpha_reactivity"]  # one channel
    assert result.passed and result.reason.key == "cal_eeg_good"


def _pink(n: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / 125.0)
    spectrum[1:] /= np.sqrt(f[1:])
    x = np.fft.irfft(spectrum, n)
    return 20.0 * x / x.std()


def test_eeg_without_alpha_gives_no_reactivity(registry) -> None:
    rng = np.random.default_rng(7)
    noise = [_pink(125 * 60, rng)[:, None] for _ in range(2)]
    feeder = Feeder(
        "EEG",
        ["O1", "O2"],
        ["microvolts"] * 2,
        125.0,
        lambda step, i: np.repeat(noise[step][i], 2) * (1.0, 0.9),
        speed=16.0,
    )
    with feeder:
        wait_visible(registry, StreamKind.EEG)
        check = EegReactivity(
            source(registry, StreamKind.EEG), EegReactivitySettings(eyes_open_s=20.0, eyes_closed_s=20.0)
        )
        run(check, registry, feeder, 40.0)
    assert check.state == "done" and not check.result.passed
    assert check.result.reason.key == "cal_eeg_none"
    assert check.result.values["alpha_reactivity"] < 1.2


def test_resting_hr_on_the_simulated_ecg(registry) -> None:
    arousal = 0.3
    with steady_heart(unique("cal-sim"), arousal):
        wait_visible(registry, StreamKind.ECG)
        check = RestingHeart(registry.heart, RestingHeartSettings(rest_s=10.0))
        run(check, registry, None, 40.0)
    result = check.result
    assert check.state == "done" and result is not None, check.error
    assert result.sensor == "ECG" and result.passed, result.reason
    assert result.values["hr_bpm"] == pytest.approx(float(mean_hr_bpm(arousal)), rel=0.1)
    assert math.isfinite(result.values["rmssd_ms"]) and result.values["good_share"] >= 0.8
    assert result.values["beats"] >= 8
