"""The remote-configuration pages in headless Chromium against uvicorn: an admin organises a court's
room, sets the room's and a station's settings, uploads protocol files (a broken one is refused),
confirms remote actions; two stations answer through the station API (one applies, one refuses
with its reason) and the Stations page shows desired vs applied. Both languages; phone width needs
no sideways scrolling. Screenshots go to $OASIS_ADMIN_SCREENSHOTS (default: the test's temp dir)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from admin_web import db, db_migrations
from admin_web.app import create_app
from admin_web.security import create_user
from tests.admin_support import REPO, pair, serve_in_thread
from tests.browser_support import chromium, screenshot_dir

PASSWORD = "fleet-browser-pw"
STATIONS = ("room-jinan-01", "room-jinan-02")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    engine = db.make_engine(f"sqlite:///{tmp_path_factory.mktemp('fleet') / 'admin.sqlite'}")
    db_migrations.migrate(engine)
    with engine.begin() as conn:
        create_user(conn, "boss", "admin", PASSWORD)
    app = create_app(engine, retention=False)
    with TestClient(app) as client:
        tokens = {station: pair(client, engine, station) for station in STATIONS}
    with serve_in_thread(app) as base:
        yield base, tokens
    engine.dispose()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


def heartbeat(base: str, token: str, station: str, **report: object) -> dict:
    """What a station's heartbeat reports, and the admin's answer (desired version, actions)."""
    body = {
        "station_id": station,
        "state": "idle",
        "software_version": "0.1.0",
        "free_disk_bytes": 8 * 10**10,
    }
    answer = httpx.post(
        f"{base}/api/v1/heartbeat", json={**body, **report}, headers={"Authorization": f"Bearer {token}"}
    )
    answer.raise_for_status()
    return dict(answer.json())


def test_an_admin_configures_a_room_and_sees_what_each_station_did(site, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, tokens = site
    shots = screenshot_dir(tmp_path)
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{base}/rooms?lang=zh")
    page.fill("#username", "boss")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{base}/rooms?lang=zh")
    assert page.locator("h1").inner_text() == "驿站与配置"

    page.fill("#add-room input[name=court]", "济南市中级人民法院")
    page.fill("#add-room input[name=name]", "执行局减压驿站")
    page.click("#add-room button")
    for station in STATIONS:
        row = page.locator(f'#station-rooms tr[data-station="{station}"]')
        row.locator("select").select_option(label="济南市中级人民法院 · 执行局减压驿站")
        row.locator("button").click()
    assert page.locator("#rooms td").nth(2).inner_text() == ", ".join(STATIONS)

    page.goto(f"{base}/config/room/1")
    page.fill('[id="kiosk.programs"]', "quick-reset, coherent-breathing")
    page.select_option('[id="station.language"]', "zh-CN")
    page.select_option('[id="scene.name"]', label="林间空地")
    assert "quick-reset（快速放松）" in page.locator("#known-programs").inner_text()
    page.fill('[id="officer.help_line"]', "0531-96111")
    page.fill('[id="storage.retention_days"]', "abc")
    page.click("#config-form button")
    assert "“原始记录保留天数”的格式不正确" in page.locator(".error").inner_text()
    page.fill('[id="storage.retention_days"]', "60")
    page.fill('[id="kiosk.quiet_hours"]', "22:00-07:00")
    page.click("#config-form button")
    room_version = int(re.search(r"v(\d+)", page.locator("p.ok").inner_text()).group(1))  # type: ignore[union-attr]
    assert page.locator("#versions tbody tr").count() == 1
    assert "默认场景：林间空地" in page.locator("#versions").inner_text()

    page.goto(f"{base}/config/station/{STATIONS[1]}")
    assert "驿站设置为：quick-reset, coherent-breathing" in page.locator("#config-form").inner_text()
    page.fill('[id="kiosk.programs"]', "night-walk")
    page.click("#config-form button")
    station_version = int(re.search(r"v(\d+)", page.locator("p.ok").inner_text()).group(1))  # type: ignore[union-attr]
    assert station_version > room_version

    page.goto(f"{base}/protocols")
    page.fill("#upload-protocol input[name=library]", "2026.12")
    page.set_input_files(
        "#upload-protocol input[type=file]",
        files=[
            {
                "name": "broken.toml",
                "mimeType": "application/toml",
                "buffer": b'id = "broken"\nduration_s = -5\n',
            }
        ],
    )
    page.click("#upload-protocol button")
    assert "方案文件未通过校验" in page.locator(".error").inner_text()
    page.fill("#upload-protocol input[name=library]", "2026.12")
    page.set_input_files(
        "#upload-protocol input[type=file]", str(REPO / "protocols/library/quick-reset.toml")
    )
    page.click("#upload-protocol button")
    assert page.locator("#protocol-files tbody tr").count() == 1

    # the stations answer: one applies its version, one refuses it; an admin asks for diagnostics
    first, second = STATIONS
    assert heartbeat(base, tokens[first], first, config_applied=0)["config_version"] == room_version
    heartbeat(base, tokens[first], first, config_applied=room_version, maintenance=False, last_action=0)
    assert heartbeat(base, tokens[second], second, config_applied=0)["config_version"] == station_version
    page.goto(f"{base}/stations/{second}/actions/maintenance_on")
    assert "不能开始新的练习" in page.locator("main").inner_text()
    page.screenshot(path=str(shots / "fleet-action-zh.png"), full_page=True)
    page.click("#action-form button")
    refusal = {
        "config_applied": room_version,
        "config_refused": station_version,
        "config_refusal": "kiosk.programs: no protocol night-walk in this station's library",
    }
    answer = heartbeat(base, tokens[second], second, **refusal, maintenance=False, last_action=0)
    assert [a["kind"] for a in answer["actions"]] == ["maintenance_on"]
    done = answer["actions"][0]["id"]
    assert (
        heartbeat(base, tokens[second], second, **refusal, maintenance=True, last_action=done)["actions"]
        == []
    )
    page.goto(f"{base}/stations")
    cell = page.locator(f'td[data-config="{second}"]').inner_text()
    assert f"目标 v{station_version}" in cell and f"已应用 v{room_version}" in cell
    assert f"拒绝了 v{station_version}" in cell and "night-walk" in cell and "维护中" in cell
    assert f"已应用 v{room_version}" in page.locator(f'td[data-config="{first}"]').inner_text()

    for lang in ("zh", "en"):
        for name, path in (
            ("rooms", "/rooms"),
            ("config-room", "/config/room/1"),
            ("config-station", f"/config/station/{second}"),
            ("protocols", "/protocols"),
            ("stations-config", "/stations"),
        ):
            page.goto(f"{base}{path}?lang={lang}")
            if name == "stations-config":
                page.locator(f'td[data-config="{second}"] details summary').click()
            page.screenshot(path=str(shots / f"fleet-{name}-{lang}.png"), full_page=True)
    page.goto(f"{base}/stations/{second}/actions/restart?lang=en")
    assert "never interrupted" in page.locator("main").inner_text()
    page.screenshot(path=str(shots / "fleet-action-en.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 800})
    for path in ("/rooms", "/config/room/1", "/protocols"):
        page.goto(f"{base}{path}?lang=zh")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, overflow)
    page.screenshot(path=str(shots / "fleet-phone-protocols-zh.png"), full_page=True)
    page.goto(f"{base}/config/room/1?lang=zh")
    page.screenshot(path=str(shots / "fleet-phone-config-room-zh.png"), full_page=True)
    # the two refused forms (retention "abc", the broken protocol file) answer 400, nothing else fails
    assert [p for p in problems if "status of 400" not in p] == [] and len(problems) == 2
