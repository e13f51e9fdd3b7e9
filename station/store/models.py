"""Plain records the session store hands out."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class SessionStatus(StrEnum):
    """Lifecycle of a stored session."""

    RUNNING = "running"
    COMPLETED = "completed"
    ABORTED = "aborted"  # the officer stopped, or left (pause limit)
    INTERRUPTED = "interrupted"  # the station process died; found at the next start


@dataclass(frozen=True)
class OutboxItem:
    """One record waiting to be synced; ``id`` (the record's UUID) is its idempotency key."""

    id: str
    kind: str  # "session" | "calibration"
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class SessionEvent:
    """Something that happened during a session (phase change, pause, sensor lost, …)."""

    at: str
    kind: str
    detail: dict[str, Any] = field(default_factory=dict)
    lsl_time: float | None = None


@dataclass(frozen=True)
class SessionRecord:
    """A stored session; times are ISO-8601 UTC strings."""

    uuid: str
    station_id: str
    officer_code: str
    program: str
    started_at: str
    ended_at: str | None
    status: SessionStatus
    pre_stress: int | None
    pre_mood: int | None
    post_stress: int | None
    post_mood: int | None
    phase_summaries: dict[str, dict[str, float]]
    data_quality: dict[str, Any]
    xdf_path: str | None
    recording_deleted_at: str | None
    topic: str | None = None  # the emotion log (wire_v1.Topic), None when not asked

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> SessionRecord:
        """The record of a ``sessions`` table row (JSON columns decoded)."""
        return cls(
            uuid=row["uuid"],
            station_id=row["station_id"],
            officer_code=row["officer_code"],
            program=row["program"],
            started_at=row["started_at"],
            ended_at=row["ended_at"],
            status=SessionStatus(row["status"]),
            pre_stress=row["pre_stress"],
            pre_mood=row["pre_mood"],
            post_stress=row["post_stress"],
            post_mood=row["post_mood"],
            phase_summaries=json.loads(row["phase_summaries"]),
            data_quality=json.loads(row["data_quality"]),
            xdf_path=row["xdf_path"],
            recording_deleted_at=row["recording_deleted_at"],
            # migration 4 reads rows before 6 adds the column (sqlite3.Row: "in" tests values, not keys)
            topic=row["topic"] if "topic" in row.keys() else None,  # noqa: SIM118
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (status as its string value)."""
        out = dict(self.__dict__)
        out["status"] = self.status.value
        return out


@dataclass(frozen=True)
class ResonanceResult:
    """One resonance assessment of an officer: the best breathing rate (None when the blocks were
    not usable) and the engine's details (per-block amplitudes, method, metric, reason)."""

    officer_code: str
    session_uuid: str
    rate: float | None  # breaths/min
    measured_at: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OfficerPin:
    """An officer's PIN (argon2 hash) and the wrong tries since the last right one."""

    officer_code: str
    pin_hash: str
    failures: int
    locked_until: str | None  # ISO-8601 UTC: no try is checked before then
