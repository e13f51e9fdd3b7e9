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

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar


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
        on_event = self._ON_EVENT.get(type(event))
        if on_event is not None:
            effects += on_event(self, event, now)
        return effects

    # -- one handler per event kind (Touch has none: handle() has already noted the touch) ------

    def _on_begin(self, event: Begin, now: float) -> list[Effect]:
        if self.screen is Screen.IDLE:
            self.context = SessionContext()
            self.screen = Screen.CHECK_IN
        return []

    def _on_checked_in(self, event: CheckedIn, now: float) -> list[Effect]:
        if self.screen is Screen.CHECK_IN:
            self.context.officer_code = event.officer_code
            self.screen = Screen.PROGRAM
        return []

    def _on_program_chosen(self, event: ProgramChosen, now: float) -> list[Effect]:
        if self.screen is Screen.PROGRAM:
            if event.baseline_s < 0 or event.session_s <= 0:
                raise ValueError("a program needs baseline_s >= 0 and session_s > 0")
            self.context.program = event.program
            self.context.baseline_s, self.context.session_s = event.baseline_s, event.session_s
            self.screen = Screen.PRE_RATING
        return []

    def _on_rated(self, event: Rated, now: float) -> list[Effect]:
        if self.screen not in (Screen.PRE_RATING, Screen.POST_RATING):
            return []
        if not (0 <= event.stress <= 10 and 1 <= event.mood <= 5):
            raise ValueError("stress is 0-10 and mood 1-5")
        if self.screen is Screen.PRE_RATING:
            self.context.pre_rating = (event.stress, event.mood)
            self.screen = Screen.SENSOR_CHECK
            return []
        self.context.post_rating = (event.stress, event.mood)
        self.screen = Screen.SUMMARY
        return [SavePostRatings(event.stress, event.mood)]

    def _on_skip_rating(self, event: SkipRating, now: float) -> list[Effect]:
        if self.screen is Screen.POST_RATING:
            self.screen = Screen.SUMMARY
        return []

    def _on_sensors_ready(self, event: SensorsReady, now: float) -> list[Effect]:
        if self.screen is not Screen.SENSOR_CHECK:
            return []
        stress, mood = self.context.pre_rating or (0, 1)
        start = StartSession(self.context.officer_code, self.context.program, stress, mood)
        return [start, *self._start_running(now)]

    def _on_headset_off(self, event: HeadsetOff, now: float) -> list[Effect]:
        if self.screen in RUNNING and self._headset_off_since is None:
            self._headset_off_since = now
        return []

    def _on_headset_on(self, event: HeadsetOn, now: float) -> list[Effect]:
        if self.screen not in RUNNING:
            return []
        self._headset_off_since = None
        return self._resume(now) if self.paused else []

    def _on_stop(self, event: Stop, now: float) -> list[Effect]:
        if self.screen in RUNNING:
            effects = self._end(now, "aborted", "stopped by the officer")
            self.screen = Screen.POST_RATING
            return effects
        if self.screen in INTERACTIVE or self.screen is Screen.SUMMARY:
            return self._to_idle("stopped")
        return []

    def _on_done(self, event: Done, now: float) -> list[Effect]:
        return self._to_idle("finished") if self.screen is Screen.SUMMARY else []

    def _on_technician_login(self, event: TechnicianLogin, now: float) -> list[Effect]:
        return self._technician_login(event.pin_valid, now) if self.screen is Screen.IDLE else []

    def _on_technician_exit(self, event: TechnicianExit, now: float) -> list[Effect]:
        if self.screen is not Screen.TECHNICIAN:
            return []
        return [TechnicianMode(False), *self._to_idle("technician")]

    _ON_EVENT: ClassVar[dict[type, Callable[..., list[Effect]]]] = {
        Begin: _on_begin,
        CheckedIn: _on_checked_in,
        ProgramChosen: _on_program_chosen,
        Rated: _on_rated,
        SkipRating: _on_skip_rating,
        SensorsReady: _on_sensors_ready,
        HeadsetOff: _on_headset_off,
        HeadsetOn: _on_headset_on,
        Stop: _on_stop,
        Done: _on_done,
        TechnicianLogin: _on_technician_login,
        TechnicianExit: _on_technician_exit,
    }

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
