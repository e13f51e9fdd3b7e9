"""Pure layout: what each kiosk screen shows, where, at a given window size. No drawing here, so
sizes, touch targets and texts are testable without a display.

Units: ``u`` is 1 % of the window height; boxes are in pixels with a top-left origin (the renderer
flips them for OpenGL). Buttons are at least 10u tall (80 px on an 800-line monitor, ~14 mm on a
21" touch screen): large touch targets.
"""

from __future__ import annotations

import math
import re

from station.kiosk.flow import Screen, SessionFlow
from station.kiosk.history_layout import history_page, officer_pin_page
from station.kiosk.kiosk_model import STORAGE_NOTICES, TOPICS, KioskModel
from station.kiosk.summary_layout import summary_page
from station.kiosk.technician_devices import layout_devices
from station.kiosk.technician_layout import fit, technician
from station.kiosk.texts import TEXTS
from station.kiosk.widgets import Box, Grid, Widget
from station.store.officer_codes import ALPHABET, display


def layout(model: KioskModel, flow: SessionFlow, now: float, width: int, height: int) -> list[Widget]:
    """The widgets of the current screen."""
    g = Grid(width, height, model.language)
    screen = flow.screen
    if screen is Screen.IDLE and model.pin_pad:
        _pin_pad(g, model)
    elif model.officer_pin_mode and screen in (Screen.PROGRAM, Screen.SUMMARY):
        officer_pin_page(g, model)
    elif model.history_open and screen in (Screen.PROGRAM, Screen.SUMMARY):
        history_page(g, model)
    elif screen is Screen.IDLE:
        _attract(g, model, now)
    elif screen is Screen.CHECK_IN:
        _check_in(g, model)
    elif screen is Screen.PROGRAM:
        _program(g, model)
    elif screen in (Screen.PRE_RATING, Screen.POST_RATING):
        _rating(g, model, post=screen is Screen.POST_RATING)
    elif screen is Screen.SENSOR_CHECK:
        _sensor_check(g, model)
    elif screen in (Screen.BASELINE, Screen.SESSION):
        _running(g, flow, model, now)
    elif screen is Screen.SUMMARY:
        summary_page(g, model, flow)
    elif screen is Screen.TECHNICIAN and model.tech_page == "devices":
        layout_devices(g, model.bridges)
    elif screen is Screen.TECHNICIAN:
        technician(g, model)
    return g.items


def _program(g: Grid, model: KioskModel) -> None:
    """Program cards: the scene's still (the touch target, 13.5u tall) with the name and length on
    it, then one sentence and the sensors it reads."""
    g.title(g.t("program_title"))
    columns, gap = 2, 1.5 * g.u
    bw = (g.w - 2 * g.m - gap) / columns
    for i, p in enumerate(model.programs[:6]):
        col, r = i % columns, i // columns
        x, y = g.m + col * (bw + gap), 13 + r * 21.5
        action = f"program:{p.id}"
        g.items.append(
            Widget("still", Box(x, y * g.u, bw, 13.5 * g.u), model.stills.get(p.scene, ""), 0.0, action)
        )
        minutes = g.t("minutes", n=round((p.baseline_s + p.session_s) / 60))
        g.add("shade", x, y + 8, bw, 5.5, "", 1.0)  # the name on a quiet band over the picture
        g.add("text", x, y + 8, bw, 5.5, f"{p.title(model.language)} · {minutes}", 3.0)
        names = ("、" if g.lang == "zh-CN" else ", ").join(g.t(f"sensor_name_{s}") for s in p.sensors)
        sensors = g.t("program_sensors", names=names) if p.sensors else g.t("program_no_sensors")
        for k, line in enumerate((p.description(model.language), sensors)):
            g.add(
                "text",
                x,
                y + 13.7 + 3.6 * k,
                bw,
                3.6,
                fit(line, bw - 16, 2.2 * g.u),
                2.2,
                style="muted",
                align="left",
            )
    g.footer([(g.t("my_history"), "history", "normal"), (g.t("back"), "stop", "normal")])


ATTRACT_DRIFT_S = (83.0, 61.0)  # periods of the attract still's slow sway and breathing zoom


def attract_drift(now: float) -> tuple[float, float, float]:
    """(zoom, dx, dy) of the attract screen's still at ``now``: a slow sway and a breath-slow zoom,
    a few per cent of the screen, so the picture lives without a live render."""
    sway, breathe = (2 * math.pi * now / period for period in ATTRACT_DRIFT_S)
    return 1.08 + 0.03 * math.sin(breathe), 0.025 * math.sin(sway), 0.012 * math.cos(sway)


