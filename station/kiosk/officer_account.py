"""The officer's private account as the kiosk reads it, and the taps on its pages.

History: from the admin server when it answers (every station of the room), merged with this
station's own store (a session not yet synced is there too), or from this store alone when the admin
is out of reach. Without a PIN the page shows only the officer's last session; an officer may set a
4–6 digit PIN and then sees every session after typing it.

PIN: kept by the admin server as an argon2 hash when it answers (``remote_pin``), so a PIN set at one
station is asked for and checked at every station of the room, the admin applying the back-off; in
this station's store (argon2 too) when the admin is out of reach. A PIN set here while the admin was
away moves to the admin the first time it is typed right with the admin in reach. Wrong PINs:
``wire_v1.PIN_FREE_TRIES`` tries, then a wait that doubles with each further wrong one
(``wire_v1.pin_wait_s``), counted where the PIN lives so a new check-in does not reset it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from station.config import hash_pin, verify_pin
from station.kiosk.kiosk_model import KioskModel
from station.store import SessionStore
from station.store.officer_history import HistoryEntry, history, local_summaries
from station.store.officer_reminder import reminder_due
from station.store.practice_points import Practice, practice
from station.store.store import utc_now
from wire import v1 as wire_v1

RemoteHistory = Callable[[str], list[wire_v1.SessionSummary] | None]
RemotePin = Callable[..., wire_v1.OfficerPinAnswer | None]  # (code, action, pin=None): None when unreachable
PIN_LENGTHS = range(4, 7)


@dataclass(frozen=True)
class PinAnswer:
    """A PIN try: "right", "wrong" or "locked" (then ``wait_s`` until the next try is checked)."""

    outcome: str
    wait_s: float = 0.0


class OfficerAccount:
    """One station's view of the officers' accounts; ``remote`` (set by the sync wiring) asks the
    admin server for an officer's sessions."""

    def __init__(
        self,
        store: SessionStore,
        remote: RemoteHistory | None = None,
        clock: Callable[[], datetime] = utc_now,
        tz: tzinfo | None = None,
    ) -> None:
        self.store, self.remote, self.clock = store, remote, clock
        self.tz = tz  # the station's time zone ([station] timezone; None: the computer's)
        self.remote_pin: RemotePin | None = None  # set by the sync wiring: the admin's PIN service

    def history(self, officer_code: str) -> tuple[list[HistoryEntry], str]:
        """(entries oldest first, source): source "admin" when the admin server answered, else "station"."""
        local = local_summaries(self.store.officer_sessions(officer_code))
        remote = self.remote(officer_code) if self.remote is not None else None
        if remote is None:
            return history(local), "station"
        return history([*remote, *local]), "admin"

    def practice_after(self, entries: list[HistoryEntry], session_uuid: str) -> tuple[Practice, int]:
        """The officer's practice today once ``session_uuid`` is counted, and the points it earned."""
        today = self.today()
        now = practice(entries, today, self.tz)
        before = practice([e for e in entries if e.uuid != session_uuid], today, self.tz)
        return now, now.points - before.points

    def today(self) -> date:
        """The station's calendar day now."""
        return self.clock().astimezone(self.tz).date()

    def reminder(self, officer_code: str, entries: list[HistoryEntry]) -> tuple[bool, bool]:
        """(the officer asked for the reminder, and their trend calls for it now)."""
        enabled = self.store.reminder_enabled(officer_code)
        return enabled, enabled and reminder_due(entries, self.clock())

    def _ask_admin(
        self, officer_code: str, action: str, pin: str | None = None
    ) -> wire_v1.OfficerPinAnswer | None:
        return None if self.remote_pin is None else self.remote_pin(officer_code, action, pin)

    def has_pin(self, officer_code: str) -> bool:
        """Whether the officer set a PIN, at the admin (any station of the room) or on this station."""
        if self.store.officer_pin(officer_code) is not None:
            return True
        answer = self._ask_admin(officer_code, "status")
        return answer is not None and answer.has_pin

    def set_pin(self, officer_code: str, pin: str) -> str:
        """Protect the officer's history with ``pin`` (4–6 digits; ValueError otherwise): at the admin
        when it answers ("admin"), else on this station ("station"); "exists" when the admin already
        holds a PIN for this code (set meanwhile at another station) and keeps it."""
        if not (pin.isdigit() and len(pin) in PIN_LENGTHS):
            raise ValueError("an officer PIN has 4 to 6 digits")
        answer = self._ask_admin(officer_code, "set", pin)
        if answer is not None and answer.outcome in ("saved", "exists"):
            return "admin" if answer.outcome == "saved" else "exists"
        self.store.set_officer_pin(officer_code, hash_pin(pin))
        return "station"

    def check_pin(self, officer_code: str, pin: str) -> PinAnswer:
        """Check a try where the PIN lives (the admin first), with the back-off (module docstring)."""
        answer = self._ask_admin(officer_code, "verify", pin)
        if answer is not None and answer.has_pin:
            outcome = answer.outcome if answer.outcome in ("right", "locked") else "wrong"
            return PinAnswer(outcome, answer.wait_s)
        local = self._check_local(officer_code, pin)
        if local.outcome == "right" and answer is not None:  # the admin answers but has no PIN yet
            moved = self._ask_admin(officer_code, "set", pin)
            if moved is not None and moved.outcome == "saved":
                self.store.delete_officer_pin(officer_code)
        return local

    def _check_local(self, officer_code: str, pin: str) -> PinAnswer:
        record = self.store.officer_pin(officer_code)
        if record is None:
            return PinAnswer("wrong")
        now = self.clock()
        if record.locked_until is not None:
            until = datetime.fromisoformat(record.locked_until)
            if now < until:
                return PinAnswer("locked", (until - now).total_seconds())
        if verify_pin(record.pin_hash, pin):
            self.store.record_pin_try(officer_code, right=True)
            return PinAnswer("right")
        wait_s = wire_v1.pin_wait_s(record.failures + 1)
        if not wait_s:
            self.store.record_pin_try(officer_code, right=False)
            return PinAnswer("wrong")
        self.store.record_pin_try(officer_code, right=False, locked_until=now + timedelta(seconds=wait_s))
        return PinAnswer("locked", wait_s)


