"""The real-time session runtime: one LSL clock from sensors to scene.

    registry ─▶ PipelineRunner (features at 10 Hz) ─▶ protocol engine step ─▶ SceneProcess (child)
                                    │                        │
                                    ▼                        ├─▶ SceneParams + Markers outlets
                            Features outlet                  └─▶ session store (events, summaries)

A ``resonance_result`` from the engine (emitted once the last assessed block is measured, so the
assessment itself is complete) is stored for the officer at once; a stop in the rest phase that
follows keeps it (see docs/station.md). The officer's stored rate comes back as ``resonance_rate``.

Everything but rendering runs in this process's loop; the renderer is a child process (see
station/session/scene_process.py for the measurement behind that). The XDF recorder records the chosen raw
streams, Features, SceneParams and Markers on its own threads.

``pause(reason)`` / ``resume()`` (thread-safe, taken up at the loop's next turn) stop the session's
timeline: the pipeline and the recording go on, the engine is not stepped (``engine.pause`` /
``engine.resume`` shift its clock), the scene eases to a dim, quiet, still look without the pacer,
and "pause"/"resume" markers and store events record it. Phase durations and the ``max_seconds``
guard leave paused time out.
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

import pylsl

from protocols import engine
from protocols.protocol_model import Protocol
from sensors.lsl.metadata import describe_channels
from sensors.lsl.stream_catalog import SourceRegistry
from sensors.pipeline.core import Update
from sensors.pipeline.runner import PipelineRunner
from sensors.types import FeatureSnapshot, Level, StreamKind
from station.recording.markers import MarkerOutlet
from station.recording.recorder import LslRecorder
from station.session.scene_process import SceneProcess
from station.store import SessionStatus, SessionStore

log = logging.getLogger(__name__)

HEART_METRICS = {
    "hr",
    "rmssd",
    "sdnn",
    "pnn50",
    "lf",
    "hf",
    "lf_hf",
    "coherence",
    "resp_rate",
    "corrected_share",
}
EEG_METRICS = {"alpha_rel", "alpha_beta", "theta_alpha", "iaf", "faa"}
EDA_METRICS = {"scl", "scr_rate"}
SUMMARY_METRICS = ("hr", "rmssd", "coherence", "alpha_rel", "scl")
MAX_STEP_S = 0.5  # the longest gap between engine steps counted as feedback time
RESOLVE_TIMEOUT_S = 30.0  # generous: on a loaded machine LSL discovery answers slowly
# The paused look, over the protocol's neutral snapshot: dim light, quiet sound, still water, no
# pacer (the scene eases there over its usual easing time, and back on resume).
PAUSED_LOOK = {
    "calm": 1.0,
    "light": 0.2,
    "volume": 0.15,
    "motion": 0.1,
    "particles": 0.1,
    "pacer_visible": 0.0,
}


def feedback_metrics(protocol: Protocol) -> set[str]:
    """The feature names a protocol's mappings, reward and resonance assessment read."""
    metrics = {m.metric for m in protocol.mappings}
    if protocol.reward is not None:
        metrics.add(protocol.reward.metric)
    if protocol.assessment is not None:
        metrics.add(protocol.assessment.metric)
    return metrics


def needed_kinds(protocol: Protocol) -> set[str]:
    """Which sensors a protocol reads: 'heart', 'eeg', 'eda'."""
    metrics = feedback_metrics(protocol)
    kinds = set()
    if metrics & HEART_METRICS or protocol.safety.hr_ceiling_bpm:
        kinds.add("heart")
    if metrics & EEG_METRICS:
        kinds.add("eeg")
    if metrics & EDA_METRICS:
        kinds.add("eda")
    return kinds


