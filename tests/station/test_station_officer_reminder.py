"""The opt-in early-warning reminder: its two documented thresholds on the officer's own history,
the officer turning it on and off on their history page through the real kiosk controller, and the
suggestion with the 24-hour line shown only then, fitting every monitor in both languages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from station.store import SessionStore
from station.store.officer_codes import new_code
from station.store.officer_history import Change, HistoryEntry
from station.store.officer_reminder import physiology_trend, reminder_due, stress_trend
from tests.officer_history_support import add_session, officer_kiosk, stepping_clock

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def visit(days_ago: float, stress: int, hr: float = 70.0, rmssd: float = 40.0) -> HistoryEntry:
    started = (NOW - timedelta(days=days_ago)).isoformat()
    changes = {"hr": Change(hr, hr - 4), "rmssd": Change(rmssd, rmssd + 8)}
    return HistoryEntry(started, "s", started, "p", "completed", 15.0, stress, 3, 3, 3, changes)


def test_stress_seven_or_more_in_three_of_the_last_five_visits_within_two_weeks() -> None:
    assert stress_trend([visit(10, 8), visit(6, 3), visit(4, 7), visit(2, 5), visit(1, 9)], NOW)
    assert not stress_trend([visit(10, 8), visit(6, 3), visit(4, 6), visit(2, 5), visit(1, 9)], NOW)  # 2 of 5
    assert not stress_trend([visit(20, 8), visit(16, 9), visit(4, 3), visit(1, 9)], NOW)  # two are too old
    six = [visit(12, 9), visit(11, 2), visit(5, 2), visit(4, 2), visit(3, 8), visit(1, 8)]
    assert not stress_trend(six, NOW)  # only the last five visits count: 2 of them are high


def test_resting_heart_up_and_rmssd_down_beyond_the_officers_own_range() -> None:
    earlier = [visit(40 - i, 4, hr=68.0 + (i % 3), rmssd=42.0 - (i % 3)) for i in range(6)]
    worse = [visit(d, 4, hr=78.0, rmssd=30.0) for d in (9, 5, 2)]
    assert physiology_trend(earlier + worse, NOW)
    only_hr = [visit(d, 4, hr=78.0, rmssd=41.0) for d in (9, 5, 2)]
    assert not physiology_trend(earlier + only_hr, NOW)  # both must move
    assert not physiology_trend(earlier[:2] + worse, NOW)  # too few earlier visits for a range
    assert reminder_due(earlier + worse, NOW) and not reminder_due(earlier, NOW)


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    from protocols.loader import find_protocol
    from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
    from station.kiosk.controller import KioskController

    start = datetime.now(UTC) - timedelta(days=3)
    store = SessionStore(tmp_path / "sessions.db", "st", clock=stepping_clock(start, step_s=3600.0))
    registry = SourceRegistry(StreamCatalog(buffer_seconds=5.0))
    controller = KioskController(
        store,
        registry,
        [find_protocol("quick-reset")],
        station_id="st",
        recordings_dir=tmp_path / "recordings",
        language="zh-CN",
        help_line="12356",
    )
    yield controller, store
    registry.close()
    store.close()


def test_the_reminder_shows_only_after_the_officer_turns_it_on(kiosk) -> None:  # type: ignore[no-untyped-def]
    from station.kiosk.layout import layout

    controller, store = kiosk
    me = new_code()
    base = {"hr": 70.0, "rmssd": 40.0, "duration_s": 120.0}
    train = {"hr": 66.0, "rmssd": 48.0, "duration_s": 600.0, "feedback_s": 590.0}
    for stress in (8, 7, 9):
        add_session(store, me, (stress, 2, 5, 3), base, train)

    def texts() -> list[str]:
        return [w.text for w in layout(controller.model, controller.flow, controller.clock(), 1280, 800)]

    suggestion = "最近压力偏高，可以找驿站的心理咨询师聊聊 · 24 小时热线 12356"
    controller.tap("begin")
    for ch in me:
        controller.tap(f"key:{ch}")
    controller.tap("submit_code")
    controller.tap("history")
    assert not controller.model.reminder_on and suggestion not in texts()
    assert "提醒我：已关" in texts()
    controller.tap("history_remind")
    assert store.reminder_enabled(me) and controller.model.reminder_due
    assert suggestion in texts() and "提醒我：已开" in texts()
    controller.tap("history_remind")
    assert not store.reminder_enabled(me) and suggestion not in texts()
    controller.tap("history_remind")
    controller.tap("history_close")
    controller.tap("stop")
    assert not controller.model.reminder_due  # nothing of it is left for the next officer
    assert all("officer_reminders" not in str(item.payload) for item in store.pending(100))


@pytest.fixture(scope="module")
def window():  # type: ignore[no-untyped-def]
    import pyglet

    pyglet.options["headless"] = True
    from tests.kiosk_render import kiosk_window

    yield from kiosk_window()


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)])
@pytest.mark.parametrize("language", ["zh-CN", "en"])
@pytest.mark.parametrize("page", ["summary", "history"])
def test_the_suggestion_fits(window, tmp_path: Path, page: str, language: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    from station.kiosk import flow as f
    from station.kiosk.layout import layout
    from station.session.summary import describe_changes
    from station.store.officer_history import history, local_summaries
    from tests.kiosk_render import render

    width, height = size
    me = new_code()
    with SessionStore(tmp_path / "s.db", "s", clock=stepping_clock()) as store:
        for stress in (8, 7, 9):
            add_session(
                store,
                me,
                (stress, 2, 5, 3),
                {"hr": 70.0, "duration_s": 60.0},
                {"hr": 66.0, "duration_s": 60.0},
            )
        entries = history(local_summaries(store.officer_sessions(me)))
    model, flow = officer_kiosk(language, me, help_line="12356")
    model.reminder_on = model.reminder_due = True
    if page == "history":
        model.history, model.history_open = entries, True
    else:
        flow.handle(f.ProgramChosen("quick-reset", 0, 300), 0.0)
        flow.handle(f.Rated(8, 2), 0.0)
        flow.handle(f.SensorsReady(), 0.0)
        flow.tick(301.0)
        flow.handle(f.Rated(5, 3), 301.0)
        means = {
            "baseline": {"hr": 75, "rmssd": 30, "coherence": 0.3, "alpha_rel": 0.2, "scl": 5.0},
            "session": {"hr": 68, "rmssd": 45, "coherence": 0.6, "alpha_rel": 0.3, "scl": 4.0},
        }
        model.summary = {lang: describe_changes(means, lang) for lang in ("zh-CN", "en")}
    widgets = layout(model, flow, 301.0, width, height)
    problems, _ = render(window, widgets, width, height)
    assert problems == []
    assert any("12356" in w.text for w in widgets)
    buttons = [w for w in widgets if w.kind == "button"]
    for i, a in enumerate(buttons):
        for c in buttons[i + 1 :]:
            overlap_x = min(a.box.x + a.box.w, c.box.x + c.box.w) - max(a.box.x, c.box.x)
            overlap_y = min(a.box.y + a.box.h, c.box.y + c.box.h) - max(a.box.y, c.box.y)
            assert overlap_x <= 0 or overlap_y <= 0, (a.text, c.text)
