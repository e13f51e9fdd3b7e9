"""Plain data shared along the pipeline: stream kinds, quality verdicts, feature snapshots.

Protocols and the station read these; nothing here imports from other Oasis packages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class StreamKind(StrEnum):
    """LSL stream ``type`` values Oasis produces and understands."""

    EEG = "EEG"
    ECG = "ECG"
    PPG = "PPG"
    RR = "RR"
    EDA = "EDA"
    RESP = "RESP"
    MARKERS = "Markers"
    FEATURES = "Features"
    SCENE_PARAMS = "SceneParams"


class Level(StrEnum):
    """Traffic-light quality level: good (green), degraded (amber), bad (red)."""

    GOOD = "good"
    DEGRADED = "degraded"
    BAD = "bad"

    @property
    def rank(self) -> int:
        return {"good": 0, "degraded": 1, "bad": 2}[self.value]


@dataclass(frozen=True)
class Verdict:
    """A quality verdict with a human-readable reason (empty when good)."""

    level: Level
    reason: str = ""

    @staticmethod
    def good() -> Verdict:
        return Verdict(Level.GOOD)

    @staticmethod
    def worst(verdicts: list[Verdict]) -> Verdict:
        """The most severe verdict; reasons of equally severe verdicts are joined."""
        if not verdicts:
            return Verdict(Level.BAD, "no data")
        top = max(v.level.rank for v in verdicts)
        level = next(v.level for v in verdicts if v.level.rank == top)
        reasons = sorted({v.reason for v in verdicts if v.level.rank == top and v.reason})
        return Verdict(level, "; ".join(reasons))


class Sensor(StrEnum):
    """What the officer wears that a feature comes from (ECG or PPG for the heart, the EEG headband,
    the EDA electrodes)."""

    HEART = "heart"
    EEG = "eeg"
    EDA = "eda"


@dataclass(frozen=True)
class Feature:
    """Description of one published feature: its unit, meaning and the sensor it needs."""

    name: str
    unit: str
    meaning: str
    sensor: Sensor


# The feature vocabulary: pipeline publishes these names, protocols map from them. The breathing
# rate counts as a heart feature: when no respiration belt is worn it comes from the PPG's pulse
# modulations, or from the ECG's respiratory sinus arrhythmia.
FEATURES: dict[str, Feature] = {
    f.name: f
    for f in [
        Feature("hr", "bpm", "heart rate", Sensor.HEART),
        Feature("rmssd", "ms", "root mean square of successive NN differences", Sensor.HEART),
        Feature("sdnn", "ms", "standard deviation of NN intervals", Sensor.HEART),
        Feature("pnn50", "%", "share of successive NN differences > 50 ms", Sensor.HEART),
        Feature("lf", "ms2", "low-frequency HRV power, 0.04-0.15 Hz", Sensor.HEART),
        Feature("hf", "ms2", "high-frequency HRV power, 0.15-0.40 Hz", Sensor.HEART),
        Feature("lf_hf", "ratio", "LF/HF ratio", Sensor.HEART),
        Feature("coherence", "ratio", "HeartMath-style HRV coherence score", Sensor.HEART),
        Feature("resp_rate", "breaths/min", "breathing rate", Sensor.HEART),
        Feature("corrected_share", "%", "share of beats corrected as ectopic or artifact", Sensor.HEART),
        Feature("ihr", "bpm", "instantaneous heart rate from the newest beat interval", Sensor.HEART),
        Feature(
            "alpha_rel", "ratio", "relative alpha power (8-13 Hz / 1-45 Hz), posterior channels", Sensor.EEG
        ),
        Feature("alpha_beta", "ratio", "alpha/beta power ratio", Sensor.EEG),
        Feature("theta_alpha", "ratio", "theta/alpha power ratio", Sensor.EEG),
        Feature("iaf", "Hz", "individual alpha frequency", Sensor.EEG),
        Feature("faa", "ln-ratio", "frontal alpha asymmetry ln(F4) - ln(F3)", Sensor.EEG),
        Feature("scl", "uS", "skin conductance level (tonic)", Sensor.EDA),
        Feature("scr_rate", "1/min", "skin conductance responses per minute", Sensor.EDA),
    ]
}


@dataclass(frozen=True)
class FeatureSnapshot:
    """Feature values at LSL time ``t`` (the newest source sample used), with quality per feature.

    A value is NaN when unavailable; its verdict then says why.
    """

    t: float
    values: Mapping[str, float]
    quality: Mapping[str, Verdict] = field(default_factory=dict)

    def verdict(self, name: str) -> Verdict:
        return self.quality.get(name, Verdict(Level.BAD, "not measured"))
