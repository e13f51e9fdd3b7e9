"""The station API (``/api/v1``): pairing, idempotent batch upload, heartbeat.

A station authenticates with ``Authorization: Bearer <token>``; the server keeps only the token's
SHA-256. A token writes only its own station's rows and reads nothing.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Engine, Insert, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from admin_web import db, fleet_config, outcome_rollup, rollup
from admin_web.security import new_token, sha256_hex, utcnow
from admin_web.session_changes import session_changes
from admin_web.station_pairing import expire_pending
from wire import v1 as wire_v1

router = APIRouter(prefix=wire_v1.API_PREFIX, tags=["station"])
_bearer = HTTPBearer(auto_error=False, description="the station token received at pairing")
MAX_PENDING_STATIONS = 50
PENDING_EXPIRES_AFTER = timedelta(hours=24)
MAX_CLOCK_SKEW = timedelta(minutes=10)  # how far a session's updated_at may lie ahead of the server

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing, unknown or revoked station token"},
    403: {"description": "the token's station may not write this station's data"},
    413: {"description": "request body larger than the limit"},
    422: {"description": "payload does not match the schema"},
}


def engine_of(request: Request) -> Engine:
    return request.app.state.engine


def station_for_token(engine: Engine, token: str) -> str | None:
    """The id of the approved station holding ``token``, or None."""
    with engine.connect() as conn:
        found = conn.execute(
            select(db.stations.c.id).where(
                db.stations.c.token_hash == sha256_hex(token), db.stations.c.status == "approved"
            )
        ).scalar()
    return None if found is None else str(found)


def authenticated_station(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> str:
    """The id of the approved station whose token is presented; 401 otherwise."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "station token required", headers={"WWW-Authenticate": "Bearer"}
        )
    station = station_for_token(engine_of(request), credentials.credentials)
    if station is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "unknown or revoked station token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return station


StationId = Annotated[str, Depends(authenticated_station)]


@router.post(
    "/pair",
    response_model=wire_v1.PairingResponse,
    responses={
        409: {"description": "already paired, or another claim for this station awaits an admin"},
        429: {"description": "too many stations waiting for approval, or too many requests from here"},
        422: _ERRORS[422],
    },
)
def pair(body: wire_v1.PairingRequest, request: Request) -> wire_v1.PairingResponse:
    """Ask to be paired. Pending until an admin approves; the first call after approval returns the
    token (once). The same claim must be sent on every call; a pending claim is never replaced."""
    code = wire_v1.pairing_code(body.claim)
    claim_hash = sha256_hex(body.claim)
    source = f"ip:{request.client.host if request.client else '?'}"
    now = utcnow()
    with engine_of(request).begin() as conn:
        expire_pending(conn, now - PENDING_EXPIRES_AFTER)
        row = conn.execute(select(db.stations).where(db.stations.c.id == body.station_id)).first()
        if row is not None and row.status == "approved":
            if row.token_issued or row.claim_hash != claim_hash:
                raise HTTPException(
                    status.HTTP_409_CONFLICT, "station already paired; ask an admin to re-pair it"
                )
            token = new_token()
            conn.execute(
                update(db.stations)
                .where(db.stations.c.id == body.station_id)
                .values(token_hash=sha256_hex(token), token_issued=True)
            )
            return wire_v1.PairingResponse(status="approved", pairing_code=code, token=token)
        if row is not None and row.status == "pending":
            if row.claim_hash != claim_hash:
                raise HTTPException(
                    status.HTTP_409_CONFLICT,
                    "another pairing request for this station awaits an admin; ask an admin to clear it",
                )
            return wire_v1.PairingResponse(status="pending", pairing_code=code)
        limiter = request.app.state.pair_limiter
        if limiter.blocked(conn, source):
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS, "too many pairing requests from this address"
            )
        pending = conn.execute(
            select(func.count()).select_from(db.stations).where(db.stations.c.status == "pending")
        ).scalar_one()
        if pending >= MAX_PENDING_STATIONS:
            raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many stations awaiting approval")
        limiter.fail(conn, source)
        request_values = {
            "name": body.name,
            "status": "pending",
            "claim_hash": claim_hash,
            "pairing_code": code,
            "token_hash": None,
            "token_issued": False,
            "software_version": body.software_version,
            "requested_at": now,
        }
        if row is None:
            conn.execute(insert(db.stations).values(id=body.station_id, first_seen_at=now, **request_values))
        else:  # discovered or revoked: a new request, to be approved by an admin
            conn.execute(
                update(db.stations).where(db.stations.c.id == body.station_id).values(**request_values)
            )
    return wire_v1.PairingResponse(status="pending", pairing_code=code)


