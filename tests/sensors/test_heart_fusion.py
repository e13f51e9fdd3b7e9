"""Fusing ECG R peaks and PPG pulses: each rule on a beat train built to need it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sensors.features.ecg_beats import detect_ecg_beats
from sensors.features.extractor import ExtractorOutput
from sensors.features.heart_fusion import BOTH, ECG_ONLY, PPG_ONLY, fuse_beats
from sensors.features.ppg_beats import detect_ppg_beats_with_quality
from sensors.features.pulse_quality import accepted, pair_pulses_with_r_peaks
from sensors.pipeline.core import FeaturePipeline
from sensors.sim.cardiac_signal import BeatTrain, EcgGenerator, PpgGenerator
from sensors.sim.officer_state import Scenario
from sensors.types import Level, StreamKind, Verdict

R = np.arange(1.0, 61.0, 0.8)  # 75 bpm
PAT = 0.3


def test_agreeing_sensors_give_the_r_peaks():
    fused = fuse_beats(R, R + PAT)
    np.testing.assert_array_equal(fused.times_s, R)
    assert fused.count(BOTH) == R.size and math.isclose(fused.pat_s, PAT)


def test_a_false_r_peak_is_dropped_and_a_missed_one_filled_by_the_clip():
    t_wave = 20.0 + 0.35  # a T wave taken for a QRS, between two beats
    ecg = np.sort(np.concatenate([np.delete(R, [40]), [t_wave]]))  # R[40] missed
    fused = fuse_beats(ecg, R + PAT)
    np.testing.assert_allclose(fused.times_s, R)
    assert fused.source[40] == PPG_ONLY and fused.ecg_dropped == 1


def test_the_ecg_is_kept_where_the_clip_moves_and_a_false_pulse_is_dropped():
    moving = (R > 30) & (R < 40)  # the clip's beats were rejected (SQI) while the hand moved
    pulses = np.sort(np.concatenate([R[~moving] + PAT, [10.75]]))  # and one false pulse
    fused = fuse_beats(R, pulses)
    np.testing.assert_array_equal(fused.times_s, R)
    assert np.all(fused.source[moving] == ECG_ONLY) and fused.ppg_dropped == 1


def test_electrode_off_the_clip_carries_on():
    off = (R > 20) & (R < 35)
    fused = fuse_beats(R[~off], R + PAT)
    np.testing.assert_allclose(fused.times_s, R)
    assert np.all(fused.source[off] == PPG_ONLY)


def test_pairing_follows_a_pulse_arrival_longer_than_the_interval():
    r = np.arange(0.0, 30.0, 0.55)  # 109 bpm
    pair = pair_pulses_with_r_peaks(r + 0.62, r)  # PAT 0.62 s > the interval (v102s)
    assert np.array_equal(pair[1:], np.arange(1, r.size))


class _Fixed:
    def __init__(self, kind: StreamKind, rate: float) -> None:
        self.kind = kind
        self.output = ExtractorOutput({"resp_rate": rate}, {"resp_rate": Verdict.good()}, 1.0)

    def push(self, samples: np.ndarray, timestamps: np.ndarray) -> None:
        pass

    def snapshot(self) -> ExtractorOutput:
        return self.output


class _Broken:
    def combine(self, extractors):
        raise RuntimeError("boom")


def test_breathing_rate_on_ties_belt_then_clip_then_strap_whatever_joined_first():
    ecg, ppg, belt = (
        _Fixed(k, r) for k, r in ((StreamKind.ECG, 12.0), (StreamKind.PPG, 13.0), (StreamKind.RESP, 15.0))
    )
    snapshot = FeaturePipeline([ecg, ppg, belt], combiners=[_Broken()]).update().snapshot
    assert snapshot.values["resp_rate"] == 15.0 and snapshot.verdict("resp_rate").level is Level.GOOD
    assert FeaturePipeline([ecg, ppg], combiners=[]).update().snapshot.values["resp_rate"] == 13.0
    pipeline = FeaturePipeline([ecg], combiners=[_Broken()])
    assert pipeline.update().snapshot.values["resp_rate"] == 12.0
    assert pipeline.update().snapshot.values["resp_rate"] == 12.0  # a broken combiner is skipped


@pytest.mark.parametrize("arousal", [0.1, 0.9])
def test_the_simulated_strap_and_clip_fuse_into_one_heart(arousal):
    """The demo station's officer (one beat train for the ECG and the PPG): measured on 180 s, 186 of 187 and
    282 of 282 beats confirmed by both, PAT 0.34 / 0.28 s (the simulator's transit delay plus the
    pulse's rise)."""
    scenario = Scenario.fixed(arousal)
    beats = BeatTrain(scenario, seed=4)
    ecg, ppg = EcgGenerator(scenario, 4, beats), PpgGenerator(scenario, 4, beats)
    r = detect_ecg_beats(ecg.next_chunk(int(120 * ecg.fs))[:, 0], ecg.fs) / ecg.fs
    pulses, sqi = detect_ppg_beats_with_quality(ppg.next_chunk(int(120 * ppg.fs))[:, 0], ppg.fs)
    fused = fuse_beats(r, pulses[accepted(sqi)] / ppg.fs)
    assert fused.count(BOTH) >= 0.98 * r.size and fused.count(PPG_ONLY) == 0
    assert 0.2 <= fused.pat_s <= 0.45
