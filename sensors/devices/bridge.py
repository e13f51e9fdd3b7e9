"""The serial → LSL bridge: opens a port with a device's settings, sends its start command, reads on its
own thread, feeds the device's parser and republishes the decoded rows as LSL outlets.

The outlets are made once and live across reconnections, so consumers keep their inlets when a USB
cable is pulled out and put back; the bridge retries the port every ``reconnect_s`` seconds and records
the hole as a :class:`Gap` (also pushed as a marker on the ``<name>-Events`` stream). Timestamps of
regular streams continue at the nominal rate from chunk to chunk, held at or before the LSL clock at
receipt and slowly pulled towards it (device clock drift); irregular streams get their arrival time.
A stream aligned to another (the Cyton's accelerometer, one reading per ten EEG samples) takes the
timestamps of the samples its readings came with.
"""

from __future__ import annotations

import contextlib
import logging
import termios
import threading
from dataclasses import dataclass, field

import numpy as np
import pylsl
import serial

from sensors.devices.device_interfaces import (
    Decoded,
    DeviceSpec,
    Parser,
    ParserStats,
    StreamSpec,
    one_line_reason,
)
from sensors.devices.motion import Motion, latest_motion
from sensors.devices.serial_port import open_serial
from sensors.lsl.metadata import describe_channels
from sensors.types import Level, Verdict

log = logging.getLogger(__name__)

CLOCK_GAIN = 0.02  # share of the arrival-time error a chunk's timestamps move by
CLOCK_RESET_S = 0.25  # further off than this, the stream restarts from arrival time (a gap)


@dataclass(frozen=True)
class Gap:
    """Data missing between the last sample before a loss and the first one after it (LSL seconds)."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class BridgeStatus:
    """A snapshot of a bridge for the CLI, the log and the station's sensor check."""

    device: str
    port: str
    state: str  # connecting | waiting | streaming | silent | no-packets | disconnected | stopped
    verdict: Verdict
    bytes_received: int
    stats: ParserStats
    gaps: tuple[Gap, ...] = ()
    reconnects: int = 0  # recoveries: data flowing again after a loss (one per closed gap)
    error: str = ""
    samples: dict[str, int] = field(default_factory=dict)
    motion: Motion | None = None  # head movement, for devices with an accelerometer (Cyton)


def make_stream_info(spec: DeviceSpec, stream: StreamSpec, name: str, source_id: str) -> pylsl.StreamInfo:
    """An LSL StreamInfo with channel labels, units and types in desc (XDF meta-data layout)."""
    full_name = f"{name}-{stream.suffix}" if stream.suffix else name
    info = pylsl.StreamInfo(
        full_name, stream.type, stream.channels, stream.rate, "float32", f"{source_id}:{stream.key}"
    )
    return describe_channels(info, stream.labels, stream.units, stream.type, manufacturer=spec.title)