def session_row(s: wire_v1.SessionSummary, now: Any) -> dict[str, Any]:
    """The ``sessions`` table row of an uploaded summary received at ``now`` (station-local day and
    hour for the dashboard, a hash of the content to recognise a resend)."""
    local = s.started_at
    phases = [p.model_dump(mode="json") for p in s.phases]
    started = s.started_at.astimezone(UTC).replace(tzinfo=None)
    ended = s.ended_at.astimezone(UTC).replace(tzinfo=None) if s.ended_at else None
    return {
        "uuid": str(s.uuid),
        "station_id": s.station_id,
        "officer_code": s.officer_code,
        "program": s.program,
        "started_at": started,
        "ended_at": ended,
        "local_date": local.date(),
        "local_hour": local.hour,
        "local_weekday": local.weekday(),
        "duration_s": (ended - started).total_seconds() if ended and ended >= started else None,
        "status": s.status,
        "stress_pre": s.ratings.stress_pre,
        "stress_post": s.ratings.stress_post,
        "mood_pre": s.ratings.mood_pre,
        "mood_post": s.ratings.mood_post,
        "quality_verdict": s.data_quality.verdict,
        "quality_usable": s.data_quality.usable_fraction,
        "phases": phases,
        "events": [e.model_dump(mode="json") for e in s.events],
        "received_at": now,
        "updated_at": s.updated_at.astimezone(UTC).replace(tzinfo=None) if s.updated_at else None,
        "content_hash": hashlib.sha256(s.model_dump_json().encode()).hexdigest(),
        "topic": s.topic,
        "quality_flagged": s.data_quality.flagged,
        "usable_feedback_min": s.data_quality.usable_feedback_min,
        **session_changes(phases),
    }


def calibration_row(c: wire_v1.Calibration, now: Any) -> dict[str, Any]:
    """The ``calibrations`` table row of an uploaded calibration received at ``now``."""
    return {
        "uuid": str(c.uuid),
        "station_id": c.station_id,
        "device": c.device,
        "sensor": c.sensor,
        "performed_at": c.performed_at.astimezone(UTC).replace(tzinfo=None),
        "technician": c.technician,
        "result": c.result,
        "values": dict(c.values),
        "next_due": c.next_due,
        "notes": c.notes,
        "received_at": now,
    }


def insert_new(
    conn: Connection, table: Any, rows: list[dict[str, Any]]
) -> tuple[set[str], list[dict[str, Any]]]:
    """Insert the rows whose uuid the table lacks; return (uuids already there, rows inserted now)."""
    if not rows:
        return set(), []
    uuids = [r["uuid"] for r in rows]
    existing = {u for (u,) in conn.execute(select(table.c.uuid).where(table.c.uuid.in_(uuids)))}
    fresh = {r["uuid"]: r for r in rows if r["uuid"] not in existing}
    if not fresh:
        return existing, []
    dialect = conn.dialect.name
    stmt: Insert
    if dialect == "sqlite":
        stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=["uuid"])
    elif dialect == "postgresql":
        stmt = postgresql.insert(table).on_conflict_do_nothing(index_elements=["uuid"])
    else:
        stmt = insert(table)
    # RETURNING names the rows this statement stored: a concurrent upload of the same uuid may win
    inserted = {u for (u,) in conn.execute(stmt.returning(table.c.uuid), list(fresh.values()))}
    return existing | (set(fresh) - inserted), [fresh[u] for u in inserted]


