"""Sessions a station flagged for a lost sensor: the flag and the minutes of usable feedback arrive on
the wire, migration 7 gives an older database their columns, the sessions list marks them and the
dashboard counts them apart — served by uvicorn and looked at in headless Chromium (Debian's
package, driven by Playwright) in both languages; the screenshots go to $OASIS_ADMIN_SCREENSHOTS
(default: the test's temp dir; docs/admin/ keeps the ones of the docs)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text, update

from admin_web import db, db_migrations, sample
from admin_web.app import create_app
from admin_web.security import create_user
from tests.admin_support import pair, serve_in_thread
from tests.browser_support import chromium, log_in, screenshot_dir

PASSWORD = "sensor-loss-pw"
END = date.today()


def flagged_rows() -> list[dict]:
    """Twelve sample sessions: three flagged (a sensor lost), eight clean, one from an older station."""
    rows = sample.sessions("room-1", 12, seed=5, end=END, days=5)
    for i, row in enumerate(rows):
        if i < 3:
            row["data_quality"] |= {"verdict": "amber", "flagged": True, "usable_feedback_min": 7.5 - i}
            row["data_quality"]["notes"] = "heart sensor lost (no samples, back after 40 s)"
        elif i < 11:
            row["data_quality"] |= {"flagged": False, "usable_feedback_min": 12.0}
    return rows  # the last one has neither field, as a station before this change sends it


def test_migration_7_adds_the_flag_to_a_version_6_database(db_url: str) -> None:
    engine = db.make_engine(db_url)
    db_migrations.migrate(engine)
    with engine.begin() as conn:  # back to the version-6 shape
        for index in ("ix_sessions_flagged", "ix_sessions_outcomes"):  # migrations 7 and 10
            conn.execute(text(f"DROP INDEX {index}"))
        for column in ("quality_flagged", "usable_feedback_min", "hr_change", "rmssd_change"):
            conn.execute(text(f"ALTER TABLE sessions DROP COLUMN {column}"))
        conn.execute(update(db.schema_version).values(version=6))
    assert db_migrations.migrate(engine) == len(db_migrations.MIGRATIONS)
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("sessions")}
        indexes = {i["name"] for i in inspect(conn).get_indexes("sessions")}
    assert {"quality_flagged", "usable_feedback_min"} <= columns and "ix_sessions_flagged" in indexes
    engine.dispose()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    engine = db.make_engine(f"sqlite:///{tmp_path_factory.mktemp('loss') / 'admin.sqlite'}")
    db_migrations.migrate(engine)
    with engine.begin() as conn:
        create_user(conn, "boss", "admin", PASSWORD)
        # k = 1: every sample week is shown (the twelve sessions have few officers per week)
        conn.execute(update(db.settings).where(db.settings.c.key == "k_anonymity").values(value="1"))
    app = create_app(engine, retention=False)
    with TestClient(app) as client:
        token = pair(client, engine, "room-1")
        answer = client.post(
            "/api/v1/sessions",
            json={"sessions": flagged_rows()},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200, answer.text
    with serve_in_thread(app) as base:
        yield base, engine
    engine.dispose()


def test_the_flag_and_usable_minutes_are_stored_as_sent(site) -> None:  # type: ignore[no-untyped-def]
    _, engine = site
    with engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(select(db.sessions.c.quality_flagged, db.sessions.c.usable_feedback_min)).all()
    assert sorted((r.quality_flagged is True, r.usable_feedback_min) for r in rows if r.quality_flagged) == [
        (True, 5.5),
        (True, 6.5),
        (True, 7.5),
    ]
    assert sum(r.quality_flagged is False for r in rows) == 8
    assert [(r.quality_flagged, r.usable_feedback_min) for r in rows].count((None, None)) == 1


def test_sessions_list_marks_them_and_the_dashboard_counts_them(site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, _ = site
    shots = screenshot_dir(tmp_path)
    with chromium(tmp_path / "profile") as context:
        page = context.new_page()
        page.goto(f"{base}/login")
        log_in(page, base, PASSWORD)
        since = END - timedelta(days=10)
        for lang, marker, usable in (
            ("zh", "传感器中断", "有效反馈"),
            ("en", "Sensor lost", "Usable feedback"),
        ):
            page.goto(f"{base}/dashboard?lang={lang}&from={since}")
            assert page.locator("#kpi-sensor-loss").inner_text() == "3"
            assert page.locator("#kpi-sessions").inner_text() == "12"
            page.screenshot(path=str(shots / f"dashboard-sensor-loss-{lang}.png"))
            page.goto(f"{base}/sessions?from={since}")
            flags = page.locator("span.flag.sensor-loss")
            assert flags.count() == 3 and all(marker in flags.nth(i).inner_text() for i in range(3))
            assert page.locator(f"td small:has-text('{usable}')").count() == 11  # not the older station's
            assert page.locator(f"td small:has-text('{usable} 7.5')").count() == 1
            page.screenshot(path=str(shots / f"sessions-sensor-loss-{lang}.png"))
