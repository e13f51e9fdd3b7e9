"""Dashboard aggregates, computed in SQL so they stay fast at 100 000 sessions.

Every figure derived from officers' sessions is hidden when fewer than ``k`` distinct officers
contribute to it (k-anonymity on aggregates).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, Connection, Integer, and_, case, cast, func, select

from admin_web.db import sessions

MEDIAN_BUCKET_S = 30


@dataclass
class Dashboard:
    """What the dashboard shows for one date range (and optionally one station)."""

    date_from: date
    date_to: date
    sessions: int
    officers: int
    hidden: bool  # fewer than k officers: nothing below is shown
    per_station: dict[str, float] = field(default_factory=dict)  # mean sessions per day
    per_day: list[tuple[date, float]] = field(default_factory=list)  # sessions per station per day
    heatmap: list[list[int]] = field(default_factory=list)  # [weekday][hour]
    mean_duration_s: float | None = None
    median_duration_s: float | None = None
    completion_rate: float | None = None
    stress_change: dict[int, int] = field(default_factory=dict)  # post - pre -> sessions
    stress_change_hidden: bool = False


def _median(conn: Connection, where: ColumnElement[bool], n: int) -> float | None:
    """Exact median of the durations in two cheap queries: count per 30-s bucket, then sort only the
    bucket(s) holding the middle value(s)."""
    if n == 0:
        return None
    bucket = cast(sessions.c.duration_s / MEDIAN_BUCKET_S, Integer)
    has_duration = and_(where, sessions.c.duration_s.is_not(None))
    counts = conn.execute(
        select(bucket, func.count()).where(has_duration).group_by(bucket).order_by(bucket)
    ).all()

    def value_at(position: int) -> float:
        before = 0
        for b, count in counts:
            if position < before + count:
                ordered = select(sessions.c.duration_s).where(has_duration, bucket == b)
                ordered = ordered.order_by(sessions.c.duration_s).limit(1).offset(position - before)
                return float(conn.execute(ordered).scalar_one())
            before += count
        raise AssertionError("median position beyond the counted rows")

    lo, hi = (n - 1) // 2, n // 2
    return value_at(lo) if lo == hi else (value_at(lo) + value_at(hi)) / 2


def dashboard(
    conn: Connection, date_from: date, date_to: date, k: int, station: str | None = None
) -> Dashboard:
    """Utilization and outcome aggregates over [date_from, date_to] (station-local days)."""
    where = and_(sessions.c.local_date >= date_from, sessions.c.local_date <= date_to)
    if station:
        where = and_(where, sessions.c.station_id == station)
    rated = and_(sessions.c.stress_pre.is_not(None), sessions.c.stress_post.is_not(None))
    totals = conn.execute(
        select(
            func.count(),
            func.count(func.distinct(sessions.c.officer_code)),
            func.avg(sessions.c.duration_s),
            func.count(sessions.c.duration_s),
            func.sum(case((sessions.c.status == "completed", 1), else_=0)),
            func.count(func.distinct(case((rated, sessions.c.officer_code), else_=None))),
        ).where(where)
    ).one()
    n, officers, mean_duration, n_duration, completed, rated_officers = totals
    result = Dashboard(date_from, date_to, int(n), int(officers), hidden=officers < k)
    if result.hidden:
        return result
    days = (date_to - date_from).days + 1
    by_station_day = conn.execute(
        select(sessions.c.station_id, sessions.c.local_date, func.count())
        .where(where)
        .group_by(sessions.c.station_id, sessions.c.local_date)
    ).all()
    per_station: dict[str, int] = {}
    per_day: dict[date, int] = {}
    for station_id, day, count in by_station_day:
        per_station[station_id] = per_station.get(station_id, 0) + count
        per_day[day] = per_day.get(day, 0) + count
    result.per_station = {s: c / days for s, c in sorted(per_station.items())}
    n_stations = max(len(per_station), 1)
    result.per_day = [(d, per_day[d] / n_stations) for d in sorted(per_day)]
    result.heatmap = [[0] * 24 for _ in range(7)]
    for weekday, hour, count in conn.execute(
        select(sessions.c.local_weekday, sessions.c.local_hour, func.count())
        .where(where)
        .group_by(sessions.c.local_weekday, sessions.c.local_hour)
    ):
        result.heatmap[weekday][hour] = count
    result.mean_duration_s = float(mean_duration) if mean_duration is not None else None
    result.median_duration_s = _median(conn, where, int(n_duration))
    result.completion_rate = completed / n if n else None
    if rated_officers < k:
        result.stress_change_hidden = True
    else:
        change = (sessions.c.stress_post - sessions.c.stress_pre).label("change")
        result.stress_change = {
            int(c): int(count)
            for c, count in conn.execute(select(change, func.count()).where(where, rated).group_by(change))
        }
    return result
