"""Test helpers for calibrations: a real LSL outlet whose content follows the procedure's step."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pylsl

from sensors.lsl.metadata import describe_channels
from sensors.sim.cardiac_signal import BeatTrain, EcgGenerator
from sensors.sim.officer_state import Scenario
from sensors.sim.outlets import SimPublisher
from tests.lsl_helpers import unique

EDA_LABELS, EDA_UNITS = ["eda", "reading", "device_t"], ["microsiemens", "a.u.", "ms"]


class Feeder:
    """Pushes ``sample(step, i)`` rows on a real LSL outlet at ``speed`` × the nominal rate; the step
    is the procedure's current step (what the technician tells the officer to do)."""

    def __init__(
        self,
        stream_type: str,
        labels: list[str],
        units: list[str],
        fs: float,
        sample: Callable[[int, int], np.ndarray],
        speed: float = 1.0,
    ) -> None:
        info = pylsl.StreamInfo(
            unique(stream_type), stream_type, len(labels), fs, pylsl.cf_float32, unique("cal")
        )
        self.source_id = info.source_id()
        self.outlet: pylsl.StreamOutlet | None = pylsl.StreamOutlet(
            describe_channels(info, labels, units, stream_type)
        )
        self.fs, self.sample, self.speed = fs, sample, speed
        self.step = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start, sent, counters = pylsl.local_clock(), 0, [0, 0]
        while not self._stop.wait(0.02):
            due = int((pylsl.local_clock() - start) * self.fs * self.speed)
            if due <= sent:
                continue
            rows = []
            for _ in range(due - sent):
                rows.append(self.sample(self.step, counters[self.step]))
                counters[self.step] += 1
            stamps = start + (sent + np.arange(due - sent)) / self.fs
            self.outlet.push_chunk(np.asarray(rows, dtype=np.float32), stamps.tolist())
            sent = due

    def __enter__(self) -> Feeder:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.outlet = None  # liblsl closes the stream with its last reference


def gsr_like(resistor_us: float, rng: np.random.Generator) -> Callable[[int, int], np.ndarray]:
    """Rows (µS, raw reading, device ms) like sensors/devices/gsr.py's stream: open circuit reads at the
    Grove 'zero' (512) and converts to NaN; then a resistor with ±1 ADC count of noise."""

    def sample(step: int, i: int) -> np.ndarray:
        if step == 0:
            return np.array([np.nan, 512.0, i * 100.0])
        return np.array([resistor_us + rng.normal(0.0, 0.01), 341.0, i * 100.0])

    return sample


def steady_heart(prefix: str, arousal: float = 0.3, seed: int = 3) -> SimPublisher:
    """The simulator's ECG without ectopic beats (0.5/min by default would make a short rest fail the
    corrected-beats criterion by chance)."""
    scenario = Scenario.fixed(arousal)
    beats = BeatTrain(scenario, seed, ectopic_per_min=0.0)
    return SimPublisher({"ecg": EcgGenerator(scenario, seed, beats)}, prefix)
