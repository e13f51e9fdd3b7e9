"""The kiosk's new lines: the pairing code on the attract screen while the real embedded admin server
(station/sync/embedded_admin.py, uvicorn on loopback) has not yet approved the station, gone once it has;
and both it and the resonance summary rendered headless (pyglet on Mesa EGL) without overflowing."""

from __future__ import annotations

import threading
from pathlib import Path

import pyglet
import pytest

pyglet.options["headless"] = True

from protocols.loader import find_protocol  # noqa: E402  (pyglet options must be set before windows exist)
from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog  # noqa: E402
from station.kiosk import flow as f  # noqa: E402
from station.kiosk.controller import KioskController  # noqa: E402
from station.kiosk.kiosk_model import KioskModel, Program  # noqa: E402
from station.kiosk.layout import layout  # noqa: E402
from station.kiosk.render import draw  # noqa: E402
from station.kiosk.script import run_until  # noqa: E402
from station.kiosk.texts import LANGUAGES  # noqa: E402
from station.session.summary import describe_changes, describe_resonance  # noqa: E402
from station.store import SessionStore  # noqa: E402
from station.store.officer_codes import new_code, normalise  # noqa: E402
from tests.kiosk_render import kiosk_window  # noqa: E402

PAIRING = {
    "zh-CN": "等待管理员批准配对 · 配对码 {code}",
    "en": "Waiting for the admin to approve pairing · code {code}",
}


def _texts(controller: KioskController) -> list[str]:
    return [w.text for w in layout(controller.model, controller.flow, controller.clock(), 1280, 800)]


def test_the_attract_screen_shows_the_pairing_code_until_the_admin_approves(tmp_path: Path) -> None:
    from station.commands.kiosk_process import start_sync
    from station.config import load_config
    from station.sync.embedded_admin import EmbeddedAdmin
    from station.sync.sync_state import SyncState

    admin = EmbeddedAdmin(tmp_path / "admin.db").start()
    store = SessionStore(tmp_path / "sessions.db", "pairing-station")
    registry = SourceRegistry(StreamCatalog(buffer_seconds=5.0))
    controller = KioskController(
        store,
        registry,
        [find_protocol("quick-reset")],
        station_id="pairing-station",
        recordings_dir=tmp_path / "recordings",
        language="en",
    )
    stop = threading.Event()
    thread = None
    try:
        config = tmp_path / "station.toml"
        config.write_text(
            f'[station]\nid = "pairing-station"\n[storage]\ndata_dir = "{tmp_path}"\n'
            f'[admin]\nurl = "{admin.url}"\n',
            encoding="utf-8",
        )
        cfg = load_config(config)
        controller.tick()
        assert not any("pairing" in t for t in _texts(controller))  # no sync yet: nothing to show
        thread = start_sync(cfg, store, controller, stop)
        assert thread is not None
        assert run_until(controller, lambda: controller.model.pairing_code != "", 60.0)
        code = controller.model.pairing_code
        assert code == SyncState.load(cfg.data_dir / "sync").pairing_code
        assert PAIRING["en"].format(code=code) in _texts(controller)
        controller.tap("language")
        assert PAIRING["zh-CN"].format(code=code) in _texts(controller)
        controller.tap("begin")  # an officer's visit does not clear it: it is the station's, not theirs
        controller.tap("stop")
        assert controller.flow.screen is f.Screen.IDLE and controller.model.pairing_code == code

        assert admin.approve("pairing-station", code)
        assert run_until(controller, lambda: controller.model.pairing_code == "", 60.0)
        assert not any(code in t for t in _texts(controller))
        assert SyncState.load(cfg.data_dir / "sync").pairing == "paired"
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=60.0)
        registry.close()
        store.close()
        admin.stop()


@pytest.fixture(scope="module")
def window():
    yield from kiosk_window()


@pytest.mark.parametrize("size", [(1024, 768), (1280, 800), (1920, 1080)])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", ["idle", "summary"])
def test_the_new_lines_fit_their_boxes(window, screen: str, language: str, size: tuple[int, int]) -> None:
    width, height = size
    model = KioskModel(
        [Program("resonance-assessment", "共振频率测定", "Resonance assessment", 0, 720)],
        check_code=normalise,
        new_code=new_code,
        verify_pin=lambda pin: False,
        language=language,
    )
    flow = f.SessionFlow()
    if screen == "idle":
        model.pairing_code = "8271-4406"
        expected = PAIRING[language].format(code="8271-4406")
    else:
        for event in (
            f.Begin(),
            f.CheckedIn("K7PQ3XM"),
            f.ProgramChosen("resonance-assessment", 0, 720),
            f.Rated(5, 3),
            f.SensorsReady(),
            f.Stop(),
            f.SkipRating(),
        ):
            flow.handle(event, 0.0)
        means = {"baseline": {"hr": 75.0, "rmssd": 30.0}, "session": {"hr": 68.0, "rmssd": 45.0}}
        model.summary = {
            lang: describe_resonance(5.5, lang) + describe_changes(means, lang) for lang in LANGUAGES
        }
        expected = describe_resonance(5.5, language)[1]
    assert flow.screen.value == screen
    widgets = layout(model, flow, 0.0, width, height)
    assert expected in [w.text for w in widgets]
    window.switch_to()
    pyglet.gl.glViewport(0, 0, width, height)
    window.projection = pyglet.math.Mat4.orthogonal_projection(0, width, 0, height, -255, 255)
    assert draw(widgets, height) == []
