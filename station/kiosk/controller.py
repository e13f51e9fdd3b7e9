"""The kiosk controller: owns the session flow (station.kiosk.flow) and carries out its effects.

    touches / script ─▶ KioskModel.tap ─▶ SessionFlow ─▶ effects ─▶ KioskController.apply
        StartSession                → SessionRuntime.run on a worker thread
        EndSession(aborted)         → runtime.request_stop(reason)
        PauseSession, ResumeSession → runtime.pause(reason), runtime.resume()
        SavePostRatings             → store.set_post_ratings (once the runtime has stored the session)

The flow's screens follow the protocol's own timeline: a program's ``baseline_s`` is the length of
its phases up to and including the last ``baseline = true`` phase, ``session_s`` the rest
(``program_for``). The flow's clock only drives the screens; the protocol engine inside the runtime
is authoritative for what is stored. When the runtime ends on its own (a safety stop, a pause that
stopped it) while the flow is still running, the controller feeds the flow a ``Stop`` so the
officer goes on to the post rating. When the flow's clock reaches the end first (the engine started
a little later, at the first feature update), the runtime is left to finish its last seconds; post
ratings and the summary lines wait for its outcome.

A session starts with the officer's stored resonance rate (``SessionStore.resonance_rate``), so a
program paced at "resonance" breathes at the rate their last assessment found; an assessment's
summary says that rate first.

Headset events: while the flow is running, ``poll`` reads the scene process's headset report
(``SceneProcess.headset_worn``: the XR output knows it, headless and window outputs do not) and
feeds the flow a ``HeadsetOff`` / ``HeadsetOn`` on each change. Off for longer than the grace time,
the flow pauses the session (the runtime's timeline stands still, the recording goes on); on again
resumes it; paused past ``pause_limit_s`` the flow aborts it and the runtime stores it aborted with
the flow's reason.

Everything here runs on the caller's thread (the pyglet loop, or a script) except the session
itself (one worker thread) and the sync client (its own thread, reading ``heartbeat_state``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from protocols.engine import StepOutput
from protocols.protocol_model import Protocol
from sensors.lsl.stream_catalog import SourceRegistry
from sensors.types import StreamKind
from station.calibration.settings import CalibrationSettings
from station.calibration.technician_desk import TechnicianDesk
from station.config import StationConfig, verify_pin
from station.kiosk import flow as f
from station.kiosk.kiosk_model import STORAGE_NOTICES, KioskModel, Program, SensorStatus
from station.kiosk.officer_account import OfficerAccount, officer_action
from station.kiosk.scene_stills import SceneStills
from station.kiosk.technician_devices import handle_bridge_action
from station.recording.retention import purge_recordings
from station.session.recovery import recover_interrupted
from station.session.runtime import SessionOutcome, SessionRuntime, feedback_metrics, needed_kinds
from station.session.scene_process import SceneProcess
from station.session.summary import (
    describe_changes,
    describe_resonance,
    describe_time_in_target,
    describe_unmeasured,
)
from station.store import SessionStore
from station.store.storage_check import MIN_FREE_BYTES, storage_problem

if TYPE_CHECKING:
    from station.bridges import BridgeManager
    from station.kiosk.remote_control import RemoteControl

log = logging.getLogger(__name__)

SENSOR_POLL_S = 0.5
# the sensor rows shown for each kind a protocol needs: heart is ECG, else PPG
_KINDS = {"heart": (StreamKind.ECG, StreamKind.PPG), "eeg": (StreamKind.EEG,), "eda": (StreamKind.EDA,)}
_WIRE_LEVEL = {"good": "green", "degraded": "amber", "bad": "red"}
# a station runs for months: the kiosk keeps only the latest outcomes and effects in memory
KEEP_OUTCOMES, KEEP_EFFECTS = 100, 1000


def program_for(protocol: Protocol, station_scene: str = "lakeside") -> Program:
    """The program-screen entry of a protocol, with the flow's baseline/session split; its scene is
    the protocol's own, else the station's."""
    baseline_s, elapsed = 0.0, 0.0
    for phase in protocol.phases:
        elapsed += phase.duration_s
        if phase.baseline:
            baseline_s = elapsed
    session_s = max(protocol.duration_s - baseline_s, 1.0)
    return Program(
        protocol.id,
        protocol.name.zh,
        protocol.name.en,
        baseline_s,
        session_s,
        first_sentence(protocol.description.zh),
        first_sentence(protocol.description.en),
        tuple(sorted(needed_kinds(protocol))),
        protocol.scene or station_scene,
    )


def first_sentence(text: str) -> str:
    """The first sentence of a description (up to 。 or ". "), for a program card."""
    cut = min((i for i in (text.find("。"), text.find(". ")) if i >= 0), default=len(text) - 1)
    return text[: cut + 1].strip()


@dataclass
class SceneSettings:
    """How each session's scene is rendered (a new SceneProcess per session)."""

    scene: str = "lakeside"
    output: str = "headless"  # "headless" | "window" | "xr"
    options: dict | None = None
    pace_fps: float | None = 30.0
    save_dir: Path | None = None  # a still every ``save_every_s`` goes here (the demo keeps some)
    save_every_s: float = 10.0


