"""A resilient LSL inlet: pulls chunks into a ring buffer, corrects clocks, detects gaps, stalls and
bad samples, and reconnects when a stream with the same identity comes back.

Pull model: the owner calls :meth:`Inlet.update` from its own loop (the pipeline's, or the
``oasis streams`` table's). ``update`` never blocks and never raises for a stream's misbehaviour:
problems become :class:`InletStatus` fields, a quality verdict and one log line each.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pylsl
from pylsl.util import LostError
from pylsl.util import TimeoutError as LslTimeoutError  # not the built-in TimeoutError

from sensors.lsl.ring_buffer import RingBuffer
from sensors.lsl.stream_discovery import StreamDescription, describe
from sensors.lsl.stream_kinds import kind_of
from sensors.types import Level, Verdict

log = logging.getLogger(__name__)

CLOCK_REFRESH_S = 5.0
RECENT_S = 10.0  # how far back status looks for recent gaps and bad samples


@dataclass(frozen=True)
class Gap:
    """Missing data between two received samples (LSL seconds, corrected clock)."""

    start: float
    duration: float
    missing_samples: int


@dataclass(frozen=True)
class InletStatus:
    """A snapshot of an inlet's health, for tables, logs and quality verdicts."""

    description: StreamDescription
    state: str  # connecting | waiting | receiving | stalled | lost | rejected
    samples: int
    measured_rate: float
    gaps: int
    gap_seconds: float
    last_sample_age: float
    nonfinite_samples: int
    clock_offset: float
    verdict: Verdict


@dataclass
class _Counters:
    samples: int = 0
    nonfinite: int = 0
    backwards: int = 0
    gaps: list[Gap] = field(default_factory=list)


