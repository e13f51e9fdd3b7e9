"""Sessions stored through the real SessionStore, for the officer-history tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from station.store import SessionStore
from station.store.models import SessionStatus


def stepping_clock(start: datetime | None = None, step_s: float = 60.0) -> Callable[[], datetime]:
    """A store clock that moves ``step_s`` on every reading (so sessions have distinct start times)."""
    now = [start or datetime(2026, 11, 30, 8, 0, tzinfo=UTC)]

    def clock() -> datetime:
        now[0] += timedelta(seconds=step_s)
        return now[0]

    return clock


def add_session(
    store: SessionStore,
    code: str,
    ratings: tuple[int, int, int, int],
    baseline: dict[str, float],
    training: dict[str, float],
    program: str = "quick-reset",
) -> str:
    """A completed session with (stress before, mood before, stress after, mood after) and the
    resting and practice phases' means (``duration_s`` included); returns its UUID."""
    stress_pre, mood_pre, stress_post, mood_post = ratings
    store.check_in(code)
    uuid = store.start_session(code, program, pre_stress=stress_pre, pre_mood=mood_pre)
    store.record_phase_summary(uuid, "settle", {"hr": 90.0, "duration_s": 30.0})
    store.record_phase_summary(uuid, "baseline", baseline)
    store.record_phase_summary(uuid, "training", training)
    store.record_phase_summary(uuid, "cooldown", {"hr": 60.0, "duration_s": 30.0})
    store.finish_session(uuid, SessionStatus.COMPLETED)
    store.set_post_ratings(uuid, stress_post, mood_post)
    return uuid


FIRST = (
    (7, 2, 3, 4),
    {"hr": 78.0, "rmssd": 28.0, "alpha_rel": 0.2, "scl": 6.0, "duration_s": 120.0},
    {"hr": 70.0, "rmssd": 41.0, "alpha_rel": 0.31, "scl": 4.5, "duration_s": 600.0, "feedback_s": 590.0},
)
SECOND = (
    (6, 3, 2, 5),
    {"hr": 74.0, "rmssd": 33.0, "alpha_rel": 0.22, "scl": 5.5, "duration_s": 120.0},
    {"hr": 68.0, "rmssd": 47.0, "alpha_rel": 0.35, "scl": 4.0, "duration_s": 660.0, "feedback_s": 650.0},
)


def sample_history_store(store: SessionStore, code: str, visits: int = 6) -> None:
    """``visits`` sessions of one officer whose stress falls and whose HRV rises over the weeks."""
    for i in range(visits):
        (sp, mp, sa, ma), base, train = FIRST if i % 2 == 0 else SECOND
        shift = float(i)
        add_session(
            store,
            code,
            (max(sp - i // 2, 0), mp, max(sa - i // 3, 0), ma),
            {**base, "hr": base["hr"] - shift, "rmssd": base["rmssd"] + shift},
            {**train, "hr": train["hr"] - shift, "rmssd": train["rmssd"] + 2 * shift},
        )


def officer_kiosk(language: str, officer: str | None = None, **options: Any) -> tuple[Any, Any]:
    """A kiosk model offering one program (quick reset) and its session flow, checked in as
    ``officer`` when one is given; ``options`` go to the model (e.g. ``help_line``)."""
    from station.kiosk import flow as f
    from station.kiosk.kiosk_model import KioskModel, Program
    from station.store.officer_codes import new_code, normalise

    model = KioskModel(
        [Program("quick-reset", "快速平复", "Quick reset", 0, 300)],
        check_code=normalise,
        new_code=new_code,
        verify_pin=lambda pin: False,
        language=language,
        **options,
    )
    flow = f.SessionFlow()
    if officer is not None:
        flow.handle(f.Begin(), 0.0)
        flow.handle(f.CheckedIn(officer), 0.0)
    return model, flow
