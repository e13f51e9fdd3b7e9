"""The store's sessions and calibrations in the one shape the admin receives (``wire_v1``).

A record is built here, and validated, at the moment the store queues it for sync; the outbox then
holds exactly what is uploaded, and nothing converts it again on the way out. Names become wire
tokens, times get an explicit UTC offset and the data quality a verdict, so a well-formed record
always validates; one that does not (a station id that is no wire identifier, say) raises
``ValueError`` (pydantic's ``ValidationError``) with the reason, and the store refuses it.

Health data stays on the station: an officer's resonance assessment (rate, per-block amplitudes)
and the pacer rate chosen from it are left out of event details.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError

from station.store.models import SessionEvent, SessionRecord, SessionStatus
from wire import v1 as wire_v1

STATUS_ON_WIRE = {
    SessionStatus.COMPLETED: "completed",
    SessionStatus.ABORTED: "aborted",
    SessionStatus.INTERRUPTED: "incomplete",
    SessionStatus.RUNNING: "incomplete",
}
Verdict = Literal["green", "amber", "red"]
QUALITY_LEVELS: dict[str, Verdict] = {"good": "green", "degraded": "amber", "bad": "red", "green": "green"}
QUALITY_LEVELS |= {"amber": "amber", "red": "red"}
PRIVATE_DETAIL_KEYS = frozenset({"rate", "pacer_rate", "blocks", "amplitude", "valid_share", "breaths"})
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9._-]")


def wire_token(value: object, fallback: str = "unknown") -> str:
    """A wire identifier: ASCII letters, digits, '.', '_', '-' (others become '_'), at most 64."""
    return _NOT_TOKEN.sub("_", str(value or ""))[:64].lstrip("._-") or fallback


def wire_time(value: str | None) -> datetime | None:
    """An ISO-8601 time with an explicit offset (the store writes UTC; a naive time is taken as UTC)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def finite_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """The finite numeric entries, keyed by wire tokens (at most ``wire_v1.MAX_METRICS``)."""
    return {
        wire_token(k): float(v)
        for k, v in list(metrics.items())[: wire_v1.MAX_METRICS]
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and abs(v) <= 1e12
    }


def data_quality(raw: dict[str, Any]) -> wire_v1.DataQuality:
    """Either an overall ``{verdict, usable_fraction, notes}`` or per stream ``{ECG: {good_share, …}}``
    (the worst stream counts); nothing summarised is reported red, never claimed good."""
    if any(k in raw for k in ("verdict", "level", "usable_fraction")):
        verdict = QUALITY_LEVELS.get(str(raw.get("verdict", raw.get("level", "red"))), "red")
        usable = raw.get("usable_fraction", 0.0)
        usable = float(usable) if isinstance(usable, int | float) and math.isfinite(usable) else 0.0
        return wire_v1.DataQuality(
            verdict=verdict,
            usable_fraction=min(1.0, max(0.0, usable)),
            notes=str(raw.get("notes", ""))[:500],
            flagged=raw["flagged"] if isinstance(raw.get("flagged"), bool) else None,
            usable_feedback_min=feedback_minutes(raw.get("usable_feedback_min")),
        )
    shares = {
        str(stream): float(v["good_share"])
        for stream, v in raw.items()
        if isinstance(v, dict)
        and isinstance(v.get("good_share"), int | float)
        and math.isfinite(v["good_share"])
    }
    if not shares:
        return wire_v1.DataQuality(verdict="red", usable_fraction=0.0, notes="no quality summary")
    usable = min(1.0, max(0.0, min(shares.values())))
    worst: Verdict = "green" if usable >= 0.9 else "amber" if usable >= 0.7 else "red"
    notes = ", ".join(f"{s} {v:.0%}" for s, v in sorted(shares.items()))[:500]
    return wire_v1.DataQuality(verdict=worst, usable_fraction=usable, notes=notes)


