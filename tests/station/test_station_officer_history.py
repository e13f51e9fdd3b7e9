"""The officer's own history (issue 14): read from the real session store, printed by
`oasis officer history`, served by the admin server (station token, that code's sessions only) and
shown on the kiosk through the real controller, from the admin when it answers and from the station's
store when it does not."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from admin_web import db, db_migrations
from admin_web.app import create_app
from station.cli import main
from station.store import SessionStore
from station.store.officer_codes import display, new_code
from station.store.officer_history import Change, history, local_summaries
from tests.admin_support import pair
from tests.officer_history_support import (
    FIRST,
    SECOND,
    add_session,
    officer_kiosk,
    sample_history_store,
    stepping_clock,
)
from wire import v1 as wire_v1


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SessionStore]:
    with SessionStore(tmp_path / "sessions.db", "station-a", clock=stepping_clock()) as s:
        yield s


def test_history_holds_only_that_officers_finished_sessions_oldest_first(store: SessionStore) -> None:
    me, other = new_code(), new_code()
    first = add_session(store, me, *FIRST)
    add_session(store, other, *SECOND)
    second = add_session(store, me, *SECOND, program="mindfulness-15")
    store.start_session(me, "quick-reset", pre_stress=5, pre_mood=3)  # still running: not history yet

    entries = history(local_summaries(store.officer_sessions(me)))

    assert [e.uuid for e in entries] == [first, second]
    a, b = entries
    assert (a.stress_before, a.stress_after, a.mood_before, a.mood_after) == (7, 3, 2, 4)
    assert (b.stress_before, b.stress_after, b.mood_before, b.mood_after) == (6, 2, 3, 5)
    assert b.program == "mindfulness-15" and a.status == "completed"
    assert a.minutes == pytest.approx((30 + 120 + 600 + 30) / 60)  # the phases' running time
    # resting phase (baseline) → the phase that gave feedback (training); settle and cooldown ignored
    assert a.changes == {
        "hr": Change(78.0, 70.0),
        "rmssd": Change(28.0, 41.0),
        "alpha_rel": Change(0.2, 0.31),
        "scl": Change(6.0, 4.5),
    }
    assert b.changes["hr"].delta == pytest.approx(-6.0)
    assert history(local_summaries(store.officer_sessions(new_code()))) == []


def test_oasis_officer_history_prints_json(store: SessionStore, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    me = new_code()
    add_session(store, me, *FIRST)
    add_session(store, me, *SECOND)
    add_session(store, new_code(), *SECOND)

    assert main(["officer", "history", display(me).lower(), "--data-dir", str(tmp_path), "--json"]) == 0
    sessions = json.loads(capsys.readouterr().out)

    assert [(s["stress_before"], s["stress_after"], s["mood_before"], s["mood_after"]) for s in sessions] == [
        (7, 3, 2, 4),
        (6, 2, 3, 5),
    ]
    for s in sessions:
        assert {"started_at", "program", "minutes", "changes"} <= s.keys()
        assert s["started_at"].endswith("+00:00") and s["program"] == "quick-reset"
    assert sessions[0]["changes"]["rmssd"] == {"before": 28.0, "after": 41.0, "change": 13.0}
    assert sessions[1]["minutes"] == pytest.approx(14.0)

    assert main(["officer", "history", me, "--data-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "stress 7 → 3" in lines[0] and "mood 3 → 5" in lines[1]


def test_oasis_officer_history_refuses_a_bad_code_or_a_missing_store(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["officer", "history", "K7PQ-3XX", "--data-dir", str(tmp_path)]) == 2
    assert "not an officer code" in capsys.readouterr().err
    assert main(["officer", "history", new_code(), "--data-dir", str(tmp_path / "none")]) == 2
    assert "no session store" in capsys.readouterr().err


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin_client(tmp_path: Path) -> Iterator[tuple[TestClient, object]]:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'admin.sqlite'}")
    db_migrations.migrate(engine)
    with TestClient(create_app(engine, retention=False)) as client:
        yield client, engine
    engine.dispose()


def _upload(client: TestClient, token: str, store: SessionStore, codes: list[str]) -> None:
    sessions = [s for code in codes for s in local_summaries(store.officer_sessions(code))]
    batch = wire_v1.UploadBatch(sessions=sessions)
    answer = client.post("/api/v1/sessions", json=batch.model_dump(mode="json"), headers=_auth(token))
    assert answer.status_code == 200, answer.text


def test_the_admin_serves_one_code_across_stations_to_a_station_token_only(
    admin_client: tuple[TestClient, object], tmp_path: Path
) -> None:
    client, engine = admin_client
    me, other = new_code(), new_code()
    with (
        SessionStore(tmp_path / "a.db", "station-a", clock=stepping_clock()) as a,
        SessionStore(tmp_path / "b.db", "station-b", clock=stepping_clock(step_s=90.0)) as b,
    ):
        add_session(a, me, *FIRST)
        add_session(a, other, *SECOND)
        add_session(b, me, *SECOND)
        token_a, token_b = pair(client, engine, "station-a"), pair(client, engine, "station-b")
        _upload(client, token_a, a, [me, other])
        _upload(client, token_b, b, [me])
        expected = history(
            [*local_summaries(a.officer_sessions(me)), *local_summaries(b.officer_sessions(me))]
        )

    ask = {"officer_code": me}
    answer = client.post("/api/v1/officer-history", json=ask, headers=_auth(token_a))
    assert answer.status_code == 200, answer.text
    served = wire_v1.OfficerHistory.model_validate_json(answer.content)
    assert served.officer_code == me
    assert {s.officer_code for s in served.sessions} == {me}  # nobody else's sessions
    assert {s.station_id for s in served.sessions} == {"station-a", "station-b"}
    assert all(s.events == [] for s in served.sessions)
    assert history(served.sessions) == expected  # the same history as the stations' own stores

    assert client.post("/api/v1/officer-history", json=ask).status_code == 401
    assert client.post("/api/v1/officer-history", json=ask, headers=_auth("x" * 40)).status_code == 401
    assert (
        client.post(
            "/api/v1/officer-history", json={"officer_code": "a b"}, headers=_auth(token_a)
        ).status_code
        == 422
    )
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(update(db.stations).where(db.stations.c.id == "station-b").values(status="revoked"))
    assert client.post("/api/v1/officer-history", json=ask, headers=_auth(token_b)).status_code == 401


def test_the_kiosk_shows_the_history_from_the_admin_and_falls_back_to_its_store(tmp_path: Path) -> None:
    from protocols.loader import find_protocol
    from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
    from station.commands.kiosk_process import start_sync
    from station.config import load_config
    from station.kiosk import flow as f
    from station.kiosk.controller import KioskController
    from station.kiosk.layout import layout
    from station.kiosk.script import run_until
    from station.sync.embedded_admin import EmbeddedAdmin

    me = new_code()
    admin = EmbeddedAdmin(tmp_path / "admin.db").start()
    with SessionStore(tmp_path / "other.db", "station-a", clock=stepping_clock()) as other_station:
        add_session(other_station, me, *FIRST)
        with httpx.Client(base_url=admin.url) as http:
            token = pair(http, admin.engine, "station-a")
            batch = wire_v1.UploadBatch(sessions=local_summaries(other_station.officer_sessions(me)))
            http.post(
                "/api/v1/sessions", json=batch.model_dump(mode="json"), headers=_auth(token)
            ).raise_for_status()
    store = SessionStore(tmp_path / "sessions.db", "kiosk-b", clock=stepping_clock(step_s=3600.0))
    mine_here = add_session(store, me, *SECOND)
    registry = SourceRegistry(StreamCatalog(buffer_seconds=5.0))
    controller = KioskController(
        store,
        registry,
        [find_protocol("quick-reset")],
        station_id="kiosk-b",
        recordings_dir=tmp_path / "recordings",
        language="en",
    )
    config = tmp_path / "station.toml"
    config.write_text(
        f'[station]\nid = "kiosk-b"\n[storage]\ndata_dir = "{tmp_path}"\n[admin]\nurl = "{admin.url}"\n',
        encoding="utf-8",
    )
    stop = threading.Event()
    sync = start_sync(load_config(config), store, controller, stop)
    assert sync is not None
    try:
        assert run_until(controller, lambda: controller.model.pairing_code != "", 60.0)
        assert admin.approve("kiosk-b", controller.model.pairing_code)
        assert run_until(controller, lambda: sync.client.state.pairing == "paired", 60.0)

        controller.tap("begin")
        for ch in me:
            controller.tap(f"key:{ch}")
        controller.tap("submit_code")
        assert controller.screen is f.Screen.PROGRAM
        controller.account.set_pin(me, "2468")  # the whole history is behind the officer's PIN
        controller.tap("history")
        _type(controller, "2468")
        model = controller.model
        assert model.history_open and model.history_source == "admin"
        assert [e.station_id for e in model.history] == [
            "station-a",
            "kiosk-b",
        ]  # every station, oldest first
        assert [(e.stress_before, e.stress_after) for e in model.history] == [(7, 3), (6, 2)]
        texts = [w.text for w in layout(model, controller.flow, controller.clock(), 1280, 800)]
        assert "My relaxation history" in texts and "from every station in the room" in " ".join(texts)
        assert any("stress 6 → 2 · mood 3 → 5" in t for t in texts)
        assert sum(w.kind == "trace" for w in layout(model, controller.flow, 0.0, 1280, 800)) >= 8

        controller.tap("history_close")
        assert not model.history_open and controller.screen is f.Screen.PROGRAM
        admin.stop()  # the admin is out of reach: the station's own store answers
        controller.tap("history")
        _type(controller, "2468")
        assert model.history_source == "station"
        assert [e.uuid for e in model.history] == [mine_here]
        controller.tap("stop")
        assert controller.screen is f.Screen.IDLE and model.history == [] and not model.history_open
        controller.tap("history")  # nobody checked in: nothing opens
        assert not model.history_open
    finally:
        stop.set()
        sync.thread.join(timeout=60.0)
        registry.close()
        store.close()
        admin.stop()


@pytest.fixture(scope="module")
def window():  # type: ignore[no-untyped-def]
    import pyglet

    pyglet.options["headless"] = True
    from tests.kiosk_render import kiosk_window

    yield from kiosk_window()


@pytest.mark.parametrize("size", [(1024, 768), (1280, 800), (1920, 1080)])
@pytest.mark.parametrize("language", ["zh-CN", "en"])
@pytest.mark.parametrize("visits", [0, 1, 6])
def test_the_history_page_fits_every_monitor_in_both_languages(
    window, tmp_path: Path, language: str, size: tuple[int, int], visits: int
) -> None:  # type: ignore[no-untyped-def]
    from station.kiosk.layout import layout
    from tests.kiosk_render import render

    width, height = size
    me = new_code()
    with SessionStore(tmp_path / "s.db", "s", clock=stepping_clock(step_s=86_400.0)) as store:
        sample_history_store(store, me, visits)
        entries = history(local_summaries(store.officer_sessions(me)))
    model, flow = officer_kiosk(language, me)
    model.history, model.history_open, model.history_source = entries, True, "admin"
    widgets = layout(model, flow, 0.0, width, height)
    problems, _ = render(window, widgets, width, height)
    assert problems == []
    traces = [w for w in widgets if w.kind == "trace"]
    assert len(traces) == (12 if visits >= 2 else 0)  # six charts, before and after each
    assert all(0.0 <= v <= 1.0 for t in traces for v in t.values)
    [back] = [w for w in widgets if w.kind == "button" and w.action == "history_close"]
    assert back.box.h >= 0.1 * height - 1e-6
    if visits == 6:
        hr = next(w.text for w in widgets if w.text.startswith(("心率 ", "Heart rate ")))
        low, high = (float(x) for x in re.search(r"(\d+)–(\d+)", hr).groups())  # type: ignore[union-attr]
        assert high - low >= 10.0  # a few bpm never fill the chart


def _kiosk(store: SessionStore, tmp_path: Path):  # type: ignore[no-untyped-def]
    from protocols.loader import find_protocol
    from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
    from station.kiosk.controller import KioskController

    registry = SourceRegistry(StreamCatalog(buffer_seconds=5.0))
    controller = KioskController(
        store,
        registry,
        [find_protocol("quick-reset")],
        station_id="station-a",
        recordings_dir=tmp_path / "recordings",
        language="zh-CN",
    )
    return controller, registry


def _check_in(controller, code: str) -> None:  # type: ignore[no-untyped-def]
    controller.tap("begin")
    for ch in code:
        controller.tap(f"key:{ch}")
    controller.tap("submit_code")


def _type(controller, pin: str) -> None:  # type: ignore[no-untyped-def]
    for d in pin:
        controller.tap(f"opin_key:{d}")
    controller.tap("opin_ok")


def test_an_officer_pin_unlocks_the_whole_history_and_wrong_pins_back_off(
    store: SessionStore, tmp_path: Path
) -> None:
    from station.kiosk import flow as f

    me = new_code()
    add_session(store, me, *FIRST)
    last = add_session(store, me, *SECOND)
    controller, registry = _kiosk(store, tmp_path)
    model = controller.model
    now = [store.officer_sessions(me)[-1].started_at]
    controller.account.clock = lambda: datetime.fromisoformat(now[0])
    try:
        _check_in(controller, me)
        controller.tap("history")  # no PIN yet: the last session only, and an offer to set one
        assert model.history_open and model.history_limited
        assert [e.uuid for e in model.history] == [last]
        controller.tap("history_set_pin")
        assert model.officer_pin_mode == "set"
        _type(controller, "12")
        assert model.notice == "opin_length" and model.officer_pin_mode == "set"
        _type(controller, "1357")
        assert model.officer_pin_mode == "confirm"
        _type(controller, "1358")
        assert (model.notice, model.officer_pin_mode) == ("opin_mismatch", "set")
        assert store.officer_pin(me) is None
        _type(controller, "1357")
        _type(controller, "1357")
        assert model.notice == "opin_saved" and not model.history_limited and len(model.history) == 2
        stored = store.officer_pin(me)
        assert (
            stored is not None and stored.pin_hash.startswith("$argon2id$") and "1357" not in stored.pin_hash
        )
        controller.tap("history_close")
        controller.tap("stop")
        assert controller.screen is f.Screen.IDLE and model.officer_pin_first == ""

        _check_in(controller, me)  # the next visit: the PIN is asked before any session is shown
        controller.tap("history")
        assert model.officer_pin_mode == "unlock" and not model.history_open
        _type(controller, "0000")
        _type(controller, "1111")
        assert model.notice == "opin_wrong" and not model.history_open
        _type(controller, "2222")  # the third wrong try: wait 30 s
        assert (model.notice, model.officer_pin_wait_s) == ("opin_locked", 30)
        _type(controller, "1357")  # the right PIN is not even checked while locked
        assert model.notice == "opin_locked" and not model.history_open
        controller.tap("opin_cancel")
        controller.tap("stop")
        _check_in(controller, me)  # checking in again does not reset the count
        controller.tap("history")
        now[0] = (datetime.fromisoformat(now[0]) + timedelta(seconds=31)).isoformat()
        _type(controller, "3333")  # the fourth wrong try: the wait doubles
        assert (model.notice, model.officer_pin_wait_s) == ("opin_locked", 60)
        now[0] = (datetime.fromisoformat(now[0]) + timedelta(seconds=61)).isoformat()
        _type(controller, "1357")
        assert model.history_open and not model.history_limited and len(model.history) == 2
        assert store.officer_pin(me).failures == 0  # type: ignore[union-attr]
        assert all("officer_pins" not in json.dumps(i.payload) for i in store.pending(100))
    finally:
        registry.close()


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)])
@pytest.mark.parametrize("language", ["zh-CN", "en"])
@pytest.mark.parametrize("page", ["unlock", "set", "confirm", "limited"])
def test_the_pin_pad_and_the_last_session_page_fit(
    window, tmp_path: Path, language: str, size: tuple[int, int], page: str
) -> None:  # type: ignore[no-untyped-def]
    from station.kiosk.layout import layout
    from tests.kiosk_render import render

    width, height = size
    me = new_code()
    with SessionStore(tmp_path / "s.db", "s", clock=stepping_clock()) as store:
        sample_history_store(store, me, 3)
        entries = history(local_summaries(store.officer_sessions(me)))
    model, flow = officer_kiosk(language, me)
    if page == "limited":
        model.history, model.history_open, model.history_limited = entries[-1:], True, True
    else:
        model.officer_pin_mode, model.officer_pin_entry = page, "123456"
        model.notice, model.officer_pin_wait_s = "opin_locked", 900
    widgets = layout(model, flow, 0.0, width, height)
    problems, _ = render(window, widgets, width, height)
    assert problems == []
    actions = {w.action for w in widgets if w.kind == "button"}
    if page == "limited":
        assert {"history_set_pin", "history_close"} <= actions
    else:
        assert {f"opin_key:{d}" for d in "0123456789"} | {"opin_ok", "opin_delete", "opin_cancel"} <= actions


@pytest.mark.parametrize("size", [(1024, 768), (1280, 800), (1920, 1080)])
@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_the_summary_leads_with_the_officers_words_then_the_chart_then_the_lines(
    window, language: str, size: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    from station.kiosk import flow as f
    from station.kiosk.layout import layout
    from station.session.summary import describe_changes
    from station.store.practice_points import Practice
    from tests.kiosk_render import render

    width, height = size
    model, flow = officer_kiosk(language)
    for event in (f.Begin(), f.CheckedIn("K7PQ3XM"), f.ProgramChosen("quick-reset", 0, 300), f.Rated(7, 2)):
        flow.handle(event, 0.0)
    flow.handle(f.SensorsReady(), 0.0)
    flow.tick(301.0)
    flow.handle(f.Rated(3, 4), 301.0)
    phases = {
        "settle": {"hr": 78.0, "coherence": 0.3},
        "baseline": {"hr": 76.5, "rmssd": 30.0, "coherence": 0.35, "alpha_rel": 0.2, "scl": 6.0},
        "training": {"hr": 75.0, "rmssd": 44.0, "coherence": 0.6, "alpha_rel": 0.3, "scl": 4.6},
        "cooldown": {"hr": 74.0, "coherence": 0.5},
    }
    model.summary_phases = list(phases.items())
    model.summary = {lang: describe_changes(phases, lang, after="training") for lang in ("zh-CN", "en")}
    model.practice, model.points_gained = Practice(16.0, True, 12, 1234), 26
    widgets = layout(model, flow, 301.0, width, height)
    problems, _ = render(window, widgets, width, height)
    assert problems == []
    texts = [w.text for w in widgets if w.kind == "text"]
    words = {"zh-CN": "压力 7 → 3 · 心情 较差 → 较好", "en": "Stress 7 → 3 · mood Low → Good"}[language]
    assert texts[0] == words  # the officer's own words come first
    chart = next(i for i, t in enumerate(texts) if t.startswith(("各阶段平均心率", "Mean heart rate")))
    first_line = texts.index(model.summary[language][0])
    assert 0 < chart < first_line  # then the chart, then the plain-words lines
    assert "71–81" in texts[chart]  # 4 bpm shown on a 10 bpm axis around their middle, not stretched
    assert any("1234" in t and "26" in t and "12" in t for t in texts)  # points, gained, streak
    hr_trace = next(w for w in widgets if w.kind == "trace" and w.style == "notice")
    assert hr_trace.values == pytest.approx((0.7, 0.55, 0.4, 0.3))
    actions = [w.action for w in widgets if w.kind == "button"]
    assert actions.index("history") < actions.index("done")
