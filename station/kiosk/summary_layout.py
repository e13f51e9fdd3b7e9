"""The summary screen, in the order an officer reads it: their own words first (stress 7 → 3,
mood), their points, one simple chart of the session (mean heart rate and heart coherence in each
phase) beside the practice ring (today's minutes, the streak), then the plain-words lines, then the
way to their history."""

from __future__ import annotations

from station.kiosk.flow import SessionFlow
from station.kiosk.kiosk_model import KioskModel
from station.kiosk.practice_ring import practice_ring
from station.kiosk.widgets import Box, Grid, Widget
from station.session.phase_labels import phase_label
from station.store.practice_points import Practice

MIN_HR_SPAN = 10.0  # bpm: a few beats never fill the chart
MAX_LINES = 6


def summary_page(g: Grid, model: KioskModel, flow: SessionFlow) -> None:
    """The summary screen's widgets on ``g``."""
    g.title(g.t("summary_title"))
    g.line(_own_words(g, flow), y=12.5, h=7, font_u=4.2)
    if model.practice is not None:  # points in words, today's practice and the streak as a ring
        points = g.t("practice_points", points=model.practice.points, gained=model.points_gained)
        g.line(points, y=19.5, h=4.5, font_u=2.6, style="good")
        practice_ring(g, model.practice, 0.85 * g.w, 25.0, 13.0, caption=True)
    _phase_chart(g, model.summary_phases, narrow=model.practice is not None)
    lines = model.summary.get(model.language) or [g.t("summary_none")]
    shown = MAX_LINES - 2 if model.reminder_due else MAX_LINES
    for i, line in enumerate(lines[:shown]):
        g.line(line, y=48 + i * 4.5, h=4.5, font_u=2.6, align="left")
    if model.reminder_due:  # only with the officer's opt-in, only here (docs/station.md)
        g.line(reminder_text(g, model.help_line), y=67.5, h=6, font_u=2.8, style="notice")
    g.row(
        75.5,
        10,
        [(g.t("my_history"), "history", "normal"), (g.t("done"), "done", "primary")],
        x0=0.25 * g.w,
        width=0.5 * g.w,
    )
    g.footer([])


def reminder_text(g: Grid, help_line: str) -> str:
    """The gentle suggestion to talk to the room's counsellor, with the 24-hour line if configured."""
    return g.t("remind_talk", line=help_line) if help_line else g.t("remind_talk_no_line")


def _own_words(g: Grid, flow: SessionFlow) -> str:
    before, after = flow.context.pre_rating, flow.context.post_rating
    missing = g.t("summary_not_rated")

    def arrow(b: str | None, a: str | None) -> str:
        return f"{b or missing} → {a or missing}"

    stress = arrow(*(str(r[0]) if r else None for r in (before, after)))
    mood = arrow(*(g.t(f"mood_{r[1]}") if r else None for r in (before, after)))
    return g.t("summary_words", stress=stress, mood=mood)


def practice_line(g: Grid, p: Practice) -> str:
    """Today's practice and the streak in gentle words (a streak is named from two days on)."""
    parts = [
        g.t("practice_goal_met") if p.goal_met_today else g.t("practice_today", m=round(p.today_minutes))
    ]
    if p.streak_days >= 2:
        parts.append(g.t("practice_streak", n=p.streak_days))
    return " · ".join(parts)


def _phase_chart(g: Grid, phases: list[tuple[str, dict[str, float]]], narrow: bool) -> None:
    """Mean heart rate per phase (a line over the phases, named below it) and heart coherence;
    ``narrow`` leaves the right of the screen to the practice ring."""
    with_hr = [(name, m) for name, m in phases if "hr" in m]
    if len(with_hr) < 2:
        return
    x, w = (0.08 * g.w, 0.62 * g.w) if narrow else (0.15 * g.w, 0.7 * g.w)
    hr = [m["hr"] for _, m in with_hr]
    low, high = min(hr), max(hr)
    if high - low < MIN_HR_SPAN:
        middle = (low + high) / 2
        low, high = middle - MIN_HR_SPAN / 2, middle + MIN_HR_SPAN / 2
    g.add("text", x, 24.5, 0.62 * w, 4, f"{g.t('summary_chart')} {low:.0f}–{high:.0f}", 2.4, align="left")
    box = Box(x, 28.5 * g.u, w, 12 * g.u)
    g.items.append(
        Widget("trace", box, "", 0.0, style="notice", values=tuple((v - low) / (high - low) for v in hr))
    )
    coherence = [m.get("coherence") for _, m in with_hr]
    if all(c is not None for c in coherence):
        g.add(
            "text",
            x + 0.62 * w,
            24.5,
            0.38 * w,
            4,
            g.t("summary_chart_coherence"),
            2.4,
            style="good",
            align="left",
        )
        values = tuple(min(1.0, max(0.0, float(c or 0.0))) for c in coherence)
        g.items.append(Widget("trace", box, "", 0.0, style="good", values=values))
    step = w / (len(with_hr) - 1)
    label_w = min(step, 0.24 * g.w)
    for i, (name, _) in enumerate(with_hr):
        g.add("text", x + i * step - label_w / 2, 41, label_w, 3.5, phase_label(name, g.lang), 2.0)
