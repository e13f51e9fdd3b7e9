"""The kiosks' counsellor suggestions on the admin: stations send monthly counts (never an officer)
with their own token, each month replacing what that station sent before; the topics page sums the
room's stations per month, a sum below k hidden — served by uvicorn and looked at in headless
Chromium (Playwright) in both languages; screenshots go to $OASIS_ADMIN_SCREENSHOTS (default: the
test's temp dir; docs/admin/ keeps the ones of the docs). The officer-PIN endpoint's refusals are
checked here too (its end-to-end path with two stations: tests/station/test_station_officer_pin_shared.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from admin_web import db, db_migrations, sample
from admin_web.app import create_app
from admin_web.security import create_user
from tests.admin_support import pair, serve_in_thread
from tests.browser_support import chromium, log_in, screenshot_dir

PASSWORD = "reminder-counts-pw"
THIS_MONTH = date.today().replace(day=1)
LAST_MONTH = (THIS_MONTH - timedelta(days=1)).replace(day=1)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    engine = db.make_engine(f"sqlite:///{tmp_path_factory.mktemp('reminders') / 'admin.sqlite'}")
    db_migrations.migrate(engine)
    with engine.begin() as conn:
        create_user(conn, "boss", "admin", PASSWORD)
    app = create_app(engine, retention=False)
    this, last = THIS_MONTH.strftime("%Y-%m"), LAST_MONTH.strftime("%Y-%m")
    with TestClient(app) as client:
        tokens = {name: pair(client, engine, name) for name in ("room-1", "room-2")}
        topics = [  # a few emotion-log rows, so the page shows both tables as an admin sees them
            {**row, "officer_code": f"OFF{i}", "topic": ("case_load", "sleep", "family")[i % 3]}
            for i, row in enumerate(sample.sessions("room-1", 16, seed=3, end=date.today(), days=1))
        ]
        client.post("/api/v1/sessions", json={"sessions": topics}, headers=_auth(tokens["room-1"]))
        sent = {
            "room-1": [{"month": last, "shown": 2}, {"month": this, "shown": 1}],
            "room-2": [{"month": last, "shown": 4}, {"month": this, "shown": 2}],
        }
        for name, months in sent.items():
            answer = client.post(
                "/api/v1/reminder-counts", json={"months": months}, headers=_auth(tokens[name])
            )
            assert answer.status_code == 200 and answer.json()["stored"] == 2, answer.text
        # room-2 sends this month again, one more: it replaces, never adds
        again = {"months": [{"month": this, "shown": 3}]}
        assert (
            client.post("/api/v1/reminder-counts", json=again, headers=_auth(tokens["room-2"])).status_code
            == 200
        )
        assert client.post("/api/v1/reminder-counts", json=again).status_code == 401
        bad = {"months": [{"month": "2026-13", "shown": 1}]}
        assert (
            client.post("/api/v1/reminder-counts", json=bad, headers=_auth(tokens["room-1"])).status_code
            == 422
        )
        odd = {"months": [{"month": this, "shown": 1, "officer_code": "K7PQ3XM"}]}  # no room for a code
        assert (
            client.post("/api/v1/reminder-counts", json=odd, headers=_auth(tokens["room-1"])).status_code
            == 422
        )

        pin = {"officer_code": "K7PQ3XM", "action": "set", "pin": "1357"}
        headers = _auth(tokens["room-1"])
        assert client.post("/api/v1/officer-pin", json=pin, headers=headers).json()["outcome"] == "saved"
        other = {**pin, "pin": "2468"}
        refused = client.post("/api/v1/officer-pin", json=other, headers=_auth(tokens["room-2"])).json()
        assert refused == {"has_pin": True, "outcome": "exists", "wait_s": 0.0}
        for body in ({**pin, "pin": None}, {**pin, "pin": "12"}, {**pin, "pin": "12ab"}):
            assert client.post("/api/v1/officer-pin", json=body, headers=headers).status_code == 422
        assert client.post("/api/v1/officer-pin", json=pin).status_code == 401
    with serve_in_thread(app) as base:
        yield base, engine
    engine.dispose()


def test_counts_are_stored_per_station_and_month_replacing_the_last(site) -> None:  # type: ignore[no-untyped-def]
    _, engine = site
    c = db.reminder_counts.c
    with engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(select(c.station_id, c.month, c.shown)).all()
        pins = conn.execute(select(db.officer_pins.c.set_by_station, db.officer_pins.c.pin_hash)).all()
    this, last = THIS_MONTH.strftime("%Y-%m"), LAST_MONTH.strftime("%Y-%m")
    assert sorted(map(tuple, rows)) == sorted(
        [("room-1", last, 2), ("room-1", this, 1), ("room-2", last, 4), ("room-2", this, 3)]
    )
    [(station, pin_hash)] = pins  # the first PIN kept: another station cannot overwrite it
    assert station == "room-1" and pin_hash.startswith("$argon2id$")


def test_the_topics_page_shows_the_rooms_sums_with_small_months_hidden(site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, _ = site
    shots = screenshot_dir(tmp_path)
    with chromium(tmp_path / "profile") as context:
        page = context.new_page()
        page.goto(f"{base}/login")
        log_in(page, base, PASSWORD)
        for lang, heading in (("zh", "心理咨询提醒"), ("en", "Counsellor suggestions")):
            page.goto(f"{base}/topics?lang={lang}")
            assert page.locator(f"h2:has-text('{heading}')").count() == 1
            rows = page.locator("table").nth(1).locator("tbody tr")
            cells = [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]
            # this month 1 + 3 = 4 < k = 5: hidden; last month 2 + 4 = 6: shown
            assert cells == [[THIS_MONTH.strftime("%Y-%m"), "<5"], [LAST_MONTH.strftime("%Y-%m"), "6"]]
            html = page.content()
            assert "$argon2" not in html and "K7PQ3XM" not in html
            page.screenshot(path=str(shots / f"topics-{lang}.png"), full_page=True)
