"""The officer's account around a real session through the kiosk controller: simulated ECG on real
LSL, the real pipeline, engine and flow, a tiny headless scene in its own process and the SQLite store
(a 22-second protocol). The emotion log's tap is stored with the session and queued for sync; the
summary shows the officer's words, the phase chart, the practice points and ring and (the officer
asked for it, their stress trend calls for it) the counsellor suggestion, counted for the admin by
month only; the history opens from the summary."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
from station.kiosk.controller import KioskController, SceneSettings
from station.kiosk.flow import FlowTimeouts, Screen
from station.kiosk.layout import layout
from station.kiosk.script import parse_script, run_script
from station.kiosk.texts import TEXTS
from station.store import SessionStore
from station.store.models import SessionStatus
from station.store.officer_codes import new_code
from tests.lsl_helpers import simulated_ecg
from tests.protocol_builder import protocol_toml, write_protocol


def test_a_session_keeps_the_emotion_log_and_shows_the_officer_their_account(tmp_path: Path) -> None:
    protocol = write_protocol(tmp_path, protocol_toml("short"))
    store = SessionStore(tmp_path / "sessions.db", "test-station")
    registry = SourceRegistry(StreamCatalog(buffer_seconds=30.0))
    controller = KioskController(
        store,
        registry,
        [protocol],
        station_id="test-station",
        recordings_dir=tmp_path / "recordings",
        timeouts=FlowTimeouts(interaction_s=120.0, sensor_check_s=60.0, summary_s=60.0),
        language="zh-CN",
        scene=SceneSettings("lakeside", "headless", {"width": 64, "height": 36}, 10.0),
    )
    me = new_code()
    store.check_in(me)
    for _ in range(2):  # two earlier visits under high stress (no minutes): with today's, the reminder is due
        earlier = store.start_session(me, "short", pre_stress=8, pre_mood=2)
        store.finish_session(earlier, SessionStatus.COMPLETED)
    store.set_reminder(me, True)
    taps = ["begin", *(f"key:{c}" for c in me), "submit_code", "program:short", "stress:7", "mood:2"]
    taps += ["topic:family", "topic:sleep", "rate"]  # a second tap changes the choice
    steps = parse_script(json.dumps({"steps": [{"tap": a} for a in taps]}))
    steps += parse_script('{"steps": [{"wait_for": "post_rating", "timeout_s": 150}]}')
    steps += parse_script(json.dumps({"steps": [{"tap": a} for a in ("stress:3", "mood:4", "rate")]}))
    try:
        with simulated_ecg("officer-session"):
            assert run_script(controller, steps) == []
        assert controller.screen is Screen.SUMMARY
        [outcome] = controller.outcomes
        record = store.session(outcome.session_uuid)
        assert record is not None and record.topic == "sleep"
        [queued] = [i for i in store.pending(10) if i.id == outcome.session_uuid]
        assert queued.payload["topic"] == "sleep"  # synced with the session
        assert queued.payload["ratings"] == {"stress_pre": 7, "stress_post": 3, "mood_pre": 2, "mood_post": 4}

        model = controller.model
        texts = [
            w.text for w in layout(model, controller.flow, controller.clock(), 1280, 800) if w.kind == "text"
        ]
        assert texts[0] == "压力 7 → 3 · 心情 较差 → 较好"
        assert [name for name, _ in model.summary_phases] == ["settle", "baseline", "training", "cooldown"]
        practice = model.practice
        assert practice is not None and 0 < practice.today_minutes < 1  # a 22-second protocol
        assert model.points_gained == practice.points == 0  # under a minute earns no point yet
        [ring] = [
            w for w in layout(model, controller.flow, controller.clock(), 1280, 800) if w.kind == "ring"
        ]
        assert ring.values == (practice.today_minutes / 15,)  # today's practice as a ring
        assert any(t.startswith("健康积分 0") for t in texts)

        assert model.reminder_due and TEXTS["remind_talk_no_line"][0] in texts
        month = datetime.now().astimezone().strftime("%Y-%m")
        assert store.reminder_counts() == {month: 1}  # counted for the admin, without the officer

        controller.tap("history")  # from the summary; no PIN: the last session only
        assert model.history_open and model.history_limited
        [entry] = model.history
        assert (entry.uuid, entry.stress_before, entry.stress_after) == (outcome.session_uuid, 7, 3)
        assert "hr" in entry.changes
        controller.tap("history_close")
        controller.tap("done")
        assert controller.screen is Screen.IDLE and model.topic == "" and model.practice is None
    finally:
        controller.shutdown("test over")
        registry.close()
        store.close()
