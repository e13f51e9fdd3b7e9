"""Version 1 of the wire schema between a station and the admin server.

This module is the only thing ``station`` and ``admin_web`` share: it imports nothing from the rest
of either package. A session's UUID (and a calibration's) is its idempotency key: uploading the same
UUID twice has the effect of uploading it once.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Annotated, Final, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

SCHEMA_VERSION: Final = 1
API_PREFIX = "/api/v1"
STATION_SERVICE = "_oasis-station._tcp.local."
ADMIN_SERVICE = "_oasis-admin._tcp.local."

MAX_BATCH_ITEMS = 500
MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_EVENTS = 500
MAX_PHASES = 32
MAX_METRICS = 64

Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
"""Station ids, officer codes, programs, phases, metric and sensor names: plain ASCII tokens."""
Text = Annotated[str, StringConstraints(max_length=500, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$")]
"""Free text (names, reasons, event details): no control characters other than tab and newlines."""
Finite = Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]
Rating = Annotated[int, Field(ge=0, le=10)]

_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _plausible_time(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp must carry a UTC offset")
    if not _EARLIEST <= value <= _LATEST:
        raise ValueError("timestamp outside 2000-01-01 .. 2100-01-01")
    return value


def _plausible_date(value: date) -> date:
    if not _EARLIEST.date() <= value <= _LATEST.date():
        raise ValueError("date outside 2000-01-01 .. 2100-01-01")
    return value


Timestamp = Annotated[datetime, AfterValidator(_plausible_time)]
Day = Annotated[date, AfterValidator(_plausible_date)]
Metrics = Annotated[dict[Identifier, Finite], Field(max_length=MAX_METRICS)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Topic = Literal["case_load", "conflict", "family", "sleep", "health", "other", "skip"]
"""What weighs most on the officer today, tapped once before a session (the emotion log)."""


class Ratings(_Model):
    """Self-reported stress (0 = none, 10 = extreme) and mood (0 = very low, 10 = very good)."""

    stress_pre: Rating | None = None
    stress_post: Rating | None = None
    mood_pre: Rating | None = None
    mood_post: Rating | None = None


class PhaseSummary(_Model):
    """Summary metrics of one protocol phase (e.g. baseline, relax, debrief): means over the phase."""

    phase: Identifier
    duration_s: Annotated[float, Field(ge=0, le=86_400, allow_inf_nan=False)]
    metrics: Metrics = Field(default_factory=dict)


class DataQuality(_Model):
    """Overall signal quality of a session: the worst verdict and the usable share of its samples."""

    verdict: Literal["green", "amber", "red"]
    usable_fraction: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
    notes: Text = ""
    flagged: bool | None = None  # a sensor was lost during the session (None: an older station)
    usable_feedback_min: Annotated[float, Field(ge=0, le=1440, allow_inf_nan=False)] | None = None


class SessionEvent(_Model):
    """Something that happened during a session, ``t_s`` seconds after its start."""

    t_s: Annotated[float, Field(ge=0, le=86_400, allow_inf_nan=False)]
    kind: Identifier
    detail: Text = ""


class SessionSummary(_Model):
    """One officer's session at a station, as the station reports it when it ends. Sent again with a
    later ``updated_at`` (post-session ratings, say), it replaces the stored one; the same content
    again changes nothing."""

    uuid: UUID
    station_id: Identifier
    officer_code: Identifier
    program: Identifier
    started_at: Timestamp
    ended_at: Timestamp | None = None
    updated_at: Timestamp | None = None  # when the station last changed it (e.g. ratings after the end)
    status: Literal["completed", "aborted", "incomplete"]
    ratings: Ratings = Field(default_factory=Ratings)
    phases: Annotated[list[PhaseSummary], Field(max_length=MAX_PHASES)] = Field(default_factory=list)
    data_quality: DataQuality
    events: Annotated[list[SessionEvent], Field(max_length=MAX_EVENTS)] = Field(default_factory=list)
    topic: Topic | None = None  # the emotion log; admins see it only in k-anonymous counts


class Calibration(_Model):
    """A technician's calibration or check of one sensor at a station."""

    uuid: UUID
    station_id: Identifier
    device: Identifier
    sensor: Identifier
    performed_at: Timestamp
    technician: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f]+$")]
    result: Literal["pass", "fail"]
    values: Metrics = Field(default_factory=dict)
    next_due: Day | None = None
    notes: Text = ""


