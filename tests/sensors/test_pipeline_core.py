"""The pipeline's compute core without LSL: routing, merging, timestamps, dropped-update counting."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sensors.features.eeg_extractor import EEGExtractor
from sensors.features.extractor import ExtractorOutput
from sensors.features.skin_conductance import EDAExtractor
from sensors.pipeline.core import EXTRACTORS, FeaturePipeline, UpdateClock
from sensors.pipeline.phase_markers import apply_marker
from sensors.types import FEATURES, Level, StreamKind, Verdict


def eeg_chunk(start: int, n: int, fs: float = 250.0, channels: int = 2) -> np.ndarray:
    t = (start + np.arange(n)) / fs
    rng = np.random.default_rng(start)
    return 20 * np.sin(2 * np.pi * 10 * t)[:, None] + 5 * rng.standard_normal((n, channels))


def test_routes_by_kind_and_reports_every_feature() -> None:
    pipeline = FeaturePipeline([EEGExtractor(250.0, ["O1", "O2"]), EDAExtractor(32.0)])
    for i in range(0, 2500, 25):  # 10 s of EEG, in 0.1 s chunks
        stamps = 100.0 + (i + np.arange(25)) / 250.0
        pipeline.push(StreamKind.EEG, eeg_chunk(i, 25), stamps, arrival=stamps[-1] + 0.001)
    eda_t = 100.0 + np.arange(320) / 32.0
    pipeline.push(StreamKind.EDA, (5 + 0.01 * np.sin(eda_t))[:, None], eda_t, arrival=eda_t[-1] + 0.002)
    update = pipeline.update()
    snapshot = update.snapshot
    assert set(snapshot.values) == set(FEATURES)
    assert snapshot.verdict("alpha_rel").level == Level.GOOD and snapshot.values["alpha_rel"] > 0.5
    assert snapshot.verdict("scl").level == Level.GOOD
    assert snapshot.values["scl"] == pytest.approx(5, abs=0.05)
    assert math.isnan(snapshot.values["hr"]) and snapshot.verdict("hr").reason == "no source"
    # t is the newest sample used by any extractor (EDA here: EEG windows end on the 0.25 s hop grid)
    assert snapshot.t == pytest.approx(eda_t[-1])
    assert update.arrival == pytest.approx(eda_t[-1] + 0.002)


class _Fixed:
    """A trivial extractor with a fixed output, to check how the pipeline merges competing values."""

    kind = StreamKind.ECG

    def __init__(self, hr: float, verdict: Verdict) -> None:
        self.output = ExtractorOutput({"hr": hr}, {"hr": verdict}, 1.0)

    def push(self, samples: np.ndarray, timestamps: np.ndarray) -> None:
        pass

    def snapshot(self) -> ExtractorOutput:
        return self.output


def test_merge_prefers_the_better_verdict_and_never_reports_nan_as_good() -> None:
    degraded = _Fixed(61.0, Verdict(Level.DEGRADED, "noisy"))
    good = _Fixed(60.0, Verdict.good())
    nan_good = _Fixed(math.nan, Verdict.good())
    snapshot = FeaturePipeline([degraded, good, nan_good]).update().snapshot
    assert snapshot.values["hr"] == 60.0 and snapshot.verdict("hr").level == Level.GOOD
    only_nan = FeaturePipeline([nan_good]).update().snapshot
    assert math.isnan(only_nan.values["hr"]) and only_nan.verdict("hr").level == Level.BAD


def test_update_clock_drops_missed_slots_instead_of_catching_up() -> None:
    clock = UpdateClock(10.0, start=0.0)
    assert not clock.due(0.05) and clock.due(0.1)
    assert clock.advance(0.1) == 0 and clock.next_due == pytest.approx(0.2)
    assert clock.advance(0.55) == 3  # slots 0.2, 0.3, 0.4 were missed; 0.5 is served now
    assert clock.next_due == pytest.approx(0.6) and clock.dropped == 3
    with pytest.raises(ValueError):
        UpdateClock(0.0, start=0.0)


def test_every_registered_extractor_builds_and_matches_its_kind() -> None:
    for kind, factory in EXTRACTORS.items():
        extractor = factory(250.0, ["O1", "O2"])
        assert extractor.kind == kind
        out = extractor.snapshot()
        assert set(out.values) <= set(FEATURES)


def test_baseline_phase_fixes_the_eeg_iaf() -> None:
    fs = 250.0
    extractor = EEGExtractor(fs, ["O1"])
    pipeline = FeaturePipeline([extractor, EDAExtractor(32.0)])
    t = np.arange(int(12 * fs)) / fs
    eeg = (20 * np.sin(2 * np.pi * 9.5 * t) + 5 * np.random.default_rng(4).standard_normal(t.size))[:, None]
    pipeline.push(StreamKind.EEG, eeg[: int(2 * fs)], t[: int(2 * fs)], 0.0)
    assert pipeline.update().snapshot.verdict("iaf").level == Level.DEGRADED  # no baseline yet
    pipeline.begin_baseline()
    assert extractor.baseline_active and pipeline.in_baseline
    pipeline.push(StreamKind.EEG, eeg[int(2 * fs) :], t[int(2 * fs) :], 0.0)
    pipeline.end_baseline()
    assert not extractor.baseline_active and not pipeline.in_baseline
    snapshot = pipeline.update().snapshot
    assert snapshot.verdict("iaf").level == Level.GOOD
    assert snapshot.values["iaf"] == pytest.approx(9.5, abs=0.3)


def test_an_extractor_added_during_the_baseline_joins_it() -> None:
    pipeline = FeaturePipeline([EDAExtractor(32.0)])
    pipeline.begin_baseline()
    late = EEGExtractor(250.0, ["O1"])
    pipeline.add(late)
    assert late.baseline_active
    pipeline.end_baseline()
    assert not late.baseline_active


@pytest.mark.parametrize(
    ("markers", "in_baseline"),
    [
        (["phase:settle"], False),
        (["phase:baseline"], True),
        (["phase:baseline", "pacer:inhale"], True),
        (["phase:baseline", "phase:training"], False),
        (["phase:baseline", "session_end"], False),
    ],
)
def test_session_markers_drive_the_baseline_phase(markers: list[str], in_baseline: bool) -> None:
    extractor = EEGExtractor(250.0, ["O1"])
    pipeline = FeaturePipeline([extractor])
    for marker in markers:
        apply_marker(pipeline, marker)
    assert pipeline.in_baseline is in_baseline and extractor.baseline_active is in_baseline


class _Broken(_Fixed):
    """An extractor that fails after its first snapshot, as a bug in one would."""

    def push(self, samples: np.ndarray, timestamps: np.ndarray) -> None:
        raise RuntimeError("boom")


def test_a_failing_extractor_is_isolated_and_its_features_reported_bad() -> None:
    eda = EDAExtractor(32.0)
    broken = _Broken(70.0, Verdict.good())
    pipeline = FeaturePipeline([broken, eda])
    assert pipeline.update().snapshot.values["hr"] == 70.0
    t = np.arange(64) / 32.0
    pipeline.push(StreamKind.ECG, np.zeros((64, 1)), t, arrival=0.0)
    pipeline.push(StreamKind.EDA, np.full((64, 1), 5.0) + 0.01 * np.sin(t)[:, None], t, arrival=0.0)
    snapshot = pipeline.update().snapshot
    assert math.isnan(snapshot.values["hr"])
    assert snapshot.verdict("hr").level == Level.BAD and "boom" in snapshot.verdict("hr").reason
    assert snapshot.values["scl"] == pytest.approx(5.0, abs=0.05)  # the others go on
