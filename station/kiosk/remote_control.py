"""The admin's remote configuration and actions, carried out by the kiosk.

The sync thread hands in what the admin sent (``offer``, ``take_actions``) and asks what to report
(``report``); the kiosk thread's ``poll`` does the work at the right moment:

* a configuration version is checked with the same checks as station.toml (``load_config`` with
  the admin's settings over the file's) and its protocol files with the protocol loader; it is
  applied at the next idle moment (attract screen, no session, nobody at the PIN pad), never in a
  session. A version that fails a check is refused with the reason and the last good one stays;
* maintenance on/off takes effect at once (a running session finishes; none starts after it);
* a restart happens at the next idle moment (``controller.restart_requested``);
* a diagnostics bundle is made on a worker thread and queued for the sync client to upload.

The applied and refused versions and the maintenance state are kept in the session database
(``RemoteConfigStore``), so a restarted station starts with its last good configuration.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any

from protocols.loader import ProtocolError, parse_protocol
from protocols.protocol_model import Protocol
from station.config import ConfigError, StationConfig, load_config
from station.kiosk import flow as f
from station.kiosk.diagnostics import RecentLogs, bundle_text
from station.recording.retention import purge_recordings
from station.store.remote_config_store import RemoteConfigStore
from wire import v1 as wire_v1

if TYPE_CHECKING:
    from station.kiosk.controller import KioskController

log = logging.getLogger(__name__)


class RemoteRefusal(ValueError):
    """The admin's configuration fails a check; the message says which and why."""


def resolve(
    base: StationConfig, config: wire_v1.StationConfiguration, library: list[Protocol]
) -> tuple[StationConfig, list[Protocol]]:
    """The effective station configuration and the programs offered, in order, under ``config``;
    RemoteRefusal when a setting or a protocol file fails its check."""
    remote = {name: (value, config.sources.get(name, "station")) for name, value in config.settings.items()}
    try:
        cfg = load_config(base.source, remote)
    except ConfigError as exc:
        raise RemoteRefusal(str(exc)) from None
    available = {p.id: p for p in library}
    for file in config.protocols:
        try:
            protocol = parse_protocol(file.toml, source=f"protocol file {file.name}")
        except ProtocolError as exc:
            raise RemoteRefusal(str(exc)) from None
        available[protocol.id] = protocol
    unknown = [p for p in cfg.programs if p not in available]
    if unknown:
        raise RemoteRefusal(f"kiosk.programs: no protocol {', '.join(unknown)} in this station's library")
    offered = [available[p] for p in cfg.programs] if cfg.programs else list(available.values())
    return cfg, offered


def in_quiet_hours(quiet_hours: str, now: time) -> bool:
    """True when ``now`` (local wall-clock time) lies in ``"HH:MM-HH:MM"`` (which may span midnight)."""
    if not quiet_hours:
        return False
    start, end = (time.fromisoformat(part) for part in quiet_hours.split("-"))
    return start <= now < end if start <= end else now >= start or now < end


