"""Remote configuration end to end: the real admin (uvicorn on loopback, its forms with their CSRF
token) and the station wired as `oasis station run` wires it (KioskProcess, headless: the kiosk
controller, its session store and its sync client on its own thread). A change made in
the admin reaches the station, is applied only at an idle moment and reported back; a broken one is
refused with its reason and the last good one kept, also across a restart without the admin; remote
actions (maintenance, diagnostics, restart) are carried out once each."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from admin_web.fleet_tables import diagnostics, station_config
from admin_web.security import create_user
from protocols.loader import find_protocol
from station.cli import main
from station.commands.kiosk_process import KioskProcess
from station.config import load_config
from station.kiosk import flow as f
from station.kiosk.controller import KioskController, SceneSettings
from station.kiosk.diagnostics import RecentLogs
from station.kiosk.remote_control import RemoteControl
from station.kiosk.script import run_until
from station.store.officer_codes import display, new_code
from station.sync.embedded_admin import EmbeddedAdmin
from tests.admin_support import REPO

PASSWORD = "remote-config-pw"
LIBRARY = ["quick-reset", "coherent-breathing", "alpha-relax"]


def admin_login(base: str) -> httpx.Client:
    """An admin logged in through the login form (the session cookie and the CSRF token kept)."""
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    answer = client.post("/login", data={"username": "boss", "password": PASSWORD, "csrf": csrf})
    assert answer.status_code == 303, answer.text
    return client


def csrf(client: httpx.Client) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/rooms").text).group(1)  # type: ignore[union-attr]


@dataclass
class Kiosk:
    """The station as `oasis station run` wires it (KioskProcess), headless."""

    process: KioskProcess
    config: Path

    @property
    def controller(self) -> KioskController:
        return self.process.controller

    @property
    def remote(self) -> RemoteControl:
        assert self.process.controller.remote is not None
        return self.process.controller.remote


def make_kiosk(tmp_path: Path, admin_url: str) -> Kiosk:
    tmp_path.mkdir(exist_ok=True)
    config = tmp_path / "station.toml"
    config.write_text(
        f'[station]\nid = "kiosk-1"\nlanguage = "zh-CN"\n[storage]\ndata_dir = "{tmp_path}"\n'
        f'[admin]\nurl = "{admin_url}"\n',
        encoding="utf-8",
    )
    scene = SceneSettings("lakeside", "headless", {"width": 64, "height": 36}, 10.0)
    return Kiosk(KioskProcess(load_config(config), [find_protocol(name) for name in LIBRARY], scene), config)


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[EmbeddedAdmin]:
    server = EmbeddedAdmin(tmp_path / "admin.sqlite")
    with server.engine.begin() as conn:
        create_user(conn, "boss", "admin", PASSWORD)
    yield server.start()
    server.stop()


def status_of(admin: EmbeddedAdmin) -> dict:
    with admin.engine.connect() as conn:
        row = conn.execute(select(station_config).where(station_config.c.station_id == "kiosk-1")).first()
    return {} if row is None else dict(row._mapping)


def programs(kiosk: Kiosk) -> list[str]:
    return [p.id for p in kiosk.controller.model.programs]


def save(web: httpx.Client, path: str, **values: str) -> httpx.Response:
    fields = {
        "kiosk.programs": "",
        "scene.name": "",
        "station.language": "",
        "officer.help_line": "",
        "storage.retention_days": "",
        "protocols.library": "",
        "kiosk.quiet_hours": "",
    }
    fields.update({k.replace("__", "."): v for k, v in values.items()})
    return web.post(path, data={"csrf": csrf(web), **fields})


def act(web: httpx.Client, kind: str) -> None:
    confirm = web.get(f"/stations/kiosk-1/actions/{kind}")
    assert confirm.status_code == 200 and 'id="action-form"' in confirm.text
    assert web.post(f"/stations/kiosk-1/actions/{kind}", data={"csrf": csrf(web)}).status_code == 303


def test_a_change_in_the_admin_reaches_the_kiosk_at_idle_and_a_broken_one_is_refused(
    admin: EmbeddedAdmin, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kiosk = make_kiosk(tmp_path / "station", admin.url)
    controller = kiosk.controller
    sync = kiosk.process.start().sync
    assert sync is not None
    sync.client.config.heartbeat_every_s = sync.client.config.pairing_poll_s = 0.3
    web = admin_login(admin.url)
    try:
        assert run_until(controller, lambda: controller.model.pairing_code != "", 60.0)
        assert admin.approve("kiosk-1", controller.model.pairing_code, "boss")
        assert run_until(controller, lambda: sync.client.state.pairing == "paired", 60.0)
        assert programs(kiosk) == LIBRARY and controller.model.home_language == "zh-CN"

        # a protocol file is checked on the admin before it can be assigned: a broken one is not kept
        broken = web.post(
            "/protocols",
            data={"csrf": csrf(web), "library": "2026.12"},
            files={"file": ("calm-v2.toml", b'id = "calm-v2"\n[[phases]]\nname = "x"\n')},
        )
        assert broken.status_code == 400 and "calm-v2" not in web.get("/protocols").text
        text = (REPO / "protocols/library/quick-reset.toml").read_text(encoding="utf-8")
        calm = re.sub(r'(?m)^id = ".*"$', 'id = "calm-v2"', text, count=1)
        added = web.post(
            "/protocols",
            data={"csrf": csrf(web), "library": "2026.12"},
            files={"file": ("calm-v2.toml", calm.encode())},
        )
        assert added.status_code == 200 and "calm-v2" in added.text

        # court -> room -> station; the room's settings
        assert (
            web.post("/rooms", data={"csrf": csrf(web), "court": "济南中院", "name": "一号驿站"}).status_code
            == 303
        )
        room = re.search(r'data-room="(\d+)"', web.get("/rooms").text).group(1)  # type: ignore[union-attr]
        assert web.post("/stations/kiosk-1/room", data={"csrf": csrf(web), "room": room}).status_code == 303
        controller.tap("begin")  # an officer is at the kiosk: nothing may change under them
        assert controller.screen is f.Screen.CHECK_IN
        page = save(
            web,
            f"/config/room/{room}",
            kiosk__programs="calm-v2, coherent-breathing",
            station__language="en",
            officer__help_line="0531-96111",
            protocols__library="2026.12",
        )
        assert page.status_code == 200
        version = int(re.search(r"v(\d+)", page.text.split('role="status"')[1]).group(1))  # type: ignore[union-attr]
        assert run_until(controller, lambda: not kiosk.remote.wants(version), 30.0)  # fetched ...
        for _ in range(10):
            controller.tick()
        assert programs(kiosk) == LIBRARY  # ... but not applied in the middle of a visit
        controller.tap("stop")
        assert controller.screen is f.Screen.IDLE
        assert run_until(controller, lambda: programs(kiosk) == ["calm-v2", "coherent-breathing"], 30.0)
        model = controller.model
        assert (model.home_language, model.language, model.help_line) == ("en", "en", "0531-96111")
        assert kiosk.remote.effective.sources["station.language"] == "room"
        assert run_until(controller, lambda: status_of(admin).get("applied") == version, 30.0)
        assert status_of(admin)["desired"] == version

        # the station's own setting overrides the room's; a broken one is refused, the last good kept
        page = save(web, "/config/station/kiosk-1", kiosk__programs="no-such-program")
        broken_version = int(re.search(r"v(\d+)", page.text.split('role="status"')[1]).group(1))  # type: ignore[union-attr]
        assert run_until(controller, lambda: status_of(admin).get("refused") == broken_version, 30.0)
        assert "no-such-program" in status_of(admin)["refusal"]
        assert status_of(admin)["applied"] == version
        assert programs(kiosk) == ["calm-v2", "coherent-breathing"]
        stations = web.get("/stations").text
        assert f"v{broken_version}" in stations and "no protocol no-such-program" in stations

        # remote actions, each confirmed on its own page: maintenance closes the attract screen
        act(web, "maintenance_on")
        assert run_until(controller, lambda: model.closed == "maintenance", 30.0)
        controller.tap("begin")
        assert controller.screen is f.Screen.IDLE  # no session can start
        act(web, "maintenance_off")
        assert run_until(controller, lambda: model.closed == "", 30.0)
        officer = new_code()
        logging.getLogger("station.test").warning("checked in %s (%s)", officer, display(officer))
        act(web, "diagnostics")

        def bundle() -> str:
            with admin.engine.connect() as conn:
                return str(conn.execute(select(diagnostics.c.text)).scalar() or "")

        assert run_until(controller, lambda: bundle() != "", 60.0)
        assert "$ oasis station check" in bundle() and "session store" in bundle()
        assert "checked in [officer] ([officer])" in bundle() and officer not in bundle()
        bundle_id = re.search(r"/stations/kiosk-1/diagnostics/(\d+)", web.get("/stations").text).group(1)  # type: ignore[union-attr]
        download = web.get(f"/stations/kiosk-1/diagnostics/{bundle_id}")
        assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
        act(web, "restart")
        assert run_until(controller, lambda: controller.restart_requested, 30.0)
        assert run_until(controller, lambda: status_of(admin).get("last_action", 0) >= 4, 30.0)
        audit = web.get("/audit").text
        assert "station_action" in audit and f"v{version} room" in audit
    finally:
        kiosk.process.close()
        web.close()
    admin.stop()  # the admin is out of reach: a restarted kiosk starts with the last good version
    again = make_kiosk(tmp_path / "station", admin.url)
    try:
        assert programs(again) == ["calm-v2", "coherent-breathing"]
        assert again.controller.model.home_language == "en"
        assert again.remote.report()["config_applied"] == version
        assert again.remote.report()["config_refused"] == broken_version
        assert again.remote.last_action >= 4  # the restart is not done a second time
    finally:
        again.process.close()
    assert main(["station", "check", "--config", str(kiosk.config), "--sensor-wait", "0.1"]) == 0
    printed = capsys.readouterr().out
    assert (
        f"config version  v{version} applied; v{broken_version} refused: kiosk.programs: no protocol"
        in printed
    )
    assert re.search(r"setting station\.language\s+'en' \(from room\)", printed)
    assert re.search(r"setting kiosk\.programs\s+calm-v2, coherent-breathing \(from room\)", printed)
    assert re.search(r"setting station\.id\s+'kiosk-1' \(from station.toml\)", printed)
    assert re.search(r"setting scene\.name\s+'lakeside' \(from default\)", printed)


def test_the_diagnostics_log_keeps_no_officer_code() -> None:
    logs = RecentLogs()
    code = new_code()
    logger = logging.getLogger("station.test.redaction")
    logger.addHandler(logs)
    try:
        logger.warning("officer %s checked in, shown as %s", code, display(code))
    finally:
        logger.removeHandler(logs)
    assert code not in logs.lines[-1] and display(code) not in logs.lines[-1]
    assert logs.lines[-1].count("[officer]") == 2


def test_in_quiet_hours_the_attract_screen_says_until_when_and_no_session_starts(tmp_path: Path) -> None:
    from datetime import datetime, timedelta

    from station.kiosk.layout import layout
    from wire import v1 as wire_v1

    kiosk = make_kiosk(tmp_path / "station", "http://127.0.0.1:9")  # never contacted: no sync here
    try:
        now = datetime.now(kiosk.remote.effective.tz)
        hours = f"{(now - timedelta(hours=1)):%H:%M}-{(now + timedelta(hours=1)):%H:%M}"
        settings: dict[str, str | int | bool | list[str]] = {
            "kiosk.quiet_hours": hours,
            "scene.name": "forest",
        }
        kiosk.remote.offer(wire_v1.StationConfiguration(version=7, settings=settings, sources={}))
        controller, model = kiosk.controller, kiosk.controller.model
        controller.tick()
        assert (model.closed, model.closed_until) == ("quiet_hours", hours[-5:])
        assert controller.scene.scene == "forest"
        texts = [w.text for w in layout(model, controller.flow, 0.0, 1280, 800)]
        assert "休息时间，暂停使用" in texts and f"现在是休息时段，{hours[-5:]} 起可以使用。" in texts
        assert not any(w.action == "begin" for w in layout(model, controller.flow, 0.0, 1280, 800))
        controller.tap("begin")
        assert controller.screen is f.Screen.IDLE
        assert kiosk.remote.report()["config_applied"] == 7
    finally:
        kiosk.process.close()