class UploadBatch(_Model):
    """``POST /api/v1/sessions``: sessions and calibrations, each idempotent by UUID."""

    schema_version: Literal[1] = SCHEMA_VERSION
    sessions: Annotated[list[SessionSummary], Field(max_length=MAX_BATCH_ITEMS)] = Field(default_factory=list)
    calibrations: Annotated[list[Calibration], Field(max_length=MAX_BATCH_ITEMS)] = Field(
        default_factory=list
    )


class UploadResult(_Model):
    """Which UUIDs were stored now and which the server already had (both count as delivered)."""

    accepted: list[UUID]
    duplicates: list[UUID]


class SensorVerdict(_Model):
    """A sensor's quality verdict as the station's quality checks last judged it."""

    sensor: Identifier
    level: Literal["green", "amber", "red", "absent"]
    reason: Text = ""


class Heartbeat(_Model):
    """``POST /api/v1/heartbeat``: the station's state and health, sent every few tens of seconds."""

    station_id: Identifier
    state: Identifier
    software_version: Annotated[
        str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9.+_-]+$")
    ]
    free_disk_bytes: Annotated[int, Field(ge=0, le=2**62)]
    backlog: Annotated[int, Field(ge=0, le=2**31)] = 0
    sensors: Annotated[list[SensorVerdict], Field(max_length=32)] = Field(default_factory=list)
    # remote configuration (all None from a station older than the feature)
    config_applied: Annotated[int, Field(ge=0, le=2**31)] | None = None  # 0: none applied yet
    config_refused: Annotated[int, Field(ge=1, le=2**31)] | None = None  # the last version refused
    config_refusal: Text | None = None  # why it was refused
    maintenance: bool | None = None
    last_action: Annotated[int, Field(ge=0, le=2**62)] | None = None  # the newest remote action done


RemoteActionKind = Literal["restart", "maintenance_on", "maintenance_off", "diagnostics"]


class RemoteAction(_Model):
    """An admin's confirmed action for one station; ids grow, and a station does each one once."""

    id: Annotated[int, Field(ge=1, le=2**62)]
    kind: RemoteActionKind


class HeartbeatAck(_Model):
    server_time: datetime
    config_version: Annotated[int, Field(ge=0, le=2**31)] | None = None  # desired; None: an older admin
    actions: Annotated[list[RemoteAction], Field(max_length=32)] = Field(default_factory=list)


CONFIGURATION_PATH = "/configuration"
DIAGNOSTICS_PATH = "/diagnostics"
MAX_PROTOCOL_BYTES = 64 * 1024
MAX_DIAGNOSTICS_BYTES = 2 * 1024 * 1024
SettingName = Annotated[str, StringConstraints(max_length=64, pattern=r"^[a-z_]+\.[a-z_]+$")]
"""A station.toml key as ``table.key``, e.g. ``station.language``."""
SettingValue = bool | int | Text | Annotated[list[Identifier], Field(max_length=64)]
SettingSource = Literal["room", "station"]


class ProtocolFile(_Model):
    """A protocol file of the library version a station is assigned (protocols/ TOML, UTF-8)."""

    name: Identifier
    toml: Annotated[str, StringConstraints(max_length=MAX_PROTOCOL_BYTES)]


class StationConfiguration(_Model):
    """``GET /api/v1/configuration``: the station's effective remote configuration, version
    ``version`` (0: nothing assigned). Each setting overrides the station.toml key of that name;
    ``sources`` says whether the room or the station itself set it."""

    version: Annotated[int, Field(ge=0, le=2**31)]
    settings: Annotated[dict[SettingName, SettingValue], Field(max_length=32)] = Field(default_factory=dict)
    sources: Annotated[dict[SettingName, SettingSource], Field(max_length=32)] = Field(default_factory=dict)
    protocols: Annotated[list[ProtocolFile], Field(max_length=32)] = Field(default_factory=list)


class DiagnosticsBundle(_Model):
    """``POST /api/v1/diagnostics``: what a requested diagnostics action produced: the output of
    ``oasis station check`` and the station's recent log lines, with officer codes removed."""

    action_id: Annotated[int, Field(ge=1, le=2**62)]
    created_at: Timestamp
    text: Annotated[str, StringConstraints(max_length=MAX_DIAGNOSTICS_BYTES)]


