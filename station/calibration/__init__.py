"""Technician calibration procedures over the SourceRegistry's inlets (pure logic, no display):
EDA zero/gain, EEG eyes open/closed (IAF, alpha reactivity), resting heart rate. See docs/kiosk.md."""

from __future__ import annotations

from dataclasses import dataclass, field

from station.calibration.cardiac import RestingHeart, RestingHeartSettings
from station.calibration.eda import EdaCheck, EdaCheckSettings
from station.calibration.eeg import EegReactivity, EegReactivitySettings
from station.calibration.procedure import Message, Procedure, Result, Step, View


@dataclass(frozen=True)
class CalibrationSettings:
    """Every calibration's settings (station.toml's [calibration] table)."""

    eda: EdaCheckSettings = field(default_factory=EdaCheckSettings)
    eeg: EegReactivitySettings = field(default_factory=EegReactivitySettings)
    heart: RestingHeartSettings = field(default_factory=RestingHeartSettings)
    resonance_program: str = "resonance-assessment"


__all__ = [
    "CalibrationSettings", "EdaCheck", "EdaCheckSettings", "EegReactivity", "EegReactivitySettings",
    "Message", "Procedure", "RestingHeart", "RestingHeartSettings", "Result", "Step", "View",
]
