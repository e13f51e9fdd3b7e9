"""The station's own serial → LSL bridges: one SerialBridge thread per ``[[devices]]`` entry, started
and stopped by the kiosk (autostart at start, the technician's devices page, stop all on exit).

Nothing here raises into the kiosk once the manager exists: a port that is missing, refuses to open,
stays silent or sends bytes no parser understands shows up in that device's :class:`BridgeRow` in
plain words. A missing port is retried by the bridge itself (every 0.5 s), so a sensor plugged in
after the start is picked up without a tap. ``port = "auto"`` searches for the device on a
background thread with detect.py's listening (one port at a time, skipping ports other bridges hold;
a device that streams only when asked is also probed).

A GSR device's applied calibration profile (station/calibration/eda_profile.py, stored by the kiosk
after the technician's EDA check) is read when its bridge starts; ``apply_profile(name)`` re-reads it
and restarts a running bridge so the new calibration takes effect at once.

The LSL stream is named after the device and keeps the source id ``oasis-bridge-NAME`` across stops
and starts, so LSL inlets (the pipeline's, LabRecorder's) reconnect when the technician restarts it.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sensors.devices.bridge import BridgeStatus, SerialBridge
from sensors.devices.detect import guess_port, list_serial_ports
from sensors.devices.device_interfaces import one_line_reason
from sensors.devices.device_kinds import get
from sensors.devices.gsr import GsrParser
from sensors.types import Level
from station.config import DeviceConfig

if TYPE_CHECKING:
    from station.calibration.eda_profile import DeviceProfile

log = logging.getLogger(__name__)

RATE_WINDOW_S = 5.0  # the sample rate shown is measured over about this long
MIN_RATE_SPAN_S = 1.0  # shorter than this, no rate is shown yet
RATE_STEP_S = 0.25  # the rate's history keeps one (time, count) per this long


@dataclass(frozen=True)
class BridgeRow:
    """One device as the technician sees it. ``detail`` is plain English (logs, heartbeat);
    ``code`` and ``values`` let the kiosk say the same in its own language (texts ``bridge_CODE``)."""

    name: str
    kind: str
    port: str
    running: bool
    level: str  # "good" | "degraded" | "bad"
    detail: str
    code: str = ""
    values: Mapping[str, object] = field(default_factory=dict)
    # devices with calibration profiles (GSR): {} = factory values, else {"date": "YYYY-MM-DD", "gain": g}
    profile: Mapping[str, object] | None = None


ENGLISH_DETAILS = {
    "stopped": "stopped",
    "searching": "searching the serial ports…",
    "not_found": "no {kind} found on {ports} serial port(s)",
    "port_missing": "port not found",
    "no_permission": "no permission to open the port",
    "cannot_open": "cannot open the port: {reason}",
    "cannot_start": "cannot start: {reason}",
    "opening": "opening the port",
    "waiting": "port open, waiting for data",
    "receiving": "receiving data",
    "streaming": "{rate:.0f} Hz, {gaps} gaps",
    "signal": "{reason}",
    "silent": "no data for {seconds:.0f} s",
    "garbage": "data not understood (wrong device?)",
    "unplugged": "unplugged, waiting for it to return",
}


PROFILED_KINDS = ("gsr",)  # kinds whose parser takes a per-unit calibration profile


def _row(slot: _Slot, port: str, running: bool, level: Level, code: str, **values: object) -> BridgeRow:
    device, profile = slot.device, slot.profile
    shown = None
    if device.kind in PROFILED_KINDS:
        shown = {} if profile is None else {"date": profile.applied_at[:10], "gain": profile.gain}
    return BridgeRow(
        device.name,
        device.kind,
        port,
        running,
        level.value,
        ENGLISH_DETAILS[code].format(**values),
        code,
        values,
        shown,
    )


class _Slot:
    """One configured device: its bridge when running, its search when port is "auto"."""

    def __init__(self, device: DeviceConfig) -> None:
        self.device = device
        self.bridge: SerialBridge | None = None
        self.searching = False
        self.generation = 0  # bumped by start and stop: a search started before a stop is void
        self.failure: tuple[str, dict[str, object]] | None = None
        self.history: deque[tuple[float, int]] = deque()  # (monotonic time, samples published)
        self.last_new_data = 0.0
        self.profile: DeviceProfile | None = None

    @property
    def running(self) -> bool:
        return self.bridge is not None or self.searching


class BridgeManager:
    """Owns the station's device bridges: ``start(name)``, ``stop(name)``, ``start_autostart()``,
    ``stop_all()`` and ``rows()``; safe to call from the kiosk and the sync threads."""

    def __init__(
        self,
        devices: list[DeviceConfig] | tuple[DeviceConfig, ...],
        *,
        serial_ports: Callable[[], list[str]] | None = None,
        listen_s: float = 1.0,
        profiles: Callable[[str], DeviceProfile | None] | None = None,
    ) -> None:
        self._slots = {d.name: _Slot(d) for d in devices}
        self._profiles = profiles
        for slot in self._slots.values():
            slot.profile = self._profile(slot.device)
        self._serial_ports = serial_ports or (lambda: [path for path, _ in list_serial_ports()])
        self._listen_s = listen_s
        self._lock = threading.Lock()
        self._search_lock = threading.Lock()  # one search at a time: listening would steal bytes

    @property
    def names(self) -> list[str]:
        return list(self._slots)

    def start(self, name: str) -> None:
        """Start the named bridge (a no-op when it is running). Never raises for the device's sake:
        failures show in its row. A KeyError for a name not configured."""
        slot = self._slot(name)
        with self._lock:
            if slot.running:
                return
            slot.generation += 1
            slot.failure = None
            slot.history.clear()
            slot.last_new_data = time.monotonic()
            if slot.device.port != "auto":
                self._open(slot, slot.device.port)
                return
            slot.searching = True
            generation = slot.generation
        threading.Thread(
            target=self._search, args=(slot, generation), name=f"bridge-search-{name}", daemon=True
        ).start()

    def stop(self, name: str) -> None:
        """Stop the named bridge: its LSL streams end and the port is closed (a no-op when stopped)."""
        slot = self._slot(name)
        with self._lock:
            bridge, slot.bridge = slot.bridge, None
            slot.searching = False
            slot.generation += 1
            slot.failure = None
        if bridge is not None:
            bridge.stop()
            log.info("bridge %s stopped", name)

    def apply_profile(self, name: str) -> None:
        """Re-read the device's calibration profile; a running bridge restarts to use it."""
        slot = self._slot(name)
        with self._lock:
            slot.profile = self._profile(slot.device)
            running = slot.running
        if running:
            self.stop(name)
            self.start(name)
        log.info("bridge %s: calibration profile %s", name, "applied" if slot.profile else "cleared")

    def start_autostart(self) -> None:
        """Start every device configured with ``autostart = true``."""
        for name, slot in self._slots.items():
            if slot.device.autostart:
                self.start(name)

    def stop_all(self) -> None:
        """Stop every bridge (on the kiosk's exit)."""
        for name in self._slots:
            self.stop(name)

    def rows(self) -> list[BridgeRow]:
        """Every configured device in configuration order, with its state in plain words."""
        with self._lock:
            return [self._describe(slot) for slot in self._slots.values()]

    # -- internals ------------------------------------------------------------------------------

    def _slot(self, name: str) -> _Slot:
        try:
            return self._slots[name]
        except KeyError:
            known = ", ".join(self._slots) or "none"
            raise KeyError(f"no device named {name!r}; configured: {known}") from None

    def _profile(self, device: DeviceConfig) -> DeviceProfile | None:
        if self._profiles is None or device.kind not in PROFILED_KINDS:
            return None
        profile = self._profiles(device.name)
        return profile if profile is not None and profile.kind == device.kind else None

    def _open(self, slot: _Slot, port: str) -> None:
        """Start a SerialBridge on ``port`` (called with the lock held)."""
        device = slot.device
        spec = get(device.kind)
        parser = GsrParser(calibration=slot.profile.calibration) if slot.profile else None  # only GSR has one
        bridge = SerialBridge(
            spec, port, name=device.name, parser=parser, source_id=f"oasis-bridge-{device.name}"
        )
        try:
            bridge.start()
        except Exception as exc:  # liblsl or the OS refused: the kiosk must go on, the row says why
            log.error("bridge %s cannot start: %s", device.name, exc)
            bridge.stop()
            slot.failure = ("cannot_start", {"reason": one_line_reason(exc)})
            return
        slot.bridge = bridge
        log.info("bridge %s: %s on %s", device.name, device.kind, port)

    def _search(self, slot: _Slot, generation: int) -> None:
        kind = slot.device.kind
        probe = bool(get(kind).start_commands)  # silent until asked (Cyton, CMS50D+ V7): probe it
        found, tried = None, 0
        try:
            with self._search_lock:
                with self._lock:
                    busy = {s.bridge.port for s in self._slots.values() if s.bridge is not None}
                for port in self._serial_ports():
                    if slot.generation != generation:
                        return
                    if port in busy:
                        continue
                    tried += 1
                    guess = guess_port(port, seconds=self._listen_s, probe=probe, kinds=(kind,))
                    if guess.device == kind:
                        found = port
                        break
        finally:
            with self._lock:
                if slot.generation == generation:
                    slot.searching = False
                    if found is not None:
                        self._open(slot, found)
                    else:
                        slot.failure = ("not_found", {"kind": get(kind).title, "ports": tried})
                        log.warning("bridge %s: no %s found on %d port(s)", slot.device.name, kind, tried)

    def _describe(self, slot: _Slot) -> BridgeRow:
        device, bridge = slot.device, slot.bridge
        if bridge is None:
            if slot.searching:
                return _row(slot, device.port, True, Level.DEGRADED, "searching")
            if slot.failure is not None:
                code, values = slot.failure
                return _row(slot, device.port, False, Level.BAD, code, **values)
            return _row(slot, device.port, False, Level.BAD, "stopped")
        status = bridge.status()
        port = bridge.port if device.port != "auto" else f"auto: {bridge.port}"
        rate, silent_s = self._measure(slot, status)
        if status.state == "streaming":
            if status.verdict.level != Level.GOOD:
                return _row(slot, port, True, status.verdict.level, "signal", reason=status.verdict.reason)
            if rate is None:
                return _row(slot, port, True, Level.GOOD, "receiving")
            return _row(slot, port, True, Level.GOOD, "streaming", rate=rate, gaps=len(status.gaps))
        return self._trouble(slot, port, status, silent_s)

    @staticmethod
    def _trouble(slot: _Slot, port: str, status: BridgeStatus, silent_s: float) -> BridgeRow:
        if status.state == "connecting":
            if not os.path.exists(status.port):
                return _row(slot, port, True, Level.BAD, "port_missing")
            if not status.error:
                return _row(slot, port, True, Level.DEGRADED, "opening")
            if "ermission" in status.error or f"[Errno {errno.EACCES}]" in status.error:
                return _row(slot, port, True, Level.BAD, "no_permission")
            return _row(slot, port, True, Level.BAD, "cannot_open", reason=status.error)
        if status.state == "disconnected":
            return _row(slot, port, True, Level.BAD, "unplugged")
        if status.state == "no-packets":
            return _row(slot, port, True, Level.BAD, "garbage")
        if status.state == "waiting":
            return _row(slot, port, True, Level.DEGRADED, "waiting")
        return _row(slot, port, True, Level.BAD, "silent", seconds=silent_s)

    @staticmethod
    def _measure(slot: _Slot, status: BridgeStatus) -> tuple[float | None, float]:
        """(samples per second of the first stream over the last few seconds or None, seconds since
        its last new sample)."""
        now = time.monotonic()
        key = get(slot.device.kind).streams[0].key
        count = status.samples.get(key, 0)
        history = slot.history
        if history and count > history[-1][1]:
            slot.last_new_data = now
        if not history or now - history[-1][0] >= RATE_STEP_S:
            history.append((now, count))
        while len(history) > 2 and now - history[1][0] >= RATE_WINDOW_S:
            history.popleft()
        t0, n0 = history[0]
        rate = (count - n0) / (now - t0) if now - t0 >= MIN_RATE_SPAN_S else None
        return rate, now - slot.last_new_data
