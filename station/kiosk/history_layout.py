"""The officer's own history page (opened after check-in and from the summary): totals, small
charts of stress, mood and the physiological change per session (before in amber, after in green),
and the latest sessions in words. Pure layout, like station/kiosk/layout.py."""

from __future__ import annotations

import math
from datetime import datetime

from station.kiosk.kiosk_model import KioskModel
from station.kiosk.practice_ring import practice_ring
from station.kiosk.summary_layout import practice_line, reminder_text
from station.kiosk.widgets import Box, Grid, Widget
from station.session.summary import describe_changes
from station.store.officer_history import HistoryEntry

CHART_SESSIONS = 20  # the charts show the latest sessions
LISTED_SESSIONS = 2
# metric -> (texts key, display scale, smallest range shown: 1.5 bpm must not look dramatic)
METRIC_CHARTS: dict[str, tuple[str, float, float]] = {
    "hr": ("history_hr", 1.0, 10.0),
    "rmssd": ("history_rmssd", 1.0, 20.0),
    "alpha_rel": ("history_alpha_rel", 100.0, 10.0),
    "scl": ("history_scl", 1.0, 2.0),
}
BEFORE_STYLE, AFTER_STYLE = "notice", "good"


def scaled(values: list[float], low: float, high: float) -> tuple[float, ...]:
    """Values mapped to 0..1 over [low, high]."""
    span = high - low
    return tuple(min(1.0, max(0.0, (v - low) / span)) for v in values)


def value_range(values: list[float], minimum_span: float) -> tuple[float, float]:
    """The values' range, widened around its middle to at least ``minimum_span``."""
    low, high = min(values), max(values)
    if high - low < minimum_span:
        middle = (low + high) / 2
        low, high = middle - minimum_span / 2, middle + minimum_span / 2
    return low, high


def officer_pin_page(g: Grid, model: KioskModel) -> None:
    """The officer's PIN pad: unlock the history, or choose a PIN and type it again."""
    g.title(g.t(f"opin_{model.officer_pin_mode}_title"))
    g.line(g.t("opin_hint"), y=12.5, h=4, font_u=2.4)
    g.add("entry", 0.3 * g.w, 17, 0.4 * g.w, 8, "● " * len(model.officer_pin_entry), 5.0)
    if model.notice:
        g.line(g.t(model.notice, s=model.officer_pin_wait_s), y=25.5, h=4, font_u=2.6, style="notice")
    for r, digits in enumerate((("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"))):
        keys = [(d, f"opin_key:{d}", "normal") for d in digits]
        g.row(30 + r * 12, 10.5, keys, font_u=4.5, x0=0.3 * g.w, width=0.4 * g.w)
    ready = "primary" if len(model.officer_pin_entry) >= 4 else "disabled"
    last = [
        (g.t("delete"), "opin_delete", "normal"),
        ("0", "opin_key:0", "normal"),
        (g.t("confirm"), "opin_ok", ready),
    ]
    g.row(66, 10.5, last, font_u=3.4, x0=0.3 * g.w, width=0.4 * g.w)
    g.footer([(g.t("back"), "opin_cancel", "normal")])


