"""The set of simulated streams of one officer, by short name (as used by ``--streams``).

Light to import (the generator modules load inside :func:`build_generators`), so the CLI parser can
list the names without loading scipy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sensors.sim.cardiac_signal import RrGenerator
    from sensors.sim.officer_state import Scenario
    from sensors.sim.signal_generator import SignalGenerator

    Generator = SignalGenerator | RrGenerator

STREAM_NAMES = ("eeg", "ecg", "ppg", "eda", "resp", "rr")


def build_generators(
    names: list[str] | tuple[str, ...], scenario: Scenario, seed: int = 0
) -> dict[str, Generator]:
    """Generators for ``names`` (a subset of :data:`STREAM_NAMES`), one heart shared by ECG, PPG and RR."""
    from sensors.sim.cardiac_signal import BeatTrain, EcgGenerator, PpgGenerator, RrGenerator
    from sensors.sim.eda_signal import EdaGenerator
    from sensors.sim.eeg_signal import EegGenerator
    from sensors.sim.resp_signal import RespGenerator

    unknown = [n for n in names if n not in STREAM_NAMES]
    if unknown:
        raise ValueError(f"unknown stream {unknown[0]!r}; choose from {','.join(STREAM_NAMES)}")
    beats = BeatTrain(scenario, seed)
    makers: dict[str, Callable[[], Generator]] = {
        "eeg": lambda: EegGenerator(scenario, seed),
        "ecg": lambda: EcgGenerator(scenario, seed, beats),
        "ppg": lambda: PpgGenerator(scenario, seed, beats),
        "eda": lambda: EdaGenerator(scenario, seed),
        "resp": lambda: RespGenerator(scenario, seed),
        "rr": lambda: RrGenerator(scenario, seed, beats),
    }
    return {name: makers[name]() for name in names}
