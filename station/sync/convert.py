"""Outbox payloads → wire_v1 dicts.

The station's session store queues its own record shape (``"schema": "oasis.station.v1"``: the
stored session with its events, or a calibration with free-form results). The sync client sends
wire_v1 only, so it converts here; a payload without ``schema`` is taken to be wire_v1 already.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Any

STORE_SCHEMA = "oasis.station.v1"
_STATUS = {"completed": "completed", "aborted": "aborted", "interrupted": "incomplete"}
_TOKEN = re.compile(r"[^A-Za-z0-9._-]")


def _token(value: object, fallback: str = "unknown") -> str:
    text = _TOKEN.sub("_", str(value or ""))[:64].lstrip("._-")
    return text or fallback


def _time(value: object) -> str | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).isoformat()


def _metrics(values: object) -> dict[str, float]:
    if not isinstance(values, dict):
        return {}
    return {
        _token(k): float(v)
        for k, v in list(values.items())[:64]
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and abs(v) <= 1e12
    }


def _quality(data_quality: object) -> dict[str, Any]:
    shares = (
        [
            float(s["good_share"])
            for s in (data_quality or {}).values()
            if isinstance(s, dict) and isinstance(s.get("good_share"), int | float)
        ]
        if isinstance(data_quality, dict)
        else []
    )
    if not shares:
        return {"verdict": "amber", "usable_fraction": 0.0, "notes": "no quality data"}
    usable = min(max(min(shares), 0.0), 1.0)
    verdict = "green" if usable >= 0.9 else "amber" if usable >= 0.7 else "red"
    return {"verdict": verdict, "usable_fraction": usable, "notes": ""}


def _event(event: dict[str, Any], started: datetime) -> dict[str, Any]:
    at = datetime.fromisoformat(_time(event.get("at")) or started.isoformat())
    detail = event.get("detail")
    text = detail if isinstance(detail, str) else ", ".join(f"{k}={v}" for k, v in (detail or {}).items())
    return {
        "t_s": min(max((at - started).total_seconds(), 0.0), 86_400.0),
        "kind": _token(event.get("kind")),
        "detail": re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", " ", text)[:500],
    }


def session_to_wire(p: dict[str, Any]) -> dict[str, Any]:
    """A store session payload as a ``wire_v1.SessionSummary`` dict."""
    if p.get("status") not in _STATUS:
        raise ValueError(f"session status {p.get('status')!r} is not a finished session")
    started = datetime.fromisoformat(_time(p["started_at"]))  # type: ignore[arg-type]
    phases = p.get("phase_summaries") or {}
    return {
        "uuid": p["uuid"],
        "station_id": p["station_id"],
        "officer_code": _token(p["officer_code"]),
        "program": _token(p["program"]),
        "started_at": started.isoformat(),
        "ended_at": _time(p.get("ended_at")),
        "updated_at": _time(p.get("updated_at")),
        "status": _STATUS[p["status"]],
        "ratings": {
            "stress_pre": p.get("pre_stress"),
            "stress_post": p.get("post_stress"),
            "mood_pre": p.get("pre_mood"),
            "mood_post": p.get("post_mood"),
        },
        "phases": [
            {
                "phase": _token(name),
                "duration_s": float((m or {}).get("duration_s", 0.0)),
                "metrics": _metrics(m),
            }
            for name, m in list(phases.items())[:32]
        ],
        "data_quality": _quality(p.get("data_quality")),
        "events": [_event(e, started) for e in (p.get("events") or [])[:500]],
    }


def calibration_to_wire(p: dict[str, Any]) -> dict[str, Any]:
    """A store calibration payload as a ``wire_v1.Calibration`` dict."""
    results = p.get("results") if isinstance(p.get("results"), dict) else {}
    failed = results.get("passed") is False or results.get("result") == "fail"
    next_due = results.get("next_due")
    try:
        due = date.fromisoformat(str(next_due)).isoformat() if next_due else None
    except ValueError:
        due = None
    device = _token(p.get("device"))
    return {
        "uuid": p["uuid"],
        "station_id": p["station_id"],
        "device": device,
        "sensor": _token(results.get("sensor") or device.split("-")[0]),
        "performed_at": _time(p["at"]),
        "technician": str(p.get("technician") or "?")[:64],
        "result": "fail" if failed else "pass",
        "values": _metrics(results),
        "next_due": due,
        "notes": "",
    }


def to_wire(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The wire_v1 dict for an outbox item; raises ValueError/KeyError when it cannot be converted."""
    if payload.get("schema") != STORE_SCHEMA:
        return payload
    if kind == "session":
        return session_to_wire(payload)
    if kind == "calibration":
        return calibration_to_wire(payload)
    raise ValueError(f"unknown kind {kind!r}")
