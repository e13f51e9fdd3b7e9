"""The protocol as plain, frozen data: what `loader` builds from a TOML file and `engine` runs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sensors.types import Level

LANGUAGES = ("zh-CN", "en")  # every text exists in both; zh-CN is shown first
RESONANCE_RANGE = (3.0, 8.0)  # breaths/min accepted as an officer's resonance rate


@dataclass(frozen=True)
class Text:
    """A text in Simplified Chinese and English."""

    zh: str
    en: str

    def get(self, language: str = "zh-CN") -> str:
        return self.zh if language == "zh-CN" else self.en


class Curve(StrEnum):
    LINEAR = "linear"
    SIGMOID = "sigmoid"
    STEP = "step"


class Normalise(StrEnum):
    ZSCORE = "zscore"  # (x - baseline mean) / baseline SD
    PERCENTILE = "percentile"  # share of baseline samples below x, 0..1
    NONE = "none"  # the raw metric


class Direction(StrEnum):
    UP = "up"  # a higher metric gives a higher output
    DOWN = "down"


class AssessMethod(StrEnum):
    LF_POWER = "lf_power"  # mean of the metric (LF power) over the settled part of each block
    PEAK_TROUGH = "peak_trough"  # mean per-breath max-min of the metric (beat-to-beat HR)


@dataclass(frozen=True)
class Pacer:
    """Breathing guide. ``rate`` is breaths/min; None means the officer's resonance rate if known."""

    rate: float | None
    inhale: float = 4.0  # inhale:exhale ratio, as two parts
    exhale: float = 6.0
    fallback_rate: float = 6.0  # used for rate=None when no resonance rate is known

    @property
    def inhale_share(self) -> float:
        return self.inhale / (self.inhale + self.exhale)


@dataclass(frozen=True)
class Phase:
    """One step of the session timeline."""

    id: str
    duration_s: float
    instructions: Text
    pacer: Pacer | None  # None: pacer off
    voice_cue: str | None = None
    baseline: bool = False  # baseline statistics are collected during this phase
    feedback: bool = True  # mappings and rewards act during this phase
    assess_rate: bool = False  # a resonance-assessment block


@dataclass(frozen=True)
class Mapping:
    """``target`` scene parameter ← ``metric``: normalised, curved, ranged, smoothed, rate-limited."""

    target: str
    metric: str
    normalise: Normalise
    curve: Curve
    input_range: tuple[float, float]
    output_range: tuple[float, float]
    direction: Direction
    smoothing_s: float
    max_rate: float  # output units per second


@dataclass(frozen=True)
class Reward:
    """An adaptive reward threshold aiming at a target share of rewarded time."""

    metric: str
    normalise: Normalise
    direction: Direction
    target_share: tuple[float, float]
    window_s: float  # time constant of the running reward share
    max_threshold_rate: float  # threshold units (after normalisation) per second
    threshold_limits: tuple[float, float]
    min_event_s: float  # a reward state must hold this long before an event is sent
    target: str | None = None  # optional scene parameter driven by the reward
    on_value: float = 1.0
    off_value: float = 0.0


@dataclass(frozen=True)
class Dropout:
    """What happens when a metric's quality goes bad or its sensor drops."""

    glide_s: float  # time for an inactive mapping to reach neutral
    worst_level: Level  # the worst quality still accepted
    resume_s: float  # time for feedback to reach its target again after data returns


class OnLoss(StrEnum):
    """What a session does when a sensor it needs is lost (``[sensors] on_loss``)."""

    FREEZE = "freeze"  # the feedback holds at neutral, the guide (phases, pacer) goes on
    PAUSE = "pause"  # the session pauses until the sensor is back
    END = "end"  # the session ends (aborted)


@dataclass(frozen=True)
class Safety:
    """Rules that end feedback, calm the scene and ask the station to alert the technician."""

    max_session_s: float
    hr_ceiling_bpm: float | None
    hr_ceiling_s: float
    hr_rise_bpm: float | None
    hr_rise_window_s: float
    hr_rise_s: float


@dataclass(frozen=True)
class Assessment:
    """Resonance-frequency assessment over the phases marked ``assess_rate``."""

    metric: str
    method: AssessMethod
    settle_s: float  # skipped at the start of every block
    min_valid_share: float  # share of the settled block with good data for the block to count


@dataclass(frozen=True)
class ExtraParam:
    """A scene-specific parameter a protocol drives beyond the shared vocabulary."""

    name: str
    low: float
    high: float
    neutral: float


@dataclass(frozen=True)
class Protocol:
    """A whole relaxation program."""

    id: str
    source: str  # the file it was read from
    name: Text
    description: Text
    duration_s: float
    phases: tuple[Phase, ...]
    mappings: tuple[Mapping, ...]
    reward: Reward | None
    dropout: Dropout
    safety: Safety
    assessment: Assessment | None
    extra_params: tuple[ExtraParam, ...] = ()
    on_loss: OnLoss = OnLoss.FREEZE
    scene: str = ""  # the scene this program shows ("": the station's [scene] name)

    @property
    def baseline_phase(self) -> Phase | None:
        return next((p for p in self.phases if p.baseline), None)
