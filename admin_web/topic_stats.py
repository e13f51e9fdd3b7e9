"""The emotion log as admins may see it: per month, how many different officers named each topic
before a session (wire_v1.Topic), with every count below the room's k (setting ``k_anonymity``)
suppressed. Counts are of officers, not sessions, so one officer's many visits never single them out.
Topics are not exclusive (an officer may name several in a month), so no total is shown from which a
suppressed cell could be worked out.

Beside them: how many times the kiosks suggested the room's counsellor per month (the opt-in early
warning), from the stations' monthly counts, which never name an officer; a month below k is
suppressed the same way."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import get_args

from sqlalchemy import Connection, func, select

from admin_web import db
from wire import v1 as wire_v1

TOPICS: tuple[str, ...] = get_args(wire_v1.Topic)


@dataclass(frozen=True)
class TopicMonth:
    """One month's row: topic -> officers (None: fewer than k, suppressed)."""

    month: str  # "2026-11"
    counts: dict[str, int | None] = field(default_factory=dict)


def topic_months(conn: Connection, since: date, k: int) -> list[TopicMonth]:
    """The months from ``since`` (station-local dates), newest first, each topic's officer count."""
    s = db.sessions.c
    rows = conn.execute(
        select(s.local_date, s.topic, s.officer_code).where(s.topic.is_not(None), s.local_date >= since)
    ).all()
    officers: dict[str, dict[str, set[str]]] = {}
    for day, topic, officer in rows:
        officers.setdefault(day.strftime("%Y-%m"), {}).setdefault(topic, set()).add(officer)
    return [
        TopicMonth(month, {t: _shown(len(by_topic.get(t, ())), k) for t in TOPICS})
        for month, by_topic in sorted(officers.items(), reverse=True)
    ]


def reminder_months(conn: Connection, since: date, k: int) -> list[tuple[str, int | None]]:
    """(month, suggestions) newest first: how many times the room's kiosks suggested the counsellor
    (the stations' monthly counts summed; below k suppressed like the topic cells)."""
    c = db.reminder_counts.c
    rows = conn.execute(
        select(c.month, func.sum(c.shown)).where(c.month >= since.strftime("%Y-%m")).group_by(c.month)
    ).all()
    return [(month, _shown(int(total or 0), k)) for month, total in sorted(rows, reverse=True)]


def _shown(n: int, k: int) -> int | None:
    return n if n == 0 or n >= k else None
