"""The protocol engine: (protocol, state, LSL time, feature snapshot, stop button) -> (parameters, events).

Everything the engine remembers lives in ``EngineState``, a plain dataclass: no clocks, no
randomness, no hidden caches. ``step`` advances the state it is given and returns a ``StepOutput``;
the same protocol, initial state and inputs give the same outputs bit for bit, so a recorded
feature stream replays exactly, and ``copy.deepcopy(state)`` or ``EngineState.from_json`` branches
or resumes a session.

``pause`` and ``resume`` stop and restart the session's timeline (the headset taken off): on
resume every absolute time in the state moves later by the paused duration, so phases, pacer,
baseline, reward adaptation, safety timers and assessment blocks carry on as if the pause had not
happened. A paused state is not stepped.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from protocols.protocol_model import (
    RESONANCE_RANGE,
    AssessMethod,
    Direction,
    Normalise,
    Pacer,
    Phase,
    Protocol,
)
from protocols.transfer import BaselineStats, approach, normalise, shape, smooth
from scenes.params import SHARED_PARAMS
from sensors.types import FeatureSnapshot, Level, Verdict

STALE_S = 5.0  # a snapshot older than this counts as a dropped sensor
PACER_FADE_S = 1.0  # pacer_visible fades in and out over this long
REWARD_FADE_S = 1.0  # the reward parameter moves between off and on over this long
_NOT_DATA = ("not started", "no feedback", "stopped", "session ended")  # inactive for reasons other than data
_RANK = {level: level.rank for level in Level}
_NOT_MEASURED = Verdict(Level.BAD, "not measured")


@dataclass(frozen=True)
class Event:
    """Something that happened at LSL time ``t``: kind plus plain JSON-able data."""

    t: float
    kind: str  # phase, pacer, baseline, mapping, reward, safety, alert_technician,
    #            assessment_block, resonance_result, session_end, pause, resume
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StepOutput:
    """What one engine step produces."""

    t: float
    elapsed: float
    phase: str  # phase id; "end" after the last phase
    params: dict[str, float]
    events: tuple[Event, ...]
    feedback: bool  # the phase gives feedback and the session is neither stopped nor ended
    inactive: dict[str, str]  # mapped parameter -> why it is not following its metric now
    rewarded: bool | None  # None while the reward is not running
    threshold: float  # the reward threshold (normalised units), NaN when none
    finished: bool
    stopped: str | None  # the safety reason, once the session has been stopped


@dataclass
class MappingState:
    output: float  # the parameter value sent to the scene
    smoothed: float = math.nan  # low-passed curve output
    active: bool = False  # following its metric now
    reason: str = "not started"
    glide_rate: float = 0.0  # units/s toward neutral while inactive
    resume_t: float = math.nan  # when it last became active
    resume_from: float = math.nan  # the output at that moment


@dataclass
class RewardState:
    output: float  # value of the reward's scene parameter, if any
    threshold: float = math.nan
    share: float = math.nan  # running share of rewarded time (time constant window_s)
    rewarded: bool = False  # the raw comparison this step
    announced: bool = False  # the state last sent as an event
    since: float = math.nan  # when ``rewarded`` last changed
    active: bool = False
    time_on: float = 0.0  # seconds rewarded while running
    time_running: float = 0.0


@dataclass
class BlockState:
    """One resonance-assessment block being measured."""

    phase_id: str
    rate: float
    steps: int = 0  # steps in the settled part
    valid: int = 0  # of which with usable data
    total: float = 0.0  # sum of usable values (lf_power)
    cycle: int = -1  # pacer cycle index being measured (peak_trough)
    cycle_max: float = -math.inf
    cycle_min: float = math.inf
    cycle_steps: int = 0
    cycle_valid: int = 0
    amplitudes: list[float] = field(default_factory=list)  # per breath (peak_trough)


@dataclass
class EngineState:
    """The engine's whole memory. Plain data: copy it, serialise it, compare it."""

    t_start: float
    resonance_rate: float | None = None
    last_t: float = math.nan
    phase_index: int = -1
    finished: bool = False
    stopped: str | None = None
    baseline_samples: dict[str, list[float]] = field(default_factory=dict)
    baseline: dict[str, BaselineStats | None] = field(default_factory=dict)
    baseline_done: bool = False
    mappings: list[MappingState] = field(default_factory=list)
    reward: RewardState | None = None
    pacer_pos: float = 0.0  # breath cycles since the pacer started
    pacer_on: bool = False
    pacer_visible: float = 0.0
    hr_above_since: float = math.nan
    hr_rise_since: float = math.nan
    hr_minima: list[list[float]] = field(default_factory=list)  # [second, lowest HR that second]
    block: BlockState | None = None
    blocks: list[dict[str, Any]] = field(default_factory=list)  # finished assessment blocks
    resonance: dict[str, Any] | None = None
    paused_at: float = math.nan  # LSL time the current pause began; NaN while running
    paused_s: float = 0.0  # total paused seconds so far (excluded from the timeline)

    @property
    def paused(self) -> bool:
        return not math.isnan(self.paused_at)

    def to_json(self) -> str:
        """The state as JSON (floats round-trip exactly)."""
        d = asdict(self)
        d["baseline"] = {k: None if v is None else asdict(v) for k, v in self.baseline.items()}
        return json.dumps(d)

    @staticmethod
    def from_json(text: str) -> EngineState:
        """Inverse of ``to_json``."""
        d = json.loads(text)
        d["baseline"] = {
            k: None if v is None else BaselineStats(v["mean"], v["sd"], tuple(v["sorted_samples"]))
            for k, v in d["baseline"].items()
        }
        d["mappings"] = [MappingState(**m) for m in d["mappings"]]
        d["reward"] = None if d["reward"] is None else RewardState(**d["reward"])
        d["block"] = None if d["block"] is None else BlockState(**d["block"])
        return EngineState(**d)


