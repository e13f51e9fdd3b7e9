"""The dashboard's outcome cards: does a visit help? Mean stress rating before and after, the share
of sessions that end with lower stress, the mean change in heart rate and in RMSSD from the resting
baseline to the end of a session (``sessions.hr_change``, ``rmssd_change``, see
admin_web.session_changes), and minutes practised per officer per week.

All over the days the dashboard counts (``Dashboard.ranges``: whole weeks with at least k officers),
in one SQL aggregate, and each card is shown only when at least k different officers contribute to
it (None otherwise). Sessions of low data quality (a sensor was lost, or the station judged the data
red) are counted apart and left out of the means; their minutes still count as practice."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, false, func, or_, select, true

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


def _officers(condition: ColumnElement[bool]) -> Any:
    return func.count(func.distinct(case((condition, sessions.c.officer_code), else_=None)))


def _mean(condition: ColumnElement[bool], value: Any) -> Any:
    return func.avg(case((condition, value), else_=None))


def _shown(value: Any, officers: int, k: int) -> float | None:
    return float(value) if value is not None and officers >= k else None


def outcomes(
    conn: Connection, ranges: list[tuple[date, date]], k: int, station: str | None = None
) -> Outcomes:
    """The outcome figures over ``ranges`` (inclusive station-local days), optionally one station."""
    s = sessions.c
    where = and_(in_days(s.local_date, ranges), s.station_id == station if station else true())
    good = and_(or_(s.quality_flagged.is_(None), s.quality_flagged == false()), s.quality_verdict != "red")
    rated = and_(good, s.stress_pre.is_not(None), s.stress_post.is_not(None))
    hr, rmssd = and_(good, s.hr_change.is_not(None)), and_(good, s.rmssd_change.is_not(None))
    lower = case((s.stress_post < s.stress_pre, 1.0), else_=0.0)
    row = conn.execute(
        select(
            func.count(),
            func.sum(case((good, 0), else_=1)),
            func.count(func.distinct(s.officer_code)),
            func.sum(s.duration_s),
            func.sum(case((rated, 1), else_=0)),
            _officers(rated),
            _mean(rated, s.stress_pre),
            _mean(rated, s.stress_post),
            _mean(rated, lower),
            _officers(hr),
            _mean(hr, s.hr_change),
            _officers(rmssd),
            _mean(rmssd, s.rmssd_change),
        ).where(where)
    ).one()
    n, flagged, officers, seconds, n_rated, rated_officers, pre, post, share = row[:9]
    hr_officers, hr_mean, rmssd_officers, rmssd_mean = row[9:]
    weeks = sum((b - a).days + 1 for a, b in ranges) / 7
    per_week = (seconds or 0) / 60 / officers / weeks if officers and weeks else None
    return Outcomes(
        counted=int(n) - int(flagged or 0),
        flagged=int(flagged or 0),
        stress_before=_shown(pre, rated_officers, k),
        stress_after=_shown(post, rated_officers, k),
        lower_share=_shown(share, rated_officers, k),
        rated=int(n_rated or 0),
        hr_change=_shown(hr_mean, hr_officers, k),
        rmssd_change=_shown(rmssd_mean, rmssd_officers, k),
        minutes_per_officer_week=_shown(per_week, officers, k),
    )


class OutcomeCache:
    """Recent :func:`outcomes` keyed by their arguments and :func:`stats.data_version`, so repeated
    dashboard views cost one version query until new data arrives."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._entries: OrderedDict[tuple, Outcomes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conn: Connection, ranges: list[tuple[date, date]], k: int, station: str | None) -> Outcomes:
        key = (tuple(ranges), k, station, data_version(conn))
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        found = outcomes(conn, ranges, k, station)
        with self._lock:
            self._entries[key] = found
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return found
