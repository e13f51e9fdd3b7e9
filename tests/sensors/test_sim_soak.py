"""Long runs of the simulator: stable signals offline (half an hour of signal, in about a second), and
no drift or loss on LSL: a short soak in `make test`, ten minutes in `make soak` (OASIS_SOAK=long)."""

from __future__ import annotations

import os
import time
import uuid

import numpy as np
import pylsl
import pytest

from sensors.sim.cardiac_signal import RrGenerator
from sensors.sim.officer_state import Scenario
from sensors.sim.outlets import SimPublisher
from sensors.sim.streams import STREAM_NAMES, build_generators

LONG = os.environ.get("OASIS_SOAK") == "long"
LSL_SOAK_S = 600.0 if LONG else 20.0  # seconds of LSL time the stream must cover


# per stream: a summary of each minute and the range it must stay in
PLAUSIBLE = {
    "eeg": (np.std, 5.0, 60.0),  # µV
    "ecg": (np.max, 0.8, 2.5),  # R peaks, mV
    "ppg": (np.ptp, 0.3, 3.0),
    "eda": (np.mean, 0.5, 30.0),  # µS
    "resp": (np.ptp, 0.5, 3.0),
    "rr": (np.median, 450.0, 1300.0),  # ms
}


def test_half_an_hour_stays_finite_plausible_and_bounded() -> None:
    generators = build_generators(STREAM_NAMES, Scenario.named("steady"), seed=8)
    for minute in range(30):
        for name, gen in generators.items():
            if isinstance(gen, RrGenerator):
                _, x = gen.until(60.0 * (minute + 1))
            else:
                x = gen.next_chunk(int(60 * gen.fs))
            assert np.all(np.isfinite(x)), name
            summary, low, high = PLAUSIBLE[name]
            assert low < summary(x) < high, (name, minute)
    eeg, eda = generators["eeg"], generators["eda"]
    # random events older than a minute are forgotten: memory stays bounded
    assert len(eeg._blinks.events) < 60 and len(eda._scrs.events) < 30


@pytest.mark.timeout(900 if LONG else 300)
def test_a_soak_on_lsl_loses_nothing_and_does_not_drift() -> None:
    prefix = f"soak-{uuid.uuid4().hex[:8]}"
    generators = build_generators(["ecg", "eda"], Scenario.named("relaxing", LSL_SOAK_S), seed=8)
    with SimPublisher(generators, prefix):
        [info] = pylsl.resolve_bypred(f"source_id='{prefix}-ecg'", 1, 20.0)
        inlet = pylsl.StreamInlet(info, max_buflen=30)
        inlet.open_stream(timeout=10.0)
        stamps: list[float] = []
        while not stamps or stamps[-1] - stamps[0] < LSL_SOAK_S:  # the test's timeout bounds a stall
            _, got = inlet.pull_chunk(timeout=0.0, max_samples=10000)
            stamps.extend(got)
            time.sleep(0.1)
    spacing = np.diff(stamps)
    assert np.allclose(spacing, 1.0 / 500.0, atol=1e-4)
    assert len(stamps) == pytest.approx((stamps[-1] - stamps[0]) * 500.0 + 1, abs=1)
