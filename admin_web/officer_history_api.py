"""``POST /api/v1/officer-history``: one officer's sessions from every station, for the kiosk.

A paired station asks with its own token for the code of the officer at its screen; the answer holds
that code's sessions only (ratings, phases, quality; no events), oldest first. Nothing here is shown
on an admin page: the officer's account is the officer's (docs/admin_web.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select

from admin_web import db
from admin_web.api import StationId, engine_of
from wire import v1 as wire_v1

router = APIRouter(prefix=wire_v1.API_PREFIX, tags=["station"])


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


def stored_summary(row: Any) -> wire_v1.SessionSummary:
    """A ``sessions`` row as the wire summary the station sent (events left out)."""
    return wire_v1.SessionSummary(
        uuid=row.uuid,
        station_id=row.station_id,
        officer_code=row.officer_code,
        program=row.program,
        started_at=row.started_at.replace(tzinfo=UTC),
        ended_at=_utc(row.ended_at),
        updated_at=_utc(row.updated_at),
        status=row.status,
        ratings=wire_v1.Ratings(
            stress_pre=row.stress_pre,
            stress_post=row.stress_post,
            mood_pre=row.mood_pre,
            mood_post=row.mood_post,
        ),
        phases=[wire_v1.PhaseSummary.model_validate(p) for p in row.phases],
        data_quality=wire_v1.DataQuality(verdict=row.quality_verdict, usable_fraction=row.quality_usable),
        topic=row.topic,
    )


@router.post(
    wire_v1.OFFICER_HISTORY_PATH,
    response_model=wire_v1.OfficerHistory,
    responses={401: {"description": "missing, unknown or revoked station token"}},
)
def officer_history(
    body: wire_v1.OfficerHistoryRequest, station_id: StationId, request: Request
) -> wire_v1.OfficerHistory:
    """The newest ``MAX_HISTORY_SESSIONS`` sessions of ``officer_code``, oldest first."""
    s = db.sessions.c
    query = (
        select(db.sessions)
        .where(s.officer_code == body.officer_code)
        .order_by(s.started_at.desc(), s.uuid.desc())
        .limit(wire_v1.MAX_HISTORY_SESSIONS)
    )
    with engine_of(request).connect() as conn:
        rows = conn.execute(query).all()
    return wire_v1.OfficerHistory(
        officer_code=body.officer_code, sessions=[stored_summary(r) for r in reversed(rows)]
    )
