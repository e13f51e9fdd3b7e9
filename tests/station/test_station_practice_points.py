"""The daily 15-minute practice and health points: a day counts at 15 minutes, the streak waits for
today's practice instead of showing a broken streak in the morning, and points never go down."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from station.store.officer_history import HistoryEntry
from station.store.practice_points import DAILY_GOAL_MIN, GOAL_BONUS, practice

TODAY = date(2026, 12, 2)


def visit(day: date, minutes: float, hour: int = 9, n: int = 0) -> HistoryEntry:
    started = datetime(day.year, day.month, day.day, hour, n, tzinfo=UTC)
    return HistoryEntry(f"{day}-{hour}-{n}", "s", started.isoformat(), "p", "completed", minutes, 5, 3, 2, 4)


def test_a_day_counts_at_fifteen_minutes_and_two_short_sessions_add_up() -> None:
    short = practice([visit(TODAY, 8.0)], TODAY, UTC)
    assert (short.today_minutes, short.goal_met_today, short.streak_days) == (8.0, False, 0)
    assert short.points == 8
    both = practice([visit(TODAY, 8.0), visit(TODAY, 7.5, hour=18)], TODAY, UTC)
    assert both.goal_met_today and both.streak_days == 1
    assert both.points == 8 + 7 + GOAL_BONUS


def test_the_streak_waits_for_today_and_starts_again_after_a_gap() -> None:
    days = [TODAY - timedelta(days=d) for d in (1, 2, 3, 5)]
    entries = [visit(d, DAILY_GOAL_MIN) for d in days]
    morning = practice(entries, TODAY, UTC)  # nothing yet today: yesterday's streak still stands
    assert (morning.streak_days, morning.goal_met_today) == (3, False)
    evening = practice([*entries, visit(TODAY, 16.0)], TODAY, UTC)
    assert evening.streak_days == 4
    after_a_gap = practice(entries, TODAY + timedelta(days=2), UTC)  # two days missed: no streak shown
    assert after_a_gap.streak_days == 0 and after_a_gap.points == morning.points  # nothing is taken away


def test_the_local_day_is_the_stations() -> None:
    from datetime import timezone

    beijing = timezone(timedelta(hours=8))
    late = visit(TODAY - timedelta(days=1), 20.0, hour=17)  # 17:00 UTC is 01:00 the next day in Beijing
    assert practice([late], TODAY, beijing).goal_met_today
    assert not practice([late], TODAY, UTC).goal_met_today


@given(
    st.lists(st.tuples(st.integers(0, 20), st.floats(0, 90)), max_size=25),
    st.integers(0, 20),
    st.floats(0, 90),
)
def test_points_never_go_down(visits: list[tuple[int, float]], day: int, minutes: float) -> None:
    entries = [visit(TODAY - timedelta(days=d), m, n=i % 60) for i, (d, m) in enumerate(visits)]
    before = practice(entries, TODAY, UTC)
    after = practice([*entries, visit(TODAY - timedelta(days=day), minutes, hour=20)], TODAY, UTC)
    assert after.points >= before.points and after.streak_days >= before.streak_days
