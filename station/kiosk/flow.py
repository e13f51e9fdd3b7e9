"""The kiosk's session flow as a pure state machine: no I/O, no clock of its own.

Every call takes ``now`` (monotonic seconds) and returns the effects the runtime must carry out
(store the session, start recording, pause the scene, …), so the whole flow — timeouts, stop at
any time, headset removal — is tested by feeding events and times.

    idle ─Begin→ check_in ─CheckedIn→ program ─ProgramChosen→ pre_rating ─Rated→ sensor_check
      ─SensorsReady→ baseline ─(baseline_s)→ session ─(session_s)→ post_rating ─Rated/Skip→ summary
      ─(summary_s or Done)→ idle

Timeouts on the interactive screens return to idle. Stop during baseline or session aborts the
session and asks for the post rating; elsewhere it returns to idle. The headset off for more than
``headset_grace_s`` pauses the session clock; on again resumes; paused longer than
``pause_limit_s`` aborts (the officer has left). Technician mode is entered from idle with a PIN
checked by the caller (see station.config.verify_pin); repeated wrong PINs lock it for a while.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Screen(StrEnum):
    IDLE = "idle"
    CHECK_IN = "check_in"
    PROGRAM = "program"
    PRE_RATING = "pre_rating"
    SENSOR_CHECK = "sensor_check"
    BASELINE = "baseline"
    SESSION = "session"
    POST_RATING = "post_rating"
    SUMMARY = "summary"
    TECHNICIAN = "technician"


INTERACTIVE = {Screen.CHECK_IN, Screen.PROGRAM, Screen.PRE_RATING, Screen.SENSOR_CHECK, Screen.POST_RATING}
RUNNING = {Screen.BASELINE, Screen.SESSION}


@dataclass(frozen=True)
class FlowTimeouts:
    """Seconds; the defaults are those of station.toml's [kiosk] table."""

    interaction_s: float = 90.0  # no touch on an interactive screen → idle
    sensor_check_s: float = 300.0  # fitting sensors takes longer
    summary_s: float = 60.0
    headset_grace_s: float = 10.0  # headset off this long → pause
    pause_limit_s: float = 180.0  # paused this long → abort (officer left)
    technician_idle_s: float = 600.0
    pin_attempts: int = 5
    pin_lockout_s: float = 300.0


# -- events (what the UI and the runtime report) --------------------------------------------------


@dataclass(frozen=True)
class Touch:
    """Any interaction on the screen; keeps the current screen alive."""


@dataclass(frozen=True)
class Begin:
    """The attract screen was tapped."""


@dataclass(frozen=True)
class CheckedIn:
    officer_code: str


@dataclass(frozen=True)
class ProgramChosen:
    program: str
    baseline_s: float
    session_s: float


@dataclass(frozen=True)
class Rated:
    stress: int  # 0-10
    mood: int  # 1-5


@dataclass(frozen=True)
class SkipRating:
    """The officer declined the post-session rating."""


@dataclass(frozen=True)
class SensorsReady:
    """Every stream the program needs is present and good."""


@dataclass(frozen=True)
class HeadsetOff:
    pass


@dataclass(frozen=True)
class HeadsetOn:
    pass


@dataclass(frozen=True)
class Stop:
    """The officer (or the technician) asked to stop."""


@dataclass(frozen=True)
class Done:
    """Leave the summary now."""


@dataclass(frozen=True)
class TechnicianLogin:
    pin_valid: bool  # the caller checked the PIN against the stored hash


@dataclass(frozen=True)
class TechnicianExit:
    pass


Event = (
    Touch
    | Begin
    | CheckedIn
    | ProgramChosen
    | Rated
    | SkipRating
    | SensorsReady
    | HeadsetOff
    | HeadsetOn
    | Stop
    | Done
    | TechnicianLogin
    | TechnicianExit
)


# -- effects (what the runtime must do) ------------------------------------------------------------


@dataclass(frozen=True)
class StartSession:
    officer_code: str
    program: str
    pre_stress: int
    pre_mood: int


