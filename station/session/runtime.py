"""The real-time session runtime: one LSL clock from sensors to scene.

    registry ─▶ PipelineRunner (features at 10 Hz) ─▶ protocol engine step ─▶ SceneProcess (child)
                   │          ▲                              │
                   ▼          └── begin/end_baseline ◀───────┤ (phase changes)
            Features outlet                                  ├─▶ SceneParams + Markers outlets
                                                             └─▶ session store (events, summaries)

The pipeline runner hands the runtime every feature update it publishes (its ``on_update``); the
runtime steps the engine with it and, when the engine enters or leaves the protocol's baseline
phase, tells the pipeline directly (``begin_baseline`` / ``end_baseline``); the Markers outlet is
for the recording only.

A ``resonance_result`` from the engine (emitted once the last assessed block is measured, so the
assessment itself is complete) is stored for the officer at once; a stop in the rest phase that
follows keeps it (see docs/station.md). The officer's stored rate comes back as ``resonance_rate``.

Everything but rendering runs in this process's loop; the renderer is a child process (see
station/session/scene_process.py for the measurement behind that). The XDF recorder records the
chosen raw streams, Features, SceneParams and Markers on its own threads.

``pause(reason)`` / ``resume()`` (thread-safe, taken up at the loop's next turn) stop the session's
timeline: the pipeline and the recording go on, the engine is not stepped (``engine.pause`` /
``engine.resume`` shift its clock), the scene eases to a dim, quiet, still look without the pacer,
and "pause"/"resume" markers and store events record it. Phase durations and the ``max_seconds``
guard leave paused time out.

Sensor supervision (station/session/supervision.py) watches every sensor the protocol reads at each
feature update. A lost sensor is recorded (marker ``sensor:lost:{"kind": …, "reason": …}``, store
event ``sensor_lost``), its features are handed to the engine as bad (so the engine glides their
feedback to neutral while the guide goes on), and the protocol's ``on_loss`` decides the rest:
``freeze`` nothing more, ``pause`` pauses the session until the sensor is back, ``end`` stops it.
When it is back (``sensor:back:{…}``, ``sensor_back``) its features pass again and the engine
resumes the feedback once their quality is good. ``notice`` says what is lost now, in zh-CN and
English, for the kiosk and the scene; the stored data quality carries the losses, a ``flagged``
mark and the minutes of usable feedback.

The headset's panel gets its words from here too (``headset_status``: phase, minutes left, a gentle
notice when a sensor is lost and, for a while, when it is back, closing near the end) through
``SceneProcess.set_status``, which sends only changes.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pylsl

from protocols import engine
from protocols.protocol_model import OnLoss, Phase, Protocol
from sensors.lsl.stream_catalog import SourceRegistry
from sensors.pipeline.core import FeaturePipeline, Update
from sensors.pipeline.runner import PipelineRunner
from sensors.types import FEATURES, FeatureSnapshot, Level, Sensor, Verdict
from station.recording.markers import MarkerOutlet
from station.recording.recorder import LslRecorder
from station.session.headset_status import headset_status
from station.session.pause import PauseClock, paused_params
from station.session.phase_stats import PhaseStats
from station.session.scene_process import SceneProcess
from station.session.sensor_notice import HeadsetNotice, SensorNotice, headset_notice, sensor_notice
from station.session.session_outlets import SceneParamsOutlet, marker_detail, resolve_all
from station.session.supervision import SENSOR_STREAMS, Reading, SensorChange, SensorWatch
from station.store import SessionStatus, SessionStore

log = logging.getLogger(__name__)

MAX_STEP_S = 0.5  # the longest gap between engine steps counted as feedback time
LOOP_SLEEP_S = 0.025  # the longest nap of the session loop: requests are taken up within this
RESOLVE_TIMEOUT_S = 30.0  # generous: on a loaded machine LSL discovery answers slowly


def feedback_metrics(protocol: Protocol) -> set[str]:
    """The feature names a protocol's mappings, reward and resonance assessment read."""
    metrics = {m.metric for m in protocol.mappings}
    if protocol.reward is not None:
        metrics.add(protocol.reward.metric)
    if protocol.assessment is not None:
        metrics.add(protocol.assessment.metric)
    return metrics


