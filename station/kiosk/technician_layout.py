"""Technician mode's pages (pure layout, like station/kiosk/layout.py, which calls ``technician``):
home, live sensors, one page per calibration (eda, eeg, hr) and the resonance hand-off."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from station.kiosk.kiosk_model import LIVE_ROWS_PER_PAGE, KioskModel
from station.kiosk.texts import text
from station.kiosk.widgets import Box, Grid, Widget
from station.store.officer_codes import ALPHABET

if TYPE_CHECKING:
    from station.calibration.eda_profile import ApplyOffer
    from station.calibration.procedure import Message, View

HOME_BUTTONS = (("tech_live", "live"), ("tech_eda", "eda"), ("tech_eeg", "eeg"), ("tech_hr", "hr"))
# quality reasons (sensors/quality, sensors/lsl/inlet.py) are English phrases: these are shown in Chinese
_REASONS = (
    ("50 Hz mains noise", "q_mains"),
    ("NaN/inf samples", "q_nonfinite"),
    ("flatline", "q_flatline"),
    ("clipping", "q_clipping"),
    ("impossible values", "q_impossible"),
    ("electrode off", "q_electrode_off"),
    ("dropped samples", "q_dropped"),
    ("waiting for data", "q_waiting"),
    ("no data", "q_no_data"),
    ("gap of", "q_gap"),
)
_WORDY_BRACKETS = re.compile(r"\s*\([^)]*[A-Za-z][^)]*\)")
_RESULT_LINES = {
    "eda": (
        "cal_eda_values",
        {"zero": "zero_us", "ref": "reference_us", "expected": "expected_us", "sd": "reference_sd_us"},
    ),
    "eeg": (
        "cal_eeg_values",
        {"open": "alpha_rel_open", "closed": "alpha_rel_closed", "channels": "channels_used"},
    ),
    "hr": ("cal_hr_values", {"good": "good_share", "beats": "beats", "corrected": "corrected_pct"}),
}


def technician(g: Grid, model: KioskModel) -> None:
    """The widgets of the technician page ``model.tech_page``."""
    page = model.tech_page
    if page == "live":
        _live(g, model)
    elif page in _RESULT_LINES:
        _calibration(g, model, page)
    elif page == "resonance":
        _resonance(g, model)
    elif page == "leave":
        _leave(g)
    else:
        _home(g)


def quality_reason(reason: str, language: str) -> str:
    """A quality reason in ``language``: Chinese phrases for the known English ones (numbers kept)."""
    if language != "zh-CN":
        return reason
    for phrase, key in _REASONS:
        reason = reason.replace(phrase, text(key, language))
    return _WORDY_BRACKETS.sub("", reason)


def fit(label: str, width_px: float, font_px: float) -> str:
    """``label`` cut with "…" to fit ``width_px`` (a conservative estimate: CJK 1 em, others 0.62 em)."""

    def width(s: str) -> float:
        return sum(1.0 if ord(ch) >= 0x2E80 else 0.62 for ch in s) * font_px

    if width(label) <= width_px:
        return label
    while label and width(label + "…") > width_px:
        label = label[:-1]
    return label + "…"


def _say(g: Grid, message: Message) -> str:
    values = dict(message.values)
    if isinstance(values.get("reason"), str):
        values["reason"] = quality_reason(values["reason"], g.lang)
    return g.t(message.key, **values)


def _home(g: Grid) -> None:
    g.title(g.t("technician_title"))
    half = (g.w - 2 * g.m - 1.5 * g.u) / 2
    for i, (key, page) in enumerate(HOME_BUTTONS):
        col, row = i % 2, i // 2
        g.add(
            "button",
            g.m + col * (half + 1.5 * g.u),
            17 + row * 16,
            half,
            13,
            g.t(key),
            3.4,
            action=f"tech_page:{page}",
        )
    g.row(
        49,
        13,
        [
            (g.t("tech_resonance"), "tech_page:resonance", "normal"),
            (g.t("devices"), "tech_page:devices", "normal"),
        ],
    )
    g.footer(
        [(g.t("leave_kiosk"), "tech_page:leave", "normal"), (g.t("exit_technician"), "tech_exit", "primary")]
    )


def _leave(g: Grid) -> None:
    """Leaving the kiosk program (maintenance, the desktop): asked once more, it cannot be undone
    from the screen."""
    g.title(g.t("leave_kiosk_title"))
    g.line(g.t("leave_kiosk_hint"), y=20, h=6, font_u=3.0)
    g.row(
        40,
        13,
        [(g.t("back"), "tech_page:home", "normal"), (g.t("leave_kiosk_confirm"), "tech_leave", "primary")],
        x0=0.2 * g.w,
        width=0.6 * g.w,
    )
    g.footer([])


def _live(g: Grid, model: KioskModel) -> None:
    rows = model.live_rows
    pages = max(1, math.ceil(len(rows) / LIVE_ROWS_PER_PAGE))
    title = g.t("tech_live")
    if pages > 1:
        title += " · " + g.t("tech_page_of", n=model.live_first // LIVE_ROWS_PER_PAGE + 1, total=pages)
    g.title(title)
    if not rows:
        g.line(g.t("no_streams"), y=20, font_u=3.0, style="bad")
    width = g.w - 2 * g.m
    columns = [(0.0, 0.14), (0.15, 0.42), (0.58, 0.12), (0.71, 0.29)]  # label, trace, level, reason
    for i, row in enumerate(rows[model.live_first : model.live_first + LIVE_ROWS_PER_PAGE]):
        y = 14 + i * 9
        (lx, lw), (tx, tw), (vx, vw), (rx, rw) = ((g.m + a * width, b * width) for a, b in columns)
        g.add("text", lx, y, lw, 8, fit(f"{row.kind} {row.label}", lw - 16, 2.4 * g.u), 2.4, align="left")
        g.items.append(
            Widget("trace", Box(tx, y * g.u, tw, 8 * g.u), "", 0.0, style=row.level, values=row.trace)
        )
        g.add("text", vx, y, vw, 8, g.t(f"sensor_{row.level}"), 2.4, style=row.level)
        reason = fit(quality_reason(row.reason, g.lang), rw - 16, 2.0 * g.u)
        g.add("text", rx, y, rw, 8, reason, 2.0, align="left", style="notice" if row.reason else "normal")
    buttons = [(g.t("back"), "tech_page:home", "normal")]
    if pages > 1:
        buttons.insert(0, (g.t("tech_next_page"), "tech_live_next", "normal"))
    g.footer(buttons)


def _calibration(g: Grid, model: KioskModel, page: str) -> None:
    g.title(g.t(f"tech_{page}"))
    view = model.calibration
    facts = model.calibration_facts
    if view is None:
        g.line(g.t(f"tech_{page}_intro", **facts), y=20, h=8, font_u=3.0)
        g.row(
            60, 12, [(g.t("tech_start"), "tech_start", "primary")], font_u=4.0, x0=0.35 * g.w, width=0.3 * g.w
        )
    elif view.state == "running":
        _running(g, view, facts)
    elif view.state == "done" and view.result is not None:
        result = view.result
        g.line(
            g.t("tech_passed" if result.passed else "tech_failed"),
            y=15,
            h=9,
            font_u=5.5,
            style="good" if result.passed else "bad",
        )
        g.line(_say(g, result.reason), y=26, h=7, font_u=3.0)
        key, names = _RESULT_LINES[page]
        if all(name in result.values for name in names.values()):
            values = {k: result.values[name] for k, name in names.items()}
            g.line(g.t(key, **values), y=35, h=6, font_u=2.6, style="disabled")
        saved = model.calibration_saved
        save = (g.t("tech_saved" if saved else "tech_save"), "tech_save", "disabled" if saved else "primary")
        buttons = [save, (g.t("tech_repeat"), "tech_start", "normal")]
        if _apply_line(g, model.calibration_apply) and not saved:
            buttons.insert(1, (g.t("tech_apply"), "tech_apply", "primary"))
        x0, width = (0.25, 0.5) if len(buttons) == 2 else (0.1, 0.8)
        g.row(72, 11, buttons, x0=x0 * g.w, width=width * g.w)
    else:
        g.line(g.t("tech_not_finished"), y=15, h=9, font_u=5.5, style="bad")
        if view.error is not None:
            g.line(fit(_say(g, view.error), g.w - 2 * g.m - 16, 3.0 * g.u), y=26, h=7, font_u=3.0)
        g.row(72, 11, [(g.t("tech_repeat"), "tech_start", "primary")], x0=0.35 * g.w, width=0.3 * g.w)
    g.footer([(g.t("back"), "tech_page:home", "normal")])


def _apply_line(g: Grid, offer: ApplyOffer | None) -> bool:
    """The line about applying an EDA result to its bridged device; True when it can be applied."""
    if offer is None:
        return False
    if offer.calibration is None:
        why = _say(g, offer.refused) if offer.refused is not None else ""
        reason = g.t("tech_apply_refused", device=offer.device) + why
        g.line(fit(reason, g.w - 2 * g.m - 16, 2.6 * g.u), y=44, h=6, font_u=2.6, style="notice")
        return False
    key = "tech_applied" if offer.applied else "tech_apply_offer"
    label = g.t(key, device=offer.device, zero=offer.calibration.zero, gain=offer.gain)
    g.line(
        fit(label, g.w - 2 * g.m - 16, 2.6 * g.u),
        y=44,
        h=6,
        font_u=2.6,
        style="good" if offer.applied else "normal",
    )
    return not offer.applied


def _running(g: Grid, view: View, facts: dict[str, float]) -> None:
    g.line(g.t("tech_step", n=view.step + 1, total=len(view.steps)), y=14, h=5, font_u=2.8, style="disabled")
    g.line(g.t(view.steps[view.step].key, **facts), y=20, h=10, font_u=3.8)
    bar = Box(0.2 * g.w, 33 * g.u, 0.6 * g.w, 4 * g.u)
    g.items.append(Widget("bar", bar, "", 0.0, values=(view.progress,)))
    g.line(g.t("tech_seconds_left", s=math.ceil(view.seconds_left)), y=39, h=6, font_u=3.0)
    if view.live is not None:
        g.line(_say(g, view.live), y=47, h=9, font_u=4.5)
    if view.notice is not None:
        notice = fit(_say(g, view.notice), g.w - 2 * g.m - 16, 2.6 * g.u)
        g.line(notice, y=58, h=6, font_u=2.6, style="notice")
    g.row(72, 11, [(g.t("tech_cancel"), "tech_cancel", "normal")], x0=0.35 * g.w, width=0.3 * g.w)


def _resonance(g: Grid, model: KioskModel) -> None:
    g.title(g.t("tech_resonance"))
    g.line(g.t("tech_resonance_hint"), y=12.5, h=4.5, font_u=2.6)
    shown = model.code_entry[:4] + ("-" + model.code_entry[4:] if len(model.code_entry) > 4 else "")
    g.add("entry", 0.25 * g.w, 18, 0.5 * g.w, 10, shown or "_", 6.0)
    if model.notice:
        g.line(g.t(model.notice), y=29, h=5, font_u=2.8, style="notice")
    columns = 9
    for r in range(0, len(ALPHABET), columns):
        keys = ALPHABET[r : r + columns]
        g.row(
            35 + (r // columns) * 12,
            10.5,
            [(k, f"key:{k}", "normal") for k in keys],
            font_u=4.0,
            width=(g.w - 2 * g.m) * len(keys) / columns,
        )
    g.row(
        72,
        11,
        [(g.t("delete"), "delete", "normal"), (g.t("confirm"), "tech_handoff", "primary")],
        x0=0.25 * g.w,
        width=0.5 * g.w,
    )
    g.footer([(g.t("back"), "tech_page:home", "normal")])