def history_page(g: Grid, model: KioskModel) -> None:
    """The history page's widgets on ``g``."""
    entries = model.history
    g.title(g.t("history_title"))
    footer = [(g.t("history_set_pin"), "history_set_pin", "normal")] if model.history_limited else []
    remind = "remind_on" if model.reminder_on else "remind_off"
    footer.append((g.t(remind), "history_remind", "selected" if model.reminder_on else "normal"))
    footer.append((g.t("back"), "history_close", "primary"))
    if model.reminder_due:
        g.line(reminder_text(g, model.help_line), y=78, h=5, font_u=2.4, style="notice")
    elif model.history_limited:
        g.line(g.t("history_last_only"), y=78, h=5, font_u=2.4, style="notice")
    elif model.notice:
        g.line(g.t(model.notice), y=78, h=5, font_u=2.4, style="notice")
    source = g.t("history_from_admin" if model.history_source == "admin" else "history_from_station")
    if not entries:
        g.line(g.t("history_none"), y=30, h=6, font_u=3.0)
        g.line(source, y=38, h=5, font_u=2.4, style="notice")
        g.footer(footer)
        return
    minutes = round(sum(e.minutes for e in entries))
    total = g.t("history_total_one", minutes=minutes) if len(entries) == 1 else None
    total = total or g.t("history_total", n=len(entries), minutes=minutes)
    g.line(f"{total} · {source}", y=13, h=5, font_u=2.6)
    if len(entries) == 1:
        _one_session(g, model, entries[0])
        g.footer(footer)
        return
    g.add(
        "text", g.m, 18.5, 0.2 * g.w, 4, f"— {g.t('history_before')}", 2.4, style=BEFORE_STYLE, align="left"
    )
    after = f"— {g.t('history_after')}"
    g.add("text", g.m + 0.2 * g.w, 18.5, 0.2 * g.w, 4, after, 2.4, style=AFTER_STYLE, align="left")
    if model.practice is not None:
        total = g.t("practice_points_total", points=model.practice.points)
        points = f"{total} · {practice_line(g, model.practice)}"
        g.add("text", 0.4 * g.w, 18.5, 0.6 * g.w - g.m, 4, points, 2.4, style=AFTER_STYLE)
    recent = entries[-CHART_SESSIONS:]
    charts = [
        _rating_chart(g, recent, "history_stress", "stress", 0, 10),
        _rating_chart(g, recent, "history_mood", "mood", 1, 5),
        *(_metric_chart(g, recent, metric) for metric in METRIC_CHARTS),
    ]
    columns, gap = 3, 2 * g.u
    cw = (g.w - 2 * g.m - (columns - 1) * gap) / columns
    for i, (label, series) in enumerate(charts):
        col, row = i % columns, i // columns
        x, y = g.m + col * (cw + gap), 23 + row * 22
        g.add("text", x, y, cw, 4.5, label, 2.4)
        for values, style in series:
            g.items.append(
                Widget("trace", Box(x, (y + 4.5) * g.u, cw, 15 * g.u), "", 0.0, style=style, values=values)
            )
    ring_w = 0.14 * g.w if model.practice is not None else 0.0
    for i, entry in enumerate(reversed(entries[-LISTED_SESSIONS:])):
        line = _entry_line(g, model, entry)
        g.add("text", g.m, 67 + i * 5.5, g.w - 2 * g.m - ring_w, 5, line, 2.4, align="left")
    if model.practice is not None:  # today's practice as a ring beside the latest sessions
        practice_ring(g, model.practice, g.w - g.m - ring_w / 2, 66.0, 11.0, caption=False)
    g.footer(footer)


Series = list[tuple[tuple[float, ...], str]]


def _one_session(g: Grid, model: KioskModel, entry: HistoryEntry) -> None:
    """A single session in words: the ratings and the physiological change, as on the summary."""
    g.line(g.t("history_latest", line=_entry_line(g, model, entry)), y=22, h=6, font_u=2.8, align="left")
    means = {
        "baseline": {name: c.before for name, c in entry.changes.items()},
        "session": {name: c.after for name, c in entry.changes.items()},
    }
    for i, line in enumerate(describe_changes(means, model.language)):
        g.line(line, y=30 + i * 7, h=6, font_u=2.8, align="left")


def _rating_chart(
    g: Grid, entries: list[HistoryEntry], key: str, rating: str, low: int, high: int
) -> tuple[str, Series]:
    series: Series = []
    for when, style in (("before", BEFORE_STYLE), ("after", AFTER_STYLE)):
        values = [getattr(e, f"{rating}_{when}") for e in entries]
        points = [float(v) for v in values if v is not None]
        if len(points) >= 2:
            series.append((scaled(points, low, high), style))
    return g.t(key), series


def _metric_chart(g: Grid, entries: list[HistoryEntry], metric: str) -> tuple[str, Series]:
    key, scale, minimum_span = METRIC_CHARTS[metric]
    pairs = [e.changes[metric] for e in entries if metric in e.changes]
    before = [c.before * scale for c in pairs]
    after = [c.after * scale for c in pairs]
    if len(pairs) < 2 or not all(map(math.isfinite, before + after)):
        return g.t("history_chart_empty", name=g.t(f"{key}_name")), []
    low, high = value_range(before + after, minimum_span)
    return g.t(key, low=low, high=high), [
        (scaled(before, low, high), BEFORE_STYLE),
        (scaled(after, low, high), AFTER_STYLE),
    ]


def _entry_line(g: Grid, model: KioskModel, entry: HistoryEntry) -> str:
    def arrow(before: int | None, after: int | None) -> str:
        missing = g.t("history_no_rating")
        return f"{missing if before is None else before} → {missing if after is None else after}"

    program = next((p.title(model.language) for p in model.programs if p.id == entry.program), entry.program)
    when = datetime.fromisoformat(entry.started_at).astimezone(model.tz).strftime("%m-%d %H:%M")
    return g.t(
        "history_line",
        date=when,
        program=program,
        minutes=round(entry.minutes),
        stress=arrow(entry.stress_before, entry.stress_after),
        mood=arrow(entry.mood_before, entry.mood_after),
    )
