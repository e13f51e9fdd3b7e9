"""Technician mode's devices page: one row per configured serial device (name, kind, port, its state
in words coloured by level) with a large Start or Stop button, and the taps that act on the bridges."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from station.config import MAX_DEVICES

if TYPE_CHECKING:
    from station.bridges import BridgeManager, BridgeRow
    from station.kiosk.widgets import Grid

TEXT_SLACK_PX = 20.0  # the renderer's padding on both sides, and a little more
CJK_FROM = 0x2E80  # characters from here on are full width


def _em(ch: str) -> float:
    """Width of one character in em, rounded up for Noto Sans CJK SC (measured in the tests)."""
    if ord(ch) >= CJK_FROM or ch == "…":
        return 1.0
    if ch in "MWmw@%&":
        return 0.9
    return 0.7 if ch.isupper() else 0.6


def text_width(text: str, font_px: float) -> float:
    """A generous estimate of the drawn width of ``text`` in pixels."""
    return font_px * sum(_em(ch) for ch in text)


def clip(text: str, box_px: float, font_px: float) -> str:
    """``text``, shortened with "…" when it would not fit a box ``box_px`` wide."""
    room = box_px - TEXT_SLACK_PX
    if text_width(text, font_px) <= room:
        return text
    while text and text_width(text + "…", font_px) > room:
        text = text[:-1]
    return text + "…"


def short_port(port: str) -> str:
    """The port as shown: by its file name (ttyUSB0, or a /dev/serial/by-id name), "auto: " kept."""
    prefix, _, path = port.rpartition(" ") if port.startswith("auto: ") else ("", "", port)
    return f"{prefix} {os.path.basename(path) or path}".strip()


def layout_devices(g: Grid, rows: list[BridgeRow]) -> None:
    """The devices page into ``g``: title, a row per device (at most MAX_DEVICES), a back button."""
    g.title(g.t("devices_title"))
    if not rows:
        g.line(g.t("no_devices"), y=20, font_u=3.0, style="bad")
    content = g.w - 2 * g.m
    left_w, status_x, status_w = 0.33 * content, g.m + 0.34 * content, 0.47 * content
    button_x, button_w = g.m + 0.82 * content, 0.18 * content
    for i, row in enumerate(rows[:MAX_DEVICES]):
        y = 15 + i * 11.5
        g.add("text", g.m, y, left_w, 5, clip(row.name, left_w, 2.8 * g.u), 2.8, align="left")
        second = f"{g.t('bridge_kind_' + row.kind)} · {short_port(row.port)}"
        g.add("text", g.m, y + 5, left_w, 5, clip(second, left_w, 2.0 * g.u), 2.0, align="left")
        status = g.t(f"bridge_{row.code}", **row.values)
        status_h = 10 if row.profile is None else 5
        g.add(
            "text",
            status_x,
            y,
            status_w,
            status_h,
            clip(status, status_w, 2.5 * g.u),
            2.5,
            align="left",
            style=row.level,
        )
        if row.profile is not None:
            profile = (
                g.t("bridge_profile_calibrated", **row.profile)
                if row.profile
                else g.t("bridge_profile_factory")
            )
            g.add(
                "text",
                status_x,
                y + 5,
                status_w,
                5,
                clip(profile, status_w, 2.0 * g.u),
                2.0,
                align="left",
                style="disabled",
            )
        verb = "stop" if row.running else "start"
        g.add(
            "button",
            button_x,
            y,
            button_w,
            10,
            g.t(f"bridge_{verb}_button"),
            3.4,
            action=f"bridge_{verb}:{row.name}",
            style="normal" if row.running else "primary",
        )
    g.footer([(g.t("back"), "tech_page:home", "normal")])


def handle_bridge_action(manager: BridgeManager, action: str) -> bool:
    """Carry out a "bridge_start:NAME" or "bridge_stop:NAME" tap; False for anything else (another
    action, or a device name that is not configured)."""
    verb, _, name = action.partition(":")
    if verb not in ("bridge_start", "bridge_stop") or name not in manager.names:
        return False
    if verb == "bridge_start":
        manager.start(name)
    else:
        manager.stop(name)
    return True
