"""The admin in the users' language: tokens become words (events, metrics, verdicts, phases), times
are shown in the admin's time zone (a setting), the outcome cards' figures are exact and k-anonymous
with low-quality sessions counted apart (SQLite and PostgreSQL), and use is grouped per room."""

from __future__ import annotations

import random
import re
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text, update

from admin_web import db, db_migrations, sample
from admin_web.app import create_app
from admin_web.fleet_config import add_room, assign_room
from admin_web.fleet_health import room_grouping, station_as_room, use_by_room
from admin_web.outcome_stats import outcomes
from admin_web.security import create_user
from admin_web.session_changes import metric_change
from admin_web.vocabulary import Vocabulary
from tests.admin_support import pair

PASSWORD = "words-test-password"
CHINA = sample.CHINA
MONDAY = date(2026, 11, 9)


def _visit(n: int, officer: str, pre: int, post: int, **quality: object) -> dict:
    """A 20-minute session on Tuesday 10 November: baseline HR 80 / RMSSD 30, then 72 / 40."""
    row = sample.session("room-1", random.Random(n), MONDAY + timedelta(days=1))
    start = datetime(2026, 11, 10, 9, n, tzinfo=CHINA)
    row |= {
        "officer_code": officer,
        "status": "completed",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=20)).isoformat(),
        "ratings": {"stress_pre": pre, "stress_post": post, "mood_pre": 5, "mood_post": 6},
        "phases": [
            {"phase": "baseline", "duration_s": 120.0, "metrics": {"hr_bpm": 80.0, "rmssd_ms": 30.0}},
            {"phase": "relax", "duration_s": 1080.0, "metrics": {"hr_bpm": 72.0, "rmssd_ms": 40.0}},
        ],
    }
    row["data_quality"] = {"verdict": "green", "usable_fraction": 0.95} | quality
    return row


def _upload(engine, rows: list[dict]) -> TestClient:  # type: ignore[no-untyped-def]
    app = create_app(engine, retention=False)
    client = TestClient(app, follow_redirects=False)
    token = pair(client, engine, "room-1")
    client.headers["Authorization"] = f"Bearer {token}"  # the station's token on every request
    answer = client.post("/api/v1/sessions", json={"sessions": rows})
    assert answer.status_code == 200, answer.text
    return client


def test_outcome_cards_are_exact_k_anonymous_and_count_low_quality_apart(engine) -> None:  # type: ignore[no-untyped-def]
    rows = [_visit(i, f"OF{i:04d}", 7, 4) for i in range(4)]  # four officers: 7 -> 4
    rows += [_visit(4 + i, f"OF{4 + i:04d}", 5, 5) for i in range(2)]  # two: no change
    rows.append(_visit(6, "OF0006", 9, 0, flagged=True))  # a sensor was lost: apart
    rows.append(_visit(7, "OF0007", 9, 0, verdict="red"))  # poor signal: apart
    client = _upload(engine, rows)
    week = [(MONDAY, MONDAY + timedelta(days=6))]
    with engine.connect() as conn:
        shown = outcomes(conn, week, k=5)
        strict = outcomes(conn, week, k=7)
        other_station = outcomes(conn, week, k=5, station="room-2")
        assert outcomes(conn, week, k=5, use_rollups=False) == shown  # the rollup is in step
    # a station re-sends a session it later flagged: the rollup takes the old one out, the new in
    resent = rows[0] | {"updated_at": datetime(2026, 11, 11, tzinfo=CHINA).isoformat()}
    resent["data_quality"] = resent["data_quality"] | {"flagged": True}
    answer = client.post("/api/v1/sessions", json={"sessions": [resent]}, headers=client.headers)
    assert answer.json()["accepted"] == [resent["uuid"]]
    with engine.connect() as conn:
        after = outcomes(conn, week, k=5)
        assert outcomes(conn, week, k=5, use_rollups=False) == after
        assert outcomes(conn, week, k=6).stress_before is None  # five rated officers left
    assert (after.counted, after.flagged, after.rated) == (5, 3, 5)
    assert after.stress_before == pytest.approx((3 * 7 + 2 * 5) / 5)
    client.close()
    assert (shown.counted, shown.flagged, shown.rated) == (6, 2, 6)
    assert shown.stress_before == pytest.approx((4 * 7 + 2 * 5) / 6)
    assert shown.stress_after == pytest.approx((4 * 4 + 2 * 5) / 6)
    assert shown.lower_share == pytest.approx(4 / 6)
    assert shown.hr_change == pytest.approx(-8.0) and shown.rmssd_change == pytest.approx(10.0)
    assert shown.minutes_per_officer_week == pytest.approx(8 * 20 / 8)  # flagged minutes are practice too
    # six officers behind the means: hidden at k = 7; eight officers practised: still shown
    assert strict.stress_before is None and strict.lower_share is None and strict.hr_change is None
    assert strict.minutes_per_officer_week == pytest.approx(20.0)
    assert other_station.counted == 0 and other_station.minutes_per_officer_week is None


