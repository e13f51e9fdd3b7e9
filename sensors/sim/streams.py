"""The set of simulated streams of one officer, by short name (as used by ``--streams``)."""

from __future__ import annotations

from sensors.sim.base import SignalGenerator
from sensors.sim.cardiac import BeatTrain, EcgGenerator, PpgGenerator, RrGenerator
from sensors.sim.eda import EdaGenerator
from sensors.sim.eeg import EegGenerator
from sensors.sim.resp import RespGenerator
from sensors.sim.state import Scenario

STREAM_NAMES = ("eeg", "ecg", "ppg", "eda", "resp", "rr")

Generator = SignalGenerator | RrGenerator


def build_generators(
    names: list[str] | tuple[str, ...], scenario: Scenario, seed: int = 0
) -> dict[str, Generator]:
    """Generators for ``names`` (a subset of :data:`STREAM_NAMES`), one heart shared by ECG, PPG and RR."""
    unknown = [n for n in names if n not in STREAM_NAMES]
    if unknown:
        raise ValueError(f"unknown stream {unknown[0]!r}; choose from {','.join(STREAM_NAMES)}")
    beats = BeatTrain(scenario, seed)
    makers = {
        "eeg": lambda: EegGenerator(scenario, seed),
        "ecg": lambda: EcgGenerator(scenario, seed, beats),
        "ppg": lambda: PpgGenerator(scenario, seed, beats),
        "eda": lambda: EdaGenerator(scenario, seed),
        "resp": lambda: RespGenerator(scenario, seed),
        "rr": lambda: RrGenerator(scenario, seed, beats),
    }
    return {name: makers[name]() for name in names}
