"""In-session sensor supervision: is each sensor the protocol needs still giving usable data?

A pure, step-driven watcher. The runtime feeds it one :class:`Reading` per watched sensor at every
feature update (10 Hz): how many raw samples its streams have delivered so far, the best verdict of
the features the protocol reads from it, and, when that verdict is bad, the raw signal's verdict.
It judges on update counts only, never on the wall clock:

- *no samples*: the sample count has not moved for ``lost_after_s`` worth of updates;
- *flat line* / *railed* / *bad quality*: the sensor's features have been bad that long (the raw
  signal's verdict says whether it is a flatline, a clipped signal or something else).

A sensor that has never been good in this session is given ``warmup_s`` worth of updates (the
features need a window of data) before it can be declared lost. A lost sensor is back once its
samples flow and its features have not been bad for ``back_after_s`` worth of updates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sensors.types import Level, Sensor, StreamKind, Verdict

SENSOR_STREAMS: dict[Sensor, tuple[StreamKind, ...]] = {
    Sensor.HEART: (StreamKind.ECG, StreamKind.PPG),
    Sensor.EEG: (StreamKind.EEG,),
    Sensor.EDA: (StreamKind.EDA,),
}

NO_SAMPLES, FLAT_LINE, RAILED, BAD_QUALITY = "no samples", "flat line", "railed", "bad quality"


@dataclass(frozen=True)
class Reading:
    """What one feature update says about one sensor."""

    samples: int  # raw samples its streams have delivered so far (a new stream may start again at 0)
    verdict: Verdict  # the best verdict of the features the protocol reads from it
    signal: Verdict | None = None  # the raw signal's verdict (flatline, clipping…), when known


@dataclass(frozen=True)
class SensorChange:
    """A sensor lost (``lost``) or back (not ``lost``), with the reason it was lost."""

    sensor: str
    lost: bool
    reason: str


@dataclass
class _Track:
    samples: int = 0
    quiet: int = 0  # updates since the sample count last moved
    bad: int = 0  # consecutive updates with bad features
    good: int = 0  # consecutive updates with samples flowing and features not bad
    updates: int = 0
    seen_good: bool = False
    lost: str | None = None  # the reason, while lost


def problem(reading: Reading, quiet: bool) -> str | None:
    """Why a reading is unusable (one of the reasons above), None when it is usable."""
    if quiet:
        return NO_SAMPLES
    if reading.verdict.level is not Level.BAD:
        return None
    signal = reading.signal.reason if reading.signal is not None else ""
    if "flatline" in signal:
        return FLAT_LINE
    if "clipping" in signal:
        return RAILED
    return BAD_QUALITY


class SensorWatch:
    """Watches sensors by name ('heart', 'eeg', 'eda'); :meth:`step` returns what changed."""

    def __init__(
        self,
        sensors: Iterable[str],
        rate_hz: float = 10.0,
        lost_after_s: float = 3.0,
        back_after_s: float = 2.0,
        warmup_s: float = 20.0,
    ) -> None:
        self._tracks = {sensor: _Track() for sensor in sensors}
        self.lost_after = max(1, round(lost_after_s * rate_hz))
        self.back_after = max(1, round(back_after_s * rate_hz))
        self.warmup = max(1, round(warmup_s * rate_hz))

    @property
    def sensors(self) -> list[str]:
        return list(self._tracks)

    @property
    def lost(self) -> dict[str, str]:
        """The sensors lost now, with the reason each was lost."""
        return {sensor: t.lost for sensor, t in self._tracks.items() if t.lost is not None}

    def step(self, readings: Mapping[str, Reading]) -> list[SensorChange]:
        """Take one update's readings (a sensor without one has delivered nothing new)."""
        changes = []
        for sensor, track in self._tracks.items():
            reading = readings.get(sensor, Reading(track.samples, Verdict(Level.BAD, "no source")))
            change = self._judge(sensor, track, reading)
            if change is not None:
                changes.append(change)
        return changes

    def _judge(self, sensor: str, t: _Track, reading: Reading) -> SensorChange | None:
        t.updates += 1
        t.quiet = 0 if reading.samples != t.samples else t.quiet + 1
        t.samples = reading.samples
        why = problem(reading, quiet=t.quiet >= self.lost_after)
        if why is None:
            t.good, t.bad = t.good + 1, 0
            t.seen_good = True
        else:
            t.good, t.bad = 0, t.bad + 1
        judged = t.seen_good or t.updates >= self.warmup
        if t.lost is None and why is not None and judged and (why == NO_SAMPLES or t.bad >= self.lost_after):
            t.lost = why
            return SensorChange(sensor, True, why)
        if t.lost is not None and t.good >= self.back_after:
            reason, t.lost = t.lost, None
            return SensorChange(sensor, False, reason)
        return None
