"""Headless Chromium (Debian's package, driven by Playwright) against ``uvicorn``: log in, open every
page in Chinese and English at a phone's width (390 px) and a laptop's (1366 px), and check what a
new admin would stumble on: no text smaller than ~11 px (SVG labels included, at the size they are
drawn), no sideways scrolling of the page, no English word on a Chinese page (outside an allow-list
of abbreviations and brand names, and data marked ``translate="no"``), the charts drawn, nothing
breaking the CSP. Screenshots go to $OASIS_ADMIN_SCREENSHOTS (default: the test's temp dir;
docs/admin/ keeps them)."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from admin_web import db, db_migrations, sample
from admin_web.app import create_app
from admin_web.security import create_user
from admin_web.vocabulary import DEVICES
from tests.admin_support import pair, serve_in_thread
from tests.browser_support import chromium, log_in, screenshot_dir

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
NAMES = {"room-1": "济南中院一号室", "room-2": "历下法院减压室", "room-3": "槐荫法院驿站"}
MIN_TEXT_PX = 10.9  # "no text smaller than ~11 px"
# English a Chinese page may show: abbreviations admins know, units, and the brand names of devices
ALLOWED_WORDS = {
    "HR",
    "HRV",
    "RMSSD",
    "SDNN",
    "LF",
    "HF",
    "EEG",
    "ECG",
    "PPG",
    "EDA",
    "CSV",
    "Hz",
    "GB",
    "UTC",
}
ALLOWED_WORDS |= {word for name in DEVICES.values() for word in re.findall(r"[A-Za-z]{2,}", name)}

# Every visible text node: its rendered font size (an SVG label scaled as its chart is drawn) and,
# unless it is data marked translate="no" or a link to the other language, its words.
TEXT_SCAN = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    const el = node.parentElement;
    if (!text || !el || el.closest('script, style, title')) continue;
    const option = el.closest('option');
    if (!option && !el.checkVisibility()) continue;
    let size = parseFloat(getComputedStyle(option ? el.closest('select') : el).fontSize);
    const svg = el.closest('svg');
    if (svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width) {
      size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    }
    const data = el.closest('[translate="no"], [lang="en"]') !== null;
    found.push({text, size, data, tag: el.tagName});
  }
  return found;
}"""


def _name_stations(engine, names: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        for station_id, name in names.items():
            conn.execute(update(db.stations).where(db.stations.c.id == station_id).values(name=name))


def _flag_one(rows: list[dict]) -> None:
    """The first session lost its heart sensor for a while: flagged, with the events to show it."""
    rows[0]["data_quality"] |= {"verdict": "amber", "flagged": True, "usable_feedback_min": 9.0}
    rows[0]["events"] += [
        {"t_s": 300.0, "kind": "sensor_lost", "detail": '{"kind": "ECG", "reason": "flatline"}'},
        {"t_s": 340.0, "kind": "sensor_back", "detail": '{"kind": "ECG", "reason": "", "lost_s": 40.0}'},
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
            if n == 0:
                _flag_one(rows)
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
                    "free_disk_bytes": 2 * 10**9 if station == "room-3" else 8 * 10**10,
                    "backlog": 120 if station == "room-2" else 0,
                    "sensors": [
                        {"sensor": "ECG", "level": "green"},
                        {"sensor": "EEG", "level": "amber", "reason": "high impedance"},
                    ],
                },
            )
        _name_stations(engine, NAMES)
        client.post(
            "/api/v1/pair",
            json={"station_id": "room-4", "name": "四号", "software_version": "0.1.0", "claim": "p" * 40},
        )
    with serve_in_thread(app) as base:
        yield base, first_uuid
    engine.dispose()


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    # a Chinese court's browser: dates in the date inputs as yyyy/mm/dd
    with chromium(tmp_path_factory.mktemp("chromium-profile"), locale="zh-CN") as context:
        yield context


