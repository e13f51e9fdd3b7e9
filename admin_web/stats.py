"""Dashboard aggregates, computed in SQL so they stay fast at 100 000 sessions.

Every figure derived from officers' sessions is hidden when fewer than ``k`` distinct officers
contribute to it (k-anonymity on aggregates). The dashboard page asks for ``whole_weeks``: the range
grows to whole Monday–Sunday weeks and a week with fewer than ``k`` officers is left out, so two
overlapping ranges differ by whole weeks of at least ``k`` officers each and comparing them reveals
no single officer (the stress histogram likewise needs ``k`` rated officers in every week it covers).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Integer, and_, case, cast, false, func, or_, select, true

from admin_web import db, rollup
from admin_web.db import sessions

MEDIAN_BUCKET_S = rollup.MEDIAN_BUCKET_S


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
    weeks_left_out: int = 0  # whole_weeks: weeks with fewer than k officers, not counted above
    sensor_losses: int = 0  # sessions whose station flagged a lost sensor
    ranges: list[tuple[date, date]] = field(default_factory=list)  # the days counted (kept whole weeks)


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


def whole_weeks_of(date_from: date, date_to: date) -> tuple[date, date]:
    """The range grown to whole Monday–Sunday weeks."""
    return date_from - timedelta(days=date_from.weekday()), date_to + timedelta(days=6 - date_to.weekday())


def _officers(conn: Connection, where: ColumnElement[bool], group: Any = None) -> list[tuple[Any, ...]]:
    """Distinct officers and distinct officers with ratings, per ``group`` (or in all)."""
    rated = and_(sessions.c.stress_pre.is_not(None), sessions.c.stress_post.is_not(None))
    counts = [
        func.count(func.distinct(sessions.c.officer_code)),
        func.count(func.distinct(case((rated, sessions.c.officer_code), else_=None))),
    ]
    if group is None:
        return [tuple(conn.execute(select(*counts).where(where)).one())]
    return [tuple(r) for r in conn.execute(select(group, *counts).where(where).group_by(group))]


def _weeks_kept(
    conn: Connection, date_from: date, date_to: date, station_clause: ColumnElement[bool], k: int
) -> tuple[list[date], int, bool]:
    """(the Mondays of the weeks with at least k officers, how many weeks with sessions fall short,
    whether every kept week also has k rated officers). One pass per day over the covering index;
    only a week where no single day reaches k is counted exactly (a small room's week: few rows)."""
    in_range = and_(sessions.c.local_date >= date_from, sessions.c.local_date <= date_to, station_clause)
    best: dict[date, tuple[int, int]] = {}
    for day, officers, rated in _officers(conn, in_range, sessions.c.local_date):
        day = day if isinstance(day, date) else date.fromisoformat(str(day))
        monday = day - timedelta(days=day.weekday())
        seen = best.get(monday, (0, 0))
        best[monday] = (max(seen[0], officers), max(seen[1], rated))
    kept, short, all_rated = [], 0, True
    for monday, (officers, rated) in sorted(best.items()):
        if officers < k or rated < k:  # a day's count is a lower bound of the week's: count the week
            week = and_(
                sessions.c.local_date >= monday,
                sessions.c.local_date <= monday + timedelta(days=6),
                station_clause,
            )
            officers, rated = _officers(conn, week)[0]
        if officers >= k:
            kept.append(monday)
            all_rated = all_rated and rated >= k
        else:
            short += 1
    return kept, short, all_rated


def in_days(column: Any, ranges: list[tuple[date, date]]) -> ColumnElement[bool]:
    """``column`` (a date) lies in one of the inclusive ``ranges``."""
    return or_(false(), *(and_(column >= a, column <= b) for a, b in ranges))


def _merged_weeks(mondays: list[date]) -> list[tuple[date, date]]:
    ranges: list[tuple[date, date]] = []
    for monday in mondays:
        if ranges and ranges[-1][1] + timedelta(days=1) == monday:
            ranges[-1] = (ranges[-1][0], monday + timedelta(days=6))
        else:
            ranges.append((monday, monday + timedelta(days=6)))
    return ranges


def dashboard(
    conn: Connection,
    date_from: date,
    date_to: date,
    k: int,
    station: str | None = None,
    use_rollups: bool = True,
    whole_weeks: bool = False,
) -> Dashboard:
    """Utilization and outcome aggregates over [date_from, date_to] (station-local days). All
    stations together come from the rollups; one station, or ``use_rollups=False``, from the
    sessions themselves. ``whole_weeks``: see the module's docstring."""
    ranges, weeks_left_out, weeks_rated = [(date_from, date_to)], 0, True
    station_clause = sessions.c.station_id == station if station else true()
    if whole_weeks:
        date_from, date_to = whole_weeks_of(date_from, date_to)
        mondays, weeks_left_out, weeks_rated = _weeks_kept(conn, date_from, date_to, station_clause, k)
        ranges = _merged_weeks(mondays)
    where = and_(in_days(sessions.c.local_date, ranges), station_clause)
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
    result.weeks_left_out, result.ranges = weeks_left_out, ranges
    if result.hidden:
        return result
    flagged = and_(where, sessions.c.quality_flagged.is_(True))
    result.sensor_losses = int(conn.execute(select(func.count()).where(flagged)).scalar_one())
    if not weeks_rated:
        rated_officers = 0  # a kept week with fewer than k rated officers: no stress histogram
    if station is None and use_rollups:
        return _from_rollups(
            conn, result, ranges, k, rated_officers, float(mean_duration or 0.0), int(n_duration)
        )
    days = sum((b - a).days + 1 for a, b in ranges)
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


def _from_rollups(
    conn: Connection,
    result: Dashboard,
    ranges: list[tuple[date, date]],
    k: int,
    rated_officers: int,
    mean_duration: float,
    n_duration: int,
) -> Dashboard:
    """The aggregates for all stations, from the per-day rollups (thousands of rows, not sessions)."""

    def in_range(table: Any) -> ColumnElement[bool]:
        return in_days(table.c.local_date, ranges)

    days = sum((b - a).days + 1 for a, b in ranges)
    per_station: dict[str, int] = {}
    per_day: dict[date, int] = {}
    completed = 0
    for station_id, day, n, done in conn.execute(
        select(
            db.rollup_day.c.station_id,
            db.rollup_day.c.local_date,
            db.rollup_day.c.n,
            db.rollup_day.c.completed,
        ).where(in_range(db.rollup_day), db.rollup_day.c.n > 0)
    ):
        per_station[station_id] = per_station.get(station_id, 0) + n
        per_day[day] = per_day.get(day, 0) + n
        completed += done
    result.per_station = {s: c / days for s, c in sorted(per_station.items())}
    n_stations = max(len(per_station), 1)
    result.per_day = [(d, per_day[d] / n_stations) for d in sorted(per_day)]
    result.heatmap = [[0] * 24 for _ in range(7)]
    h = db.rollup_hour
    for weekday, hour, n in conn.execute(
        select(h.c.local_weekday, h.c.local_hour, func.sum(h.c.n))
        .where(in_range(h))
        .group_by(h.c.local_weekday, h.c.local_hour)
    ):
        result.heatmap[weekday][hour] = int(n)
    b = db.rollup_bucket
    buckets = [
        (int(x), int(n))
        for x, n in conn.execute(
            select(b.c.bucket, func.sum(b.c.n)).where(in_range(b)).group_by(b.c.bucket).order_by(b.c.bucket)
        )
        if n
    ]
    result.mean_duration_s = mean_duration if n_duration else None
    result.median_duration_s = _median_from_buckets(conn, ranges, buckets)
    result.completion_rate = completed / result.sessions if result.sessions else None
    if rated_officers < k:
        result.stress_change_hidden = True
    else:
        c = db.rollup_change
        result.stress_change = {
            int(x): int(n)
            for x, n in conn.execute(
                select(c.c.change, func.sum(c.c.n)).where(in_range(c)).group_by(c.c.change)
            )
            if n
        }
    return result


def _median_from_buckets(
    conn: Connection, ranges: list[tuple[date, date]], buckets: list[tuple[int, int]]
) -> float | None:
    """Exact median: find the bucket(s) of the middle position(s), then sort only their durations
    (read through the duration index, a little wider than the bucket, filtered exactly in Python)."""
    n = sum(count for _, count in buckets)
    if n == 0:
        return None

    def value_at(position: int) -> float:
        before = 0
        for bucket, count in buckets:
            if position < before + count:
                lo, hi = (bucket - 1) * MEDIAN_BUCKET_S, (bucket + 2) * MEDIAN_BUCKET_S
                values = sorted(
                    v
                    for (v,) in conn.execute(
                        select(sessions.c.duration_s).where(
                            sessions.c.duration_s >= lo,
                            sessions.c.duration_s < hi,
                            in_days(sessions.c.local_date, ranges),
                        )
                    )
                    if rollup.bucket_of(v) == bucket
                )
                return float(values[position - before])
            before += count
        raise AssertionError("median position beyond the counted rows")

    lo, hi = (n - 1) // 2, n // 2
    return value_at(lo) if lo == hi else (value_at(lo) + value_at(hi)) / 2


def data_version(conn: Connection) -> tuple[int, object]:
    """Changes whenever sessions are added, replaced or deleted: (row count, newest receipt time).
    Both come from indexes, so this costs a few milliseconds at 100 000 sessions."""
    count, newest = conn.execute(select(func.count(), func.max(sessions.c.received_at))).one()
    return int(count), newest


class DashboardCache:
    """Recent :func:`dashboard` results (whole weeks, as the page shows them) keyed by their arguments
    and :func:`data_version`: repeated views cost one version query until new data arrives."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._entries: OrderedDict[tuple, Dashboard] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conn: Connection, date_from: date, date_to: date, k: int, station: str | None) -> Dashboard:
        key = (date_from, date_to, k, station, data_version(conn))
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        board = dashboard(conn, date_from, date_to, k, station, whole_weeks=True)
        with self._lock:
            self._entries[key] = board
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return board