def lock_sessions(conn: Connection, uuids: list[str]) -> None:
    """Serialise writers of the same sessions for the rest of this transaction, so the read-modify-
    write of a session and its rollups never interleaves with another upload of the same UUID:
    SQLite takes the write lock now (``BEGIN IMMEDIATE``; call this first in the transaction);
    PostgreSQL takes one transaction-scoped advisory lock per UUID, in a fixed order."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql" and uuids:
        conn.execute(
            text(
                "SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(u, 0) AS h "
                "FROM unnest(CAST(:uuids AS text[])) AS u ORDER BY h) AS ordered"
            ),
            {"uuids": uuids},
        )


def store_sessions(conn: Connection, rows: list[dict[str, Any]]) -> set[str]:
    """Insert new sessions and replace stored ones the station has changed since (a later or equal
    ``updated_at`` and different content), keeping the dashboard rollups in step; return the uuids
    that changed nothing."""
    if not rows:
        return set()
    latest = {r["uuid"]: r for r in rows}
    stored = {
        r.uuid: r for r in conn.execute(select(db.sessions).where(db.sessions.c.uuid.in_(list(latest))))
    }
    unchanged, inserted = insert_new(conn, db.sessions, [r for u, r in latest.items() if u not in stored])
    replaced_old, replaced_new = [], []
    for uuid, old in stored.items():
        new = latest[uuid]
        newer = old.updated_at is None or (
            new["updated_at"] is not None and new["updated_at"] >= old.updated_at
        )
        if newer and new["content_hash"] != old.content_hash:
            conn.execute(
                update(db.sessions)
                .where(db.sessions.c.uuid == uuid)
                .values(**{k: v for k, v in new.items() if k != "uuid"})
            )
            replaced_old.append(old)
            replaced_new.append(new)
        else:
            unchanged.add(uuid)
    rollup.change(conn, removed=replaced_old, added=[*inserted, *replaced_new])
    outcome_rollup.add(conn, replaced_old, sign=-1)
    outcome_rollup.add(conn, [*inserted, *replaced_new])
    return unchanged


@router.post("/sessions", response_model=wire_v1.UploadResult, responses=_ERRORS)
def upload(batch: wire_v1.UploadBatch, station_id: StationId, request: Request) -> wire_v1.UploadResult:
    """Store session summaries (with their events) and calibrations. Idempotent by UUID: what the
    server already holds is reported under ``duplicates`` and changes nothing; a session resent with
    a later ``updated_at`` and new content replaces the stored one (listed under ``accepted``)."""
    foreign = {s.station_id for s in batch.sessions} | {c.station_id for c in batch.calibrations}
    foreign -= {station_id}
    if foreign:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a station token writes only its own station's data")
    now = utcnow()
    too_late = now.replace(tzinfo=UTC) + MAX_CLOCK_SKEW
    future = [str(s.uuid) for s in batch.sessions if s.updated_at is not None and s.updated_at > too_late]
    if future:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            f"updated_at lies more than {MAX_CLOCK_SKEW.total_seconds():.0f} s after the server's clock "
            f"(sessions {', '.join(future[:5])}): check the station's clock",
        )
    with engine_of(request).begin() as conn:
        lock_sessions(conn, sorted({str(s.uuid) for s in batch.sessions}))
        dup = store_sessions(conn, [session_row(s, now) for s in batch.sessions])
        dup |= insert_new(conn, db.calibrations, [calibration_row(c, now) for c in batch.calibrations])[0]
        conn.execute(update(db.stations).where(db.stations.c.id == station_id).values(last_sync_at=now))
    all_ids = [s.uuid for s in batch.sessions] + [c.uuid for c in batch.calibrations]
    return wire_v1.UploadResult(
        accepted=[u for u in dict.fromkeys(all_ids) if str(u) not in dup],
        duplicates=[u for u in dict.fromkeys(all_ids) if str(u) in dup],
    )


@router.post("/heartbeat", response_model=wire_v1.HeartbeatAck, responses=_ERRORS)
def heartbeat(body: wire_v1.Heartbeat, station_id: StationId, request: Request) -> wire_v1.HeartbeatAck:
    """Record the station's state, sensor verdicts, software version, free disk and backlog."""
    if body.station_id != station_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a station token writes only its own station's data")
    now = utcnow()
    with engine_of(request).begin() as conn:
        conn.execute(
            update(db.stations)
            .where(db.stations.c.id == station_id)
            .values(
                last_heartbeat_at=now,
                state=body.state,
                software_version=body.software_version,
                free_disk_bytes=body.free_disk_bytes,
                backlog=body.backlog,
                sensors=[v.model_dump(mode="json") for v in body.sensors],
            )
        )
        desired, actions = fleet_config.heartbeat_report(conn, station_id, body)
    return wire_v1.HeartbeatAck(server_time=now.replace(tzinfo=UTC), config_version=desired, actions=actions)
