"""A GSR unit's own calibration, measured by the technician's EDA zero/gain check and applied back.

The check reports the mean raw reading with the electrodes open (``zero_reading``) and across the
reference resistor (``reference_reading``). :func:`correct_calibration` turns them into the unit's
calibration, from the raw readings alone (so applying twice, or applying on top of an earlier profile,
gives the same answer):

* ``grove``: the open reading becomes ``zero``; ``gain`` makes the reference read its expected µS.
* ``linear``: ``scale`` and ``offset`` make the open reading 0 µS and the reference its expected µS.

A result that cannot describe a working unit (not finite, readings out of the ADC's range, a reference
at or beyond the open reading, a gain outside ``GAIN_LIMITS``) is refused with a plain reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from sensors.devices.gsr import GsrCalibration
from station.calibration.procedure import Message

GAIN_LIMITS = (0.5, 2.0)  # a unit further off than this is broken, not miscalibrated
MIN_SPAN_COUNTS = 5.0  # open and reference readings closer than this cannot give a gain
BRIDGE_SOURCE_PREFIX = "oasis-bridge-"  # station/bridges.py names its streams' source ids so


class ProfileRefused(ValueError):
    """The check's numbers cannot be applied; ``message`` says why (a texts key and values)."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.key)
        self.message = message


@dataclass(frozen=True)
class DeviceProfile:
    """One bridged device's applied calibration (stored by SessionStore, used by BridgeManager)."""

    device: str  # the [[devices]] name
    kind: str
    calibration: GsrCalibration
    applied_at: str  # ISO 8601 UTC
    calibration_uuid: str  # the calibration record it came from

    @property
    def gain(self) -> float:
        """The correction factor shown to the technician (``scale`` for the linear model)."""
        c = self.calibration
        return c.scale if c.model == "linear" else c.gain

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> DeviceProfile:
        """From SessionStore.device_profile's dict."""
        return cls(
            row["device"],
            row["kind"],
            GsrCalibration(**row["calibration"]),
            row["applied_at"],
            row["calibration_uuid"],
        )


def correct_calibration(
    base: GsrCalibration, zero_reading: float, reference_reading: float, expected_us: float
) -> GsrCalibration:
    """The unit's calibration from an EDA check's raw readings (``base`` gives the model and the ADC
    range). Raises ProfileRefused with a plain reason when the numbers cannot describe a working unit."""
    readings = (zero_reading, reference_reading)
    if not all(math.isfinite(x) for x in (*readings, expected_us)) or expected_us <= 0:
        raise ProfileRefused(Message("cal_profile_not_measured"))
    if base.model == "linear":
        span = reference_reading - zero_reading
        if abs(span) < MIN_SPAN_COUNTS:
            raise ProfileRefused(Message("cal_profile_no_span", {"counts": abs(span)}))
        scale = expected_us / span
        corrected = replace(base, scale=scale, offset=-scale * zero_reading, gain=1.0)
        gain = scale / base.scale if base.scale else math.inf
    else:
        if not all(0.0 <= x <= base.adc_max for x in readings):
            raise ProfileRefused(Message("cal_profile_out_of_range", {"max": base.adc_max}))
        if zero_reading - reference_reading < MIN_SPAN_COUNTS:
            raise ProfileRefused(Message("cal_profile_no_span", {"counts": zero_reading - reference_reading}))
        unit = replace(base, zero=zero_reading, gain=1.0)
        measured = float(unit.to_microsiemens(np.array([reference_reading]))[0])
        gain = expected_us / measured
        corrected = replace(unit, gain=gain)
    low, high = GAIN_LIMITS
    if not low <= gain <= high:
        raise ProfileRefused(Message("cal_profile_gain_absurd", {"gain": gain, "low": low, "high": high}))
    return corrected


def bridge_for(stream: str, names: list[str]) -> str | None:
    """The configured bridge whose LSL stream was measured (``stream``: the check's source id or
    name), else None (a stream the station does not bridge itself)."""
    for name in names:
        source = BRIDGE_SOURCE_PREFIX + name
        if stream in (name, source) or stream.startswith(source + ":"):
            return name
    return None


def profile_lookup(find: Callable[[str], Mapping[str, Any] | None]) -> Callable[[str], DeviceProfile | None]:
    """BridgeManager's ``profiles`` from a row finder such as SessionStore.device_profile."""

    def lookup(device: str) -> DeviceProfile | None:
        row = find(device)
        return DeviceProfile.from_row(row) if row is not None else None

    return lookup


@dataclass(frozen=True)
class ApplyOffer:
    """What the EDA result page offers for a bridged GSR device: its corrected calibration, or why
    there is none (``refused``); ``applied`` once the technician applied it."""

    device: str  # the bridge's [[devices]] name
    calibration: GsrCalibration | None
    refused: Message | None = None
    applied: bool = False

    @property
    def gain(self) -> float:
        c = self.calibration
        return math.nan if c is None else (c.scale if c.model == "linear" else c.gain)
