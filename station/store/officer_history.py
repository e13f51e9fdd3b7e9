"""One officer's own history: each session's ratings before → after, minutes practised and the
physiological change from the resting (baseline) phase to the practice phase.

Built from ``wire_v1.SessionSummary`` records, whichever their source: the admin server's
``/api/v1/officer-history`` (every station of the room) or this station's own store. So the kiosk,
`oasis officer history` and the tests read one history the same way.

Which phases are compared, without the protocol at hand (a session of another station may use a
program this one lacks): *before* is the phase named ``baseline`` (else the first phase); *after* is
the phase that gave the most feedback (``feedback_s``), else the longest other phase.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from station.store.models import SessionRecord
from station.store.wire_records import session_summary
from wire import v1 as wire_v1

PHYSIOLOGY = ("hr", "rmssd", "coherence", "alpha_rel", "scl")  # resting HR, HRV, coherence, alpha, SCL


@dataclass(frozen=True)
class Change:
    """A metric's mean in the resting phase and in the practice phase."""

    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before


@dataclass(frozen=True)
class HistoryEntry:
    """One session as its officer sees it; ``started_at`` is ISO-8601 with its UTC offset."""

    uuid: str
    station_id: str
    started_at: str
    program: str
    status: str
    minutes: float
    stress_before: int | None
    stress_after: int | None
    mood_before: int | None
    mood_after: int | None
    changes: dict[str, Change] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON shape `oasis officer history --json` prints (one session)."""
        return {
            "uuid": self.uuid,
            "station_id": self.station_id,
            "started_at": self.started_at,
            "program": self.program,
            "status": self.status,
            "minutes": round(self.minutes, 2),
            "stress_before": self.stress_before,
            "stress_after": self.stress_after,
            "mood_before": self.mood_before,
            "mood_after": self.mood_after,
            "changes": {
                name: {"before": round(c.before, 4), "after": round(c.after, 4), "change": round(c.delta, 4)}
                for name, c in self.changes.items()
            },
        }


def compared_phases(phases: list[wire_v1.PhaseSummary]) -> tuple[str, str] | None:
    """(resting phase, practice phase) of a session's phases; None with fewer than two phases."""
    if len(phases) < 2:
        return None
    before = next((p for p in phases if p.phase == "baseline"), phases[0])
    others = [p for p in phases if p is not before]
    feedback = [p for p in others if p.metrics.get("feedback_s", 0.0) > 0]
    if feedback:
        after = max(feedback, key=lambda p: p.metrics["feedback_s"])
    else:
        after = max(others, key=lambda p: p.duration_s)
    return before.phase, after.phase


def physiological_changes(phases: list[wire_v1.PhaseSummary]) -> dict[str, Change]:
    """Each of PHYSIOLOGY measured in both compared phases."""
    pair = compared_phases(phases)
    if pair is None:
        return {}
    metrics = {p.phase: p.metrics for p in phases}
    a, b = metrics[pair[0]], metrics[pair[1]]
    return {
        name: Change(a[name], b[name])
        for name in PHYSIOLOGY
        if name in a and name in b and math.isfinite(a[name]) and math.isfinite(b[name])
    }


def practised_minutes(summary: wire_v1.SessionSummary) -> float:
    """Minutes practised: the phases' running time (pauses left out), else start to end."""
    phase_s = sum(p.duration_s for p in summary.phases)
    if phase_s > 0:
        return phase_s / 60.0
    if summary.ended_at is not None and summary.ended_at >= summary.started_at:
        return (summary.ended_at - summary.started_at).total_seconds() / 60.0
    return 0.0


def history_entry(summary: wire_v1.SessionSummary) -> HistoryEntry:
    """The history line of one session summary."""
    r = summary.ratings
    return HistoryEntry(
        uuid=str(summary.uuid),
        station_id=summary.station_id,
        started_at=summary.started_at.isoformat(),
        program=summary.program,
        status=summary.status,
        minutes=practised_minutes(summary),
        stress_before=r.stress_pre,
        stress_after=r.stress_post,
        mood_before=r.mood_pre,
        mood_after=r.mood_post,
        changes=physiological_changes(list(summary.phases)),
    )


def history(summaries: Iterable[wire_v1.SessionSummary]) -> list[HistoryEntry]:
    """The officer's history, oldest first (one entry per session UUID)."""
    unique = {str(s.uuid): s for s in summaries}
    ordered = sorted(unique.values(), key=lambda s: (s.started_at, str(s.uuid)))
    return [history_entry(s) for s in ordered]


def local_summaries(records: Iterable[SessionRecord]) -> list[wire_v1.SessionSummary]:
    """This station's stored sessions as wire summaries (events left out); finished sessions only."""
    return [session_summary(r, [], None) for r in records if r.status.value != "running"]