class PairingRequest(_Model):
    """``POST /api/v1/pair``: a station asks to be paired, proving itself later with the same claim."""

    station_id: Identifier
    name: Text
    software_version: Annotated[
        str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9.+_-]+$")
    ]
    claim: Annotated[str, StringConstraints(min_length=32, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]


class PairingResponse(_Model):
    """``pending`` until an admin approves; then ``approved`` with the token, given exactly once."""

    status: Literal["pending", "approved"]
    pairing_code: str
    token: str | None = None


def pairing_code(claim: str) -> str:
    """Six digits both the kiosk and the admin page show, so the admin approves the right station."""
    return f"{int.from_bytes(hashlib.sha256(claim.encode()).digest()[:8], 'big') % 1_000_000:06d}"


OFFICER_HISTORY_PATH = "/officer-history"
MAX_HISTORY_SESSIONS = 500


class OfficerHistoryRequest(_Model):
    """``POST /api/v1/officer-history``: a station asks, with its own token, for one officer's
    sessions at every station of the room (the code travels in the body, never in a URL)."""

    officer_code: Identifier


class OfficerHistory(_Model):
    """The sessions stored for one officer code, oldest first (the newest ``MAX_HISTORY_SESSIONS``),
    without their events: what the kiosk shows that officer, and no one else."""

    officer_code: Identifier
    sessions: Annotated[list[SessionSummary], Field(max_length=MAX_HISTORY_SESSIONS)] = Field(
        default_factory=list
    )


OFFICER_PIN_PATH = "/officer-pin"
# The officer PIN's back-off, the same at the admin and at a station out of its reach: the first
# PIN_FREE_TRIES wrong tries cost nothing, then each one locks the PIN for a wait that doubles
PIN_FREE_TRIES = 3
PIN_FIRST_WAIT_S = 30.0
PIN_MAX_WAIT_S = 900.0
PinDigits = Annotated[str, StringConstraints(pattern=r"^[0-9]{4,6}$")]


def pin_wait_s(failures: int) -> float:
    """Seconds no PIN try is checked after ``failures`` wrong ones in a row (0: none)."""
    if failures < PIN_FREE_TRIES:
        return 0.0
    return min(PIN_FIRST_WAIT_S * 2 ** (failures - PIN_FREE_TRIES), PIN_MAX_WAIT_S)


class OfficerPinRequest(_Model):
    """``POST /api/v1/officer-pin``: a station asks, with its own token, about the PIN of the officer
    at its screen: ``status`` (is one set?), ``set`` (the admin hashes ``pin`` with argon2; refused
    when one is set already) or ``verify`` (the admin checks ``pin`` and applies the back-off). The
    PIN travels only in this body; it is never stored, logged or shown in clear."""

    officer_code: Identifier
    action: Literal["status", "set", "verify"]
    pin: PinDigits | None = None

    @model_validator(mode="after")
    def _pin_given(self) -> OfficerPinRequest:
        if self.action != "status" and self.pin is None:
            raise ValueError(f"{self.action} needs a pin")
        return self


class OfficerPinAnswer(_Model):
    """``outcome``: ``none`` (status, or no PIN to verify), ``saved``, ``exists`` (set refused),
    ``right``, ``wrong``, or ``locked`` (no try is checked for ``wait_s`` seconds)."""

    has_pin: bool
    outcome: Literal["none", "saved", "exists", "right", "wrong", "locked"] = "none"
    wait_s: Annotated[float, Field(ge=0, le=86_400)] = 0.0


REMINDER_COUNTS_PATH = "/reminder-counts"
Month = Annotated[str, StringConstraints(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$")]


class ReminderMonth(_Model):
    """How many times a station's kiosk suggested the counsellor in one (station-local) month."""

    month: Month
    shown: Annotated[int, Field(ge=0, le=1_000_000)]


class ReminderCounts(_Model):
    """``POST /api/v1/reminder-counts``: the station's totals per month, each replacing what it sent
    for that month before (so a resend is harmless). Counts only: never which officer."""

    months: Annotated[list[ReminderMonth], Field(max_length=36)] = Field(default_factory=list)


class ReminderCountsAck(_Model):
    stored: int