def neutral_of(protocol: Protocol, name: str) -> float:
    """A parameter's neutral value: the shared default, or the protocol's declared extra."""
    if name in SHARED_PARAMS:
        return SHARED_PARAMS[name].default
    return next(p.neutral for p in protocol.extra_params if p.name == name)


def neutral_snapshot(protocol: Protocol) -> dict[str, float]:
    """Every parameter the protocol's scene receives, at its neutral value."""
    params = {name: spec.default for name, spec in SHARED_PARAMS.items()}
    params.update({p.name: p.neutral for p in protocol.extra_params})
    return params


def start(protocol: Protocol, t_start: float, resonance_rate: float | None = None) -> EngineState:
    """A fresh session starting at LSL time ``t_start``; ``resonance_rate`` is the officer's, if known."""
    if resonance_rate is not None and not RESONANCE_RANGE[0] <= resonance_rate <= RESONANCE_RANGE[1]:
        resonance_rate = None
    reward = None
    if protocol.reward is not None:
        target = protocol.reward.target
        reward = RewardState(output=neutral_of(protocol, target) if target else math.nan)
    return EngineState(
        t_start=t_start,
        resonance_rate=resonance_rate,
        mappings=[MappingState(output=neutral_of(protocol, m.target)) for m in protocol.mappings],
        reward=reward,
    )


def pacer_rate(pacer: Pacer, state: EngineState) -> float:
    """Breaths/min: fixed, or the officer's resonance rate, or the fallback."""
    if pacer.rate is not None:
        return pacer.rate
    return state.resonance_rate if state.resonance_rate is not None else pacer.fallback_rate


def pacer_phase(cycle_pos: float, inhale_share: float) -> float:
    """Scene pacer phase from the cycle position: inhale spans 0-0.5, exhale 0.5-1, whatever the ratio."""
    frac = cycle_pos - math.floor(cycle_pos)
    if frac < inhale_share:
        return 0.5 * frac / inhale_share
    return 0.5 + 0.5 * (frac - inhale_share) / (1.0 - inhale_share)