class SceneParamsOutlet:
    """Publishes what the runtime applies to the scene, one channel per parameter (type SceneParams)."""

    def __init__(self, names: list[str], station_id: str) -> None:
        self.names = names
        info = pylsl.StreamInfo(
            "OasisSceneParams",
            StreamKind.SCENE_PARAMS.value,
            len(names),
            pylsl.IRREGULAR_RATE,
            pylsl.cf_float32,
            f"oasis-sceneparams-{station_id}",
        )
        self.info = describe_channels(
            info, names, ["normalised"] * len(names), "scene_parameter", manufacturer="Oasis"
        )
        self._outlet = pylsl.StreamOutlet(info)

    def push(self, params: dict[str, float], t: float) -> None:
        self._outlet.push_sample([float(params.get(n, math.nan)) for n in self.names], t)


def paused_params(neutral: dict[str, float], last: dict[str, float]) -> dict[str, float]:
    """The scene snapshot while paused: ``neutral`` with ``PAUSED_LOOK`` over it; the pacer keeps
    its last phase so that it does not jump as it fades."""
    params = dict(neutral)
    params.update({name: value for name, value in PAUSED_LOOK.items() if name in params})
    if "pacer_phase" in last:
        params["pacer_phase"] = last["pacer_phase"]
    return params


@dataclass
class PauseClock:
    """Paused time on one clock: the current pause, if any, and the total of the finished ones."""

    since: float | None = None
    total: float = 0.0

    def begin(self, t: float) -> None:
        if self.since is None:
            self.since = t

    def end(self, t: float) -> float:
        """Close the current pause at ``t``; returns its length (0 when not paused)."""
        if self.since is None:
            return 0.0
        length = max(0.0, t - self.since)
        self.total += length
        self.since = None
        return length

    def so_far(self, t: float) -> float:
        """Paused seconds up to ``t``, the current pause included."""
        return self.total + (max(0.0, t - self.since) if self.since is not None else 0.0)


@dataclass
class _PhaseStats:
    started: float
    sums: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    paused: PauseClock = field(default_factory=PauseClock)
    target_s: float = 0.0  # seconds the reward was on (the officer in the target state)
    feedback_s: float = 0.0  # seconds the reward was running

    def add(self, snapshot: FeatureSnapshot) -> None:
        for name in SUMMARY_METRICS:
            value = snapshot.values.get(name, math.nan)
            if math.isfinite(value) and snapshot.verdict(name).level is not Level.BAD:
                self.sums[name] = self.sums.get(name, 0.0) + value
                self.counts[name] = self.counts.get(name, 0) + 1

    def add_reward(self, rewarded: bool | None, dt: float) -> None:
        """Count ``dt`` seconds of feedback time, and of time in the target state when rewarded."""
        if rewarded is not None:
            self.feedback_s += dt
            self.target_s += dt if rewarded else 0.0

    def summary(self, ended: float) -> dict[str, float]:
        out = {name: self.sums[name] / self.counts[name] for name in self.sums}
        out["duration_s"] = max(0.0, ended - self.started - self.paused.so_far(ended))
        if self.feedback_s > 0:
            out["target_s"], out["feedback_s"] = self.target_s, self.feedback_s
        return out


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


