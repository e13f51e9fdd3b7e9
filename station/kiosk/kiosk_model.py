"""UI-local state of the kiosk (typed code, chosen ratings, language, PIN pad) and the translation
of taps into flow events. The flow (station.kiosk.flow) stays the single owner of the session state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, ClassVar, get_args

from station.kiosk import flow
from station.kiosk.texts import LANGUAGES
from station.store.officer_codes import InvalidOfficerCode
from station.store.officer_history import HistoryEntry
from station.store.practice_points import Practice
from wire import v1 as wire_v1

if TYPE_CHECKING:
    from station.bridges import BridgeRow
    from station.calibration.eda_profile import ApplyOffer
    from station.calibration.live import LiveRow
    from station.calibration.procedure import View

LIVE_ROWS_PER_PAGE = 8
TOPICS: tuple[str, ...] = get_args(wire_v1.Topic)  # the emotion log's choices, in the order shown


STORAGE_NOTICES = ("storage_full", "storage_readonly")  # the sensor check's notices: no session can start


@dataclass(frozen=True)
class Program:
    """A program offered on the program screen (from the protocol library)."""

    id: str
    title_zh: str
    title_en: str
    baseline_s: float
    session_s: float
    description_zh: str = ""  # one sentence on the program card
    description_en: str = ""
    sensors: tuple[str, ...] = ()  # what it reads: "heart", "eeg", "eda"
    scene: str = ""  # the scene it shows (its card's still)

    def title(self, language: str) -> str:
        return self.title_zh if language == "zh-CN" else self.title_en

    def description(self, language: str) -> str:
        return self.description_zh if language == "zh-CN" else self.description_en


@dataclass(frozen=True)
class SensorStatus:
    kind: str  # StreamKind value: EEG, ECG, PPG, EDA, RESP
    level: str  # "good" | "degraded" | "bad"


@dataclass
class KioskModel:
    """What the screens show besides the flow's state; ``tap`` returns the flow event, if any."""

    programs: list[Program]
    check_code: Callable[[str], str]  # validates/registers a typed code; raises InvalidOfficerCode
    new_code: Callable[[], str]  # registers a new pseudonymous officer
    verify_pin: Callable[[str], bool]
    language: str = "zh-CN"
    home_language: str = ""  # the station's language, restored for the next officer ("": ``language``)
    code_entry: str = ""
    notice: str = ""  # a texts key shown on the current screen, e.g. "invalid_code"
    issued_code: str = ""  # a new officer's code, shown once
    pin_pad: bool = False
    pin_entry: str = ""
    stress: int | None = None
    mood: int | None = None
    topic: str = ""  # the emotion log's tap before the session ("" : not tapped)
    sensors: list[SensorStatus] = field(default_factory=list)
    summary: dict[str, list[str]] = field(default_factory=dict)  # language -> lines
    sensor_notice: dict[str, str] = field(default_factory=dict)  # a sensor lost now: language -> text
    summary_phases: list[tuple[str, dict[str, float]]] = field(default_factory=list)  # the session's chart
    practice: Practice | None = None  # the officer's daily practice and points after this session
    reminder_on: bool = False  # the officer asked for the early-warning reminder
    reminder_due: bool = False  # ... and their trend crosses a threshold: suggest the counsellor
    help_line: str = ""  # [officer] help_line, shown with the suggestion
    station_name: str = ""  # [station] name, on the attract screen
    attract_scene: str = ""  # the station's scene, slowly drifting behind the attract screen
    stills: dict[str, str] = field(default_factory=dict)  # scene -> PNG still ready on disk
    tz: tzinfo | None = None  # [station] timezone: the officer's times and days (None: the computer's)
    points_gained: int = 0
    # the officer's own history page (station/kiosk/history_layout.py), opened by the controller
    history_open: bool = False
    history: list[HistoryEntry] = field(default_factory=list)
    history_source: str = "station"  # "admin" (every station of the room) | "station" (this one)
    history_limited: bool = False  # no PIN given: only the last session is shown
    officer_pin_mode: str = ""  # the officer's PIN pad: "" | "unlock" | "set" | "confirm"
    officer_pin_entry: str = ""
    officer_pin_first: str = ""  # the new PIN typed once, until it is typed again
    officer_pin_wait_s: int = 0  # shown with the "opin_locked" notice
    # technician mode (station/calibration/technician_desk.py fills these; technician_layout.py shows them)
    tech_page: str = "home"  # "home" | "live" | "eda" | "eeg" | "hr" | "resonance" | "devices"
    bridges: list[BridgeRow] = field(default_factory=list)  # the station's device bridges
    live_rows: list[LiveRow] = field(default_factory=list)
    live_first: int = 0  # index of the first live row shown (paging)
    calibration: View | None = None
    calibration_saved: bool = False
    calibration_apply: ApplyOffer | None = None  # an EDA result's correction for its bridged device
    calibration_facts: dict[str, float] = field(default_factory=dict)  # the instructions' numbers
    on_technician: Callable[[str, str], None] | None = None  # tech_start/cancel/save/handoff
    pairing_code: str = ""  # the station's pairing code while the admin's approval is awaited
    # what the headset shows now (numpy height × width × 3, the scene process's mirror), drawn
    # small on the running screen for the staff; None: nothing to show
    headset_view: Any = field(default=None, compare=False)
    closed: str = ""  # no session starts: "maintenance" | "quiet_hours" (station/kiosk/remote_control.py)
    closed_until: str = ""  # quiet hours: when they end ("07:00")

    def __post_init__(self) -> None:
        self.home_language = self.home_language or self.language

    def reset(self) -> None:
        """Forget the previous officer's entries (on returning to idle)."""
        self.code_entry = self.notice = self.issued_code = self.pin_entry = ""
        self.pin_pad = False
        self.stress = self.mood = None
        self.topic = ""
        self.summary, self.summary_phases = {}, []
        self.practice, self.points_gained = None, 0
        self.reminder_on = self.reminder_due = False
        self.history_open, self.history, self.history_source = False, [], "station"
        self.history_limited = False
        self.officer_pin_mode = self.officer_pin_entry = self.officer_pin_first = ""
        self.tech_page, self.live_first = "home", 0
        self.headset_view = None

    def tap(self, action: str, screen: flow.Screen) -> flow.Event | None:
        """Apply a tapped widget's action; returns the flow event it produces (None: UI-only)."""
        name, _, arg = action.partition(":")
        on_tap = self._ON_TAP.get(name)
        if on_tap is not None:
            return on_tap(self, arg, screen)
        return self._technician_action(name, arg)

    # -- one handler per action name: (self, argument after ":", screen) -> flow event or None ----

    def _language(self, arg: str, screen: flow.Screen) -> flow.Event:
        self.language = LANGUAGES[(LANGUAGES.index(self.language) + 1) % len(LANGUAGES)]
        return flow.Touch()

    def _begin(self, arg: str, screen: flow.Screen) -> flow.Event:
        if self.closed:
            return flow.Touch()
        self.reset()
        return flow.Begin()

    def _technician(self, arg: str, screen: flow.Screen) -> flow.Event:
        self.pin_pad, self.pin_entry, self.notice = True, "", ""
        return flow.Touch()

    def _pin_key(self, arg: str, screen: flow.Screen) -> flow.Event | None:
        if len(self.pin_entry) >= 12:
            return None
        self.pin_entry += arg
        return flow.Touch()

    def _pin_delete(self, arg: str, screen: flow.Screen) -> flow.Event:
        self.pin_entry = self.pin_entry[:-1]
        return flow.Touch()

    def _pin_cancel(self, arg: str, screen: flow.Screen) -> flow.Event:
        self.pin_pad, self.pin_entry = False, ""
        return flow.Touch()

    def _pin_ok(self, arg: str, screen: flow.Screen) -> flow.Event:
        valid = self.verify_pin(self.pin_entry)
        self.pin_entry = ""
        self.pin_pad = not valid
        return flow.TechnicianLogin(valid)

    def _key(self, arg: str, screen: flow.Screen) -> flow.Event | None:
        if len(self.code_entry) >= 7:
            return None
        self.code_entry += arg
        self.notice = ""
        return flow.Touch()

    def _delete(self, arg: str, screen: flow.Screen) -> flow.Event:
        self.code_entry = self.code_entry[:-1]
        if self.notice == "your_new_code":  # back to the keypad, to type another code
            self.notice = ""
        return flow.Touch()

    def _submit_code(self, arg: str, screen: flow.Screen) -> flow.Event:
        try:
            code = self.check_code(self.code_entry)
        except InvalidOfficerCode:
            self.notice = "invalid_code"
            return flow.Touch()
        self.notice = ""
        return flow.CheckedIn(code)

    def _new_code(self, arg: str, screen: flow.Screen) -> flow.Event:
        self.issued_code = self.new_code()
        self.code_entry = self.issued_code
        self.notice = "your_new_code"
        return flow.Touch()

    def _program(self, arg: str, screen: flow.Screen) -> flow.Event:
        program = next(p for p in self.programs if p.id == arg)
        return flow.ProgramChosen(program.id, program.baseline_s, program.session_s)

    def _stress(self, arg: str, screen: flow.Screen) -> flow.Event:
        self.stress = int(arg)
        return flow.Touch()

    def _mood(self, arg: str, screen: flow.Screen) -> flow.Event:
        self.mood = int(arg)
        return flow.Touch()

    def _topic(self, arg: str, screen: flow.Screen) -> flow.Event | None:
        if screen is not flow.Screen.PRE_RATING or arg not in TOPICS:
            return None
        self.topic = arg
        return flow.Touch()

    def _rate(self, arg: str, screen: flow.Screen) -> flow.Event | None:
        if self.stress is None or self.mood is None:
            return None
        event = flow.Rated(self.stress, self.mood)
        self.stress = self.mood = None
        return event

    def _history_close(self, arg: str, screen: flow.Screen) -> flow.Event:
        self.history_open, self.history, self.notice = False, [], ""
        return flow.Touch()

    def _tech_page(self, arg: str, screen: flow.Screen) -> flow.Event | None:
        if screen is not flow.Screen.TECHNICIAN:
            return self._technician_action("tech_page", arg)
        self.tech_page, self.live_first, self.notice, self.code_entry = arg, 0, "", ""
        return flow.Touch()

    def _tech_live_next(self, arg: str, screen: flow.Screen) -> flow.Event:
        following = self.live_first + LIVE_ROWS_PER_PAGE
        self.live_first = following if following < len(self.live_rows) else 0
        return flow.Touch()

    def _technician_action(self, name: str, arg: str) -> flow.Event | None:
        """Any other ``tech_*`` action goes to the technician desk (start, cancel, save, hand-off)."""
        if name.startswith("tech_") and self.on_technician is not None:
            self.on_technician(name, arg)
            return flow.Touch()
        return None

    _ON_TAP: ClassVar[dict[str, Callable[[KioskModel, str, flow.Screen], flow.Event | None]]] = {
        "language": _language,
        "begin": _begin,
        "stop": lambda model, arg, screen: flow.Stop(),
        "technician": _technician,
        "pin_key": _pin_key,
        "pin_delete": _pin_delete,
        "pin_cancel": _pin_cancel,
        "pin_ok": _pin_ok,
        "key": _key,
        "delete": _delete,
        "submit_code": _submit_code,
        "new_code": _new_code,
        "program": _program,
        "stress": _stress,
        "mood": _mood,
        "topic": _topic,
        "rate": _rate,
        "history_close": _history_close,
        "skip": lambda model, arg, screen: flow.SkipRating(),
        "sensors_ready": lambda model, arg, screen: flow.SensorsReady(),
        "done": lambda model, arg, screen: flow.Done(),
        "tech_exit": lambda model, arg, screen: flow.TechnicianExit(),
        "tech_page": _tech_page,
        "tech_live_next": _tech_live_next,
    }