def test_migration_10_computes_the_changes_of_the_sessions_already_stored(engine) -> None:  # type: ignore[no-untyped-def]
    _upload(engine, [_visit(i, f"OF{i:04d}", 7, 4) for i in range(3)]).close()
    with engine.begin() as conn:  # back to the shape before migration 10
        conn.execute(text("DROP INDEX ix_sessions_outcomes"))
        conn.execute(text("DROP TABLE rollup_outcome"))
        for column in ("hr_change", "rmssd_change"):
            conn.execute(text(f"ALTER TABLE sessions DROP COLUMN {column}"))
        conn.execute(update(db.schema_version).values(version=9))  # migration 10 runs next
    assert db_migrations.migrate(engine) == len(db_migrations.MIGRATIONS)
    with engine.connect() as conn:
        changes = conn.execute(select(db.sessions.c.hr_change, db.sessions.c.rmssd_change)).all()
        assert "ix_sessions_outcomes" in {i["name"] for i in inspect(conn).get_indexes("sessions")}
        week = [(MONDAY, MONDAY + timedelta(days=6))]
        built = outcomes(conn, week, k=3)
        assert built == outcomes(conn, week, k=3, use_rollups=False) and built.hr_change == -8.0
    assert [tuple(c) for c in changes] == [(-8.0, 10.0)] * 3


def test_a_change_runs_from_the_resting_baseline_to_the_last_phase() -> None:
    def phase(name: str, **metrics: float) -> dict:
        return {"phase": name, "duration_s": 60.0, "metrics": metrics}

    settle_first = [phase("settle", hr=90), phase("baseline", hr=80), phase("training", hr=70), phase("x")]
    assert metric_change(settle_first, ("hr", "hr_bpm")) == pytest.approx(-10.0)
    assert metric_change([phase("a", hr_bpm=70), phase("b", hr_bpm=75)], ("hr", "hr_bpm")) == 5.0
    assert metric_change([phase("baseline", hr=80)], ("hr",)) is None
    assert metric_change([phase("relax", hr=70), phase("baseline", hr=80)], ("hr",)) is None


def test_use_is_grouped_per_room_and_unused_stations_count_as_zero() -> None:
    names = {"a": "一号站", "b": "二号站", "c": "三号站"}
    per_station = {"a": 4.2, "b": 2.1}
    alone = use_by_room(per_station, ["a", "b", "c"], station_as_room(names), 4.2)
    assert [(r.name, r.per_station_day) for r in alone] == [("三号站", 0.0), ("二号站", 2.1), ("一号站", 4.2)]
    assert alone[-1].of_reference == pytest.approx(1.0)
    rooms = {"a": ("r1", "济南中院"), "b": ("r1", "济南中院"), "c": ("r2", "历下法院")}
    grouped = use_by_room(per_station, ["a", "b", "c"], rooms.__getitem__, 4.2)
    assert [(r.name, r.stations, round(r.per_station_day, 2)) for r in grouped] == [
        ("历下法院", 1, 0.0),
        ("济南中院", 2, 3.15),
    ]