def _phase_at(protocol: Protocol, elapsed: float) -> int:
    end = 0.0
    for i, phase in enumerate(protocol.phases):
        end += phase.duration_s
        if elapsed < end:
            return i
    return len(protocol.phases)


class _Step:
    """The working of one ``step`` call; holds the inputs so helpers stay short."""

    def __init__(self, protocol: Protocol, state: EngineState, t: float, snapshot: FeatureSnapshot | None):
        self.p, self.s, self.t = protocol, state, t
        self.dt = 0.0 if math.isnan(state.last_t) else max(0.0, t - state.last_t)
        self.elapsed = t - state.t_start
        self.snapshot = snapshot
        self.events: list[Event] = []
        self.stale = snapshot is None or t - snapshot.t > STALE_S

    def emit(self, kind: str, **data: Any) -> None:
        self.events.append(Event(self.t, kind, data))

    def reading(self, metric: str) -> tuple[float, str]:
        """(value, "") when usable, else (NaN, why not)."""
        if self.snapshot is None:
            return math.nan, "no feature data"
        if self.stale:
            return math.nan, f"stale data (nothing new for over {STALE_S:g} s)"
        value = self.snapshot.values.get(metric, math.nan)
        verdict = self.snapshot.quality.get(metric, _NOT_MEASURED)
        if _RANK[verdict.level] > _RANK[self.p.dropout.worst_level]:
            return math.nan, f"{metric} quality {verdict.level.value}" + (
                f": {verdict.reason}" if verdict.reason else ""
            )
        if not math.isfinite(value):
            return math.nan, f"{metric} unavailable"
        return float(value), ""

    @property
    def phase(self) -> Phase | None:
        i = self.s.phase_index
        return self.p.phases[i] if 0 <= i < len(self.p.phases) else None

    # --- timeline -------------------------------------------------------------------------------

    def advance_phase(self) -> None:
        s = self.s
        if s.stopped is not None or s.finished:
            return
        target = _phase_at(self.p, self.elapsed)
        while s.phase_index < target:
            self.leave_phase()
            s.phase_index += 1
            self.enter_phase()
        if s.phase_index >= len(self.p.phases):
            s.finished = True
            self.emit("session_end", elapsed=self.elapsed)

    def leave_phase(self) -> None:
        phase = self.phase
        if phase is None:
            return
        if phase.baseline:
            self.finish_baseline()
        if phase.assess_rate and self.s.block is not None:
            self.finish_block()

    def enter_phase(self) -> None:
        phase = self.phase
        if phase is None:
            return
        rate = pacer_rate(phase.pacer, self.s) if phase.pacer else None
        self.emit(
            "phase", id=phase.id, index=self.s.phase_index, duration_s=phase.duration_s,
            instructions_zh=phase.instructions.zh, instructions_en=phase.instructions.en,
            voice_cue=phase.voice_cue, pacer_rate=rate,
        )  # fmt: skip
        if phase.assess_rate and rate is not None:
            self.s.block = BlockState(phase.id, rate)

    # --- baseline -------------------------------------------------------------------------------

    def baseline_metrics(self) -> list[str]:
        names = [m.metric for m in self.p.mappings if m.normalise != Normalise.NONE]
        if self.p.reward is not None and self.p.reward.normalise != Normalise.NONE:
            names.append(self.p.reward.metric)
        return sorted(set(names))

    def collect_baseline(self) -> None:
        for metric in self.baseline_metrics():
            value, _ = self.reading(metric)
            if math.isfinite(value):
                self.s.baseline_samples.setdefault(metric, []).append(value)

    def finish_baseline(self) -> None:
        s = self.s
        s.baseline = {
            m: BaselineStats.from_samples(s.baseline_samples.get(m, [])) for m in self.baseline_metrics()
        }
        s.baseline_done = True
        s.baseline_samples = {}
        self.emit(
            "baseline",
            stats={m: None if b is None else {"mean": b.mean, "sd": b.sd, "n": len(b.sorted_samples)}
                   for m, b in s.baseline.items()},
        )  # fmt: skip
        reward = self.p.reward
        if reward is not None and s.reward is not None:
            stats = s.baseline.get(reward.metric)
            if reward.normalise == Normalise.NONE or stats is not None:
                s.reward.threshold = _initial_threshold(
                    reward.normalise, reward.direction, reward.target_share, stats
                )

    def normalised(self, metric: str, how: Normalise) -> tuple[float, str]:
        value, why = self.reading(metric)
        if why:
            return value, why
        if how != Normalise.NONE and self.s.baseline.get(metric) is None:
            return math.nan, f"no usable baseline for {metric}"
        return normalise(value, how, self.s.baseline.get(metric)), ""

    # --- safety ---------------------------------------------------------------------------------

    def check_safety(self, stop_requested: bool) -> None:
        s, rules = self.s, self.p.safety
        reason = None
        if stop_requested:
            reason = "stop_requested"
        elif self.elapsed >= rules.max_session_s:
            reason = "max_session_length"
        else:
            reason = self.check_heart_rate()
        if reason is not None and s.stopped is None:
            s.stopped = reason
            phase = self.phase
            self.emit("safety", reason=reason, phase=phase.id if phase else "end", elapsed=self.elapsed)
            self.emit("alert_technician", reason=reason)

    def check_heart_rate(self) -> str | None:
        s, rules = self.s, self.p.safety
        hr, _ = self.reading("hr")
        if not math.isfinite(hr):
            s.hr_above_since = math.nan
            s.hr_rise_since = math.nan
            return None
        if rules.hr_ceiling_bpm is not None:
            if hr <= rules.hr_ceiling_bpm:
                s.hr_above_since = math.nan
            elif math.isnan(s.hr_above_since):
                s.hr_above_since = self.t
            if self.t - s.hr_above_since >= rules.hr_ceiling_s:
                return "hr_ceiling"
        if rules.hr_rise_bpm is not None:
            second = math.floor(self.t)
            if s.hr_minima and s.hr_minima[-1][0] == second:
                s.hr_minima[-1][1] = min(s.hr_minima[-1][1], hr)
            else:
                s.hr_minima.append([second, hr])
            while s.hr_minima and s.hr_minima[0][0] < second - rules.hr_rise_window_s:
                s.hr_minima.pop(0)
            lowest = min(s.hr_minima, key=_second_item)[1]
            if hr - lowest <= rules.hr_rise_bpm:
                s.hr_rise_since = math.nan
            elif math.isnan(s.hr_rise_since):
                s.hr_rise_since = self.t
            if self.t - s.hr_rise_since >= rules.hr_rise_s:
                return "hr_rise"
        return None

    # --- feedback -------------------------------------------------------------------------------

    def feedback_block_reason(self) -> str:
        if self.s.stopped is not None:
            return f"stopped: {self.s.stopped}"
        if self.s.finished:
            return "session ended"
        phase = self.phase
        if phase is None or not phase.feedback:
            return "no feedback in this phase"
        return ""

    def update_mappings(self, blocked: str) -> dict[str, str]:
        inactive: dict[str, str] = {}
        glide_s = self.p.dropout.glide_s
        for mapping, ms in zip(self.p.mappings, self.s.mappings, strict=True):
            neutral = neutral_of(self.p, mapping.target)
            x, why = (math.nan, blocked) if blocked else self.normalised(mapping.metric, mapping.normalise)
            if why:
                if not blocked and (ms.active or ms.reason.startswith(_NOT_DATA)):
                    self.emit("mapping", target=mapping.target, active=False, reason=why)
                if ms.active:  # glide from here to neutral in glide_s, in a straight line
                    ms.glide_rate = abs(ms.output - neutral) / glide_s
                ms.active, ms.reason = False, why
                ms.output = approach(ms.output, neutral, ms.glide_rate * self.dt)
                inactive[mapping.target] = why
                continue
            lo, hi = mapping.output_range
            goal = lo + (hi - lo) * shape(x, mapping.curve, mapping.input_range, mapping.direction)
            if not ms.active:
                if not ms.reason.startswith(_NOT_DATA):
                    self.emit("mapping", target=mapping.target, active=True, reason="")
                ms.active, ms.reason = True, ""
                ms.smoothed = ms.output
                ms.resume_t, ms.resume_from = self.t, ms.output
            ms.smoothed = smooth(ms.smoothed, goal, self.dt, mapping.smoothing_s)
            aim = ms.smoothed
            ramp = (self.t - ms.resume_t) / self.p.dropout.resume_s
            if ramp < 1.0:
                aim = ms.resume_from + (aim - ms.resume_from) * ramp
            ms.output = approach(ms.output, aim, mapping.max_rate * self.dt)
        return inactive

    def update_reward(self, blocked: str) -> None:
        reward, rs = self.p.reward, self.s.reward
        if reward is None or rs is None:
            return
        x, why = (math.nan, blocked) if blocked else self.normalised(reward.metric, reward.normalise)
        if not why and math.isnan(rs.threshold):
            rs.threshold = x  # no baseline to start from: start at the first value seen
        if why:
            if rs.active and rs.announced:
                self.emit("reward", on=False, threshold=rs.threshold)
            rs.active = rs.rewarded = rs.announced = False
            if reward.target is not None:
                neutral = neutral_of(self.p, reward.target)
                step = abs(reward.on_value - reward.off_value) / self.p.dropout.glide_s * self.dt
                rs.output = approach(rs.output, neutral, step)
            return
        rewarded = x > rs.threshold if reward.direction == Direction.UP else x < rs.threshold
        if not rs.active:
            rs.active = True
            rs.since = self.t
            if math.isnan(rs.share):
                rs.share = 0.5 * (reward.target_share[0] + reward.target_share[1])
        if rewarded != rs.rewarded:
            rs.rewarded, rs.since = rewarded, self.t
        if rs.rewarded != rs.announced and self.t - rs.since >= reward.min_event_s:
            rs.announced = rs.rewarded
            self.emit("reward", on=rs.rewarded, threshold=rs.threshold)
        rs.time_running += self.dt
        rs.time_on += self.dt if rewarded else 0.0
        rs.share += (float(rewarded) - rs.share) * (1.0 - math.exp(-self.dt / reward.window_s))
        rs.threshold = _adapt_threshold(
            rs.threshold,
            rs.share,
            reward.target_share,
            reward.direction,
            reward.max_threshold_rate * self.dt,
            reward.threshold_limits,
        )
        if reward.target is not None:
            goal = reward.on_value if rs.announced else reward.off_value
            step = abs(reward.on_value - reward.off_value) / REWARD_FADE_S * self.dt
            rs.output = approach(rs.output, goal, step)

    # --- pacer ----------------------------------------------------------------------------------

    def update_pacer(self) -> tuple[float, float]:
        s = self.s
        phase = self.phase
        pacer = phase.pacer if phase is not None and not s.finished else None
        if pacer is None:
            s.pacer_on = False
            s.pacer_visible = approach(s.pacer_visible, 0.0, self.dt / PACER_FADE_S)
            return pacer_phase(s.pacer_pos, 0.5), s.pacer_visible
        rate = pacer_rate(pacer, s)
        share = pacer.inhale_share
        if not s.pacer_on:
            s.pacer_on, s.pacer_pos = True, 0.0
            self.emit("pacer", cue="inhale", rate=rate)
        else:
            before = s.pacer_pos
            s.pacer_pos += self.dt * rate / 60.0
            self.pacer_cues(before, s.pacer_pos, share, rate)
        s.pacer_visible = approach(s.pacer_visible, 1.0, self.dt / PACER_FADE_S)
        return pacer_phase(s.pacer_pos, share), s.pacer_visible

    def pacer_cues(self, before: float, after: float, share: float, rate: float) -> None:
        if math.floor(after) > math.floor(before):
            self.emit("pacer", cue="inhale", rate=rate)
        elif math.floor(after - share) > math.floor(before - share):
            self.emit("pacer", cue="exhale", rate=rate)

    # --- resonance assessment -------------------------------------------------------------------

    def measure_block(self) -> None:
        s, assess, phase = self.s, self.p.assessment, self.phase
        block = s.block
        if assess is None or block is None or phase is None or phase.id != block.phase_id or s.stopped:
            return
        in_phase = self.elapsed - sum(p.duration_s for p in self.p.phases[: s.phase_index])
        if in_phase < assess.settle_s:
            return
        value, _ = self.reading(assess.metric)
        ok = math.isfinite(value)
        block.steps += 1
        block.valid += ok
        if assess.method == AssessMethod.LF_POWER:
            block.total += value if ok else 0.0
            return
        cycle = math.floor(s.pacer_pos)
        if cycle != block.cycle:
            self.close_cycle(block)
            block.cycle, block.cycle_max, block.cycle_min = cycle, -math.inf, math.inf
            block.cycle_steps = block.cycle_valid = 0
        block.cycle_steps += 1
        if ok:
            block.cycle_valid += 1
            block.cycle_max, block.cycle_min = max(block.cycle_max, value), min(block.cycle_min, value)

    def close_cycle(self, block: BlockState) -> None:
        """Keep a finished breath's max-min if it was measured from its start and mostly valid."""
        if block.cycle >= 0 and block.cycle_steps and block.cycle_valid >= 0.8 * block.cycle_steps:
            expected = 60.0 / block.rate / max(self.dt, 1e-9)
            if block.cycle_steps >= 0.8 * expected:
                block.amplitudes.append(block.cycle_max - block.cycle_min)

    def finish_block(self) -> None:
        s, assess = self.s, self.p.assessment
        block = s.block
        s.block = None
        if assess is None or block is None:
            return
        valid_share = block.valid / block.steps if block.steps else 0.0
        if assess.method == AssessMethod.LF_POWER:
            amplitude = block.total / block.valid if block.valid else math.nan
        else:
            self.close_cycle(block)
            amplitude = math.fsum(block.amplitudes) / len(block.amplitudes) if block.amplitudes else math.nan
        usable = valid_share >= assess.min_valid_share and math.isfinite(amplitude)
        result = {
            "phase": block.phase_id,
            "rate": block.rate,
            "amplitude": amplitude if usable else None,
            "valid_share": valid_share,
            "breaths": len(block.amplitudes),
        }
        s.blocks.append(result)
        self.emit("assessment_block", **result)
        if all(not p.assess_rate for p in self.p.phases[s.phase_index + 1 :]):
            self.finish_assessment()

    def finish_assessment(self) -> None:
        s, assess = self.s, self.p.assessment
        assert assess is not None
        usable = [b for b in s.blocks if b["amplitude"] is not None]
        rate = max(usable, key=lambda b: b["amplitude"])["rate"] if len(usable) >= 2 else None
        s.resonance = {
            "rate": rate, "method": assess.method.value, "metric": assess.metric,
            "blocks": [dict(b) for b in s.blocks],
            "reason": "" if rate is not None else "fewer than two blocks with usable data",
        }  # fmt: skip
        self.emit("resonance_result", **s.resonance)