def officer_action(account: OfficerAccount, model: KioskModel, officer_code: str, action: str) -> None:
    """Carry out a tap on the history page or the officer's PIN pad (``history``, ``history_set_pin``,
    ``history_remind``, ``opin_key:D``, ``opin_delete``, ``opin_ok``, ``opin_cancel``) for the
    checked-in officer."""
    name, _, arg = action.partition(":")
    if name == "history":
        model.notice = ""
        if account.has_pin(officer_code):
            model.officer_pin_mode, model.officer_pin_entry = "unlock", ""
        else:
            _show_history(account, model, officer_code, unlocked=False)
    elif name == "history_remind":
        account.store.set_reminder(officer_code, not model.reminder_on)
        entries, _ = account.history(officer_code)
        model.reminder_on, model.reminder_due = account.reminder(officer_code, entries)
    elif name == "history_set_pin":
        model.officer_pin_mode, model.officer_pin_entry, model.notice = "set", "", ""
    elif name == "opin_key" and arg.isdigit() and len(model.officer_pin_entry) < max(PIN_LENGTHS):
        model.officer_pin_entry += arg
    elif name == "opin_delete":
        model.officer_pin_entry = model.officer_pin_entry[:-1]
    elif name == "opin_cancel":
        model.officer_pin_mode, model.officer_pin_entry, model.officer_pin_first = "", "", ""
    elif name == "opin_ok":
        _pin_ok(account, model, officer_code)


def _show_history(account: OfficerAccount, model: KioskModel, officer_code: str, unlocked: bool) -> None:
    entries, source = account.history(officer_code)
    model.practice = practice(entries, account.today(), account.tz)
    model.reminder_on, model.reminder_due = account.reminder(officer_code, entries)
    model.history = entries if unlocked else entries[-1:]
    model.history_source, model.history_limited = source, not unlocked
    model.history_open, model.officer_pin_mode = True, ""


def _pin_ok(account: OfficerAccount, model: KioskModel, officer_code: str) -> None:
    entry, mode = model.officer_pin_entry, model.officer_pin_mode
    model.officer_pin_entry = ""
    if mode == "unlock":
        answer = account.check_pin(officer_code, entry)
        model.officer_pin_wait_s = round(answer.wait_s)
        model.notice = {"right": "", "wrong": "opin_wrong", "locked": "opin_locked"}[answer.outcome]
        if answer.outcome == "right":
            _show_history(account, model, officer_code, unlocked=True)
    elif len(entry) not in PIN_LENGTHS:
        model.notice = "opin_length"
    elif mode == "set":
        model.officer_pin_first, model.officer_pin_mode, model.notice = entry, "confirm", ""
    elif mode == "confirm" and entry != model.officer_pin_first:
        model.officer_pin_first, model.officer_pin_mode, model.notice = "", "set", "opin_mismatch"
    elif mode == "confirm":
        saved = account.set_pin(officer_code, entry)
        model.officer_pin_first = ""
        if saved == "exists":  # set meanwhile at another station: that PIN opens the history
            model.officer_pin_mode, model.notice = "unlock", "opin_exists"
            return
        _show_history(account, model, officer_code, unlocked=True)
        model.notice = "opin_saved"
