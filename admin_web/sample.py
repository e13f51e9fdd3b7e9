"""Synthetic but plausible sessions and calibrations (wire_v1 dicts) for benchmarks, tests and demos."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, get_args

from wire import v1 as wire_v1

CHINA = timezone(timedelta(hours=8))
PROGRAMS = ("coherent-breathing", "mindfulness-15", "alpha-relax")  # ids of the shipped library
SENSORS = (("polar-h10", "ECG"), ("muse-s", "EEG"), ("grove-gsr", "EDA"))


TOPICS = (*get_args(wire_v1.Topic), None)  # the emotion log's tap, or none (not asked)


def session(station_id: str, rng: random.Random, day: date, officers: int = 40) -> dict[str, Any]:
    """One session on ``day`` (station local time, UTC+8) by one of ``officers`` pseudonymous officers."""
    hour = rng.choice((8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19))
    start = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=CHINA)
    status = rng.choices(("completed", "aborted", "incomplete"), weights=(85, 10, 5))[0]
    minutes = rng.gauss(22, 4) if status == "completed" else rng.uniform(2, 12)
    pre = rng.randint(3, 9)
    post = max(0, min(10, pre - rng.choice((-1, 0, 1, 1, 2, 2, 3, 3, 4)))) if status == "completed" else None
    row: dict[str, Any] = {
        "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "station_id": station_id,
        "officer_code": f"OF{rng.randrange(officers):04d}",
        "program": rng.choice(PROGRAMS),
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=max(minutes, 1))).isoformat(),
        "status": status,
        "ratings": {
            "stress_pre": pre,
            "stress_post": post,
            "mood_pre": rng.randint(3, 8),
            "mood_post": rng.randint(4, 9) if post is not None else None,
        },
        "phases": [
            {
                "phase": "baseline",
                "duration_s": 120.0,
                "metrics": {"hr_bpm": round(rng.gauss(78, 8), 1), "rmssd_ms": round(rng.gauss(32, 8), 1)},
            },
            {
                "phase": "relax",
                "duration_s": round(max(minutes - 4, 1) * 60, 1),
                "metrics": {
                    "hr_bpm": round(rng.gauss(71, 7), 1),
                    "rmssd_ms": round(rng.gauss(41, 9), 1),
                    "alpha_rel": round(rng.uniform(0.15, 0.4), 3),
                },
            },
        ],
        "data_quality": {
            "verdict": rng.choices(("green", "amber", "red"), weights=(80, 15, 5))[0],
            "usable_fraction": round(rng.uniform(0.7, 1.0), 3),
        },
        "events": [  # as a station's store sends them: the detail is the event's data as JSON
            {"t_s": 0.0, "kind": "phase", "detail": '{"id": "baseline", "index": 0, "duration_s": 120}'},
            {"t_s": 120.0, "kind": "phase", "detail": '{"id": "relax", "index": 1, "duration_s": 900}'},
            {"t_s": 120.5, "kind": "pacer", "detail": '{"cue": "inhale"}'},
            {"t_s": 125.0, "kind": "pacer", "detail": '{"cue": "exhale"}'},
        ],
    }
    # the emotion log's tap, drawn from the session's own uuid so ``rng``'s sequence stays as it was
    row["topic"] = random.Random(row["uuid"]).choice(TOPICS)
    return row


def sessions(
    station_id: str, n: int, seed: int = 0, end: date | None = None, days: int = 30
) -> list[dict[str, Any]]:
    """``n`` sessions spread over the ``days`` days ending ``end`` (default: yesterday, UTC)."""
    rng = random.Random(f"{station_id}-{seed}")
    end = end or datetime.now(UTC).date() - timedelta(days=1)
    return [session(station_id, rng, end - timedelta(days=rng.randrange(days))) for _ in range(n)]


def calibration(station_id: str, rng: random.Random, when: datetime) -> dict[str, Any]:
    """One sensor check by a technician, due again in 30 days."""
    device, sensor = rng.choice(SENSORS)
    return {
        "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "station_id": station_id,
        "device": device,
        "sensor": sensor,
        "performed_at": when.astimezone(CHINA).isoformat(),
        "technician": "tech01",
        "result": rng.choices(("pass", "fail"), weights=(9, 1))[0],
        "values": {"impedance_kohm": round(rng.uniform(2, 20), 2)},
        "next_due": (when + timedelta(days=30)).date().isoformat(),
        "notes": "",
    }