def _second_item(pair: list[float]) -> float:
    return pair[1]


def _initial_threshold(
    how: Normalise, direction: Direction, target_share: tuple[float, float], stats: BaselineStats | None
) -> float:
    """The threshold the baseline would have rewarded at the middle of the target share."""
    aim = 0.5 * (target_share[0] + target_share[1])
    q = 1.0 - aim if direction == Direction.UP else aim
    if stats is None:
        return math.nan
    raw = stats.quantile(q)
    return normalise(raw, how, stats) if how != Normalise.NONE else raw


def _adapt_threshold(
    threshold: float,
    share: float,
    target: tuple[float, float],
    direction: Direction,
    max_step: float,
    limits: tuple[float, float],
) -> float:
    """Move the threshold toward making the reward share fall inside ``target``, by at most ``max_step``.

    The step is proportional to how far the share is outside the band (full speed 0.1 beyond it).
    """
    if share > target[1]:
        error = min(1.0, (share - target[1]) / 0.1)
    elif share < target[0]:
        error = -min(1.0, (target[0] - share) / 0.1)
    else:
        return threshold
    harder = 1.0 if direction == Direction.UP else -1.0
    return min(limits[1], max(limits[0], threshold + harder * error * max_step))


def pause(state: EngineState, t: float) -> Event:
    """Stop the session's timeline at LSL time ``t``; returns the ``pause`` event."""
    if state.paused:
        raise ValueError("the session is already paused")
    if not math.isnan(state.last_t) and t < state.last_t:
        raise ValueError(f"pause at {t} is before the last step at {state.last_t}")
    state.paused_at = t
    return Event(t, "pause", {"elapsed": t - state.t_start})