def _attract(g: Grid, model: KioskModel, now: float) -> None:
    """The idle screen: the station's scene drifting behind a quiet band with the station's name,
    the invitation and the one big button (in maintenance or quiet hours: why it is closed, no
    button); the technician's entry small in a corner."""
    still = model.stills.get(model.attract_scene, "")
    g.items.append(Widget("still", Box(0, 0, g.w, g.h), still, 0.0, values=attract_drift(now)))
    g.add("shade", 0.2 * g.w, 13, 0.6 * g.w, 36, "", 1.0)  # a quiet band under the words
    if model.station_name:
        g.line(model.station_name, y=16, h=6, font_u=3.4, style="muted")
    if model.closed:  # maintenance or quiet hours: it says so and offers no way in
        g.title(g.t(f"closed_{model.closed}"), y=24, h=12, font_u=6.0)
        g.line(g.t(f"closed_{model.closed}_hint", until=model.closed_until), y=38, h=6, font_u=3.2)
    else:
        g.title(g.t("attract_title"), y=24, h=12, font_u=7.0)
        g.line(g.t("attract_hint"), y=38, h=6, font_u=3.4)
        g.row(54, 14, [(g.t("begin"), "begin", "primary")], font_u=5.0, x0=0.3 * g.w, width=0.4 * g.w)
    if model.pairing_code:
        g.line(g.t("pairing_wait", code=model.pairing_code), y=76, h=5, font_u=2.4, style="notice")
    g.footer([])
    g.add("quiet", g.w - g.m - 0.1 * g.w, 2, 0.1 * g.w, 6, g.t("technician"), 2.0, action="technician")


def _pin_pad(g: Grid, model: KioskModel) -> None:
    g.title(g.t("pin_title"))
    g.add("entry", 0.3 * g.w, 14, 0.4 * g.w, 9, "● " * len(model.pin_entry), 5.0)
    if model.notice:
        g.line(g.t(model.notice), y=23.5, h=4, font_u=2.6, style="notice")
    keys = [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]]
    for r, digits in enumerate(keys):
        g.row(
            28 + r * 12.5,
            11,
            [(d, f"pin_key:{d}", "normal") for d in digits],
            font_u=4.5,
            x0=0.3 * g.w,
            width=0.4 * g.w,
        )
    g.row(
        65.5,
        11,
        [
            (g.t("delete"), "pin_delete", "normal"),
            ("0", "pin_key:0", "normal"),
            (g.t("confirm"), "pin_ok", "primary"),
        ],
        font_u=3.4,
        x0=0.3 * g.w,
        width=0.4 * g.w,
    )
    g.footer([(g.t("back"), "pin_cancel", "normal")])