def feedback_minutes(value: object) -> float | None:
    """Minutes of usable feedback as the wire takes them (0 to a day), None when not a number."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return None
    return min(1440.0, max(0.0, float(value)))


def event_detail(detail: dict[str, Any]) -> str:
    """An event's detail as wire text, without the officer's breathing data."""
    public = {k: v for k, v in detail.items() if k not in PRIVATE_DETAIL_KEYS}
    return json.dumps(public, ensure_ascii=False)[:500] if public else ""


def _phase(name: str, metrics: dict[str, Any]) -> wire_v1.PhaseSummary:
    metrics = dict(metrics)
    duration = metrics.pop("duration_s", 0.0)
    finite = isinstance(duration, int | float) and math.isfinite(duration)
    return wire_v1.PhaseSummary(
        phase=wire_token(name),
        duration_s=min(max(float(duration), 0.0), 86_400.0) if finite else 0.0,
        metrics=finite_metrics(metrics),
    )


def _event(started: datetime, event: SessionEvent) -> wire_v1.SessionEvent:
    at = wire_time(event.at)
    offset = 0.0 if at is None else (at - started).total_seconds()
    return wire_v1.SessionEvent(
        t_s=min(86_400.0, max(0.0, offset)), kind=wire_token(event.kind), detail=event_detail(event.detail)
    )


def session_summary(
    record: SessionRecord, events: Sequence[SessionEvent], updated_at: str | None
) -> wire_v1.SessionSummary:
    """A stored session, its events and its last change time as the ``wire_v1.SessionSummary`` sent."""
    started = wire_time(record.started_at)
    if started is None:
        raise ValueError(f"session {record.uuid} has no start time")
    return wire_v1.SessionSummary.model_validate(
        {
            "uuid": record.uuid,
            "station_id": record.station_id,
            "officer_code": wire_token(record.officer_code),
            "program": wire_token(record.program),
            "started_at": started,
            "ended_at": wire_time(record.ended_at),
            "updated_at": wire_time(updated_at),
            "status": STATUS_ON_WIRE[record.status],
            "ratings": wire_v1.Ratings(
                stress_pre=record.pre_stress,
                stress_post=record.post_stress,
                mood_pre=record.pre_mood,
                mood_post=record.post_mood,
            ),
            "phases": [
                _phase(name, metrics)
                for name, metrics in list(record.phase_summaries.items())[: wire_v1.MAX_PHASES]
            ],
            "data_quality": data_quality(record.data_quality or {}),
            "events": [_event(started, e) for e in events[: wire_v1.MAX_EVENTS]],
            "topic": record.topic,
        }
    )


def calibration(
    uuid: str, station_id: str, technician: str, device: str, at: str, results: dict[str, Any]
) -> wire_v1.Calibration:
    """A technician's stored calibration result as the ``wire_v1.Calibration`` sent."""
    values = dict(results)
    passed = values.pop("passed", values.pop("pass", True))
    next_due = values.pop("next_due", None)
    notes = values.pop("notes", "")
    return wire_v1.Calibration.model_validate(
        {
            "uuid": uuid,
            "station_id": station_id,
            "device": wire_token(device),
            "sensor": wire_token(values.pop("sensor", device)),
            "performed_at": wire_time(at),
            "technician": re.sub(r"[\x00-\x1f]", " ", technician or "?")[:64],
            "result": "pass" if passed else "fail",
            "values": finite_metrics(values),
            "next_due": next_due if isinstance(next_due, str) else None,
            "notes": re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", " ", str(notes))[:500],
        }
    )


def stored_session(db: sqlite3.Connection, session_uuid: str) -> wire_v1.SessionSummary:
    """The wire summary of a session as stored now (row and events read in ``db``'s transaction)."""
    cursor = db.cursor()
    cursor.row_factory = sqlite3.Row
    row = cursor.execute("SELECT * FROM sessions WHERE uuid = ?", (session_uuid,)).fetchone()
    if row is None:
        raise ValueError(f"no session {session_uuid}")
    events = [
        SessionEvent(e[0], e[1], json.loads(e[2]), e[3])
        for e in db.execute(
            "SELECT at, kind, detail, lsl_time FROM events WHERE session_uuid = ? ORDER BY id",
            (session_uuid,),
        )
    ]
    record = SessionRecord.from_row(row)
    return session_summary(record, events, row["updated_at"])


def stored_calibration(db: sqlite3.Connection, calibration_uuid: str) -> wire_v1.Calibration:
    """The wire record of a stored calibration."""
    row = db.execute(
        "SELECT uuid, station_id, technician, device, at, results FROM calibrations WHERE uuid = ?",
        (calibration_uuid,),
    ).fetchone()
    if row is None:
        raise ValueError(f"no calibration {calibration_uuid}")
    return calibration(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]))


def refusal_reason(exc: ValueError) -> str:
    """Why a record was refused, in one line: ``field: what is wrong`` for a schema error."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