class SerialBridge:
    """Bridge one serial device to LSL. ``start()``, ``status()``, ``stop()``."""

    def __init__(
        self,
        spec: DeviceSpec,
        port: str,
        name: str | None = None,
        parser: Parser | None = None,
        source_id: str | None = None,
        reconnect_s: float = 0.5,
        silence_s: float = 2.0,
        baudrate: int | None = None,
    ):
        self.spec = spec
        self.port = port
        self.name = name or f"oasis-{spec.name}"
        self.parser = parser or spec.make_parser()
        self.source_id = source_id or f"oasis-{spec.name}-{port}"
        self.reconnect_s = reconnect_s
        self.silence_s = silence_s
        self.serial_kwargs = spec.serial.as_kwargs()
        if baudrate is not None:
            self.serial_kwargs["baudrate"] = baudrate
        self._outlets: dict[str, tuple[StreamSpec, pylsl.StreamOutlet]] = {}
        self._events: pylsl.StreamOutlet | None = None
        self._last_ts: dict[str, float] = {}
        self._next_t: dict[str, float] = {}
        self._samples: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = "connecting"
        self._error = ""
        self._device_verdict: Verdict | None = None
        self._motion: Motion | None = None
        self._bytes = 0
        self._bytes_since_packet = 0
        self._packets_seen = 0
        self._opened_t: float | None = None
        self._last_byte_t: float | None = None
        self._last_data_t: float | None = None
        self._lost_at: float | None = None
        self._gaps: list[Gap] = []
        self._reconnects = 0
        self._ever_connected = False

    # lifecycle -------------------------------------------------------------------------------------

    def start(self) -> SerialBridge:
        for stream in self.spec.streams:
            info = make_stream_info(self.spec, stream, self.name, self.source_id)
            self._outlets[stream.key] = (stream, pylsl.StreamOutlet(info))
        events = pylsl.StreamInfo(
            f"{self.name}-Events", "Markers", 1, 0.0, "string", f"{self.source_id}:events"
        )
        self._events = pylsl.StreamOutlet(events)
        self._thread = threading.Thread(target=self._run, name=f"bridge-{self.spec.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._outlets.clear()  # consumers see the streams end
        self._events = None
        with self._lock:
            self._state = "stopped"

    def __enter__(self) -> SerialBridge:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # status ----------------------------------------------------------------------------------------

    def status(self) -> BridgeStatus:
        with self._lock:
            state = self._state
            now = pylsl.local_clock()
            heard = self._last_byte_t if self._last_byte_t is not None else self._opened_t
            if (
                state in ("streaming", "no-packets", "waiting")
                and heard is not None
                and now - heard > self.silence_s
            ):
                state = "silent"
            return BridgeStatus(
                device=self.spec.name,
                port=self.port,
                state=state,
                verdict=self._verdict(state, now),
                bytes_received=self._bytes,
                stats=ParserStats(**self.parser.stats.as_dict()),
                gaps=tuple(self._gaps),
                reconnects=self._reconnects,
                error=self._error,
                samples=dict(self._samples),
                motion=self._motion,
            )

    def _verdict(self, state: str, now: float) -> Verdict:
        if state == "streaming":
            return self._device_verdict or Verdict.good()
        if state == "silent":
            since = now - (self._last_byte_t if self._last_byte_t is not None else self._opened_t or now)
            return Verdict(
                Level.BAD, f"device silent for {since:.1f} s (switched off, or waiting for a start command?)"
            )
        if state == "no-packets":
            return Verdict(
                Level.BAD,
                f"{self._bytes_since_packet} bytes but no valid {self.spec.title} "
                "packets (wrong device or baud rate?)",
            )
        if state == "disconnected":
            return Verdict(Level.BAD, f"port {self.port} vanished ({self._error}); waiting for it to return")
        if state == "connecting":
            return Verdict(Level.BAD, f"cannot open {self.port}: {self._error or 'not tried yet'}")
        if state == "waiting":
            return Verdict(Level.DEGRADED, "port open, waiting for data")
        return Verdict(Level.BAD, "bridge stopped")

    def _set(self, state: str, error: str | None = None) -> None:
        with self._lock:
            self._state = state
            if error is not None:
                self._error = error

    # thread ----------------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                port = open_serial(self.port, timeout=0.05, **self.serial_kwargs)
            except (serial.SerialException, OSError, ValueError, termios.error) as exc:
                # termios.error: pyserial's tcsetattr on a port that vanished while it was opened
                self._set("disconnected" if self._ever_connected else "connecting", one_line_reason(exc))
                self._stop.wait(self.reconnect_s)
                continue
            try:
                self._on_open()
                if self.spec.start_commands:
                    port.write(self.spec.start_commands)
                self._read_loop(port)
                with contextlib.suppress(serial.SerialException, OSError):
                    if self.spec.stop_commands:
                        port.write(self.spec.stop_commands)
                        port.flush()
            except (serial.SerialException, OSError) as exc:
                self._on_lost(one_line_reason(exc))
            finally:
                with contextlib.suppress(serial.SerialException, OSError):
                    port.close()

    def _on_open(self) -> None:
        self.parser.reset()
        with self._lock:
            self._opened_t = pylsl.local_clock()
            self._last_byte_t = None
            self._bytes_since_packet = 0
            self._ever_connected = True
            self._state = "waiting"
            self._error = ""
        log.info("%s: opened %s", self.spec.name, self.port)

    def _on_lost(self, reason: str) -> None:
        with self._lock:
            self._state = "disconnected"
            self._error = reason
            # a loss of data that flowed: a port that flaps before data flows again is the same loss,
            # and one that fails before any data came is still connecting (no gap in the data)
            first = self._lost_at is None and self._last_data_t is not None
            if first:
                self._lost_at = self._last_data_t
        if not first:
            log.debug("%s: %s still lost (%s)", self.spec.name, self.port, reason)
            return
        log.warning(
            "%s: lost %s (%s); retrying every %.1f s", self.spec.name, self.port, reason, self.reconnect_s
        )
        self._marker(f"disconnected: {reason}")

    def _read_loop(self, port: serial.Serial) -> None:
        keepalive_at = pylsl.local_clock() + self.spec.keepalive_s
        while not self._stop.is_set():
            if self.spec.keepalive_commands and pylsl.local_clock() >= keepalive_at:
                port.write(self.spec.keepalive_commands)
                keepalive_at += self.spec.keepalive_s
            data = port.read(max(1, port.in_waiting))
            if not data:
                continue
            now = pylsl.local_clock()
            decoded = self.parser.feed(data)
            with self._lock:
                self._bytes += len(data)
                self._last_byte_t = now
                if decoded:
                    self._bytes_since_packet = 0
                    self._state = "streaming"
                else:
                    self._bytes_since_packet += len(data)
                    if self._bytes_since_packet > 20 * self.spec.packet_size + 64:
                        self._state = "no-packets"
            if decoded:
                self._publish(decoded, now)

    def _publish(self, decoded: Decoded, now: float) -> None:
        verdict = self.spec.verdict(decoded)
        motion = latest_motion(decoded)
        with self._lock:
            if verdict is not None:
                self._device_verdict = verdict
            if motion is not None:
                self._motion = motion
            if self._lost_at is not None:  # data again after a loss: one reconnect (however many
                gap = Gap(self._lost_at, now)  # opens it took: a replugged port may flap first)
                self._gaps.append(gap)
                self._reconnects += 1
                self._lost_at = None
            else:
                gap = None
            self._last_data_t = now
        if gap is not None:
            log.warning("%s: data back after a gap of %.2f s", self.spec.name, gap.duration)
            self._marker(f"reconnected: gap {gap.duration:.3f} s")
        published: dict[str, np.ndarray] = {}
        entries = [(self._outlets[key], rows) for key, rows in decoded.items() if key in self._outlets]
        for (stream, outlet), rows in sorted(entries, key=lambda entry: bool(entry[0][0].aligned_to)):
            if stream.aligned_to:
                partner = published.get(stream.aligned_to)
                keep = np.isfinite(rows).all(axis=1)
                if partner is None or len(partner) != len(rows) or not keep.any():
                    continue
                rows, stamps = rows[keep], partner[keep]
            elif stream.rate > 0:
                stamps = self._clock(stream.key, stream.rate, len(rows), now)
            else:
                stamps = np.full(len(rows), now)
            k = len(rows)
            last = self._last_ts.get(stream.key)
            if last is not None and stamps[0] <= last:
                stamps = np.maximum(stamps, last + 1e-6 * np.arange(1, k + 1))
            self._last_ts[stream.key] = float(stamps[-1])
            published[stream.key] = stamps
            outlet.push_chunk(np.ascontiguousarray(rows, dtype=np.float32), stamps.tolist())
            self._samples[stream.key] = self._samples.get(stream.key, 0) + k

    def _clock(self, key: str, rate: float, k: int, now: float) -> np.ndarray:
        """Timestamps of k regular samples that arrived at ``now``: they continue the previous chunk at
        the nominal rate (no jitter from serial bursts), never later than arrival, nudged towards the
        earliest arrival times to follow the device's clock drift, and restart after a real gap."""
        arrival_first = now - (k - 1) / rate
        predicted = self._next_t.get(key)
        if predicted is None or abs(arrival_first - predicted) > CLOCK_RESET_S:
            first = arrival_first
        else:
            first = min(predicted + CLOCK_GAIN * (arrival_first - predicted), arrival_first)
        stamps = first + np.arange(k) / rate
        self._next_t[key] = float(stamps[-1]) + 1 / rate
        return stamps

    def _marker(self, text: str) -> None:
        if self._events is not None:
            self._events.push_sample([text])
