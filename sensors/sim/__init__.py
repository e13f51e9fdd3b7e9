"""Simulated officer: physiologically plausible signal generators and their LSL outlets.

Every generator is pure and chunk-incremental: ``next_chunk(n)`` returns the next ``n`` samples as a
``(n, channels)`` float64 array, the same values whatever the chunk sizes, for a given seed. A
:class:`~sensors.sim.state.Scenario` (arousal and breathing over time) drives them all.
"""

from sensors.sim.cardiac import BeatTrain, EcgGenerator, PpgGenerator, RrGenerator
from sensors.sim.eda import EdaGenerator
from sensors.sim.eeg import EegGenerator
from sensors.sim.resp import RespGenerator
from sensors.sim.state import OfficerState, Scenario
from sensors.sim.streams import STREAM_NAMES, build_generators

__all__ = [
    "STREAM_NAMES",
    "BeatTrain",
    "EcgGenerator",
    "EdaGenerator",
    "EegGenerator",
    "OfficerState",
    "PpgGenerator",
    "RespGenerator",
    "RrGenerator",
    "Scenario",
    "build_generators",
]
