"""Dashboard aggregates: all stations together from the rollups (admin_web.rollup), fast at a million
sessions; one station from its sessions through the covering index.

Every figure derived from officers' sessions is hidden when fewer than ``k`` distinct officers
contribute to it (k-anonymity on aggregates). The dashboard page asks for ``whole_weeks``: the range
grows to whole Monday–Sunday weeks and a week with fewer than ``k`` officers is left out, so two
overlapping ranges differ by whole weeks of at least ``k`` officers each and comparing them reveals
no single officer (the stress histogram likewise needs ``k`` rated officers in every week it covers).
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    or_,
    select,
    true,
    union,
)

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
    if station is None and use_rollups:
        return _from_rollups(conn, date_from, date_to, k, whole_weeks)
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
    result.mean_duration_s = round(float(mean_duration), 3) if mean_duration is not None else None
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


def _full_weeks(ranges: list[tuple[date, date]]) -> tuple[list[tuple[date, date]], list[tuple[date, date]]]:
    """Split day ranges into (ranges of the Mondays of the whole weeks inside them, the days left)."""
    weeks, days = [], []
    for a, b in ranges:
        first = a + timedelta(days=(7 - a.weekday()) % 7)  # the first Monday on or after a
        last = b - timedelta(days=(b.weekday() + 1) % 7)  # the last Sunday on or before b
        if first + timedelta(days=6) > last:
            days.append((a, b))
            continue
        weeks.append((first, last - timedelta(days=6)))
        if a < first:
            days.append((a, first - timedelta(days=1)))
        if last < b:
            days.append((last + timedelta(days=1), b))
    return weeks, days


def _officers_in_weeks(conn: Connection, weeks: list[tuple[date, date]], k: int) -> tuple[int, int]:
    """(Distinct officers, distinct officers with ratings — counted up to ``k`` only, all that
    k-anonymity asks) in the weeks whose Mondays lie in ``weeks``: for each registered officer
    code, one seek in the officer-week index asks whether a week of theirs lies in the range
    (whatever the number of weeks, stations or sessions)."""
    probe = db.rollup_officer_week
    code = db.rollup_officer.c.officer_code

    def present(counted: Any) -> Any:
        return exists().where(probe.c.officer_code == code, in_days(probe.c.monday, weeks), counted > 0)

    officers = conn.execute(select(func.count()).select_from(db.rollup_officer).where(present(probe.c.n)))
    rated = select(code).where(present(probe.c.rated)).limit(k).subquery()
    return int(officers.scalar_one()), int(conn.execute(select(func.count()).select_from(rated)).scalar_one())


def _per_station(conn: Connection, ranges: list[tuple[date, date]]) -> dict[str, int]:
    """Sessions per station over the day ranges: whole weeks from the station-week rollup, the days
    at the edges from the station-day rollup; stations without sessions left out."""
    weeks, days = _full_weeks(ranges)
    counts: dict[str, int] = defaultdict(int)
    w, d = db.rollup_station_week, db.rollup_day
    queries = []
    if weeks:
        queries.append(
            select(w.c.station_id, func.sum(w.c.n)).where(in_days(w.c.monday, weeks)).group_by(w.c.station_id)
        )
    if days:
        queries.append(
            select(d.c.station_id, func.sum(d.c.n))
            .where(in_days(d.c.local_date, days))
            .group_by(d.c.station_id)
        )
    for query in queries:
        for station, n in conn.execute(query):
            counts[station] += int(n)
    return {station: n for station, n in sorted(counts.items()) if n > 0}


def _distinct_officers(conn: Connection, ranges: list[tuple[date, date]], k: int) -> tuple[int, int]:
    """(Distinct officers, distinct officers with both stress ratings — at least up to ``k``) over
    the day ranges: whole weeks from the officer-week rollup; a range that does not start and end
    on week boundaries also reads its edge days' sessions (a few days' rows)."""
    weeks, days = _full_weeks(ranges)
    if not days:
        return _officers_in_weeks(conn, weeks, k) if weeks else (0, 0)
    w = db.rollup_officer_week
    rated_clause = and_(sessions.c.stress_pre.is_not(None), sessions.c.stress_post.is_not(None))
    counts = []
    for rated in (False, True):
        parts: list[Any] = [
            select(sessions.c.officer_code).where(
                in_days(sessions.c.local_date, days), rated_clause if rated else true()
            )
        ]
        if weeks:
            counted = w.c.rated if rated else w.c.n
            parts.append(select(w.c.officer_code).where(in_days(w.c.monday, weeks), counted > 0))
        codes = union(*parts).subquery()
        counts.append(int(conn.execute(select(func.count()).select_from(codes)).scalar_one()))
    return counts[0], counts[1]


def _weeks_kept_from_rollups(
    conn: Connection, date_from: date, date_to: date, k: int
) -> tuple[list[date], int, bool]:
    """Like :func:`_weeks_kept` for all stations, exactly, from the week rollup."""
    w = db.rollup_week
    kept, short, all_rated = [], 0, True
    query = (
        select(w.c.monday, w.c.officers, w.c.rated_officers)
        .where(w.c.monday >= date_from, w.c.monday <= date_to, w.c.officers > 0)
        .order_by(w.c.monday)
    )
    for monday, officers, rated in conn.execute(query):
        if officers >= k:
            kept.append(monday if isinstance(monday, date) else date.fromisoformat(str(monday)))
            all_rated = all_rated and rated >= k
        else:
            short += 1
    return kept, short, all_rated


def _from_rollups(conn: Connection, date_from: date, date_to: date, k: int, whole_weeks: bool) -> Dashboard:
    """The aggregates for all stations from the rollups alone (thousands of rows, not sessions); only
    the median reads a few sessions, through the duration index, and a range that does not start and
    end on week boundaries reads its edge days' sessions for the distinct officers."""
    ranges, weeks_left_out, weeks_rated = [(date_from, date_to)], 0, True
    if whole_weeks:
        date_from, date_to = whole_weeks_of(date_from, date_to)
        mondays, weeks_left_out, weeks_rated = _weeks_kept_from_rollups(conn, date_from, date_to, k)
        ranges = _merged_weeks(mondays)
    d = db.rollup_date
    row = conn.execute(
        select(
            *(func.coalesce(func.sum(d.c[c]), 0) for c in ("n", "completed", "n_duration", "flagged")),
            func.coalesce(func.sum(d.c.duration_sum), 0.0),
        ).where(in_days(d.c.local_date, ranges))
    ).one()
    n, completed, n_duration, flagged = (int(v) for v in row[:4])
    duration_sum = float(row[4])
    officers, rated_officers = _distinct_officers(conn, ranges, k)
    result = Dashboard(date_from, date_to, int(n), officers, hidden=officers < k)
    result.weeks_left_out, result.ranges = weeks_left_out, ranges
    if result.hidden:
        return result
    result.sensor_losses = int(flagged)
    days = sum((b - a).days + 1 for a, b in ranges)
    result.per_station = {station: count / days for station, count in _per_station(conn, ranges).items()}
    n_stations = max(len(result.per_station), 1)
    result.per_day = [
        (day if isinstance(day, date) else date.fromisoformat(str(day)), int(c) / n_stations)
        for day, c in conn.execute(
            select(d.c.local_date, d.c.n)
            .where(in_days(d.c.local_date, ranges), d.c.n > 0)
            .order_by(d.c.local_date)
        )
    ]
    result.heatmap = [[0] * 24 for _ in range(7)]
    h = db.rollup_hour
    for weekday, hour, count in conn.execute(
        select(h.c.local_weekday, h.c.local_hour, func.sum(h.c.n))
        .where(in_days(h.c.local_date, ranges))
        .group_by(h.c.local_weekday, h.c.local_hour)
    ):
        result.heatmap[weekday][hour] = int(count)
    b = db.rollup_bucket
    buckets = [
        (int(x), int(count))
        for x, count in conn.execute(
            select(b.c.bucket, func.sum(b.c.n))
            .where(in_days(b.c.local_date, ranges))
            .group_by(b.c.bucket)
            .order_by(b.c.bucket)
        )
        if count
    ]
    result.mean_duration_s = round(duration_sum / n_duration, 3) if n_duration else None
    result.median_duration_s = _median_from_buckets(conn, ranges, buckets)
    result.completion_rate = completed / n if n else None
    if rated_officers < k or not weeks_rated:
        result.stress_change_hidden = True
    else:
        c = db.rollup_change
        result.stress_change = {
            int(x): int(count)
            for x, count in conn.execute(
                select(c.c.change, func.sum(c.c.n))
                .where(in_days(c.c.local_date, ranges))
                .group_by(c.c.change)
            )
            if count
        }
    return result


