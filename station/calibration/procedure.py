"""The step machine every calibration shares: timed steps over one LSL stream, polled from the kiosk.

A procedure is a list of :class:`Step` s. ``poll(now)`` reads the samples its inlet received since the
last poll (the caller pulls the registry's inlets first), hands them to the procedure's ``_take`` and
advances when the step holds ``duration_s`` seconds of data (sample time, so a replay or a stream
that stalls does not fake a finished step). Every ``QUALITY_EVERY_S`` the signal is judged:

* the stream must be delivering (not waiting, stalled, lost or rejected);
* for steps with ``check_channels``, at most half the procedure's channels may be *bad*
  (sensors.quality: flatline, clipping, mains, impossible values, electrode off…), judged on the
  step's own samples only (the previous step's, e.g. open electrodes, are not held against it).

Bad signal for more than ``max_bad_share`` of a step's duration (wall-clock time) **restarts the
step** with its data discarded (the technician fixes the sensor meanwhile; the screen says why);
after ``max_restarts`` restarts the procedure **fails** with the quality reason. A stream that cannot
be found within ``FIND_GRACE_S`` fails at once. Results are plain numbers plus a pass/fail verdict
with a reason (a texts key and its values, so the kiosk shows it in either language).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sensors.lsl.inlet import Inlet
from sensors.types import Level, Verdict

QUALITY_EVERY_S = 0.5
QUALITY_WINDOW_S = 2.0  # channels are judged on the step's last (at most) this many seconds
MIN_QUALITY_S = 0.5  # a step with less data than this is judged on the stream's delivery only
FIND_GRACE_S = 5.0
_NOT_DELIVERING = ("connecting", "waiting", "stalled", "lost", "rejected")


@dataclass(frozen=True)
class Step:
    """One timed step: ``key`` names its instruction in station/kiosk/texts.py."""

    key: str
    duration_s: float
    check_channels: bool = True  # False where a "bad" verdict is expected (electrodes open)


@dataclass(frozen=True)
class Message:
    """A texts key and the values it is formatted with."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    """A finished procedure: numbers, verdict and reason (plus where it was measured)."""

    procedure: str
    sensor: str
    device: str
    passed: bool
    reason: Message
    values: dict[str, float]

    def record(self, notes: str) -> dict[str, Any]:
        """The dict stored with SessionStore.add_calibration (see station/store/wire_records.py)."""
        finite = {k: v for k, v in self.values.items() if math.isfinite(v)}
        return {
            "procedure": self.procedure,
            "sensor": self.sensor,
            "passed": self.passed,
            "notes": notes,
            **finite,
        }


@dataclass(frozen=True)
class View:
    """What the technician page shows of a procedure right now."""

    procedure: str
    state: str  # "running" | "done" | "failed"
    step: int  # 0-based
    steps: tuple[Step, ...]
    progress: float  # of the current step, 0..1
    seconds_left: float
    live: Message | None  # the current reading, e.g. Message("cal_live_us", {"value": 9.8})
    notice: Message | None  # why a step restarted
    result: Result | None
    error: Message | None


class Procedure(ABC):
    """Base of the calibration procedures (see the module docstring)."""

    name = ""
    sensor = ""

    def __init__(
        self,
        source: Callable[[], Inlet | None],
        steps: list[Step],
        *,
        max_bad_share: float = 0.2,
        max_restarts: int = 2,
    ) -> None:
        if not steps or any(not s.duration_s > 0 for s in steps):
            raise ValueError("a procedure needs steps with positive durations")
        self._source = source
        self.steps = tuple(steps)
        self.max_bad_share, self.max_restarts = max_bad_share, max_restarts
        self.inlet: Inlet | None = None
        self.state = "running"
        self.step = 0
        self.restarts = 0
        self.result: Result | None = None
        self.error: Message | None = None
        self.notice: Message | None = None
        self._started: float | None = None
        self._cursor = 0
        self._span = (math.nan, math.nan)  # first and last sample time of the current step
        self._bad_s = 0.0
        self._last_quality: float | None = None
        self.quality_levels: list[Level] = []  # one per quality check of the current step

    # -- driving -------------------------------------------------------------------------------

    def poll(self, now: float) -> None:
        """Take new samples, judge the signal, advance or finish (cheap; call at the kiosk tick)."""
        if self.state != "running":
            return
        if self.inlet is None and not self._find(now):
            return
        inlet = self.inlet
        assert inlet is not None  # _find attached it
        data, times, self._cursor, _ = inlet.buffer.since(self._cursor)
        if len(times):
            first = self._span[0] if math.isfinite(self._span[0]) else float(times[0])
            self._span = (first, float(times[-1]))
            self._take(self.step, np.array(data, dtype=float), np.array(times, dtype=float))
        if self._last_quality is None:
            self._last_quality = now
        elif now - self._last_quality >= QUALITY_EVERY_S:
            problem = self._problem(inlet)
            self.quality_levels.append(problem.level)
            if problem.level is Level.BAD:
                self._bad_s += now - self._last_quality
            self._last_quality = now
            if self._bad_s > self.max_bad_share * self.steps[self.step].duration_s:
                self._restart(problem.reason)
                return
        if self._collected() >= self.steps[self.step].duration_s:
            if self.step + 1 < len(self.steps):
                self.step += 1
                self._reset_step(self.step)
                self._begin_step()
            else:
                self.state = "done"
                self.result = self._result()

    def view(self) -> View:
        duration = self.steps[self.step].duration_s
        collected = min(self._collected(), duration)
        return View(
            self.name,
            self.state,
            self.step,
            self.steps,
            collected / duration,
            duration - collected,
            self._live() if self.inlet is not None else None,
            self.notice,
            self.result,
            self.error,
        )

    @property
    def device(self) -> str:
        """The stream measured: its source_id, else its name."""
        d = self.inlet.description if self.inlet is not None else None
        return (d.source_id or d.name) if d is not None else ""

    # -- hooks for the procedures ----------------------------------------------------------------

    @abstractmethod
    def _take(self, step: int, data: np.ndarray, times: np.ndarray) -> None:
        """New samples (n, channels) of ``step`` with their LSL times."""

    @abstractmethod
    def _reset_step(self, step: int) -> None:
        """Start ``step`` afresh: on a restart (forget its data) and when it begins."""

    @abstractmethod
    def _attach(self, inlet: Inlet) -> None:
        """The stream was found (procedures size their buffers from its description)."""

    @abstractmethod
    def _result(self) -> Result:
        """The verdict once every step has its data."""

    def _live(self) -> Message | None:
        return None

    def _channels(self) -> list[int]:
        """The channels the procedure reads (quality is judged on these)."""
        return list(range(self.inlet.description.channel_count)) if self.inlet else []

    # -- internals -------------------------------------------------------------------------------

    def _find(self, now: float) -> bool:
        if self._started is None:
            self._started = now
        inlet = self._source()
        if inlet is None:
            if now - self._started > FIND_GRACE_S:
                self._fail(Message("cal_error_missing", {"sensor": self.sensor}))
            return False
        self.inlet = inlet
        self._cursor = inlet.buffer.total_written  # only samples from now on
        self._attach(inlet)
        return True

    def _problem(self, inlet: Inlet) -> Verdict:
        status = inlet.status()
        if status.state in _NOT_DELIVERING:
            reason = status.verdict.reason if status.verdict.level is Level.BAD else "waiting for data"
            return Verdict(Level.BAD, reason)
        window = min(QUALITY_WINDOW_S, self._collected())
        if not self.steps[self.step].check_channels or window < MIN_QUALITY_S:
            return Verdict.good()
        verdicts = inlet.channel_verdicts(window)
        labels = inlet.description.labels
        mine = [(ch, verdicts[ch]) for ch in self._channels() if ch < len(verdicts)]
        bad = [(ch, v) for ch, v in mine if v.level is Level.BAD]
        if mine and len(bad) * 2 > len(mine):
            ch, v = bad[0]
            name = labels[ch] if ch < len(labels) and labels[ch] else f"ch{ch + 1}"
            return Verdict(Level.BAD, f"{name}: {v.reason}")
        return Verdict.worst([v for _, v in mine]) if mine else Verdict.good()

    def _collected(self) -> float:
        first, last = self._span
        if not math.isfinite(first):
            return 0.0
        rate = self.inlet.description.nominal_srate if self.inlet else 0.0
        return last - first + (1.0 / rate if rate > 0 else 0.0)

    def _begin_step(self) -> None:
        self._span = (math.nan, math.nan)
        self._bad_s = 0.0
        self._last_quality = None
        self.quality_levels = []

    def _restart(self, reason: str) -> None:
        if self.restarts >= self.max_restarts:
            self._fail(Message("cal_error_signal", {"reason": reason}))
            return
        self.restarts += 1
        self.notice = Message("cal_restarted", {"reason": reason})
        self._reset_step(self.step)
        self._begin_step()

    def _fail(self, error: Message) -> None:
        self.state, self.error = "failed", error

    def good_share(self) -> float:
        """Share of the current step's quality checks that found the signal good (NaN before any)."""
        levels = self.quality_levels
        return sum(lv is Level.GOOD for lv in levels) / len(levels) if levels else math.nan