class _Runner(PipelineRunner):
    """The feature pipeline, handing every published update to the runtime as well."""

    def __init__(self, registry: SourceRegistry, on_update: Callable[[Update], None], **kwargs) -> None:
        super().__init__(registry, **kwargs)
        self._on_update = on_update

    def publish(self, update: Update) -> None:
        super().publish(update)
        self._on_update(update)


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

    def run(
        self,
        officer_code: str,
        pre_stress: int | None,
        pre_mood: int | None,
        max_seconds: float | None = None,
    ) -> SessionOutcome:
        """Run the protocol to its end (or a stop, a safety stop, ``max_seconds``); return the outcome."""
        names = self.scene.names if self.scene else sorted(engine.neutral_snapshot(self.protocol))
        markers = MarkerOutlet(self.station_id)
        params_outlet = SceneParamsOutlet(names, self.station_id)
        sid = self.store.start_session(
            officer_code, self.protocol.id, pre_stress=pre_stress, pre_mood=pre_mood
        )
        xdf_path = self.recordings_dir / f"{sid}.xdf"
        self.recordings_dir.mkdir(parents=True, exist_ok=True)
        self.store.set_xdf_path(sid, xdf_path)

        engine_state: list[engine.EngineState] = []  # started at the first feature update
        phases: dict[str, _PhaseStats] = {}
        current: list[str] = []
        tally = {"updates": 0, "usable": 0}
        stepped: list[float] = []  # LSL time of the last engine step
        metrics = sorted(feedback_metrics(self.protocol)) or ["hr"]
        last: list[engine.StepOutput] = []
        paused = PauseClock()
        neutral = engine.neutral_snapshot(self.protocol)
        look: list[dict[str, float]] = []  # the paused scene snapshot, while paused
        stop_noted: list[str] = []

        def record(kind: str, data: dict, t: float) -> None:
            markers.push(kind, marker_detail(engine.Event(t, kind, data)), t)
            self.store.add_event(sid, kind, data, lsl_time=t)

        def sync_pause(now: float) -> None:
            """Take up pause, resume and stop requests from other threads."""
            with self._lock:
                wanted, stop_reason = self._pause_wanted, self.stop_reason
            if stop_reason is not None and not stop_noted:
                stop_noted.append(stop_reason)
                record("stop", {"reason": stop_reason}, now)
            stopping = self.stop_requested.is_set()
            state = engine_state[0] if engine_state else None
            if paused.since is None and wanted is not None and not stopping:
                t = max(now, state.last_t) if state is not None and math.isfinite(state.last_t) else now
                data = dict(engine.pause(state, t).data) if state is not None else {}
                paused.begin(t)
                if current:
                    phases[current[0]].paused.begin(t)
                look[:] = [paused_params(neutral, last[0].params if last else neutral)]
                if self.scene is not None:
                    self.scene.set_params(look[0])
                record("pause", {"reason": wanted, **data}, t)
                self._paused = True
            elif paused.since is not None and (wanted is None or stopping):
                data = dict(engine.resume(state, now).data) if state is not None and state.paused else {}
                length = paused.end(now)
                if current:
                    phases[current[0]].paused.end(now)
                look.clear()
                stepped.clear()  # the pause is not feedback time
                if not stopping:  # a stop ends the pause without a resume
                    record("resume", {"paused_s": length, **data}, now)
                self._paused = False

        def on_update(update: Update) -> None:
            snapshot = update.snapshot
            now = pylsl.local_clock()
            if look:  # paused: the pipeline and the recording go on, the timeline does not
                params_outlet.push(look[0], now)
                return
            if not engine_state:
                engine_state.append(engine.start(self.protocol, now, self.resonance_rate))
            out = engine.step(self.protocol, engine_state[0], now, snapshot, self.stop_requested.is_set())
            last[:] = [out]
            if self.scene is not None:
                self.scene.set_params(out.params)
            params_outlet.push(out.params, now)
            for event in out.events:
                markers.push(event.kind, marker_detail(event), event.t)
                self.store.add_event(sid, event.kind, event.data, lsl_time=event.t)
                if event.kind == "resonance_result":
                    self.store.record_resonance(sid, event.data.get("rate"), event.data)
            if not current or out.phase != current[0]:
                if current and current[0] in phases:
                    self.store.record_phase_summary(sid, current[0], phases[current[0]].summary(now))
                current[:] = [out.phase]
                phases.setdefault(out.phase, _PhaseStats(now))
            phases[out.phase].add(snapshot)
            # engine steps come every 0.1 s; a longer gap (a stall) counts as one step
            phases[out.phase].add_reward(out.rewarded, min(now - (stepped or [now])[0], MAX_STEP_S))
            stepped[:] = [now]
            tally["updates"] += 1
            if all(snapshot.verdict(m).level is not Level.BAD for m in metrics):
                tally["usable"] += 1
            if self.on_output is not None:
                self.on_output(out)

        runner = _Runner(self.registry, on_update, source_id=f"oasis-features-{self.station_id}")
        recorder = None
        try:
            recorder = self._start_recorder(xdf_path, markers, params_outlet)
            runner.start()
            started = time.monotonic()
            while not (last and (last[0].finished or last[0].stopped)):
                now = pylsl.local_clock()
                if max_seconds is not None and time.monotonic() - started - paused.so_far(now) > max_seconds:
                    self.request_stop(f"ran past the {max_seconds:g} s limit")
                sync_pause(now)
                runner.step()
                time.sleep(max(0.0, min(runner.clock.next_due - pylsl.local_clock(), 0.025)))
        finally:
            ended = pylsl.local_clock()
            self._paused = False
            if current and current[0] in phases:
                self.store.record_phase_summary(sid, current[0], phases[current[0]].summary(ended))
            usable = tally["usable"] / tally["updates"] if tally["updates"] else 0.0
            self.store.set_data_quality(sid, _quality(usable, runner))
            if recorder is not None:
                recorder.stop()
            scene_stats = self.scene.stop() if self.scene is not None else {}
            runner.close()
        out = last[0] if last else None
        completed = out is not None and out.finished and not out.stopped
        status = SessionStatus.COMPLETED if completed else SessionStatus.ABORTED
        self.store.finish_session(sid, status)
        return SessionOutcome(
            session_uuid=sid,
            status=status,
            xdf_path=xdf_path,
            updates=runner.updates,
            dropped_updates=runner.dropped,
            stopped_reason=self.stop_reason or (out.stopped if out else "no features"),
            usable_fraction=usable,
            scene_stats=scene_stats,
            last_params=dict(out.params) if out else {},
            paused_s=paused.so_far(ended),
        )

    def _start_recorder(
        self, path: Path, markers: MarkerOutlet, params_outlet: SceneParamsOutlet
    ) -> LslRecorder | None:
        """Record the chosen raw sources plus our own outlets, all found again by source_id."""
        wanted = {inlet.description.source_id for inlet in self.registry.chosen().values()}
        own = (f"oasis-features-{self.station_id}", markers.info.source_id(), params_outlet.info.source_id())
        wanted |= set(own)
        infos = resolve_all(sorted(s for s in wanted if s), timeout=RESOLVE_TIMEOUT_S)
        missing = wanted - {info.source_id() for info in infos}
        if missing:
            log.warning("not recorded (not found on the network): %s", ", ".join(sorted(missing)))
        return LslRecorder(path, infos).start() if infos else None


