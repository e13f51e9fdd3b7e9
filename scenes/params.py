"""The shared scene-parameter vocabulary. Scenes declare which of these they use (plus their own);
protocols produce snapshots of them as plain ``dict[str, float]``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParamSpec:
    """One scene parameter: its range, neutral default and meaning."""

    name: str
    low: float
    high: float
    default: float
    meaning: str

    def clamp(self, value: float) -> float:
        if value != value:  # NaN -> neutral
            return self.default
        return min(self.high, max(self.low, value))


SHARED_PARAMS: dict[str, ParamSpec] = {
    p.name: p
    for p in [
        ParamSpec("calm", 0.0, 1.0, 0.5, "master calmness: 1 is the stillest, softest state"),
        ParamSpec("light", 0.0, 1.0, 0.5, "overall brightness"),
        ParamSpec("warmth", 0.0, 1.0, 0.5, "colour temperature: 0 cool blue, 1 warm gold"),
        ParamSpec("fog", 0.0, 1.0, 0.3, "fog / haze density"),
        ParamSpec("motion", 0.0, 1.0, 0.4, "waves or wind strength"),
        ParamSpec("particles", 0.0, 1.0, 0.3, "amount of drifting particles, fireflies or stars"),
        ParamSpec("pacer_phase", 0.0, 1.0, 0.0, "breathing cycle phase: 0 start of inhale, 1 end of exhale"),
        ParamSpec("pacer_visible", 0.0, 1.0, 1.0, "visibility of the breathing guide"),
        ParamSpec("volume", 0.0, 1.0, 0.5, "ambient sound volume"),
    ]
}

SceneParams = dict[str, float]


def neutral_params() -> SceneParams:
    """The neutral snapshot: every shared parameter at its default."""
    return {name: spec.default for name, spec in SHARED_PARAMS.items()}