def _log_in(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/dashboard?lang=zh")
    if not page.url.endswith("/login"):
        return  # the browser context is logged in already
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    log_in(page, base, PASSWORD)


def _legibility_problems(page, lang: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Text drawn smaller than MIN_TEXT_PX, and (Chinese pages) English words not allowed."""
    problems = []
    for item in page.evaluate(TEXT_SCAN):
        if item["size"] < MIN_TEXT_PX:
            problems.append(f"{item['size']:.1f} px <{item['tag']}> {item['text'][:40]!r}")
        if lang == "zh" and not item["data"]:
            words = set(re.findall(r"\b[A-Za-z]{2,}\b", item["text"])) - ALLOWED_WORDS
            if words:
                problems.append(f"untranslated {sorted(words)} in <{item['tag']}> {item['text'][:60]!r}")
    return problems


@pytest.mark.parametrize("width", [390, 1366])
def test_every_page_is_legible_in_both_languages(site, browser_context, tmp_path: Path, width: int) -> None:  # type: ignore[no-untyped-def]
    base, session_uuid = site
    shots = screenshot_dir(tmp_path)
    page = browser_context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(str(e)))
    _log_in(page, base)
    found: list[str] = []
    for lang, html_lang, nav_text in (("zh", "zh-CN", "使用记录"), ("en", "en", "Sessions")):
        page.goto(f"{base}/dashboard?lang={lang}")
        for path in PAGES:
            page.goto(f"{base}{'/sessions/' + session_uuid if path == '/session' else path}")
            assert page.locator("html").get_attribute("lang") == html_lang, path
            assert page.locator("header nav").inner_text().find(nav_text) >= 0, path
            assert page.locator("h1").inner_text().strip(), path
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            found += [f"{path} {lang}: page {overflow} px wider than the screen"] if overflow > 1 else []
            found += [f"{path} {lang}: {p}" for p in _legibility_problems(page, lang)]
            page.screenshot(path=str(shots / f"{path.strip('/')}-{lang}-{width}.png"), full_page=True)
    assert console == []  # before the pages below, which answer 404 on purpose
    found += _error_and_login_pages(browser_context, base, width, shots)
    assert not found, "\n".join(found)


def _error_and_login_pages(context, base: str, width: int, shots: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """An error page (a session that does not exist) and, logged out, the login page: each in both
    languages, checked and photographed like the others."""
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    found = []
    for name, path in (("error", "/sessions/00000000-0000-4000-8000-000000000000"), ("login", "/login")):
        if name == "login":
            context.clear_cookies()  # the next test logs in again
        for lang in ("en", "zh"):  # Chinese last: the language the next test's login expects
            page.goto(f"{base}{path}?lang={lang}")
            found += [f"{path} {lang}: {p}" for p in _legibility_problems(page, lang)]
            page.screenshot(path=str(shots / f"{name}-{lang}-{width}.png"), full_page=True)
    page.close()
    return found


def test_dashboard_shows_outcomes_use_and_health(site, browser_context) -> None:  # type: ignore[no-untyped-def]
    base, session_uuid = site
    page = browser_context.new_page()
    page.set_viewport_size({"width": 1366, "height": 900})
    _log_in(page, base)
    page.goto(f"{base}/dashboard?from={date.today() - timedelta(days=40)}&lang=zh")  # all the sample days
    charts = page.locator("svg.chart:visible")
    assert charts.count() == 4
    for i in range(4):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 50
    assert page.locator("svg.chart.wide rect.cell").count() == 7 * 24
    assert page.locator("svg.chart.wide rect.bar").count() == 3 + 21  # three rooms, changes -10..+10
    assert page.locator("svg.chart.wide polyline.series").count() == 1
    assert page.locator("#kpi-sessions").inner_text() == str(120 + 90 + 60)
    # outcome cards: the sample lowers stress, so after < before and most sessions end lower
    before, after = (float(x) for x in page.locator("#out-stress").inner_text().split("→"))
    assert after < before
    assert int(page.locator("#out-lower").inner_text().rstrip("%")) > 50
    assert re.match(r"另有 \d+ 次练习数据质量低", page.locator("#out-flagged").inner_text())
    for card in ("#out-hr", "#out-rmssd", "#out-minutes"):
        assert page.locator(card).count() == 1, card
    # use per room against the reference, and the stations that need attention
    assert page.locator("#room-use tbody tr").count() == 3
    assert page.locator("#room-use").inner_text().count("槐荫法院驿站") == 1
    assert page.locator("#health-backlog").inner_text() == "1"
    assert page.locator("#health-disk").inner_text() == "1"
    assert "历下法院减压室" in page.locator("#health-list").inner_text()
    page.goto(f"{base}/dashboard?from={date.today() - timedelta(days=40)}&station=room-2")  # one station
    assert page.locator("#room-use tbody tr").count() == 1 and page.locator("#out-stress").count() == 1
    # that station's health only: its backlog, not the other station's low disk
    assert page.locator("#health-backlog").inner_text() == "1"
    assert page.locator("#health-disk").inner_text() == "0"
    # one session in words: local time, names, events as a table
    page.goto(f"{base}/sessions/{session_uuid}")
    events = page.locator("#events").inner_text()
    assert "吸气" in events and "传感器中断" in events and "心率（心电胸带）" in events
    assert "{" not in events and "cue" not in events
    assert "心率（次/分）" in page.locator("#phase-metrics").inner_text()
    assert page.locator("svg.chart:visible").count() >= 2
