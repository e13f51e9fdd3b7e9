"""The daily 15-minute practice (每日练习) and health points (健康积分), from an officer's history.

Gentle by design: a day counts when its sessions add up to ``DAILY_GOAL_MIN`` minutes; the streak
counts the days in a row up to today, or up to yesterday while today's practice is still open, so a
morning visit never shows a broken streak; a missed day only means the streak starts again, and
nothing is ever shown as lost. Points never go down: one per minute practised plus ``GOAL_BONUS``
for each day the goal was met. Shown to the officer only (kiosk), never sent to the admin.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from station.store.officer_history import HistoryEntry

DAILY_GOAL_MIN = 15.0
GOAL_BONUS = 10


@dataclass(frozen=True)
class Practice:
    """Where the officer stands today."""

    today_minutes: float
    goal_met_today: bool
    streak_days: int
    points: int


def minutes_by_day(entries: Iterable[HistoryEntry], tz: tzinfo | None = None) -> dict[date, float]:
    """Minutes practised on each local calendar day (``tz``; None: the station's local time)."""
    days: dict[date, float] = {}
    for e in entries:
        day = datetime.fromisoformat(e.started_at).astimezone(tz).date()
        days[day] = days.get(day, 0.0) + max(e.minutes, 0.0)
    return days


def practice(entries: Iterable[HistoryEntry], today: date, tz: tzinfo | None = None) -> Practice:
    """The officer's practice today, their streak and their points (see the module docstring)."""
    days = minutes_by_day(entries, tz)
    met = {day for day, minutes in days.items() if minutes >= DAILY_GOAL_MIN}
    day = today if today in met else today - timedelta(days=1)
    streak = 0
    while day in met:
        streak += 1
        day -= timedelta(days=1)
    points = sum(math.floor(m) for m in days.values()) + GOAL_BONUS * len(met)
    return Practice(days.get(today, 0.0), today in met, streak, points)