def needed_kinds(protocol: Protocol) -> set[str]:
    """Which sensors a protocol reads: 'heart', 'eeg', 'eda' (each feature's ``sensor``; the heart
    as well for a heart-rate safety ceiling)."""
    kinds = {FEATURES[m].sensor.value for m in feedback_metrics(protocol) if m in FEATURES}
    if protocol.safety.hr_ceiling_bpm:
        kinds.add(FEATURES["hr"].sensor.value)
    return kinds


def sensor_metrics(protocol: Protocol) -> dict[str, list[str]]:
    """The features the protocol reads from each sensor it needs (the heart rate as well for a
    heart-rate safety ceiling)."""
    metrics = feedback_metrics(protocol) | ({"hr"} if protocol.safety.hr_ceiling_bpm else set())
    out: dict[str, list[str]] = {}
    for name in sorted(m for m in metrics if m in FEATURES):
        out.setdefault(FEATURES[name].sensor.value, []).append(name)
    return out


def masked(snapshot: FeatureSnapshot, lost: dict[str, str]) -> FeatureSnapshot:
    """The snapshot with every feature of a lost sensor NaN and bad ("sensor lost: <reason>")."""
    values, quality = dict(snapshot.values), dict(snapshot.quality)
    for name, feature in FEATURES.items():
        reason = lost.get(feature.sensor.value)
        if reason is not None:
            values[name], quality[name] = math.nan, Verdict(Level.BAD, f"sensor lost: {reason}")
    return FeatureSnapshot(snapshot.t, values, quality)


@dataclass
class SessionOutcome:
    """What a finished run reports back to the kiosk or the demo."""

    session_uuid: str
    status: SessionStatus
    xdf_path: Path
    updates: int
    dropped_updates: int
    stopped_reason: str | None
    usable_fraction: float
    scene_stats: dict = field(default_factory=dict)
    last_params: dict[str, float] = field(default_factory=dict)
    paused_s: float = 0.0  # seconds the session spent paused
    sensor_losses: list[dict] = field(default_factory=list)  # {"kind", "reason", "lost_s"} each


@dataclass
class SessionRun:
    """What one run keeps between loop turns (touched by the session loop's thread only)."""

    session_uuid: str
    xdf_path: Path
    markers: MarkerOutlet
    params_outlet: SceneParamsOutlet
    runner: PipelineRunner
    metrics: list[str]  # the features whose usability counts for the data quality
    neutral: dict[str, float]
    watch: SensorWatch
    sensor_metrics: dict[str, list[str]]
    engine_state: engine.EngineState | None = None  # started at the first feature update
    last: engine.StepOutput | None = None
    phase: str | None = None  # the engine's current phase id
    phases: dict[str, PhaseStats] = field(default_factory=dict)
    last_step_t: float | None = None  # LSL time of the last engine step (None: none since a pause)
    paused: PauseClock = field(default_factory=PauseClock)
    look: dict[str, float] | None = None  # the paused scene snapshot, while paused
    stop_noted: bool = False
    updates: int = 0
    usable: int = 0
    usable_feedback_s: float = 0.0  # feedback-phase time with every fed-back metric usable
    sensor_pause: str | None = None  # why, while the on-loss policy holds the session paused
    lost_at: dict[str, float] = field(default_factory=dict)  # LSL time each lost sensor went
    losses: list[dict] = field(default_factory=list)  # {"kind", "reason", "lost_s"} per loss
    headset_notice: HeadsetNotice | None = None  # what the headset's panel says about the sensors

    @property
    def over(self) -> bool:
        """The engine has finished the protocol or stopped the session."""
        return self.last is not None and (self.last.finished or bool(self.last.stopped))

    @property
    def current_phase(self) -> PhaseStats | None:
        """The statistics of the phase the engine is in (None before the first step)."""
        return self.phases.get(self.phase) if self.phase is not None else None

    @property
    def usable_fraction(self) -> float:
        """The share of engine steps where every fed-back metric was usable."""
        return self.usable / self.updates if self.updates else 0.0