def _bucket_expression(conn: Connection) -> ColumnElement[Any]:
    """The duration bucket in SQL, truncated like :func:`admin_web.rollup.bucket_of` (PostgreSQL's
    cast to integer would round)."""
    quotient = sessions.c.duration_s / MEDIAN_BUCKET_S
    return func.trunc(quotient) if conn.dialect.name == "postgresql" else cast(quotient, Integer)


def _median_from_buckets(
    conn: Connection, ranges: list[tuple[date, date]], buckets: list[tuple[int, int]]
) -> float | None:
    """Exact median: find the bucket(s) of the middle position(s) from the rollup, then let the
    database step through that bucket's durations in the duration index (no sort, no transfer)."""
    n = sum(count for _, count in buckets)
    if n == 0:
        return None
    bucket_sql = _bucket_expression(conn)

    def values_from(position: int, count: int) -> list[float]:
        """The durations at ``position`` and up to ``count - 1`` after it, within its bucket."""
        before = 0
        for bucket, in_bucket in buckets:
            if position < before + in_bucket:
                lo, hi = (bucket - 1) * MEDIAN_BUCKET_S, (bucket + 2) * MEDIAN_BUCKET_S
                query = (
                    select(sessions.c.duration_s)
                    .where(
                        sessions.c.duration_s >= lo,
                        sessions.c.duration_s < hi,
                        bucket_sql == bucket,
                        in_days(sessions.c.local_date, ranges),
                    )
                    .order_by(sessions.c.duration_s)
                    .limit(count)
                    .offset(position - before)
                )
                return [float(v) for v in conn.execute(query).scalars()]
            before += in_bucket
        raise AssertionError("median position beyond the counted rows")

    lo, hi = (n - 1) // 2, n // 2
    middle = values_from(lo, hi - lo + 1)  # both middle values in one walk when they share a bucket
    if len(middle) < hi - lo + 1:
        middle += values_from(hi, 1)
    return sum(middle) / len(middle)


def data_version(conn: Connection) -> tuple[int, object]:
    """Changes whenever sessions are added, replaced or deleted: (the session count the day rollup
    holds, the newest receipt time). A few hundred rollup rows and one index seek, whatever the
    number of sessions (counting the sessions themselves took ~0.5 s at a million under load)."""
    count = conn.execute(select(func.coalesce(func.sum(db.rollup_date.c.n), 0))).scalar_one()
    newest = conn.execute(select(func.max(sessions.c.received_at))).scalar_one()
    return int(count), newest


class DashboardCache:
    """Recent :func:`dashboard` results (whole weeks, as the page shows them) keyed by their arguments
    and :func:`data_version`: repeated views cost one version query until new data arrives."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._entries: OrderedDict[tuple, Dashboard] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conn: Connection, date_from: date, date_to: date, k: int, station: str | None) -> Dashboard:
        """The dashboard from the cache, or computed and kept; a cache of size 0 always computes
        (without asking the database for its data version)."""
        if self.size == 0:
            return dashboard(conn, date_from, date_to, k, station, whole_weeks=True)
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
