"""The dashboard's outcome cards: does a visit help? Mean stress rating before and after, the share
of sessions that end with lower stress, the mean change in heart rate and in RMSSD from the resting
baseline to the end of a session (``sessions.hr_change``, ``rmssd_change``, see
admin_web.session_changes), and minutes practised per officer per week.

All over the days the dashboard counts (``Dashboard.ranges``: whole weeks with at least k officers),
summed from a per-station-day rollup (admin_web.outcome_rollup), and each card is shown only when at
least k different officers contribute to it (None otherwise). Sessions of low data quality (a
sensor was lost, or the station judged the data red) are counted apart and left out of the means;
their minutes still count as practice."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, false, func, or_, select, true

from admin_web import db, outcome_rollup
from admin_web.db import sessions
from admin_web.stats import data_version, in_days


@dataclass(frozen=True)
class Outcomes:
    """The outcome cards' figures; a None figure has fewer than k officers behind it."""

    counted: int  # sessions in the means (not flagged)
    flagged: int  # sessions of low data quality, counted apart
    stress_before: float | None = None
    stress_after: float | None = None
    lower_share: float | None = None  # of rated sessions, the share ending with lower stress
    rated: int = 0
    hr_change: float | None = None  # bpm, end minus resting baseline
    rmssd_change: float | None = None  # ms
    minutes_per_officer_week: float | None = None


@dataclass(frozen=True)
class _Sums:
    """The outcome sums over a set of days (from the rollup, or counted from the sessions); counts
    too are floats here (SQL sums arrive as int, float or Decimal)."""

    sessions: float
    seconds: float
    low_quality: float
    rated: float
    pre: float
    post: float
    lower: float
    hr_n: float
    hr: float
    rmssd_n: float
    rmssd: float

    @classmethod
    def of(cls, values: Iterable[Any]) -> _Sums:
        return cls(*(float(v or 0) for v in values))


def _good() -> ColumnElement[bool]:
    """Sessions in the means: no sensor lost, not red (outcome_rollup.low_quality, in SQL)."""
    s = sessions.c
    return and_(or_(s.quality_flagged.is_(None), s.quality_flagged == false()), s.quality_verdict != "red")


def _rollup_sums(conn: Connection, ranges: list[tuple[date, date]], station: str | None) -> _Sums:
    o = db.rollup_outcome
    d = db.rollup_day if station else db.rollup_date  # all stations: one row per day, not per station-day
    of_station = (lambda t: t.c.station_id == station) if station else (lambda t: true())
    days = conn.execute(
        select(func.sum(d.c.n), func.sum(d.c.duration_sum)).where(
            in_days(d.c.local_date, ranges), of_station(d)
        )
    ).one()
    row = conn.execute(
        select(*(func.sum(o.c[c]) for c in outcome_rollup.SUMS)).where(
            in_days(o.c.local_date, ranges), of_station(o)
        )
    ).one()
    return _Sums.of([*days, *row])


def _session_sums(conn: Connection, where: ColumnElement[bool]) -> _Sums:
    s, good = sessions.c, _good()
    rated = and_(good, s.stress_pre.is_not(None), s.stress_post.is_not(None))

    def total(condition: ColumnElement[bool], value: Any = 1) -> Any:
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    row = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(s.duration_s), 0),
            total(~good),
            total(rated),
            total(rated, s.stress_pre),
            total(rated, s.stress_post),
            total(and_(rated, s.stress_post < s.stress_pre)),
            total(and_(good, s.hr_change.is_not(None))),
            total(good, func.coalesce(s.hr_change, 0)),
            total(and_(good, s.rmssd_change.is_not(None))),
            total(good, func.coalesce(s.rmssd_change, 0)),
        ).where(where)
    ).one()
    return _Sums.of(row)


def _at_least_k(conn: Connection, where: ColumnElement[bool], condition: ColumnElement[bool], k: int) -> bool:
    """Whether at least k different officers have a session matching ``condition``: the matching
    rows are streamed (through the covering index ix_sessions_outcomes) and the reading stops at the
    k-th officer found. A ``DISTINCT … LIMIT k`` in SQL would not stop early on PostgreSQL, which
    hashes every matching row first (0.4 s at a million sessions)."""
    query = select(sessions.c.officer_code).where(where, condition)
    seen: set[str] = set()
    with conn.execute(query.execution_options(stream_results=True, yield_per=500)) as result:
        for code in result.scalars():
            seen.add(code)
            if len(seen) >= k:
                return True
    return False


def outcomes(
    conn: Connection,
    ranges: list[tuple[date, date]],
    k: int,
    station: str | None = None,
    officers: int | None = None,
    use_rollups: bool = True,
) -> Outcomes:
    """The outcome figures over ``ranges`` (inclusive station-local days), optionally one station.
    Sums come from the rollup (``use_rollups=False``: from the sessions); each card's officers are
    checked against k with a scan that stops at the k-th. ``officers``: the different officers over
    the same days, when the caller knows it (the dashboard does)."""
    s = sessions.c
    where = and_(in_days(s.local_date, ranges), s.station_id == station if station else true())
    sums = _rollup_sums(conn, ranges, station) if use_rollups else _session_sums(conn, where)
    good = _good()
    rated = and_(good, s.stress_pre.is_not(None), s.stress_post.is_not(None))
    show_stress = sums.rated >= k and _at_least_k(conn, where, rated, k)
    show_hr = sums.hr_n >= k and _at_least_k(conn, where, and_(good, s.hr_change.is_not(None)), k)
    show_rmssd = sums.rmssd_n >= k and _at_least_k(conn, where, and_(good, s.rmssd_change.is_not(None)), k)
    if officers is None:
        officers = int(
            conn.execute(select(func.count(func.distinct(s.officer_code))).where(where)).scalar_one()
        )
    weeks = sum((b - a).days + 1 for a, b in ranges) / 7
    return Outcomes(
        counted=int(sums.sessions - sums.low_quality),
        flagged=int(sums.low_quality),
        stress_before=sums.pre / sums.rated if show_stress else None,
        stress_after=sums.post / sums.rated if show_stress else None,
        lower_share=sums.lower / sums.rated if show_stress else None,
        rated=int(sums.rated),
        hr_change=sums.hr / sums.hr_n if show_hr else None,
        rmssd_change=sums.rmssd / sums.rmssd_n if show_rmssd else None,
        minutes_per_officer_week=sums.seconds / 60 / officers / weeks if officers >= k and weeks else None,
    )


class OutcomeCache:
    """Recent :func:`outcomes` keyed by their arguments and :func:`stats.data_version`, so repeated
    dashboard views cost one version query until new data arrives."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._entries: OrderedDict[tuple, Outcomes] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self, conn: Connection, ranges: list[tuple[date, date]], k: int, station: str | None, officers: int
    ) -> Outcomes:
        key = (tuple(ranges), k, station, officers, data_version(conn))
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        found = outcomes(conn, ranges, k, station, officers)
        with self._lock:
            self._entries[key] = found
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return found