@dataclass(frozen=True)
class EnterPhase:
    name: str  # "baseline" | "session"


@dataclass(frozen=True)
class PauseSession:
    reason: str


@dataclass(frozen=True)
class ResumeSession:
    pass


@dataclass(frozen=True)
class EndSession:
    status: str  # "completed" | "aborted"
    reason: str


@dataclass(frozen=True)
class SavePostRatings:
    stress: int
    mood: int


@dataclass(frozen=True)
class ReturnedToIdle:
    reason: str  # "timeout" | "stopped" | "finished" | "left" | "technician"


@dataclass(frozen=True)
class TechnicianMode:
    active: bool


@dataclass(frozen=True)
class PinRejected:
    locked_until: float | None  # set when too many wrong PINs locked technician mode


Effect = (
    StartSession
    | EnterPhase
    | PauseSession
    | ResumeSession
    | EndSession
    | SavePostRatings
    | ReturnedToIdle
    | TechnicianMode
    | PinRejected
)


@dataclass
class SessionContext:
    """What the flow has gathered for the current officer."""

    officer_code: str = ""
    program: str = ""
    baseline_s: float = 0.0
    session_s: float = 0.0
    pre_rating: tuple[int, int] | None = None
    post_rating: tuple[int, int] | None = None
    status: str = ""


