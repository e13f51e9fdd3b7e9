"""Settings of the calibration procedures (station.toml's [calibration] table); plain dataclasses, light
to import so the station configuration can build them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EdaCheckSettings:
    reference_kohm: float = 100.0
    step_s: float = 20.0
    zero_tolerance_us: float = 0.2  # below the lowest skin conductance levels seen in practice (~0.5 µS)
    gain_tolerance_pct: float = 10.0
    noise_share: float = 0.02  # SD of the reference reading, as a share of the expected value

    @property
    def expected_us(self) -> float:
        return 1000.0 / self.reference_kohm


@dataclass(frozen=True)
class EegReactivitySettings:
    eyes_open_s: float = 60.0
    eyes_closed_s: float = 60.0
    settle_s: float = 2.0  # windows starting this soon after a step began are left out


@dataclass(frozen=True)
class RestingHeartSettings:
    rest_s: float = 60.0


@dataclass(frozen=True)
class CalibrationSettings:
    """Every calibration's settings, and the program the resonance hand-off chooses."""

    eda: EdaCheckSettings = field(default_factory=EdaCheckSettings)
    eeg: EegReactivitySettings = field(default_factory=EegReactivitySettings)
    heart: RestingHeartSettings = field(default_factory=RestingHeartSettings)
    resonance_program: str = "resonance-assessment"
