"""Translate the session store's outbox payloads into the admin wire schema (admin_web.wire_v1).

The store keeps the station's own record of a session (schema ``oasis.station.v1``: flat ratings,
phase summaries keyed by phase, free-form data quality, events with wall and LSL times). The wire
schema is what the admin server accepts. This module is the one place that maps one to the other,
so either side can evolve without the other noticing. Names are reduced to wire tokens and times
get an explicit UTC offset, so a well-formed record never fails validation on its way out.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from datetime import UTC, datetime
from typing import Any, TypeVar

from station.store.models import OutboxItem
from wire import v1 as wire_v1

STORE_SCHEMA = "oasis.station.v1"
_STATUS = {
    "completed": "completed",
    "aborted": "aborted",
    "interrupted": "incomplete",
    "running": "incomplete",
}
_LEVEL = {"good": "green", "degraded": "amber", "bad": "red"} | {c: c for c in ("green", "amber", "red")}
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9._-]")
Item = TypeVar("Item")
# event detail keys never sent: an officer's resonance assessment (rate, per-block amplitudes) and
# the pacer rate chosen from it
PRIVATE_DETAIL_KEYS = frozenset({"rate", "pacer_rate", "blocks", "amplitude", "valid_share", "breaths"})


def _token(value: object, fallback: str = "unknown") -> str:
    """A wire identifier: ASCII letters, digits, '.', '_', '-' (others become '_'), at most 64."""
    return _NOT_TOKEN.sub("_", str(value or ""))[:64].lstrip("._-") or fallback


def _time(value: object) -> str | None:
    """ISO-8601 with an explicit offset (the store writes UTC; a naive time is taken as UTC)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).isoformat()


def _finite_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    return {
        _token(k): float(v)
        for k, v in list(metrics.items())[: wire_v1.MAX_METRICS]
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and abs(v) <= 1e12
    }


def _data_quality(raw: dict[str, Any]) -> dict[str, Any]:
    """Either an overall ``{verdict, usable_fraction, notes}`` or per stream ``{ECG: {good_share, …}}``
    (the worst stream counts); nothing summarised is reported red, never claimed good."""
    if any(k in raw for k in ("verdict", "level", "usable_fraction")):
        verdict = _LEVEL.get(str(raw.get("verdict", raw.get("level", "red"))), "red")
        usable = raw.get("usable_fraction", 0.0)
        usable = float(usable) if isinstance(usable, int | float) and math.isfinite(usable) else 0.0
        return {
            "verdict": verdict,
            "usable_fraction": min(1.0, max(0.0, usable)),
            "notes": str(raw.get("notes", ""))[:500],
        }
    shares = {
        str(stream): float(v["good_share"])
        for stream, v in raw.items()
        if isinstance(v, dict)
        and isinstance(v.get("good_share"), int | float)
        and math.isfinite(v["good_share"])
    }
    if not shares:
        return {"verdict": "red", "usable_fraction": 0.0, "notes": "no quality summary"}
    usable = min(1.0, max(0.0, min(shares.values())))
    verdict = "green" if usable >= 0.9 else "amber" if usable >= 0.7 else "red"
    notes = ", ".join(f"{s} {v:.0%}" for s, v in sorted(shares.items()))[:500]
    return {"verdict": verdict, "usable_fraction": usable, "notes": notes}


def _seconds_between(start: str, at: str | None) -> float:
    if not at:
        return 0.0
    delta = (datetime.fromisoformat(_time(at)) - datetime.fromisoformat(start)).total_seconds()  # type: ignore[arg-type]
    return min(86_400.0, max(0.0, delta))


def _event_detail(detail: object) -> str:
    """An event's detail as wire text, without the officer's breathing data (health data stays on
    the station: a resonance result's rate and blocks, the pacer rate that follows from it)."""
    if isinstance(detail, dict):
        detail = {k: v for k, v in detail.items() if k not in PRIVATE_DETAIL_KEYS}
    return json.dumps(detail, ensure_ascii=False)[:500] if detail else ""


def session_to_wire(payload: dict[str, Any]) -> dict[str, Any]:
    """A store session payload as a ``wire_v1.SessionSummary`` dict."""
    started = _time(payload["started_at"])
    assert started is not None
    phases = []
    for phase, metrics in list(payload.get("phase_summaries", {}).items())[: wire_v1.MAX_PHASES]:
        metrics = dict(metrics)
        duration = metrics.pop("duration_s", 0.0)
        finite = isinstance(duration, int | float) and math.isfinite(duration)
        phases.append(
            {
                "phase": _token(phase),
                "duration_s": min(max(float(duration), 0.0), 86_400.0) if finite else 0.0,
                "metrics": _finite_metrics(metrics),
            }
        )
    events = [
        {
            "t_s": _seconds_between(started, e.get("at")),
            "kind": _token(e.get("kind")),
            "detail": _event_detail(e.get("detail")),
        }
        for e in payload.get("events", [])[: wire_v1.MAX_EVENTS]
    ]
    return {
        "uuid": payload["uuid"],
        "station_id": payload["station_id"],
        "officer_code": _token(payload["officer_code"]),
        "program": _token(payload["program"]),
        "started_at": started,
        "ended_at": _time(payload.get("ended_at")),
        "updated_at": _time(payload.get("updated_at")),
        "status": _STATUS[payload["status"]],
        "ratings": {
            "stress_pre": payload.get("pre_stress"),
            "stress_post": payload.get("post_stress"),
            "mood_pre": payload.get("pre_mood"),
            "mood_post": payload.get("post_mood"),
        },
        "phases": phases,
        "data_quality": _data_quality(payload.get("data_quality") or {}),
        "events": events,
    }


def calibration_to_wire(payload: dict[str, Any]) -> dict[str, Any]:
    """A store calibration payload as a ``wire_v1.Calibration`` dict."""
    results = dict(payload.get("results", {}))
    passed = results.pop("passed", results.pop("pass", True))
    next_due = results.pop("next_due", None)
    notes = results.pop("notes", "")
    return {
        "uuid": payload["uuid"],
        "station_id": payload["station_id"],
        "device": _token(payload["device"]),
        "sensor": _token(results.pop("sensor", payload["device"])),
        "performed_at": _time(payload["at"]),
        "technician": re.sub(r"[\x00-\x1f]", " ", str(payload.get("technician") or "?"))[:64],
        "result": "pass" if passed else "fail",
        "values": _finite_metrics(results),
        "next_due": next_due if isinstance(next_due, str) else None,
        "notes": re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", " ", str(notes))[:500],
    }


def to_wire(item: Item) -> Item:
    """The same outbox item with its payload in wire form (payloads already in wire form pass through)."""
    payload = item.payload  # type: ignore[attr-defined]
    if payload.get("schema") != STORE_SCHEMA:
        return item
    convert = session_to_wire if item.kind == "session" else calibration_to_wire  # type: ignore[attr-defined]
    return dataclasses.replace(item, payload=convert(payload))  # type: ignore[type-var]


class WireOutbox:
    """The session store's outbox as the sync client sees it: payloads in wire form."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def pending(self, limit: int) -> list[OutboxItem]:
        return [to_wire(item) for item in self.store.pending(limit)]

    def mark_sent(self, ids: list[str]) -> None:
        self.store.mark_sent(ids)

    def mark_failed(self, ids: list[str], error: str) -> None:
        self.store.mark_failed(ids, error)

    def backlog(self) -> int:
        return self.store.backlog()
