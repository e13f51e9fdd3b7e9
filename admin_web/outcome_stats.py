"""The dashboard's outcome cards: does a visit help? Mean stress rating before and after, the share
of sessions that end with lower stress, the mean change in heart rate and in RMSSD from the resting
baseline to the end of a session, and minutes practised per officer per week.

All over the days the dashboard counts (``Dashboard.ranges``: whole weeks with at least k officers),
and each card is shown only when at least k different officers contribute to it (None otherwise).
Sessions of low data quality (a sensor was lost, or the station judged the data red) are counted
apart and left out of the means; their minutes still count as practice."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, or_, select, true

from admin_web.db import sessions
from admin_web.stats import data_version, in_days

BASELINE_PHASES = ("baseline", "arrive")
HR_KEYS, RMSSD_KEYS = ("hr", "hr_bpm"), ("rmssd", "rmssd_ms")


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


def metric_change(phases: list[dict[str, Any]], keys: tuple[str, ...]) -> float | None:
    """A session's change in a metric from its resting baseline (the baseline phase, else the first
    phase that has it) to the last later phase that has it; None without both."""
    values = []
    for phase in phases:
        metrics = phase.get("metrics", {})
        value = next((metrics[k] for k in keys if isinstance(metrics.get(k), int | float)), None)
        if value is not None:
            values.append((str(phase.get("phase", "")), float(value)))
    if len(values) < 2:
        return None
    start = next((i for i, (name, _) in enumerate(values) if name in BASELINE_PHASES), 0)
    if start == len(values) - 1:
        return None
    return values[-1][1] - values[start][1]


class _Mean:
    """A mean with the officers behind it, shown only when they are at least k."""

    def __init__(self) -> None:
        self.total, self.n, self.officers = 0.0, 0, set[str]()

    def add(self, value: float | None, officer: str) -> None:
        if value is not None:
            self.total, self.n = self.total + value, self.n + 1
            self.officers.add(officer)

    def value(self, k: int) -> float | None:
        return self.total / self.n if self.n and len(self.officers) >= k else None


def outcomes(
    conn: Connection, ranges: list[tuple[date, date]], k: int, station: str | None = None
) -> Outcomes:
    """The outcome figures over ``ranges`` (inclusive station-local days), optionally one station."""
    s = sessions.c
    where = and_(in_days(s.local_date, ranges), s.station_id == station if station else true())
    low_quality = or_(s.quality_flagged.is_(True), s.quality_verdict == "red")
    rows = conn.execute(
        select(s.officer_code, s.stress_pre, s.stress_post, s.duration_s, s.phases, low_quality).where(where)
    ).all()
    before, after, lower, hr, rmssd = _Mean(), _Mean(), _Mean(), _Mean(), _Mean()
    minutes, practising, flagged = 0.0, set[str](), 0
    for officer, pre, post, duration_s, phases, is_low in rows:
        minutes += (duration_s or 0.0) / 60
        practising.add(officer)
        if is_low:
            flagged += 1
            continue
        if pre is not None and post is not None:
            before.add(pre, officer)
            after.add(post, officer)
            lower.add(1.0 if post < pre else 0.0, officer)
        hr.add(metric_change(phases or [], HR_KEYS), officer)
        rmssd.add(metric_change(phases or [], RMSSD_KEYS), officer)
    weeks = sum((b - a).days + 1 for a, b in ranges) / 7
    per_week = minutes / len(practising) / weeks if practising and weeks and len(practising) >= k else None
    return Outcomes(
        counted=len(rows) - flagged,
        flagged=flagged,
        stress_before=before.value(k),
        stress_after=after.value(k),
        lower_share=lower.value(k),
        rated=lower.n,
        hr_change=hr.value(k),
        rmssd_change=rmssd.value(k),
        minutes_per_officer_week=per_week,
    )


class OutcomeCache:
    """Recent :func:`outcomes` keyed by their arguments and :func:`stats.data_version`, so repeated
    dashboard views do not read the sessions' phases again until new data arrives."""

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
