"""Headless Chromium (Debian's package, driven by Playwright) against ``uvicorn``: log in, open every
page in Chinese and English, check the SVG charts render, nothing breaks the CSP, phones need no
sideways scrolling; screenshots go to $OASIS_ADMIN_SCREENSHOTS (default: the test's temp dir)."""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from admin_web import db, db_migrations, sample
from admin_web.app import create_app
from admin_web.security import create_user
from tests.admin_support import free_port, pair, wait_until

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "browser-test-pw"
PAGES = [
    "/dashboard",
    "/sessions",
    "/session",
    "/stations",
    "/calibrations",
    "/topics",
    "/users",
    "/settings",
    "/audit",
    "/account",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    engine = db.make_engine(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'admin.sqlite'}")
    db_migrations.migrate(engine)
    with engine.begin() as conn:
        create_user(conn, "boss", "admin", PASSWORD)
    app = create_app(engine, retention=False)
    first_uuid = ""
    with TestClient(app) as client:
        for n, station in enumerate(("room-1", "room-2", "room-3")):
            token = pair(client, engine, station)
            rows = sample.sessions(station, 120 - 30 * n, seed=n)
            first_uuid = first_uuid or rows[0]["uuid"]
            rng = random.Random(n)
            cals = [
                sample.calibration(station, rng, sample.datetime.now(sample.CHINA) - timedelta(days=20 * i))
                for i in range(3)
            ]
            headers = {"Authorization": f"Bearer {token}"}
            client.post("/api/v1/sessions", json={"sessions": rows, "calibrations": cals}, headers=headers)
            client.post(
                "/api/v1/heartbeat",
                headers=headers,
                json={
                    "station_id": station,
                    "state": "idle",
                    "software_version": "0.1.0",
                    "free_disk_bytes": 8 * 10**10,
                    "sensors": [
                        {"sensor": "ECG", "level": "green"},
                        {"sensor": "EEG", "level": "amber", "reason": "high impedance"},
                    ],
                },
            )
        client.post(
            "/api/v1/pair",
            json={"station_id": "room-4", "name": "四号", "software_version": "0.1.0", "claim": "p" * 40},
        )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, 60, 0.05, "uvicorn to start")
    yield f"http://127.0.0.1:{port}", first_uuid
    server.should_exit = True
    thread.join(30)
    engine.dispose()


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            args=FLAGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        yield context
        context.close()


def _shots(tmp_path: Path) -> Path:
    target = Path(os.environ.get("OASIS_ADMIN_SCREENSHOTS", tmp_path / "screenshots"))
    target.mkdir(parents=True, exist_ok=True)
    return target


def test_every_page_in_both_languages(site, browser_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, session_uuid = site
    shots = _shots(tmp_path)
    page = browser_context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{base}/dashboard")
    assert page.url.endswith("/login") and page.locator("html").get_attribute("lang") == "zh-CN"
    page.fill("#username", "boss")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard")
    for lang, html_lang, nav_text in (("zh", "zh-CN", "使用记录"), ("en", "en", "Sessions")):
        page.goto(f"{base}/dashboard?lang={lang}")
        for path in PAGES:
            page.goto(f"{base}{'/sessions/' + session_uuid if path == '/session' else path}")
            assert page.locator("html").get_attribute("lang") == html_lang, path
            assert page.locator("header nav").inner_text().find(nav_text) >= 0, path
            assert page.locator("h1").inner_text().strip(), path
            page.screenshot(path=str(shots / f"{path.strip('/')}-{lang}.png"), full_page=True)
        page.goto(f"{base}/dashboard?from={date.today() - timedelta(days=40)}")  # all the sample days
        charts = page.locator("svg.chart")
        assert charts.count() == 4
        for i in range(4):
            box = charts.nth(i).bounding_box()
            assert box and box["width"] > 200 and box["height"] > 50
        assert page.locator("svg.chart rect.cell").count() == 7 * 24
        assert page.locator("svg.chart rect.bar").count() >= 3 + 21
        assert page.locator("svg.chart polyline.series").count() == 1
        assert page.locator("#kpi-sessions").inner_text() == str(120 + 90 + 60)
        page.goto(f"{base}/sessions/{session_uuid}")
        assert page.locator("svg.chart").count() >= 2
    assert problems == []
    print(f"screenshots in {shots}")


def test_phone_width_needs_no_sideways_scrolling(site, browser_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, _ = site
    page = browser_context.new_page()
    page.set_viewport_size({"width": 375, "height": 800})
    for path in ("/dashboard", "/stations", "/sessions"):
        page.goto(f"{base}{path}")
        if page.url.endswith("/login"):
            page.fill("#username", "boss")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{base}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, overflow)
        page.screenshot(path=str(_shots(tmp_path) / f"phone-{path.strip('/')}.png"), full_page=True)