class SessionRuntime:
    """Runs one protocol session for one officer and stores it."""

    def __init__(
        self,
        store: SessionStore,
        registry: SourceRegistry,
        protocol: Protocol,
        scene: SceneProcess | None,
        recordings_dir: Path,
        station_id: str,
        resonance_rate: float | None = None,
        on_output: Callable[[engine.StepOutput], None] | None = None,
    ) -> None:
        self.store, self.registry, self.protocol, self.scene = store, registry, protocol, scene
        self.recordings_dir = recordings_dir
        self.station_id = station_id
        self.resonance_rate = resonance_rate
        self.on_output = on_output
        self.stop_requested = threading.Event()
        self.stop_reason: str | None = None
        self._lock = threading.Lock()
        self._pause_wanted: str | None = None  # the reason, while a pause is asked for
        self._paused = False
        self._run: SessionRun | None = None
        self._notice: SensorNotice | None = None

    @property
    def notice(self) -> SensorNotice | None:
        """What is lost now and what the session does about it (zh-CN and English texts), for the
        kiosk's room screen and the scene; None while every needed sensor gives data."""
        return self._notice

    @property
    def pipeline(self) -> FeaturePipeline | None:
        """The running session's feature pipeline (None before and after the run)."""
        return self._run.runner.pipeline if self._run is not None else None

    @property
    def paused(self) -> bool:
        """The session is paused now (the loop has taken up the request)."""
        return self._paused

    def pause(self, reason: str) -> None:
        """Ask the running session to pause (thread-safe; taken up at the loop's next turn)."""
        with self._lock:
            self._pause_wanted = reason or "paused"

    def resume(self) -> None:
        """Ask a paused session to go on (thread-safe)."""
        with self._lock:
            self._pause_wanted = None

    def request_stop(self, reason: str) -> None:
        """End the session early as aborted, saying why (thread-safe); a pause ends with it."""
        with self._lock:
            if self.stop_reason is None:
                self.stop_reason = reason
        self.stop_requested.set()

    # --- one run ---------------------------------------------------------------------------------

    def run(
        self,
        officer_code: str,
        pre_stress: int | None,
        pre_mood: int | None,
        max_seconds: float | None = None,
    ) -> SessionOutcome:
        """Run the protocol to its end (or a stop, a safety stop, ``max_seconds``); return the outcome."""
        run = self._run = self._open(officer_code, pre_stress, pre_mood)
        recorder = None
        try:
            recorder = self._start_recorder(run)
            run.runner.start()
            self._loop(run, max_seconds, recorder)
        finally:
            ended = pylsl.local_clock()
            self._paused = False
            self._notice = None
            scene_stats = self._close(run, recorder, ended)
            self._run = None
        return self._finish(run, scene_stats, ended)

    def _open(self, officer_code: str, pre_stress: int | None, pre_mood: int | None) -> SessionRun:
        """Open the session's outlets and its stored record; the pipeline calls back into this run."""
        names = self.scene.names if self.scene else sorted(engine.neutral_snapshot(self.protocol))
        markers = MarkerOutlet(self.station_id)
        params_outlet = SceneParamsOutlet(names, self.station_id)
        sid = self.store.start_session(
            officer_code, self.protocol.id, pre_stress=pre_stress, pre_mood=pre_mood
        )
        xdf_path = self.recordings_dir / f"{sid}.xdf"
        self.recordings_dir.mkdir(parents=True, exist_ok=True)
        self.store.set_xdf_path(sid, xdf_path)
        runner = PipelineRunner(self.registry, source_id=self._features_source_id)
        watched = sensor_metrics(self.protocol)
        run = SessionRun(
            session_uuid=sid,
            xdf_path=xdf_path,
            markers=markers,
            params_outlet=params_outlet,
            runner=runner,
            metrics=sorted(feedback_metrics(self.protocol)) or ["hr"],
            neutral=engine.neutral_snapshot(self.protocol),
            watch=SensorWatch(watched, rate_hz=runner.rate_hz),
            sensor_metrics=watched,
        )
        runner.on_update = lambda update: self._on_update(run, update)
        return run

    @property
    def _features_source_id(self) -> str:
        return f"oasis-features-{self.station_id}"

    def _loop(self, run: SessionRun, max_seconds: float | None, recorder: LslRecorder | None) -> None:
        """Turn the pipeline until the engine ends the session; take up requests at every turn. A
        recording that cannot be written (a full disk) ends the session, aborted, with what is stored."""
        started = time.monotonic()
        while not run.over:
            now = pylsl.local_clock()
            if max_seconds is not None and time.monotonic() - started - run.paused.so_far(now) > max_seconds:
                self.request_stop(f"ran past the {max_seconds:g} s limit")
            if recorder is not None and recorder.write_error is not None:
                self.request_stop(
                    f"recording failed: {recorder.write_error.strerror or recorder.write_error}"
                )
            self._take_requests(run, now)
            run.runner.step()
            time.sleep(max(0.0, min(run.runner.clock.next_due - pylsl.local_clock(), LOOP_SLEEP_S)))

    def _close(self, run: SessionRun, recorder: LslRecorder | None, ended: float) -> dict:
        """Store the last phase's summary and the data quality; stop recorder, scene and pipeline."""
        if run.phase is not None and run.phase in run.phases:
            self.store.record_phase_summary(run.session_uuid, run.phase, run.phases[run.phase].summary(ended))
        quality = data_quality(run.usable_fraction, run.runner, run.losses, run.usable_feedback_s)
        self.store.set_data_quality(run.session_uuid, quality)
        if recorder is not None:
            recorder.stop()
        scene_stats = self.scene.stop() if self.scene is not None else {}
        run.runner.on_update = None  # the runner and the run refer to each other: break the cycle
        run.runner.close()
        run.markers.close()
        run.params_outlet.close()
        return scene_stats

    def _finish(self, run: SessionRun, scene_stats: dict, ended: float) -> SessionOutcome:
        """Mark the stored session completed or aborted and say how it went."""
        out = run.last
        completed = out is not None and out.finished and not out.stopped
        status = SessionStatus.COMPLETED if completed else SessionStatus.ABORTED
        self.store.finish_session(run.session_uuid, status)
        return SessionOutcome(
            session_uuid=run.session_uuid,
            status=status,
            xdf_path=run.xdf_path,
            updates=run.runner.updates,
            dropped_updates=run.runner.dropped,
            stopped_reason=self.stop_reason or (out.stopped if out else "no features"),
            usable_fraction=run.usable_fraction,
            scene_stats=scene_stats,
            last_params=dict(out.params) if out else {},
            paused_s=run.paused.so_far(ended),
            sensor_losses=list(run.losses),
        )

    def _start_recorder(self, run: SessionRun) -> LslRecorder | None:
        """Record the chosen raw sources plus our own outlets, all found again by source_id."""
        wanted = {inlet.description.source_id for inlet in self.registry.chosen().values()}
        own = (self._features_source_id, run.markers.info.source_id(), run.params_outlet.info.source_id())
        wanted |= set(own)
        infos = resolve_all(sorted(s for s in wanted if s), timeout=RESOLVE_TIMEOUT_S)
        missing = wanted - {info.source_id() for info in infos}
        if missing:
            log.warning("not recorded (not found on the network): %s", ", ".join(sorted(missing)))
        return LslRecorder(run.xdf_path, infos).start() if infos else None

    def _record(self, run: SessionRun, kind: str, data: dict[str, Any], t: float) -> None:
        """One session event: a marker on the recording and an event in the store."""
        run.markers.push(kind, marker_detail(engine.Event(t, kind, data)), t)
        self.store.add_event(run.session_uuid, kind, data, lsl_time=t)

    # --- pause, resume and stop requests ---------------------------------------------------------

    def _take_requests(self, run: SessionRun, now: float) -> None:
        """Take up pause, resume and stop requests from other threads."""
        with self._lock:
            wanted, stop_reason = self._pause_wanted or run.sensor_pause, self.stop_reason
        if stop_reason is not None and not run.stop_noted:
            run.stop_noted = True
            self._record(run, "stop", {"reason": stop_reason}, now)
        stopping = self.stop_requested.is_set()
        if not run.paused.running and wanted is not None and not stopping:
            self._begin_pause(run, wanted, now)
        elif run.paused.running and (wanted is None or stopping):
            self._end_pause(run, now, resumed=not stopping)

    def _begin_pause(self, run: SessionRun, reason: str, now: float) -> None:
        """Hold the engine's timeline and ease the scene to the paused look."""
        state = run.engine_state
        t = max(now, state.last_t) if state is not None and math.isfinite(state.last_t) else now
        data = dict(engine.pause(state, t).data) if state is not None else {}
        run.paused.begin(t)
        if (stats := run.current_phase) is not None:
            stats.paused.begin(t)
        run.look = paused_params(run.neutral, run.last.params if run.last else run.neutral)
        if self.scene is not None:
            self.scene.set_params(run.look)
        self._record(run, "pause", {"reason": reason, **data}, t)
        self._paused = True

    def _end_pause(self, run: SessionRun, now: float, resumed: bool) -> None:
        """Let the timeline go on; a stop ends the pause without a resume event."""
        state = run.engine_state
        data = dict(engine.resume(state, now).data) if state is not None and state.paused else {}
        length = run.paused.end(now)
        if (stats := run.current_phase) is not None:
            stats.paused.end(now)
        run.look = None
        run.last_step_t = None  # the pause is not feedback time
        if resumed:
            self._record(run, "resume", {"paused_s": length, **data}, now)
        self._paused = False

    # --- feature updates -------------------------------------------------------------------------

    def _on_update(self, run: SessionRun, update: Update) -> None:
        """Step the engine with one feature update (the pipeline runner calls this)."""
        now = pylsl.local_clock()
        snapshot = self._supervise(run, update.snapshot, now)
        if run.look is not None:  # paused: the pipeline and the recording go on, the timeline does not
            run.params_outlet.push(run.look, now)
            self._tell_headset(run, paused=True)
            return
        if run.engine_state is None:
            run.engine_state = engine.start(self.protocol, now, self.resonance_rate)
        out = engine.step(self.protocol, run.engine_state, now, snapshot, self.stop_requested.is_set())
        run.last = out
        if self.scene is not None:
            self.scene.set_params(out.params)
        self._tell_headset(run)
        run.params_outlet.push(out.params, now)
        self._store_events(run, out.events)
        if out.phase != run.phase:
            self._change_phase(run, out.phase, now)
        self._count(run, snapshot, out, now)
        if self.on_output is not None:
            self.on_output(out)

    def _tell_headset(self, run: SessionRun, paused: bool = False) -> None:
        """Send the panel's words to the scene (the scene process sends only changes)."""
        if self.scene is not None:
            self.scene.set_status(headset_status(self.protocol, run.last, run.headset_notice, paused))

    def _store_events(self, run: SessionRun, events: tuple[engine.Event, ...]) -> None:
        for event in events:
            run.markers.push(event.kind, marker_detail(event), event.t)
            self.store.add_event(run.session_uuid, event.kind, event.data, lsl_time=event.t)
            if event.kind == "resonance_result":
                self.store.record_resonance(run.session_uuid, event.data.get("rate"), event.data)

    def _change_phase(self, run: SessionRun, phase_id: str, now: float) -> None:
        """Store the summary of the phase that ended, start the next one's, and tell the pipeline
        whether the baseline phase runs now."""
        if run.phase is not None and run.phase in run.phases:
            self.store.record_phase_summary(run.session_uuid, run.phase, run.phases[run.phase].summary(now))
        run.phase = phase_id
        run.phases.setdefault(phase_id, PhaseStats(now))
        phase = self._phase(phase_id)
        if phase is not None and phase.baseline:
            run.runner.pipeline.begin_baseline()
        else:
            run.runner.pipeline.end_baseline()

    def _count(self, run: SessionRun, snapshot: FeatureSnapshot, out: engine.StepOutput, now: float) -> None:
        """Add one engine step to its phase's statistics and to the usable-data share."""
        stats = run.phases[out.phase]
        stats.add(snapshot)
        # engine steps come every 0.1 s; a longer gap (a stall) counts as one step
        since = now - run.last_step_t if run.last_step_t is not None else 0.0
        stats.add_reward(out.rewarded, min(since, MAX_STEP_S))
        run.last_step_t = now
        run.updates += 1
        if all(snapshot.verdict(m).level is not Level.BAD for m in run.metrics):
            run.usable += 1
            if (phase := self._phase(out.phase)) is not None and phase.feedback:
                run.usable_feedback_s += min(since, MAX_STEP_S)

    def _phase(self, phase_id: str) -> Phase | None:
        return next((p for p in self.protocol.phases if p.id == phase_id), None)

    # --- sensor supervision ----------------------------------------------------------------------

    def _supervise(self, run: SessionRun, snapshot: FeatureSnapshot, now: float) -> FeatureSnapshot:
        """Judge every watched sensor on this update; the snapshot with lost sensors masked."""
        readings = {sensor: self._reading(run, sensor, snapshot) for sensor in run.watch.sensors}
        for change in run.watch.step(readings):
            self._sensor_changed(run, change, now)
        lost = run.watch.lost
        return masked(snapshot, lost) if lost else snapshot

    def _reading(self, run: SessionRun, sensor: str, snapshot: FeatureSnapshot) -> Reading:
        """A sensor's sample count, its best feature verdict and, when that is bad, its raw signal's."""
        sources = [run.runner.sources[k] for k in SENSOR_STREAMS[Sensor(sensor)] if k in run.runner.sources]
        samples = sum(source.inlet.buffer.total_written for source in sources)
        verdicts = [snapshot.verdict(m) for m in run.sensor_metrics[sensor]]
        verdict = min(verdicts, key=lambda v: v.level.rank)
        if verdict.level is not Level.BAD or not sources:
            return Reading(samples, verdict)
        signals = [Verdict.worst(source.inlet.channel_verdicts()) for source in sources]
        return Reading(samples, verdict, min(signals, key=lambda v: v.level.rank))

    def _sensor_changed(self, run: SessionRun, change: SensorChange, now: float) -> None:
        """Record a sensor lost or back, apply the protocol's policy, and renew the notice."""
        data: dict[str, Any] = {"kind": change.sensor, "reason": change.reason}
        policy = self.protocol.on_loss
        if change.lost:
            run.lost_at[change.sensor] = now
            run.losses.append({**data, "lost_s": None})
            if policy is OnLoss.PAUSE:
                run.sensor_pause = f"sensor lost: {change.sensor}"
            elif policy is OnLoss.END:
                self.request_stop(f"sensor lost: {change.sensor} ({change.reason})")
        else:
            data["lost_s"] = round(now - run.lost_at.pop(change.sensor, now), 3)
            loss = next(x for x in reversed(run.losses) if x["kind"] == change.sensor)
            loss["lost_s"] = data["lost_s"]
            if policy is OnLoss.PAUSE and not run.watch.lost:
                run.sensor_pause = None
        state = "lost" if change.lost else "back"
        run.markers.push("sensor", f"{state}:{json.dumps(data, separators=(',', ':'))}", now)
        self.store.add_event(run.session_uuid, f"sensor_{state}", data, lsl_time=now)
        log.warning("%s sensor %s (%s)", change.sensor, state, change.reason)
        self._notice = sensor_notice(run.watch.lost, policy)
        run.headset_notice = headset_notice(run.watch.lost, policy, None if change.lost else change.sensor)


def data_quality(
    usable: float, runner: PipelineRunner, losses: list[dict] | None = None, usable_feedback_s: float = 0.0
) -> dict:
    """The stored data quality: a verdict from the usable share, with drops, losses and gaps as notes;
    a session that lost a sensor is ``flagged`` and lists its ``sensor_losses``."""
    verdict = "green" if usable >= 0.9 else "amber" if usable >= 0.6 else "red"
    losses = losses or []
    notes = [
        f"{x['kind']} sensor lost ({x['reason']}"
        + (f", back after {x['lost_s']:.0f} s)" if x["lost_s"] is not None else ", not back)")
        for x in losses
    ]
    if runner.dropped:
        notes.append(f"{runner.dropped} feature updates dropped")
    if runner.lost_samples:
        notes.append(f"{runner.lost_samples} samples lost")
    for source in runner.sources.values():
        gaps = source.inlet.status().gaps
        if gaps:
            notes.append(f"{source.kind.value}: {gaps} gaps")
    return {
        "verdict": verdict,
        "usable_fraction": round(usable, 4),
        "notes": "; ".join(notes),
        "flagged": bool(losses),
        "sensor_losses": losses,
        "usable_feedback_min": round(usable_feedback_s / 60.0, 2),
    }