def resume(state: EngineState, t: float) -> Event:
    """Restart the timeline at LSL time ``t``: every absolute time moves later by the paused
    duration, so nothing counts the pause. Returns the ``resume`` event."""
    if not state.paused:
        raise ValueError("the session is not paused")
    shift = max(0.0, t - state.paused_at)
    state.t_start += shift
    state.last_t += shift  # NaN (never stepped) stays NaN
    state.hr_above_since += shift
    state.hr_rise_since += shift
    state.hr_minima = [[second + shift, hr] for second, hr in state.hr_minima]
    for ms in state.mappings:
        ms.resume_t += shift
    if state.reward is not None:
        state.reward.since += shift
    state.paused_at = math.nan
    state.paused_s += shift
    return Event(t, "resume", {"paused_s": shift, "elapsed": t - state.t_start})


def step(
    protocol: Protocol,
    state: EngineState,
    t: float,
    snapshot: FeatureSnapshot | None,
    stop_requested: bool = False,
) -> StepOutput:
    """Advance ``state`` to LSL time ``t`` with the newest feature snapshot; return parameters and events."""
    if state.paused:
        raise ValueError("the session is paused: resume it before stepping")
    w = _Step(protocol, state, t, snapshot)
    w.advance_phase()
    w.check_safety(stop_requested)
    phase = w.phase
    if phase is not None and phase.baseline and state.stopped is None:
        w.collect_baseline()
    w.measure_block()
    blocked = w.feedback_block_reason()
    inactive = w.update_mappings(blocked)
    w.update_reward(blocked)
    pacer_value, visible = w.update_pacer()
    params = neutral_snapshot(protocol)
    for mapping, ms in zip(protocol.mappings, state.mappings, strict=True):
        params[mapping.target] = ms.output
    rs = state.reward
    if protocol.reward is not None and protocol.reward.target is not None and rs is not None:
        params[protocol.reward.target] = rs.output
    params["pacer_phase"] = pacer_value
    params["pacer_visible"] = visible
    state.last_t = t
    return StepOutput(
        t=t,
        elapsed=w.elapsed,
        phase=phase.id if phase is not None else ("end" if state.finished else "start"),
        params=params,
        events=tuple(w.events),
        feedback=not blocked,
        inactive=inactive,
        rewarded=rs.rewarded if rs is not None and rs.active else None,
        threshold=rs.threshold if rs is not None else math.nan,
        finished=state.finished,
        stopped=state.stopped,
    )