def startup_recovery(
    store: SessionStore, retention_days: int, now: datetime | None = None
) -> tuple[list[str], int]:
    """Mark sessions a crash left running as interrupted (repairing their XDF), then purge old
    recordings. Returns (interrupted UUIDs, recordings removed)."""
    interrupted = recover_interrupted(store)
    removed = purge_recordings(store, retention_days, now or datetime.now(UTC))
    if interrupted:
        log.warning("marked %d interrupted session(s): %s", len(interrupted), ", ".join(interrupted))
    return interrupted, len(removed)


class KioskController:
    """One station's kiosk: the flow, the kiosk model and the session runtime, wired together."""

    def __init__(
        self,
        store: SessionStore,
        registry: SourceRegistry,
        protocols: list[Protocol],
        *,
        station_id: str,
        recordings_dir: Path,
        timeouts: f.FlowTimeouts | None = None,
        language: str = "zh-CN",
        pin_hash: str = "",
        scene: SceneSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
        technician: str = "technician",
        calibration: CalibrationSettings | None = None,
        bridges: BridgeManager | None = None,
        help_line: str = "",
        station_name: str = "",
        tz: tzinfo | None = None,
        min_free_bytes: int = MIN_FREE_BYTES,
        stills_dir: Path | None = None,
    ) -> None:
        if not protocols:
            raise ValueError("the kiosk needs at least one protocol")
        self.store, self.registry, self.station_id = store, registry, station_id
        self.recordings_dir = recordings_dir
        self.min_free_bytes = min_free_bytes  # below this, no session starts (storage_check.py)
        self.protocols = {p.id: p for p in protocols}
        self.scene = scene or SceneSettings()
        self.clock = clock
        self.flow = f.SessionFlow(timeouts or f.FlowTimeouts())
        self.model = KioskModel(
            programs=[program_for(p, self.scene.scene) for p in protocols],
            check_code=store.check_in,
            new_code=store.new_officer,
            verify_pin=lambda pin: verify_pin(pin_hash, pin),
            language=language,
            help_line=help_line,
            station_name=station_name,
            tz=tz,
            attract_scene=self.scene.scene,
        )
        self.stills: SceneStills | None = None  # the cards' and attract screen's pictures (show_stills)
        if stills_dir is not None:
            self.show_stills(stills_dir)
        self.technician_desk = TechnicianDesk(
            registry,
            store,
            self.model,
            calibration or CalibrationSettings(),
            technician,
            self.handle,
            bridges,
        )
        self.model.on_technician = self.technician_desk.action
        self.account = OfficerAccount(store, tz=tz)  # start_sync gives it the admin server's history
        self.outcomes: list[SessionOutcome] = []  # the latest KEEP_OUTCOMES finished sessions, oldest first
        self.sessions_finished = 0  # every finished session since start
        self.effects_seen: list[f.Effect] = []  # the latest KEEP_EFFECTS effects
        self._runtime: SessionRuntime | None = None
        self._worker: threading.Thread | None = None
        self._outcome: SessionOutcome | None = None
        self._error: BaseException | None = None
        self._pending_ratings: tuple[int, int] | None = None
        self._session_topic = ""  # the emotion log's tap for the running session
        self._awaiting_outcome = False
        self._last_sensor_poll = float("-inf")
        self._wire_sensors: list[dict] = []
        self._headset_worn: bool | None = None  # the last headset report fed to the flow
        self.on_session_stored: Callable[[], None] | None = None  # e.g. SyncClient.wake
        self.leave_requested = False  # the technician chose "leave the kiosk": the program should exit
        self.restart_requested = False  # the admin asked for a restart: exit, to be started again
        self.remote: RemoteControl | None = None  # the admin's configuration and actions (start_sync)
        self.bridges = bridges  # the station's serial-device bridges (technician's devices page)
        self._last_bridge_poll = float("-inf")
        # set by start_sync: the pairing code while the admin's approval is awaited, else None
        self.pairing_code_provider: Callable[[], str | None] | None = None
        # every protocol-engine step of a running session, on the session's thread (the demo prints it)
        self.on_output: Callable[[StepOutput], None] | None = None
        # after every completed poll, on the main loop's thread (the systemd watchdog's beat)
        self.on_poll: Callable[[], None] | None = None

    @classmethod
    def from_config(
        cls,
        cfg: StationConfig,
        registry: SourceRegistry,
        protocols: list[Protocol],
        store: SessionStore,
        scene: SceneSettings | None = None,
        bridges: BridgeManager | None = None,
    ) -> KioskController:
        return cls(
            store,
            registry,
            protocols,
            station_id=cfg.station_id,
            recordings_dir=cfg.recordings_dir,
            timeouts=cfg.timeouts,
            language=cfg.language,
            pin_hash=cfg.pin_hash,
            scene=scene,
            technician=cfg.technician_name,
            calibration=cfg.calibration,
            bridges=bridges,
            help_line=cfg.help_line,
            station_name=cfg.name,
            tz=cfg.tz,
        )

    def show_stills(self, folder: Path) -> None:
        """Show scene stills on the program cards and the attract screen: those missing in
        ``folder`` are rendered by a child process (returns at once; placeholders until ready)."""
        self.stills = SceneStills(folder, [p.scene for p in self.model.programs] + [self.scene.scene])
        self.stills.start()
        self.model.stills = self.stills.ready()

    # -- input: the same path for the window and for scripts ------------------------------------

    @property
    def screen(self) -> f.Screen:
        return self.flow.screen

    @property
    def session_running(self) -> bool:
        return self._worker is not None and self._worker.is_alive()

    def tap(self, action: str) -> None:
        """A tapped widget's action (what KioskApp gets from hit-testing), e.g. "begin", "key:3".
        "bridge_start:NAME" / "bridge_stop:NAME" act on the bridges, in technician mode only."""
        if action == "tech_leave":
            if self.flow.screen is f.Screen.TECHNICIAN:
                log.warning("the technician left the kiosk")
                self.leave_requested = True
                self.handle(f.TechnicianExit())
            return
        if action.startswith(("history", "opin_")) and action != "history_close":
            self._officer_action(action)
            return
        if action.startswith("bridge_"):
            technician = self.flow.screen is f.Screen.TECHNICIAN
            if technician and self.bridges is not None and handle_bridge_action(self.bridges, action):
                self._poll_bridges()
                self.handle(f.Touch())
            return
        event = self.model.tap(action, self.flow.screen)
        if event is not None:
            self.handle(event)

    def handle(self, event: f.Event) -> None:
        """Feed one flow event and carry out its effects."""
        if isinstance(event, f.SensorsReady) and not self._sensors_ok():
            event = f.Touch()  # a stale or scripted tap while a needed sensor is bad: stay on the screen
        if isinstance(event, f.SensorsReady) and not self._storage_ok():
            event = f.Touch()  # nowhere to record the session: say so and stay on the screen
        self.apply(self.flow.handle(event, self.clock()))

    def tick(self, dt: float = 0.0) -> None:
        """Advance the flow and poll the sensors and the session worker (call at ~10 Hz)."""
        self.poll()
        self.apply(self.flow.tick(self.clock()))

    def poll(self, dt: float = 0.0) -> None:
        """Sensor check, session-worker bookkeeping and the pairing code shown on the attract screen,
        without ticking the flow (the window's KioskApp ticks the flow itself)."""
        checking = self.flow.screen is f.Screen.SENSOR_CHECK
        if checking and self.clock() - self._last_sensor_poll >= SENSOR_POLL_S:
            self._last_sensor_poll = self.clock()
            self._check_sensors()
        technician = self.flow.screen is f.Screen.TECHNICIAN
        if technician and not self.session_running:
            self.technician_desk.poll(self.clock())
        if technician and self.clock() - self._last_bridge_poll >= SENSOR_POLL_S:
            self._poll_bridges()
        self._poll_headset()
        self._poll_sensor_notice()
        if self._worker is not None and not self._worker.is_alive():
            self._session_ended()
        if self.pairing_code_provider is not None:
            self.model.pairing_code = self.pairing_code_provider() or ""
        if self.remote is not None:
            self.remote.poll()
        if self.stills is not None and len(self.model.stills) < len(self.stills.paths):
            self.model.stills = self.stills.ready()
        if self.on_poll is not None:
            self.on_poll()

    # -- effects --------------------------------------------------------------------------------

    def apply(self, effects: list[f.Effect]) -> None:
        """Carry out the flow's effects (KioskApp's ``on_effects``)."""
        for effect in effects:
            self.effects_seen.append(effect)
            del self.effects_seen[:-KEEP_EFFECTS]
            match effect:
                case f.ReturnedToIdle():
                    self.model.reset()
                    self.model.language = self.model.home_language  # the next officer starts afresh
                case f.PinRejected(locked_until=locked_until):
                    self.model.notice = "pin_rejected" if locked_until is None else "pin_locked"
                case f.TechnicianMode(active=False):
                    self.technician_desk.leave()
                case f.StartSession():
                    self._session_topic = self.model.topic  # the officer may leave before it is stored
                    self._start(effect)
                case f.EndSession(status="aborted", reason=reason):
                    if self._runtime is not None:
                        self._runtime.request_stop(reason)
                case f.PauseSession(reason):
                    if self._runtime is not None:
                        self._runtime.pause(reason)
                case f.ResumeSession():
                    if self._runtime is not None:
                        self._runtime.resume()
                case f.SavePostRatings(stress, mood):
                    self._pending_ratings = (stress, mood)
                    self._store_ratings()
                case _:
                    log.debug("effect %s", effect)

    def shutdown(self, reason: str = "the station is shutting down", timeout_s: float = 60.0) -> bool:
        """End a running session as aborted with ``reason`` and tick until it is stored; True when no
        session is left running (False: still running after ``timeout_s``)."""
        if self.stills is not None:
            self.stills.close()
        if self._runtime is not None and self.session_running:
            self._runtime.request_stop(reason)
        deadline = time.monotonic() + timeout_s
        while self.session_running and time.monotonic() < deadline:
            self.tick()
            time.sleep(0.1)
        self.tick()
        return not self.session_running

    def heartbeat_state(self) -> tuple[str, list[dict]]:
        """For SyncClient's state_provider: the current screen, the last sensor verdicts and the
        device bridges (sensor "bridge.NAME"; a stopped bridge is "absent")."""
        bridges = (
            []
            if self.bridges is None
            else [
                {
                    "sensor": f"bridge.{row.name}",
                    "level": _WIRE_LEVEL[row.level] if row.running else "absent",
                    "reason": row.detail[:200],
                }
                for row in self.bridges.rows()
            ]
        )
        return self.flow.screen.value, [*self._wire_sensors, *bridges]

    # -- internals ------------------------------------------------------------------------------

    def _officer_action(self, action: str) -> None:
        """The checked-in officer's own history and PIN pad (after check-in and on the summary)."""
        code = self.flow.context.officer_code
        if self.flow.screen not in (f.Screen.PROGRAM, f.Screen.SUMMARY) or not code:
            return
        officer_action(self.account, self.model, code, action)
        self.handle(f.Touch())

    def _protocol(self) -> Protocol:
        return self.protocols[self.flow.context.program]

    def _poll_headset(self) -> None:
        """Feed the flow HeadsetOff / HeadsetOn when the scene's headset report changes."""
        runtime = self._runtime
        if self.flow.screen not in f.RUNNING or runtime is None or runtime.scene is None:
            return
        worn = runtime.scene.headset_worn
        if worn is None or worn == self._headset_worn:
            return
        self._headset_worn = worn
        self.handle(f.HeadsetOn() if worn else f.HeadsetOff())

    def _poll_sensor_notice(self) -> None:
        """The runtime's notice of a lost sensor, for the room's session screen (empty when none)."""
        runtime = self._runtime
        notice = runtime.notice if runtime is not None and self.flow.screen in f.RUNNING else None
        self.model.sensor_notice = {"zh-CN": notice.zh, "en": notice.en} if notice is not None else {}
        scene = runtime.scene if runtime is not None and self.flow.screen in f.RUNNING else None
        self.model.headset_view = scene.latest_mirror() if scene is not None else None  # for the staff

    def _check_sensors(self) -> None:
        self.registry.catalog.update()
        rows = []
        for need in sorted(needed_kinds(self._protocol())):
            kinds = _KINDS[need]
            inlets = [(k, self.registry.get(k)) for k in kinds]
            present = [(k, i.status().verdict.level.value) for k, i in inlets if i is not None]
            if present:
                best = min(present, key=lambda kv: ("good", "degraded", "bad").index(kv[1]))
                rows.append(SensorStatus(best[0].value, best[1]))
            else:
                rows.append(SensorStatus(kinds[0].value, "bad"))
        self.model.sensors = rows
        self._wire_sensors = [{"sensor": s.kind.lower(), "level": _WIRE_LEVEL[s.level]} for s in rows]
        if rows and all(s.level == "good" for s in rows) and not self.session_running:
            self.handle(f.SensorsReady())

    def _poll_bridges(self) -> None:
        self._last_bridge_poll = self.clock()
        if self.bridges is not None:
            self.model.bridges = self.bridges.rows()

    def _sensors_ok(self) -> bool:
        return (
            bool(self.model.sensors)
            and all(s.level != "bad" for s in self.model.sensors)
            and not self.session_running
        )

    def _storage_ok(self) -> bool:
        """Whether the recordings and the store can take a session; else the sensor-check screen's
        notice says why (full disk or read-only data directory)."""
        problem = storage_problem([self.recordings_dir, self.store.path.parent], self.min_free_bytes)
        if problem and self.model.notice != problem:
            log.error("no session can start: %s (%s)", problem, self.recordings_dir)
        if problem or self.model.notice in STORAGE_NOTICES:
            self.model.notice = problem
        return not problem

    def _start(self, effect: f.StartSession) -> None:
        if self._worker is not None:  # the window's taps skip handle()'s guard: let the last one end
            self._worker.join(timeout=60.0)
            self._session_ended(stop_flow=False)
        protocol = self.protocols[effect.program]
        settings = self.scene
        # the headset's panel speaks the officer's language, chosen at check-in
        options = {**(settings.options or {}), "panel_language": self.model.language}
        scene = SceneProcess(
            protocol.scene or settings.scene,
            settings.output,
            options,
            pace_fps=settings.pace_fps,
            save_dir=settings.save_dir,
            save_every_s=settings.save_every_s,
        ).start()
        rate = self.store.resonance_rate(effect.officer_code)
        runtime = SessionRuntime(
            self.store,
            self.registry,
            protocol,
            scene,
            self.recordings_dir,
            self.station_id,
            resonance_rate=rate,
            on_output=self.on_output,
        )
        self._runtime, self._outcome, self._error = runtime, None, None
        self._pending_ratings, self._awaiting_outcome = None, True
        self._headset_worn = None
        self.model.summary = {}

        def work() -> None:
            try:
                self._outcome = runtime.run(
                    effect.officer_code,
                    effect.pre_stress,
                    effect.pre_mood,
                    max_seconds=protocol.duration_s + 60.0,
                )
            except BaseException as exc:  # reported on the controller's thread
                self._error = exc

        self._worker = threading.Thread(target=work, name="oasis-session", daemon=True)
        self._worker.start()

    def _session_ended(self, stop_flow: bool = True) -> None:
        self._worker = None
        if self._error is not None:
            log.error("the session failed: %s", self._error)
        self._awaiting_outcome = False
        outcome = self._outcome
        if outcome is not None:
            self.outcomes.append(outcome)
            del self.outcomes[:-KEEP_OUTCOMES]
            self.sessions_finished += 1
            if self._session_topic:
                self.store.set_topic(outcome.session_uuid, self._session_topic)
            self._fill_summary(outcome.session_uuid, self._runtime.protocol if self._runtime else None)
            record = self.store.session(outcome.session_uuid)
            if record is not None:  # the officer's practice, points and reminder after this session
                entries, _ = self.account.history(record.officer_code)
                self.model.practice, self.model.points_gained = self.account.practice_after(
                    entries, outcome.session_uuid
                )
                self.model.reminder_on, self.model.reminder_due = self.account.reminder(
                    record.officer_code, entries
                )
                if self.model.reminder_due:  # counted for the admin's monthly figure, without the officer
                    self.store.count_reminder_shown(self.account.today().strftime("%Y-%m"))
            self._store_ratings()
        if stop_flow and self.flow.screen in f.RUNNING:  # the runtime ended first (safety stop, pause)
            self.apply(self.flow.handle(f.Stop(), self.clock()))
        if self.on_session_stored is not None:
            self.on_session_stored()

    def _store_ratings(self) -> None:
        if self._pending_ratings is None or self._awaiting_outcome or not self.outcomes:
            return
        stress, mood = self._pending_ratings
        self.store.set_post_ratings(self.outcomes[-1].session_uuid, stress, mood)
        self._pending_ratings = None
        if self.on_session_stored is not None:
            self.on_session_stored()

    def _fill_summary(self, session_uuid: str, protocol: Protocol | None) -> None:
        record = self.store.session(session_uuid)
        means = record.phase_summaries if record is not None else {}
        phases = protocol.phases if protocol is not None else ()
        self.model.summary_phases = [(p.id, means[p.id]) for p in phases if p.id in means]  # not "end"
        baseline = next((p.id for p in phases if p.baseline), "baseline")
        after = next((p.id for p in phases if not p.baseline and p.feedback and p.id in means), "session")
        expected = sorted(feedback_metrics(protocol)) if protocol is not None else []
        quality = record.data_quality if record is not None and record.data_quality else {}
        self.model.summary = {
            lang: describe_changes(means, lang, before=baseline, after=after)
            + describe_unmeasured(means, expected, quality, lang, before=baseline, after=after)
            + describe_time_in_target(means, lang)
            for lang in ("zh-CN", "en")
        }
        if protocol is not None and protocol.assessment is not None:
            result = self.store.resonance_result(session_uuid)
            rate = result.rate if result is not None else None
            for lang, lines in self.model.summary.items():
                lines[:0] = describe_resonance(rate, lang)