class RemoteControl:
    """One kiosk's remote configuration and actions (see the module docstring)."""

    def __init__(
        self,
        controller: KioskController,
        store: RemoteConfigStore,
        base: StationConfig,
        logs: RecentLogs | None = None,
    ) -> None:
        self.controller, self.store, self.base, self.logs = controller, store, base, logs
        self.library = list(controller.protocols.values())  # the protocols built into this version
        self.effective = base
        self._lock = threading.Lock()
        self._offered: wire_v1.StationConfiguration | None = None
        self._actions: list[wire_v1.RemoteAction] = []
        self._uploads: list[wire_v1.DiagnosticsBundle] = []
        self.maintenance = store.get("maintenance") == "on"
        self.last_action = int(store.get("last_action", "0"))
        last = store.last_good()
        if last is not None:
            try:
                self._apply(last)
            except RemoteRefusal as exc:  # e.g. this software no longer has one of its programs
                log.warning("the last good remote configuration v%d no longer applies: %s", last.version, exc)

    # -- the sync thread's side -----------------------------------------------------------------

    def report(self) -> dict[str, Any]:
        """The heartbeat's remote-configuration fields (wire_v1.Heartbeat)."""
        outcome = self.store.outcome()
        return {
            "config_applied": outcome.applied,
            "config_refused": outcome.refused,
            "config_refusal": None if outcome.reason is None else outcome.reason[:500],
            "maintenance": self.maintenance,
            "last_action": self.last_action,
        }

    def wants(self, version: int) -> bool:
        """Whether version ``version`` is new to the station (to be fetched)."""
        with self._lock:
            offered = self._offered is not None and self._offered.version == version
        return version > 0 and not offered and not self.store.known(version)

    def offer(self, config: wire_v1.StationConfiguration) -> None:
        """A version fetched from the admin, to be checked and applied at the next idle moment."""
        with self._lock:
            self._offered = config

    def take_actions(self, actions: list[wire_v1.RemoteAction]) -> None:
        """The admin's pending actions (each done once: ids at or below ``last_action`` are skipped)."""
        with self._lock:
            queued = {a.id for a in self._actions}
            self._actions += [a for a in actions if a.id > self.last_action and a.id not in queued]

    def uploads(self) -> list[wire_v1.DiagnosticsBundle]:
        """Diagnostics bundles waiting to be uploaded."""
        with self._lock:
            return list(self._uploads)

    def uploaded(self, action_id: int) -> None:
        with self._lock:
            self._uploads = [b for b in self._uploads if b.action_id != action_id]

    # -- the kiosk thread's side ----------------------------------------------------------------

    @property
    def idle(self) -> bool:
        """The attract screen, no session running and nobody at the technician's PIN pad."""
        c = self.controller
        return c.screen is f.Screen.IDLE and not c.session_running and not c.model.pin_pad

    def poll(self) -> None:
        """Carry out what is due: actions, a new configuration at idle, the attract screen's notice."""
        with self._lock:
            actions, self._actions = self._actions, []
        for number, action in enumerate(actions):
            if action.kind == "restart" and not self.idle:
                with self._lock:  # wait for the next idle moment, keeping the order
                    self._actions = actions[number:] + self._actions
                break
            self._act(action)
        if self.idle:
            with self._lock:
                offered, self._offered = self._offered, None
            if offered is not None:
                self._check_and_apply(offered)
        model = self.controller.model
        model.closed = self._closed_reason()
        model.closed_until = (
            self.effective.quiet_hours.partition("-")[2] if model.closed == "quiet_hours" else ""
        )

    def _act(self, action: wire_v1.RemoteAction) -> None:
        log.info("remote action %d: %s", action.id, action.kind)
        if action.kind in ("maintenance_on", "maintenance_off"):
            self.maintenance = action.kind == "maintenance_on"
            self.store.put("maintenance", "on" if self.maintenance else "off")
        elif action.kind == "restart":
            self.controller.restart_requested = True
            self.controller.leave_requested = True
        else:
            worker = threading.Thread(target=self._diagnose, args=(action.id,), name="oasis-diagnostics")
            worker.daemon = True  # a bundle half made when the kiosk exits is simply not sent
            worker.start()
        self.last_action = action.id
        self.store.put("last_action", str(action.id))

    def _diagnose(self, action_id: int) -> None:
        text = bundle_text(self.base.source, self.logs)
        bundle = wire_v1.DiagnosticsBundle(action_id=action_id, created_at=datetime.now(UTC), text=text)
        with self._lock:
            self._uploads.append(bundle)

    def _check_and_apply(self, config: wire_v1.StationConfiguration) -> None:
        try:
            self._apply(config)
        except RemoteRefusal as exc:
            log.warning("remote configuration v%d refused: %s", config.version, exc)
            self.store.record(config, refusal=str(exc))
            return
        self.store.record(config)
        log.info("remote configuration v%d applied", config.version)

    def _apply(self, config: wire_v1.StationConfiguration) -> None:
        from station.kiosk.controller import program_for

        cfg, offered = resolve(self.base, config, self.library)
        c, model = self.controller, self.controller.model
        c.protocols = {p.id: p for p in offered}
        model.programs = [program_for(p) for p in offered]
        model.language = model.home_language = cfg.language
        model.help_line = cfg.help_line
        c.scene.scene = cfg.scene.name
        if cfg.retention_days != self.effective.retention_days:
            purge_recordings(c.store, cfg.retention_days, datetime.now(UTC))
        self.effective = cfg

    def _closed_reason(self) -> str:
        if self.maintenance:
            return "maintenance"
        now = datetime.now(self.effective.tz).time()
        return "quiet_hours" if in_quiet_hours(self.effective.quiet_hours, now) else ""
