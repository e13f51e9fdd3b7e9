"""Translate the session store's outbox payloads into the admin wire schema (admin_web.wire_v1).

The store keeps the station's own record of a session (schema ``oasis.station.v1``: flat ratings,
phase summaries keyed by phase, free-form data quality, events with wall and LSL times). The wire
schema is what the admin server accepts. This module is the one place that maps one to the other,
so either side can evolve without the other noticing.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from admin_web import wire_v1
from station.store.models import OutboxItem

_STATUS = {
    "completed": "completed", "aborted": "aborted", "interrupted": "incomplete", "running": "incomplete",
}
_LEVEL = {"good": "green", "degraded": "amber", "bad": "red"} | {c: c for c in ("green", "amber", "red")}


def _finite_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    return {
        str(k): float(v)
        for k, v in metrics.items()
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    }


def _data_quality(raw: dict[str, Any]) -> dict[str, Any]:
    verdict = _LEVEL.get(str(raw.get("verdict", raw.get("level", "red"))), "red")
    usable = raw.get("usable_fraction", 0.0)
    usable = float(usable) if isinstance(usable, int | float) and math.isfinite(usable) else 0.0
    return {"verdict": verdict, "usable_fraction": min(1.0, max(0.0, usable)),
            "notes": str(raw.get("notes", ""))[:500]}


def _seconds_between(start: str, at: str) -> float:
    delta = (datetime.fromisoformat(at) - datetime.fromisoformat(start)).total_seconds()
    return min(86_400.0, max(0.0, delta))


def session_to_wire(payload: dict[str, Any]) -> dict[str, Any]:
    """A store session payload as a ``wire_v1.SessionSummary`` dict."""
    phases = []
    for phase, metrics in payload.get("phase_summaries", {}).items():
        metrics = dict(metrics)
        duration = metrics.pop("duration_s", 0.0)
        phases.append({"phase": phase, "duration_s": float(duration) if math.isfinite(duration) else 0.0,
                       "metrics": _finite_metrics(metrics)})
    events = [
        {
            "t_s": _seconds_between(payload["started_at"], e["at"]),
            "kind": e["kind"],
            "detail": json.dumps(e["detail"], ensure_ascii=False)[:500] if e.get("detail") else "",
        }
        for e in payload.get("events", [])[: wire_v1.MAX_EVENTS]
    ]
    return {
        "uuid": payload["uuid"],
        "station_id": payload["station_id"],
        "officer_code": payload["officer_code"],
        "program": payload["program"],
        "started_at": payload["started_at"],
        "ended_at": payload.get("ended_at"),
        "status": _STATUS[payload["status"]],
        "ratings": {
            "stress_pre": payload.get("pre_stress"), "stress_post": payload.get("post_stress"),
            "mood_pre": payload.get("pre_mood"), "mood_post": payload.get("post_mood"),
        },
        "phases": phases[: wire_v1.MAX_PHASES],
        "data_quality": _data_quality(payload.get("data_quality", {})),
        "events": events,
    }


def calibration_to_wire(payload: dict[str, Any]) -> dict[str, Any]:
    """A store calibration payload as a ``wire_v1.Calibration`` dict."""
    results = dict(payload.get("results", {}))
    passed = results.pop("passed", results.pop("pass", True))
    return {
        "uuid": payload["uuid"],
        "station_id": payload["station_id"],
        "device": payload["device"],
        "sensor": str(results.pop("sensor", payload["device"])),
        "performed_at": payload["at"],
        "technician": payload["technician"],
        "result": "pass" if passed else "fail",
        "values": _finite_metrics(results),
        "next_due": results.get("next_due") if isinstance(results.get("next_due"), str) else None,
        "notes": str(results.get("notes", ""))[:500],
    }


def to_wire(item: OutboxItem) -> OutboxItem:
    """The same outbox item with its payload in wire form (payloads already in wire form pass through)."""
    if item.payload.get("schema") != "oasis.station.v1":
        return item
    convert = session_to_wire if item.kind == "session" else calibration_to_wire
    return OutboxItem(item.id, item.kind, convert(item.payload), item.attempts)


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