def _check_in(g: Grid, model: KioskModel) -> None:
    if model.notice == "your_new_code":
        _new_code(g, model)
        return
    g.title(g.t("check_in_title"))
    g.line(g.t("check_in_hint"), y=12.5, h=4.5, font_u=2.6)
    shown = model.code_entry[:4] + ("-" + model.code_entry[4:] if len(model.code_entry) > 4 else "")
    g.add("entry", 0.25 * g.w, 18, 0.5 * g.w, 10, shown or "_", 6.0)
    if model.notice:
        g.line(g.t(model.notice), y=29, h=5, font_u=2.8, style="notice")
    columns = 9
    for r in range(0, len(ALPHABET), columns):
        keys = ALPHABET[r : r + columns]
        width = (g.w - 2 * g.m) * len(keys) / columns
        g.row(
            35 + (r // columns) * 12, 10.5, [(k, f"key:{k}", "normal") for k in keys], font_u=4.0, width=width
        )
    _check_in_buttons(g)


def _new_code(g: Grid, model: KioskModel) -> None:
    """A new officer's code, large, with its QR code (made on this station) to photograph."""
    code = display(model.issued_code)
    g.title(g.t("new_code_title"))
    half = 0.55 * g.w - g.m
    g.add("entry", g.m, 20, half, 16, code, 10.0)
    g.add("text", g.m, 40, half, 6, g.t("new_code_keep"), 2.8, style="notice")
    g.add("text", g.m, 47, half, 6, g.t("new_code_why"), 2.6)
    side = 54 * g.u
    g.items.append(
        Widget("qr", Box(0.58 * g.w + (0.42 * g.w - g.m - side) / 2, 14 * g.u, side, side), code, 0.0)
    )
    _check_in_buttons(g)


def _check_in_buttons(g: Grid) -> None:
    g.row(
        72,
        11,
        [
            (g.t("delete"), "delete", "normal"),
            (g.t("new_code"), "new_code", "normal"),
            (g.t("confirm"), "submit_code", "primary"),
        ],
    )
    g.footer([(g.t("back"), "stop", "normal")])


def _rating(g: Grid, model: KioskModel, post: bool) -> None:
    g.title(g.t("post_rating_title" if post else "pre_rating_title"))
    # before the session the emotion log's row joins the two ratings, so the rows sit closer
    y = (15, 21, 12, 38, 44, 12) if post else (12.5, 17.5, 11, 30, 35, 10.5)
    g.line(g.t("stress_label"), y=y[0], font_u=3.0)
    g.row(
        y[1],
        y[2],
        [(str(n), f"stress:{n}", "selected" if model.stress == n else "normal") for n in range(11)],
        font_u=3.8,
        gap_u=1.0,
    )
    g.line(g.t("mood_label"), y=y[3], font_u=3.0)
    g.row(
        y[4],
        y[5],
        [(g.t(f"mood_{n}"), f"mood:{n}", "selected" if model.mood == n else "normal") for n in range(1, 6)],
    )
    if not post:
        g.line(g.t("topic_label"), y=47.5, font_u=2.8)
        topics = [
            (g.t(f"topic_{t}"), f"topic:{t}", "selected" if model.topic == t else "normal") for t in TOPICS
        ]
        g.row(52.5, 10, topics, font_u=3.0, gap_u=1.0)
    ready = model.stress is not None and model.mood is not None
    buttons = [(g.t("skip"), "skip", "normal")] if post else []
    buttons.append((g.t("next"), "rate", "primary" if ready else "disabled"))
    g.row(64 if post else 66, 11 if post else 10.5, buttons, x0=0.3 * g.w, width=0.4 * g.w)
    g.footer([] if post else [(g.t("back"), "stop", "normal")])  # after the session: Skip, never Stop


def _sensor_rows(g: Grid, model: KioskModel) -> None:
    if not model.sensors:
        g.line(g.t("no_streams"), y=20, font_u=3.0, style="bad")
    for i, s in enumerate(model.sensors[:6]):
        y = 18 + i * 8.5
        g.add("text", g.m, y, 0.12 * g.w, 7, s.kind, 3.0, align="left")
        g.add("text", g.m + 0.13 * g.w, y, 0.14 * g.w, 7, g.t(f"sensor_{s.level}"), 3.0, style=s.level)
        if s.level != "good" and f"fix_{s.kind}" in TEXTS:
            g.add(
                "text",
                g.m + 0.28 * g.w,
                y,
                g.w - 2 * g.m - 0.28 * g.w,
                7,
                g.t(f"fix_{s.kind}"),
                2.6,
                align="left",
            )


def _sensor_check(g: Grid, model: KioskModel) -> None:
    g.title(g.t("sensor_title"))
    if model.notice in STORAGE_NOTICES:  # the disk is full or read-only: no session can start
        g.line(g.t(model.notice), y=12.5, h=4.5, font_u=2.6, style="notice")
    else:
        g.line(g.t("sensor_wait"), y=12.5, h=4.5, font_u=2.6)
    _sensor_rows(g, model)
    ready = bool(model.sensors) and all(s.level != "bad" for s in model.sensors)
    g.row(
        72,
        11,
        [(g.t("start_anyway"), "sensors_ready", "primary" if ready else "disabled")],
        x0=0.35 * g.w,
        width=0.3 * g.w,
    )
    g.footer([(g.t("back"), "stop", "normal")])


def notice_lines(text: str) -> list[str]:
    """A notice cut after each sentence (。 or '. '), one screen line per sentence."""
    return [part for part in re.split(r"(?<=。)|(?<=\.)\s+", text) if part]


def _headset_view_width(model: KioskModel, height: float) -> float:
    """How wide the headset's view is drawn at ``height`` (0 when there is none to draw)."""
    view = model.headset_view
    if view is None or not getattr(view, "size", 0):
        return 0.0
    return height * view.shape[1] / view.shape[0]


def _running(g: Grid, flow: SessionFlow, model: KioskModel, now: float) -> None:
    """The room's calm session screen: what is happening, and a ring that fills with the session
    (clockwise from the top) around the time left."""
    ctx = flow.context
    heading = "baseline_title" if flow.screen is Screen.BASELINE else "session_title"
    g.title(g.t(heading), y=8, h=10, font_u=5.5)
    total = ctx.baseline_s + ctx.session_s
    left = max(0, round(total - flow.session_clock(now)))
    done = min(1.0, max(0.0, flow.session_clock(now) / total)) if total > 0 else 0.0
    d = 30 * g.u
    # what the headset shows (for the staff), as tall as the ring, the pair centred together
    view_w = min(_headset_view_width(model, d), 0.4 * g.w)
    gap = 4 * g.u if view_w else 0.0
    x = (g.w - d - gap - view_w) / 2
    g.items.append(Widget("ring", Box(x, 20 * g.u, d, d), "", 0.0, style="good", values=(done,)))
    if view_w:
        view_h = view_w * model.headset_view.shape[0] / model.headset_view.shape[1]
        box = Box(x + d + gap, 20 * g.u + (d - view_h) / 2, view_w, view_h)
        g.items.append(Widget("image", box, "", 0.0, "headset_view"))
    g.add("text", x, 30, d, 10, g.t("remaining", m=left // 60, s=left % 60), 4.2)
    if flow.paused:
        g.line(g.t("paused"), y=53, h=6, font_u=3.4, style="notice")
    notice = model.sensor_notice.get(model.language, "")
    for i, text in enumerate(notice_lines(notice)[:2]):  # a sensor is lost: say so in the room
        g.line(text, y=(59 if flow.paused else 53) + i * 5.5, h=5.5, font_u=3.0, style="notice")
    g.row(72, 12, [(g.t("stop"), "stop", "normal")], font_u=4.5, x0=0.35 * g.w, width=0.3 * g.w)
    g.footer([])