@dataclass
class SessionFlow:
    """The station's screen flow; see the module docstring."""

    timeouts: FlowTimeouts = field(default_factory=FlowTimeouts)
    screen: Screen = Screen.IDLE
    context: SessionContext = field(default_factory=SessionContext)
    _last_touch: float = 0.0
    _active_s: float = 0.0  # session clock: running time, pauses excluded
    _running_since: float | None = None  # None while paused or not running
    _headset_off_since: float | None = None
    _paused_since: float | None = None
    _pin_failures: int = 0
    _locked_until: float = float("-inf")

    @property
    def paused(self) -> bool:
        return self._paused_since is not None

    def session_clock(self, now: float) -> float:
        """Seconds of baseline + session so far, pauses excluded: the protocol engine's time."""
        if self._running_since is None:
            return self._active_s
        return self._active_s + now - self._running_since

    def handle(self, event: Event, now: float) -> list[Effect]:
        """Apply one event; events that do not apply to the current screen are ignored (stale taps)."""
        effects = self.tick(now)
        self._last_touch = now
        s = self.screen
        match event:
            case Begin() if s is Screen.IDLE:
                self.context = SessionContext()
                self.screen = Screen.CHECK_IN
            case CheckedIn(code) if s is Screen.CHECK_IN:
                self.context.officer_code = code
                self.screen = Screen.PROGRAM
            case ProgramChosen(program, baseline_s, session_s) if s is Screen.PROGRAM:
                if baseline_s < 0 or session_s <= 0:
                    raise ValueError("a program needs baseline_s >= 0 and session_s > 0")
                self.context.program = program
                self.context.baseline_s, self.context.session_s = baseline_s, session_s
                self.screen = Screen.PRE_RATING
            case Rated(stress, mood) if s in (Screen.PRE_RATING, Screen.POST_RATING):
                if not (0 <= stress <= 10 and 1 <= mood <= 5):
                    raise ValueError("stress is 0-10 and mood 1-5")
                if s is Screen.PRE_RATING:
                    self.context.pre_rating = (stress, mood)
                    self.screen = Screen.SENSOR_CHECK
                else:
                    self.context.post_rating = (stress, mood)
                    effects.append(SavePostRatings(stress, mood))
                    self.screen = Screen.SUMMARY
            case SkipRating() if s is Screen.POST_RATING:
                self.screen = Screen.SUMMARY
            case SensorsReady() if s is Screen.SENSOR_CHECK:
                stress, mood = self.context.pre_rating or (0, 1)
                effects.append(StartSession(self.context.officer_code, self.context.program, stress, mood))
                effects += self._start_running(now)
            case HeadsetOff() if s in RUNNING and self._headset_off_since is None:
                self._headset_off_since = now
            case HeadsetOn() if s in RUNNING:
                self._headset_off_since = None
                if self.paused:
                    effects += self._resume(now)
            case Stop() if s in RUNNING:
                effects += self._end(now, "aborted", "stopped by the officer")
                self.screen = Screen.POST_RATING
            case Stop() if s in INTERACTIVE or s is Screen.SUMMARY:
                effects += self._to_idle("stopped")
            case Done() if s is Screen.SUMMARY:
                effects += self._to_idle("finished")
            case TechnicianLogin(valid) if s is Screen.IDLE:
                effects += self._technician_login(valid, now)
            case TechnicianExit() if s is Screen.TECHNICIAN:
                effects += [TechnicianMode(False), *self._to_idle("technician")]
        return effects

    def tick(self, now: float) -> list[Effect]:
        """Advance time: phase ends, pauses, timeouts. Call it often (each UI frame is fine)."""
        s = self.screen
        if s in RUNNING:
            return self._tick_running(now)
        idle_for = now - self._last_touch
        if s in INTERACTIVE:
            limit = self.timeouts.sensor_check_s if s is Screen.SENSOR_CHECK else self.timeouts.interaction_s
            if idle_for > limit:
                return self._to_idle("timeout")
        elif s is Screen.SUMMARY and idle_for > self.timeouts.summary_s:
            return self._to_idle("finished")
        elif s is Screen.TECHNICIAN and idle_for > self.timeouts.technician_idle_s:
            return [TechnicianMode(False), *self._to_idle("timeout")]
        return []

    # -- internals ----------------------------------------------------------------------------

    def _tick_running(self, now: float) -> list[Effect]:
        effects: list[Effect] = []
        t = self.timeouts
        off_since = self._headset_off_since
        if off_since is not None and not self.paused and now - off_since > t.headset_grace_s:
            pause_at = off_since + t.headset_grace_s
            if self._running_since is not None:
                self._active_s += pause_at - self._running_since
            self._running_since = None
            self._paused_since = pause_at
            effects.append(PauseSession("headset removed"))
        if self._paused_since is not None and now - self._paused_since > t.pause_limit_s:
            effects += self._end(now, "aborted", "headset off too long: the officer left")
            return effects + self._to_idle("left")
        clock = self.session_clock(now)
        if self.screen is Screen.BASELINE and clock >= self.context.baseline_s:
            self.screen = Screen.SESSION
            effects.append(EnterPhase("session"))
        if self.screen is Screen.SESSION and clock >= self.context.baseline_s + self.context.session_s:
            effects += self._end(now, "completed", "program finished")
            self.screen = Screen.POST_RATING
            self._last_touch = now
        return effects

    def _start_running(self, now: float) -> list[Effect]:
        self._active_s, self._running_since = 0.0, now
        self._headset_off_since = self._paused_since = None
        self.screen = Screen.BASELINE
        effects: list[Effect] = [EnterPhase("baseline")]
        return effects + self._tick_running(now)  # a program without baseline goes straight on

    def _resume(self, now: float) -> list[Effect]:
        self._paused_since = None
        self._running_since = now
        return [ResumeSession()]

    def _end(self, now: float, status: str, reason: str) -> list[Effect]:
        self._active_s = self.session_clock(now)
        self._running_since = self._paused_since = self._headset_off_since = None
        self.context.status = status
        return [EndSession(status, reason)]

    def _to_idle(self, reason: str) -> list[Effect]:
        self.screen = Screen.IDLE
        return [ReturnedToIdle(reason)]

    def _technician_login(self, valid: bool, now: float) -> list[Effect]:
        if now < self._locked_until:
            return [PinRejected(self._locked_until)]
        if valid:
            self._pin_failures = 0
            self.screen = Screen.TECHNICIAN
            return [TechnicianMode(True)]
        self._pin_failures += 1
        if self._pin_failures >= self.timeouts.pin_attempts:
            self._pin_failures = 0
            self._locked_until = now + self.timeouts.pin_lockout_s
            return [PinRejected(self._locked_until)]
        return [PinRejected(None)]