class Inlet:
    """One LSL stream, buffered: ``buffer_seconds`` of samples in fixed memory.

    ``expected_channels`` rejects a stream whose channel count differs (the registry uses it when a
    role needs a fixed layout). ``clock_offset`` replaces liblsl's time_correction as the source of
    the clock offset — only for tests, since one machine has only one clock.
    """

    def __init__(
        self,
        info: pylsl.StreamInfo,
        buffer_seconds: float = 30.0,
        expected_channels: int | None = None,
        stall_after: float | None = None,
        clock_offset: Callable[[], float] | None = None,
    ) -> None:
        self.description = describe(info)
        self._info = info
        self._expected_channels = expected_channels
        rate = self.description.nominal_srate
        default_stall = max(1.0, 10.0 / rate) if rate else 5.0
        self.stall_after = stall_after if stall_after is not None else default_stall
        capacity = max(16, math.ceil(buffer_seconds * rate)) if rate > 0 else 4096
        self.buffer = RingBuffer(capacity, max(1, self.description.channel_count))
        self._offset_source = clock_offset
        self._inlet: pylsl.StreamInlet | None = None
        self._scratch: np.ndarray | None = None
        self._resolver: pylsl.ContinuousResolver | None = None
        self._state = "connecting"
        self._reason = ""
        self._offset = 0.0
        self._offset_checked = -math.inf
        self._last_arrival = math.nan  # local_clock() when the newest sample was pulled
        self._last_timestamp = math.nan
        self._stall_started = math.nan
        self._counters = _Counters()
        self._recent_nonfinite: list[tuple[float, int]] = []

    # -- lifecycle ---------------------------------------------------------------------------
    def connect(self, timeout: float = 2.0) -> bool:
        """Open the stream; False (state 'rejected' or 'lost') when it can't be used."""
        problem = self._validate(self.description)
        if problem:
            return self._reject(problem)
        try:
            inlet = pylsl.StreamInlet(self._info, max_buflen=max(2, int(self._buffer_span())), recover=True)
            full = inlet.info(timeout=timeout)
            inlet.open_stream(timeout=timeout)  # data flows from now on, not from the first pull
        except (LostError, LslTimeoutError, TimeoutError) as exc:
            self._state, self._reason = "lost", f"could not open stream: {exc or type(exc).__name__}"
            log.warning("%s: %s", self.description.name, self._reason)
            return False
        self.description = describe(full)
        problem = self._validate(self.description)
        if problem:
            inlet.close_stream()
            return self._reject(problem)
        self._inlet = inlet
        self._scratch = np.empty((1024, self.description.channel_count), dtype=_numpy_dtype(full))
        self._refresh_offset(inlet, pylsl.local_clock(), timeout=timeout)
        self._state = "waiting"
        return True

    def close(self) -> None:
        """Close the underlying inlet; the buffer stays readable."""
        if self._inlet is not None:
            self._inlet.close_stream()
            self._inlet = None
        self._resolver = None

    # -- acquisition -------------------------------------------------------------------------
    def update(self) -> int:
        """Pull everything available now; returns the number of new samples. Never blocks."""
        now = pylsl.local_clock()
        if self._state == "rejected":
            return 0
        inlet, scratch = self._inlet, self._scratch
        if inlet is None or scratch is None:
            self._try_recover()
            return 0
        if now - self._offset_checked > CLOCK_REFRESH_S:
            self._refresh_offset(inlet, now, timeout=0.0)
        received = 0
        try:
            while True:
                chunk, stamps = inlet.pull_chunk(
                    timeout=0.0, max_samples=len(scratch), dest_obj=scratch, as_numpy=True
                )
                if len(stamps) == 0:
                    break
                self._ingest(chunk, np.asarray(stamps, dtype=np.float64) + self._offset, now)
                received += len(stamps)
                if len(stamps) < len(scratch):
                    break
        except LostError:
            self._lose("stream lost and not recoverable by liblsl (no source_id?)")
            return received
        if received:
            if self._state == "stalled":
                log.info("%s: data resumed after %.1f s", self.description.name, now - self._stall_started)
            self._state = "receiving"
        elif self._state == "receiving" and now - self._last_arrival > self.stall_after:
            self._state, self._stall_started = "stalled", self._last_arrival
            log.warning("%s: no data for %.1f s", self.description.name, now - self._last_arrival)
        return received

    def _ingest(self, chunk: np.ndarray, stamps: np.ndarray, now: float) -> None:
        data = chunk.astype(np.float64, copy=False)
        bad_rows = int(np.count_nonzero(~np.isfinite(data).all(axis=1)))
        if bad_rows:
            if not self._counters.nonfinite:
                log.warning("%s: received NaN/inf samples", self.description.name)
            self._counters.nonfinite += bad_rows
            self._recent_nonfinite.append((now, bad_rows))
        self._detect_gaps(stamps)
        self.buffer.write(data, stamps)
        self._counters.samples += len(stamps)
        self._last_arrival = now
        self._last_timestamp = float(stamps[-1])

    def _detect_gaps(self, stamps: np.ndarray) -> None:
        rate = self.description.nominal_srate
        if rate <= 0:
            return
        previous = self._last_timestamp
        times = stamps if math.isnan(previous) else np.concatenate(([previous], stamps))
        steps = np.diff(times)
        threshold = max(5.0 / rate, 0.05)
        for index in np.flatnonzero(steps > threshold):
            step = float(steps[index])
            gap = Gap(float(times[index]), step - 1.0 / rate, round(step * rate) - 1)
            self._counters.gaps.append(gap)
            log.warning(
                "%s: gap of %.2f s (%d samples missing)",
                self.description.name,
                gap.duration,
                gap.missing_samples,
            )
        backwards = int(np.count_nonzero(steps < -threshold))
        if backwards:
            self._counters.backwards += backwards
            log.warning("%s: timestamps went backwards (source clock reset?)", self.description.name)

    # -- reading -----------------------------------------------------------------------------
    def latest(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Zero-copy views of the newest ``n`` samples and their corrected timestamps."""
        return self.buffer.latest(n)

    def latest_seconds(self, seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """Zero-copy views of the last ``seconds`` of samples."""
        return self.buffer.latest_seconds(seconds)

    def channel_verdicts(self, seconds: float = 2.0) -> list[Verdict]:
        """Per-channel signal quality (flatline, clipping, mains, impossible values…) of the last
        ``seconds``; empty for stream types Oasis has no signal rules for."""
        from sensors.quality import channel_verdicts

        kind = kind_of(self.description.type)
        rate = self.description.nominal_srate
        if kind is None or rate <= 0 or self.buffer.total_written == 0:
            return []
        data, times = self.buffer.latest_seconds(seconds)
        return channel_verdicts(data, rate, kind, timestamps=times)

    @property
    def gaps(self) -> list[Gap]:
        return list(self._counters.gaps)

    @property
    def clock_offset(self) -> float:
        return self._offset

    def status(self) -> InletStatus:
        """The inlet's health right now."""
        now = pylsl.local_clock()
        age = now - self._last_arrival if not math.isnan(self._last_arrival) else math.inf
        return InletStatus(
            description=self.description,
            state=self._state,
            samples=self._counters.samples,
            measured_rate=self._measured_rate(),
            gaps=len(self._counters.gaps),
            gap_seconds=sum(g.duration for g in self._counters.gaps),
            last_sample_age=age,
            nonfinite_samples=self._counters.nonfinite,
            clock_offset=self._offset,
            verdict=self._verdict(now),
        )

    # -- internals ---------------------------------------------------------------------------
    def _validate(self, d: StreamDescription) -> str:
        if not d.is_numeric:
            return f"channel format {d.channel_format} is not numeric"
        if d.channel_count < 1:
            return "stream has no channels"
        if self._expected_channels is not None and d.channel_count != self._expected_channels:
            return f"expected {self._expected_channels} channels, stream has {d.channel_count}"
        if d.nominal_srate < 0 or not math.isfinite(d.nominal_srate):
            return f"invalid nominal rate {d.nominal_srate}"
        return ""

    def _reject(self, reason: str) -> bool:
        self._state, self._reason = "rejected", reason
        log.warning("%s (%s): rejected: %s", self.description.name, self.description.type, reason)
        return False

    def _lose(self, reason: str) -> None:
        log.warning("%s: %s", self.description.name, reason)
        self.close()
        self._state, self._reason = "lost", reason

    def _try_recover(self) -> None:
        """After a non-recoverable loss, look for a stream with the same identity and reopen it."""
        d = self.description
        if self._resolver is None:
            pred = f"name='{d.name}' and type='{d.type}' and hostname='{d.hostname}'"
            if d.source_id:
                pred = f"source_id='{d.source_id}'"
            self._resolver = pylsl.ContinuousResolver(pred=pred, forget_after=2.0)
        found = self._resolver.results()
        if found:
            self._info = found[0]
            self._resolver = None
            if self.connect(timeout=1.0):
                log.info("%s: reconnected", d.name)

    def _refresh_offset(self, inlet: pylsl.StreamInlet, now: float, timeout: float) -> None:
        self._offset_checked = now
        if self._offset_source is not None:
            self._offset = float(self._offset_source())
            return
        # On a timeout keep the last estimate; liblsl keeps measuring in the background.
        with contextlib.suppress(LslTimeoutError, TimeoutError, LostError):
            self._offset = float(inlet.time_correction(timeout=timeout))

    def _buffer_span(self) -> float:
        rate = self.description.nominal_srate
        return self.buffer.capacity / rate if rate > 0 else 30.0

    def _measured_rate(self) -> float:
        _, times = self.buffer.latest_seconds(5.0)
        if len(times) < 2 or times[-1] <= times[0]:
            return 0.0
        return (len(times) - 1) / float(times[-1] - times[0])

    def _verdict(self, now: float) -> Verdict:
        d = self.description
        if self._state in ("rejected", "lost"):
            return Verdict(Level.BAD, self._reason)
        if self._state == "stalled":
            return Verdict(Level.BAD, f"no data for {now - self._last_arrival:.1f} s")
        if self._state in ("connecting", "waiting"):
            return Verdict(Level.DEGRADED, "waiting for data")
        self._recent_nonfinite = [(t, n) for t, n in self._recent_nonfinite if now - t < RECENT_S]
        bad = sum(n for _, n in self._recent_nonfinite)
        if bad:
            return Verdict(
                Level.BAD if bad > 0.1 * max(1.0, d.nominal_srate * RECENT_S) else Level.DEGRADED,
                f"{bad} NaN/inf samples in the last {RECENT_S:.0f} s",
            )
        recent_gaps = [g for g in self._counters.gaps if self._last_timestamp - g.start < RECENT_S]
        if recent_gaps:
            return Verdict(Level.DEGRADED, f"gap of {max(g.duration for g in recent_gaps):.2f} s")
        rate = self._measured_rate()
        settled = d.nominal_srate > 0 and self.buffer.total_written > d.nominal_srate * 2
        if settled and abs(rate - d.nominal_srate) > 0.1 * d.nominal_srate:
            return Verdict(Level.DEGRADED, f"rate {rate:.1f} Hz vs nominal {d.nominal_srate:g} Hz")
        return Verdict.good()


def _numpy_dtype(info: pylsl.StreamInfo) -> np.dtype:
    return np.dtype(
        {
            pylsl.cf_float32: np.float32,
            pylsl.cf_double64: np.float64,
            pylsl.cf_int8: np.int8,
            pylsl.cf_int16: np.int16,
            pylsl.cf_int32: np.int32,
            pylsl.cf_int64: np.int64,
        }[info.channel_format()]
    )


def wait_for(predicate: Callable[[], bool], timeout: float, poll: float = 0.02) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds pass (for tools and tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(poll)
    return predicate()
