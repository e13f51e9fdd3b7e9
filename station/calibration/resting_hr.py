"""Resting heart rate: seated rest, then mean HR, RMSSD and the share of good-quality data.

Beats come from the pipeline's own streaming extractor (sensors.features.cardiac.CardiacExtractor on
the registry's heart source: ECG when present and not bad, else PPG); HR and RMSSD are its
``window_features`` over the whole rest, leaving out the first beat the fresh detector releases (its
filters are still settling, and a mistimed first beat would count as a corrected one). Passed when
the measurement can be trusted: HR measured, at least 80 % of the quality checks good and at most 5 %
of beats corrected as ectopic/artifact.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sensors.features.cardiac import CORRECTED_DEGRADED, CardiacExtractor, window_features
from sensors.lsl.inlet import Inlet
from sensors.lsl.stream_kinds import kind_of
from sensors.types import Level, StreamKind
from station.calibration.procedure import Message, Procedure, Result, Step
from station.calibration.settings import RestingHeartSettings

MIN_GOOD_SHARE = 0.8


class RestingHeart(Procedure):
    name = "hr"
    sensor = "heart"

    def __init__(
        self, source: Callable[[], Inlet | None], settings: RestingHeartSettings | None = None
    ) -> None:
        self.settings = settings or RestingHeartSettings()
        super().__init__(source, [Step("cal_hr_rest", self.settings.rest_s)])
        self.extractor: CardiacExtractor | None = None

    def _attach(self, inlet: Inlet) -> None:
        kind = kind_of(inlet.description.type)
        self.sensor = kind.value if kind in (StreamKind.ECG, StreamKind.PPG) else "heart"
        self._reset_step(0)

    def _channels(self) -> list[int]:
        return [0]

    def _take(self, step: int, data: np.ndarray, times: np.ndarray) -> None:
        if self.extractor is not None:
            self.extractor.push(data[:, :1], times)

    def _reset_step(self, step: int) -> None:
        d = self.inlet.description if self.inlet else None
        kind = kind_of(d.type) if d else None
        if d is None or kind not in (StreamKind.ECG, StreamKind.PPG):
            self.extractor = None
            return
        self.extractor = CardiacExtractor(kind, d.nominal_srate, 0, window_s=self.settings.rest_s)

    def _live(self) -> Message | None:
        if self.extractor is None:
            return None
        hr = self.extractor.snapshot().values.get("hr", math.nan)
        return Message("cal_live_hr", {"value": hr}) if math.isfinite(hr) else None

    def _result(self) -> Result:
        if self.extractor is None:
            return Result(self.name, self.sensor, self.device, False, Message("cal_hr_no_heart"), {})
        beats = self.extractor.beat_times[1:]  # the detector's first beat: its filters were still settling
        now = float(beats[-1]) if beats.size else math.nan
        features, quality = window_features(beats, now, self.settings.rest_s)
        good = self.good_share()
        values = {
            "hr_bpm": features["hr"],
            "rmssd_ms": features["rmssd"],
            "sdnn_ms": features["sdnn"],
            "corrected_pct": features["corrected_share"],
            "good_share": good,
            "beats": float(beats.size),
            "rest_s": self.settings.rest_s,
        }
        if quality["hr"].level is Level.BAD:
            return Result(
                self.name,
                self.sensor,
                self.device,
                False,
                Message("cal_hr_unmeasured", {"reason": quality["hr"].reason}),
                values,
            )
        if not good >= MIN_GOOD_SHARE:
            return Result(
                self.name,
                self.sensor,
                self.device,
                False,
                Message("cal_hr_poor_signal", {"share": 100 * good}),
                values,
            )
        if features["corrected_share"] > CORRECTED_DEGRADED:
            return Result(
                self.name,
                self.sensor,
                self.device,
                False,
                Message("cal_hr_many_corrected", {"share": features["corrected_share"]}),
                values,
            )
        return Result(
            self.name,
            self.sensor,
            self.device,
            True,
            Message("cal_hr_pass", {"hr": features["hr"], "rmssd": features["rmssd"]}),
            values,
        )
