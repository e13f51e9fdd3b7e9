"""EDA zero/gain check: electrodes open (≈ 0 µS), then a known resistor across them.

Our line-based GSR device (sensors/devices/gsr.py) publishes conductance in µS (channel ``eda``), the
raw ADC ``reading`` and the sketch's clock. With the Grove formula an open circuit reads at (or above)
the profile's ``zero`` reading, which converts to NaN (infinite resistance): in the open step a
non-finite conductance therefore counts as 0 µS, and the mean raw reading is reported so the
technician can compare it with the profile's ``zero`` in gsr_calibration.toml; the mean raw reading of
the reference step is reported too, so the check can be applied back to the unit (eda_profile.py).

Gain error = (reference − zero offset) / expected − 1, expected = 1000 / kΩ µS (100 kΩ = 10 µS).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sensors.lsl.inlet import Inlet
from station.calibration.procedure import Message, Procedure, Result, Step
from station.calibration.settings import EdaCheckSettings


def conductance_channel(labels: tuple[str, ...], units: tuple[str, ...]) -> int:
    """The µS channel of an EDA stream: unit microsiemens, else label eda/gsr, else the first."""
    for i, unit in enumerate(units):
        if unit.lower() in ("microsiemens", "us", "µs"):
            return i
    for i, label in enumerate(labels):
        if label.lower() in ("eda", "gsr"):
            return i
    return 0


class EdaCheck(Procedure):
    name = "eda"
    sensor = "EDA"

    def __init__(self, source: Callable[[], Inlet | None], settings: EdaCheckSettings | None = None) -> None:
        self.settings = settings or EdaCheckSettings()
        if not self.settings.reference_kohm > 0:
            raise ValueError("the reference resistor must be positive (kΩ)")
        s = self.settings.step_s
        steps = [Step("cal_eda_open", s, check_channels=False), Step("cal_eda_reference", s)]
        super().__init__(source, steps)
        self._channel = 0
        self._reading: int | None = None  # the raw ADC reading's channel, when the device sends it
        self._data: list[list[np.ndarray]] = [[], []]
        self._raw: list[list[np.ndarray]] = [[], []]

    def _attach(self, inlet: Inlet) -> None:
        d = inlet.description
        self._channel = conductance_channel(d.labels, d.units)
        self._reading = d.labels.index("reading") if "reading" in d.labels else None

    def _channels(self) -> list[int]:
        return [self._channel]

    def _take(self, step: int, data: np.ndarray, times: np.ndarray) -> None:
        us = data[:, self._channel]
        kept = np.ones(len(us), dtype=bool) if step == 0 else np.isfinite(us)  # step 1: the resistor's rows
        if step == 0:
            self._data[0].append(np.where(np.isfinite(us), us, 0.0))  # open circuit: no conductance
        else:
            self._data[1].append(us[kept])
        if self._reading is not None:
            self._raw[step].append(data[kept, self._reading])

    def _reset_step(self, step: int) -> None:
        self._data[step] = []
        self._raw[step] = []

    def _live(self) -> Message | None:
        chunks = self._data[self.step]
        recent = np.concatenate(chunks[-5:]) if chunks else np.zeros(0)
        return Message("cal_live_us", {"value": float(recent.mean())}) if recent.size else None

    def _result(self) -> Result:
        s = self.settings
        zero, reference = (np.concatenate(c) if c else np.zeros(0) for c in self._data)
        values = {
            "zero_us": float(zero.mean()) if zero.size else math.nan,
            "zero_sd_us": float(zero.std()) if zero.size else math.nan,
            "reference_us": float(reference.mean()) if reference.size else math.nan,
            "reference_sd_us": float(reference.std()) if reference.size else math.nan,
            "expected_us": s.expected_us,
            "reference_kohm": s.reference_kohm,
        }
        for key, raw in zip(("zero_reading", "reference_reading"), self._raw, strict=True):
            if raw:
                values[key] = float(np.nanmean(np.concatenate(raw)))
        measured = values["reference_us"] - values["zero_us"]
        values["gain_error_pct"] = 100.0 * (measured / s.expected_us - 1.0)
        passed, reason = self._verdict(values)
        return Result(self.name, self.sensor, self.device, passed, reason, values)

    def _verdict(self, v: dict[str, float]) -> tuple[bool, Message]:
        s = self.settings
        if not math.isfinite(v["reference_us"]):
            return False, Message("cal_eda_no_reference")
        if abs(v["zero_us"]) > s.zero_tolerance_us:
            return False, Message("cal_eda_zero_off", {"zero": v["zero_us"], "limit": s.zero_tolerance_us})
        if abs(v["gain_error_pct"]) > s.gain_tolerance_pct:
            error = {"error": v["gain_error_pct"], "limit": s.gain_tolerance_pct}
            return False, Message("cal_eda_gain_off", error)
        if v["reference_sd_us"] > s.noise_share * s.expected_us:
            return False, Message("cal_eda_noisy", {"sd": v["reference_sd_us"]})
        return True, Message("cal_eda_pass", {"error": v["gain_error_pct"], "zero": v["zero_us"]})