def test_the_rooms_the_admin_set_up_group_the_use(engine) -> None:  # type: ignore[no-untyped-def]
    names = {"a": "一号站", "b": "二号站", "c": "三号站"}
    with engine.begin() as conn:
        room = add_room(conn, "济南中院", "执行局驿站", "admin")
        for station in ("a", "b"):
            assign_room(conn, station, room, "admin")
        grouped = use_by_room({"a": 4.2, "b": 2.1}, ["a", "b", "c"], room_grouping(conn, names), 4.2)
    assert [(r.name, r.stations, round(r.per_station_day, 2)) for r in grouped] == [
        ("三号站", 1, 0.0),  # in no room: on its own
        ("济南中院 · 执行局驿站", 2, 3.15),
    ]


def test_tokens_become_words_in_both_languages() -> None:
    zh, en = Vocabulary("zh"), Vocabulary("en")
    inhale = zh.event("pacer", '{"cue": "inhale"}', 12.0)
    assert (inhale.what.text, [w.text for w in inhale.detail]) == ("呼吸引导", ["吸气"])
    assert [w.text for w in en.event("pacer", '{"cue": "inhale"}', 12.0).detail] == ["Inhale"]
    lost = zh.event("sensor_lost", '{"kind": "ECG", "reason": "flatline"}', 300.0)
    assert lost.what.text == "传感器中断" and [w.text for w in lost.detail] == [
        "心率（心电胸带）",
        "信号平直（未接触）",
    ]
    back = en.event("sensor_back", '{"kind": "EEG", "reason": "", "lost_s": 40.2}', 340.0)
    assert [w.text for w in back.detail] == ["Brain waves (EEG)", "lost for 40 s"]
    assert [w.text for w in zh.event("phase", "relax", 120.0).detail] == ["放松"]  # older stations' text
    odd = zh.event("new_kind", '{"level": 3}', 1.0)
    assert odd.what.raw and odd.what.text == "new_kind" and odd.detail[0].raw  # shown as sent, marked
    assert (
        zh.metric("rmssd_ms").text == "心率变异性 RMSSD（毫秒）"
        and en.metric("hr").text == "Heart rate (bpm)"
    )
    assert zh.metric_value("hr_bpm", 72.44) == "72" and zh.metric_value("alpha_rel", 0.2512) == "0.25"
    assert (zh.verdict("green").text, en.verdict("amber").text, zh.check("fail").text) == (
        "良好",
        "fair",
        "未通过",
    )
    assert (zh.state("idle").text, zh.phase("rate-5-5").text) == ("空闲", "每分钟 5.5 次呼吸")
    assert [w.text for w in zh.audit_target("session 1234")] == ["一次使用记录", "1234"]


def test_times_are_shown_in_the_time_zone_the_admin_chose(engine) -> None:  # type: ignore[no-untyped-def]
    row = _visit(1, "OF0001", 7, 4)  # started 09:01 in China, 01:01 UTC
    client = _upload(engine, [row])
    with engine.begin() as conn:
        create_user(conn, "boss", "admin", PASSWORD)
        assert db.get_settings(conn)["time_zone"] == "Asia/Shanghai"
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    assert (
        client.post("/login", data={"username": "boss", "password": PASSWORD, "csrf": csrf}).status_code
        == 303
    )
    assert "2026-11-10 09:01" in client.get("/sessions").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/settings").text).group(1)  # type: ignore[union-attr]
    form = {"csrf": csrf, "k_anonymity": "5", "target_per_day": "4.2", "retention_days": "36500"}
    form |= {"audit_retention_days": "1825"}
    refused = client.post("/settings", data=form | {"time_zone": "Mars/Olympus"})
    assert refused.status_code == 400 and "请选择一个时区" in refused.text
    assert client.post("/settings", data=form | {"time_zone": "UTC"}).status_code == 200
    page = client.get("/sessions").text
    assert "2026-11-10 01:01" in page and "2026-11-10 09:01" not in page
    with engine.connect() as conn:
        assert db.get_settings(conn)["time_zone"] == "UTC"
        audit = conn.execute(select(db.audit.c.target).where(db.audit.c.action == "settings")).scalars().all()
    assert any("time_zone=UTC" in line for line in audit)
    client.close()
