"""Scripted kiosk input for tests and headless demos: taps and waits read from a JSON or TOML file,
fed to the same KioskController the window uses (no separate logic).

    {"steps": [
        {"tap": "begin"},
        {"tap": "new_code"}, {"tap": "submit_code"},
        {"tap": "program:demo"},
        {"tap": "stress:6"}, {"tap": "mood:2"}, {"tap": "rate"},
        {"wait_for": "post_rating", "timeout_s": 120},
        {"tap": "stress:3"}, {"tap": "mood:4"}, {"tap": "rate"},
        {"wait_for": "idle", "timeout_s": 120}
    ]}

A step is ``{"tap": ACTION}`` (a widget action as station/kiosk/layout.py names them), ``{"sleep_s":
S}``, or ``{"wait_for": SCREEN, "timeout_s": S}``. The controller is ticked at 10 Hz throughout;
after the last step the runner waits for a running session to be stored.
"""

from __future__ import annotations

import json
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from station.kiosk.controller import KioskController
from station.kiosk.flow import Screen

TICK_S = 0.1
SCREENS = {s.value for s in Screen}


class ScriptError(ValueError):
    """The script file is unreadable or has a bad step; the message says which."""


@dataclass(frozen=True)
class Step:
    tap: str | None = None
    sleep_s: float = 0.0
    wait_for: str | None = None
    timeout_s: float = 60.0


def parse_script(text: str, source: str = "<script>") -> list[Step]:
    """Parse a JSON (or, when it is not JSON, TOML) script; bad input raises ScriptError."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ScriptError(f"{source}: neither JSON nor TOML: {exc}") from None
    steps = doc.get("steps") if isinstance(doc, dict) else None
    if not isinstance(steps, list):
        raise ScriptError(f"{source}: needs a list named steps")
    out = []
    for i, raw in enumerate(steps):
        where = f"{source}: step {i + 1}"
        if not isinstance(raw, dict) or len({"tap", "sleep_s", "wait_for"} & set(raw)) != 1:
            raise ScriptError(f"{where}: one of tap, sleep_s or wait_for")
        unknown = set(raw) - {"tap", "sleep_s", "wait_for", "timeout_s"}
        if unknown:
            raise ScriptError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        tap, sleep_s = raw.get("tap"), raw.get("sleep_s", 0.0)
        wait_for, timeout_s = raw.get("wait_for"), raw.get("timeout_s", 60.0)
        if tap is not None and (not isinstance(tap, str) or not tap):
            raise ScriptError(f'{where}: tap must be a widget action such as "begin"')
        for name, value in (("sleep_s", sleep_s), ("timeout_s", timeout_s)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 86400:
                raise ScriptError(f"{where}: {name} must be seconds between 0 and 86400")
        if wait_for is not None and wait_for not in SCREENS:
            raise ScriptError(f"{where}: wait_for must be a screen: {', '.join(sorted(SCREENS))}")
        out.append(Step(tap, float(sleep_s), wait_for, float(timeout_s)))
    return out


def load_script(path: str | Path) -> list[Step]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(f"cannot read {path}: {exc}") from None
    return parse_script(text, path.name)


def run_until(controller: KioskController, done, timeout_s: float) -> bool:
    """Tick the controller at 10 Hz until ``done()`` or the timeout; True if done."""
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            return False
        controller.tick()
        time.sleep(TICK_S)
    return True


def run_script(controller: KioskController, steps: list[Step], settle_s: float = 120.0) -> list[str]:
    """Play the steps; returns the problems (a wait that timed out), empty when all went as written."""
    problems = []
    for i, step in enumerate(steps):
        if controller.leave_requested:  # the technician left the kiosk: the rest is not played
            break
        controller.tick()
        if step.tap is not None:
            controller.tap(step.tap)
        elif step.wait_for is not None:
            screen = Screen(step.wait_for)
            if not run_until(controller, lambda s=screen: controller.screen is s, step.timeout_s):
                problems.append(
                    f"step {i + 1}: still on {controller.screen.value} "
                    f"after {step.timeout_s:g} s, not {screen.value}"
                )
                break
        elif step.sleep_s:
            deadline = time.monotonic() + step.sleep_s
            run_until(controller, lambda d=deadline: time.monotonic() >= d, step.sleep_s + 1.0)
    if not run_until(controller, lambda: not controller.session_running, settle_s):
        problems.append(f"the session was still running {settle_s:g} s after the script ended")
    controller.tick()
    return problems