def resolve_all(source_ids: list[str], timeout: float) -> list[pylsl.StreamInfo]:
    """Resolve every stream in ``source_ids`` (one query, returns as soon as all answered)."""
    if not source_ids:
        return []
    predicate = " or ".join(f"source_id='{sid}'" for sid in source_ids)
    found: dict[str, pylsl.StreamInfo] = {}
    deadline = time.monotonic() + timeout
    while len(found) < len(source_ids) and time.monotonic() < deadline:
        for info in pylsl.resolve_bypred(
            predicate, minimum=len(source_ids), timeout=max(0.5, deadline - time.monotonic())
        ):
            found.setdefault(info.source_id(), info)
    return list(found.values())


def marker_detail(event: engine.Event) -> str:
    """Short marker text for an engine event: the phase id, the pacer cue, 'key=value' pairs…"""
    data = event.data
    if event.kind == "phase":
        return str(data.get("id", ""))
    if event.kind == "pacer":
        return str(data.get("cue", ""))
    scalars = {
        k: v for k, v in data.items() if isinstance(v, str | int | float | bool) and not k.startswith("instr")
    }
    return json.dumps(scalars, ensure_ascii=False, separators=(",", ":")) if scalars else ""


def _quality(usable: float, runner: PipelineRunner) -> dict:
    verdict = "green" if usable >= 0.9 else "amber" if usable >= 0.6 else "red"
    notes = []
    if runner.dropped:
        notes.append(f"{runner.dropped} feature updates dropped")
    if runner.lost_samples:
        notes.append(f"{runner.lost_samples} samples lost")
    for source in runner.sources.values():
        gaps = source.inlet.status().gaps
        if gaps:
            notes.append(f"{source.kind.value}: {gaps} gaps")
    return {"verdict": verdict, "usable_fraction": round(usable, 4), "notes": "; ".join(notes)}
