"""The emotion log on the admin server: stations send each session's topic, and admins see only
monthly counts of different officers per topic, each count under the room's k hidden, on SQLite
and PostgreSQL; technicians do not see the page at all; the view is audited."""

from __future__ import annotations

import random
import re
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select

from admin_web import db, sample
from admin_web.app import create_app
from admin_web.security import create_user
from admin_web.topic_stats import topic_months
from tests.admin_support import pair

PASSWORD = "topics-test-password"


def _visit(n: int, officer: str, topic: str | None, day: date) -> dict:
    row = sample.session("room-1", random.Random(n), day)
    return {**row, "officer_code": officer, "topic": topic}


def test_admins_see_only_counts_of_at_least_k_officers(engine) -> None:  # type: ignore[no-untyped-def]
    nov, dec = date(2026, 11, 10), date(2026, 12, 1)
    visits = [_visit(i, f"FAM{i}", "family", nov) for i in range(6)]  # 6 officers: shown
    visits += [_visit(10 + i, f"SLP{i}", "sleep", nov) for i in range(3)]  # 3 officers: hidden
    visits += [_visit(20 + i, "LONE1", "case_load", nov) for i in range(7)]  # 7 visits, 1 officer: hidden
    visits += [_visit(30 + i, f"DEC{i}", "health", dec) for i in range(5)]  # exactly k: shown
    visits += [_visit(40, "NONE1", None, dec)]  # not asked: not counted
    app = create_app(engine, retention=False)
    with engine.begin() as conn:
        create_user(conn, "boss", "admin", PASSWORD)
        create_user(conn, "tech", "technician", PASSWORD)
    with TestClient(app, follow_redirects=False) as client:
        token = pair(client, engine, "room-1")
        answer = client.post(
            "/api/v1/sessions", json={"sessions": visits}, headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 200, answer.text
        with engine.connect() as conn:
            months = topic_months(conn, date(2026, 1, 1), k=5)
            stored = conn.execute(
                select(db.sessions.c.topic).where(db.sessions.c.officer_code == "LONE1")
            ).all()
        assert {r.topic for r in stored} == {"case_load"}  # the tap arrived with each session
        assert [m.month for m in months] == ["2026-12", "2026-11"]
        assert months[1].counts["family"] == 6 and months[1].counts["sleep"] is None
        assert months[1].counts["case_load"] is None and months[1].counts["health"] == 0
        assert months[0].counts["health"] == 5

        def page(user: str, lang: str) -> str:
            login = client.get("/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
            client.post("/login", data={"username": user, "password": PASSWORD, "csrf": csrf})
            return client.get(f"/topics?lang={lang}").text

        html = page("boss", "zh")
        assert "心情记录" in html and "案件压力" in html and "&lt;5" in html
        assert "LONE1" not in html and "FAM0" not in html  # no officer code on the page
        assert "Conflict at work" in client.get("/topics?lang=en").text
        with engine.connect() as conn:
            assert conn.execute(select(db.audit.c.target).where(db.audit.c.target == "topics")).first()
        client.cookies.clear()
        page("tech", "en")
        assert client.get("/topics").status_code == 403
