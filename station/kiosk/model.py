"""UI-local state of the kiosk (typed code, chosen ratings, language, PIN pad) and the translation
of taps into flow events. The flow (station.kiosk.flow) stays the single owner of the session state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from station.kiosk import flow
from station.kiosk.texts import LANGUAGES
from station.store.officer_codes import InvalidOfficerCode

if TYPE_CHECKING:
    from station.bridges import BridgeRow
    from station.calibration.eda_profile import ApplyOffer
    from station.calibration.live import LiveRow
    from station.calibration.procedure import View

LIVE_ROWS_PER_PAGE = 8


@dataclass(frozen=True)
class Program:
    """A program offered on the program screen (from the protocol library)."""

    id: str
    title_zh: str
    title_en: str
    baseline_s: float
    session_s: float

    def title(self, language: str) -> str:
        return self.title_zh if language == "zh-CN" else self.title_en


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
    code_entry: str = ""
    notice: str = ""  # a texts key shown on the current screen, e.g. "invalid_code"
    issued_code: str = ""  # a new officer's code, shown once
    pin_pad: bool = False
    pin_entry: str = ""
    stress: int | None = None
    mood: int | None = None
    sensors: list[SensorStatus] = field(default_factory=list)
    summary: dict[str, list[str]] = field(default_factory=dict)  # language -> lines
    # technician mode (station/calibration/runner.py fills these; technician_layout.py shows them)
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

    def reset(self) -> None:
        """Forget the previous officer's entries (on returning to idle)."""
        self.code_entry = self.notice = self.issued_code = self.pin_entry = ""
        self.pin_pad = False
        self.stress = self.mood = None
        self.summary = {}
        self.tech_page, self.live_first = "home", 0

    def tap(self, action: str, screen: flow.Screen) -> flow.Event | None:
        """Apply a tapped widget's action; returns the flow event it produces (None: UI-only)."""
        name, _, arg = action.partition(":")
        if name == "language":
            self.language = LANGUAGES[(LANGUAGES.index(self.language) + 1) % len(LANGUAGES)]
            return flow.Touch()
        if name == "begin":
            self.reset()
            return flow.Begin()
        if name == "stop":
            return flow.Stop()
        if name == "technician":
            self.pin_pad, self.pin_entry, self.notice = True, "", ""
            return flow.Touch()
        if name == "pin_key" and len(self.pin_entry) < 12:
            self.pin_entry += arg
            return flow.Touch()
        if name == "pin_delete":
            self.pin_entry = self.pin_entry[:-1]
            return flow.Touch()
        if name == "pin_cancel":
            self.pin_pad, self.pin_entry = False, ""
            return flow.Touch()
        if name == "pin_ok":
            valid = self.verify_pin(self.pin_entry)
            self.pin_entry = ""
            self.pin_pad = not valid
            return flow.TechnicianLogin(valid)
        if name == "key" and len(self.code_entry) < 7:
            self.code_entry += arg
            self.notice = ""
            return flow.Touch()
        if name == "delete":
            self.code_entry = self.code_entry[:-1]
            return flow.Touch()
        if name == "submit_code":
            try:
                code = self.check_code(self.code_entry)
            except InvalidOfficerCode:
                self.notice = "invalid_code"
                return flow.Touch()
            self.notice = ""
            return flow.CheckedIn(code)
        if name == "new_code":
            self.issued_code = self.new_code()
            self.code_entry = self.issued_code
            self.notice = "your_new_code"
            return flow.Touch()
        if name == "program":
            program = next(p for p in self.programs if p.id == arg)
            return flow.ProgramChosen(program.id, program.baseline_s, program.session_s)
        if name == "stress":
            self.stress = int(arg)
            return flow.Touch()
        if name == "mood":
            self.mood = int(arg)
            return flow.Touch()
        if name == "rate" and self.stress is not None and self.mood is not None:
            event = flow.Rated(self.stress, self.mood)
            self.stress = self.mood = None
            return event
        if name == "skip":
            return flow.SkipRating()
        if name == "sensors_ready":
            return flow.SensorsReady()
        if name == "done":
            return flow.Done()
        if name == "tech_exit":
            return flow.TechnicianExit()
        if name == "tech_page" and screen is flow.Screen.TECHNICIAN:
            self.tech_page, self.live_first, self.notice, self.code_entry = arg, 0, "", ""
            return flow.Touch()
        if name == "tech_live_next":
            following = self.live_first + LIVE_ROWS_PER_PAGE
            self.live_first = following if following < len(self.live_rows) else 0
            return flow.Touch()
        if name.startswith("tech_") and self.on_technician is not None:
            self.on_technician(name, arg)
            return flow.Touch()
        return None
