"""The practice ring: today's minutes towards the daily 15-minute practice, drawn as a ring that
fills clockwise from the top, the minutes in its middle and a gentle caption below (the goal
reached, or simply "today's practice"; the streak named from two days on). Never shaming: an empty
ring is a quiet track, never a red warning, and nothing says what was missed."""

from __future__ import annotations

from station.kiosk.widgets import Box, Grid, Widget
from station.store.practice_points import DAILY_GOAL_MIN, Practice


def ring_share(p: Practice) -> float:
    """How much of today's ring is filled (0..1)."""
    return min(1.0, max(0.0, p.today_minutes / DAILY_GOAL_MIN))


def practice_ring(
    g: Grid, p: Practice, centre_x: float, top_u: float, diameter_u: float, caption: bool
) -> None:
    """Add the ring (``diameter_u`` high, centred on ``centre_x`` px, its top at ``top_u``) to ``g``."""
    d = diameter_u * g.u
    box = Box(centre_x - d / 2, top_u * g.u, d, d)
    g.items.append(Widget("ring", box, "", 0.0, style="good", values=(ring_share(p),)))
    minutes = str(min(round(p.today_minutes), 999))
    g.add("text", box.x, top_u + 0.18 * diameter_u, d, 0.4 * diameter_u, minutes, 0.24 * diameter_u)
    g.add(
        "text",
        box.x,
        top_u + 0.56 * diameter_u,
        d,
        0.2 * diameter_u,
        g.t("ring_unit"),
        max(0.11 * diameter_u, 1.4),
    )
    if not caption:
        return
    lines = [g.t("ring_done") if p.goal_met_today else g.t("ring_today")]
    if p.streak_days >= 2:
        lines.append(g.t("ring_streak", n=p.streak_days))
    width = max(d * 1.9, 0.24 * g.w)
    for i, line in enumerate(lines):
        g.add(
            "text",
            centre_x - width / 2,
            top_u + diameter_u + 0.5 + 3.6 * i,
            width,
            3.6,
            line,
            2.3,
            style="good",
        )
