"""Technician mode's devices page: rendered headless (pyglet on Mesa EGL) in both languages at three
monitor sizes with every state a device can be in and no text overflowing; and the kiosk controller
with a real BridgeManager on an emulated device, tapping Stop and Start."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyglet
import pytest

pyglet.options["headless"] = True

from protocols.loader import find_protocol  # noqa: E402
from sensors.devices.device_kinds import get  # noqa: E402
from sensors.devices.emulator import PtyEmulator  # noqa: E402
from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog  # noqa: E402
from station.bridges import ENGLISH_DETAILS, BridgeManager, BridgeRow  # noqa: E402
from station.config import DEVICE_KINDS, DeviceConfig, hash_pin  # noqa: E402
from station.kiosk import flow as f  # noqa: E402
from station.kiosk.controller import KioskController  # noqa: E402
from station.kiosk.kiosk_model import KioskModel  # noqa: E402
from station.kiosk.layout import layout  # noqa: E402
from station.kiosk.render import hit  # noqa: E402
from station.kiosk.technician_devices import clip, handle_bridge_action, short_port  # noqa: E402
from station.kiosk.texts import LANGUAGES, TEXTS  # noqa: E402
from station.kiosk.widgets import Widget  # noqa: E402
from station.store import SessionStore  # noqa: E402
from tests.devices_helpers import wait_for  # noqa: E402  (pyglet options must be set before windows exist)
from tests.kiosk_render import kiosk_window, render  # noqa: E402
from tests.station_bridges_helpers import Watch, found  # noqa: E402
from wire.v1 import SensorVerdict  # noqa: E402

# the longest values each state's text can carry
VALUES: dict[str, dict[str, object]] = {
    "not_found": {"kind": "OpenBCI Cyton", "ports": 12},
    "cannot_open": {"reason": "[Errno 16] could not open port /dev/ttyUSB0: [Errno 16] Device or resource"},
    "cannot_start": {"reason": "could not create stream outlet (liblsl: bind failed on every port)"},
    "streaming": {"rate": 511.7, "gaps": 128},
    "signal": {"reason": "no skin contact (POOR_SIGNAL 200), and the headband battery is low as well"},
    "silent": {"seconds": 86399.0},
}
BY_ID = "/dev/serial/by-id/usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0"
LEVEL = {
    "stopped": "bad",
    "searching": "degraded",
    "opening": "degraded",
    "waiting": "degraded",
    "receiving": "good",
    "streaming": "good",
    "signal": "degraded",
}


def every_state() -> list[BridgeRow]:
    rows = []
    for i, code in enumerate(ENGLISH_DETAILS):
        values = VALUES.get(code, {})
        kind = DEVICE_KINDS[i % len(DEVICE_KINDS)]
        name = "MMMMMMMMMMMMMMMM" if i % 3 == 0 else "pulse-oximeter-2"  # 16 characters, widest and usual
        port = f"auto: {BY_ID}" if i % 2 else BY_ID
        rows.append(
            BridgeRow(
                name,
                kind,
                port,
                code != "stopped",
                LEVEL.get(code, "bad"),
                ENGLISH_DETAILS[code].format(**values),
                code,
                values,
            )
        )
    return rows


def test_every_state_has_words_in_both_languages() -> None:
    assert set(VALUES) <= set(ENGLISH_DETAILS)
    for code in ENGLISH_DETAILS:
        zh, en = TEXTS[f"bridge_{code}"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), code
        zh.format(**VALUES.get(code, {}))
        en.format(**VALUES.get(code, {}))
    for kind in DEVICE_KINDS:
        assert f"bridge_kind_{kind}" in TEXTS


def test_clip_and_short_port() -> None:
    assert clip("Stopped", 200, 20) == "Stopped"
    clipped = clip("x" * 100, 200, 20)
    assert clipped.endswith("…") and 5 < len(clipped) < 20
    assert short_port(BY_ID) == BY_ID.rsplit("/", 1)[1]
    assert short_port(f"auto: {BY_ID}") == "auto: " + BY_ID.rsplit("/", 1)[1]
    assert short_port("/dev/ttyUSB0") == "ttyUSB0" and short_port("auto") == "auto"
    assert short_port("auto: /dev/ttyACM1") == "auto: ttyACM1"


@pytest.mark.parametrize("language", LANGUAGES)
def test_usual_rows_are_shown_whole_on_the_smallest_monitor(language: str) -> None:
    kinds = DEVICE_KINDS
    usual = [
        BridgeRow(
            "oximeter",
            kinds[i % len(kinds)],
            "auto: /dev/ttyUSB0",
            True,
            LEVEL.get(code, "bad"),
            "",
            code,
            {
                "rate": 250.0,
                "gaps": 3,
                "seconds": 12.0,
                "kind": "OpenBCI Cyton",
                "ports": 4,
                "reason": "finger out of the oximeter",
            },
        )
        for i, code in enumerate(c for c in ENGLISH_DETAILS if c not in ("cannot_open", "cannot_start"))
    ]
    for start in range(0, len(usual), 6):
        model, flow = devices_page(usual[start : start + 6], language)
        texts = [w.text for w in layout(model, flow, 0.0, 1024, 768)]
        assert not [t for t in texts if t.endswith("…") and not t.startswith(("正在查找", "Searching"))]


@pytest.fixture(scope="module")
def window():
    yield from kiosk_window()


def devices_page(rows: list[BridgeRow], language: str) -> tuple[KioskModel, f.SessionFlow]:
    model = KioskModel([], check_code=str, new_code=str, verify_pin=lambda pin: True, language=language)
    flow = f.SessionFlow()
    flow.handle(f.TechnicianLogin(True), 0.0)
    assert isinstance(model.tap("tech_page:devices", flow.screen), f.Touch)
    model.bridges = rows
    return model, flow


@pytest.mark.parametrize("size", [(1024, 768), (1280, 800), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", LANGUAGES)
def test_devices_page_renders_every_state_and_every_text_fits(window, language: str, size: tuple) -> None:
    width, height = size
    rows = every_state()
    for start in range(0, len(rows), 6):  # six devices at most: one page per six states
        shown = rows[start : start + 6]
        model, flow = devices_page(shown, language)
        widgets = layout(model, flow, 0.0, width, height)
        problems, pixels = render(window, widgets, width, height)
        assert problems == []
        buttons = [w for w in widgets if w.kind == "button"]
        for b in buttons:  # large touch targets, inside the window, not overlapping
            assert b.box.h >= 0.1 * height - 1e-6 and b.box.w >= 0.05 * width
            assert b.box.x >= 0 and b.box.x + b.box.w <= width and b.box.y + b.box.h <= height
        for i, a in enumerate(buttons):
            for c in buttons[i + 1 :]:
                overlap_x = min(a.box.x + a.box.w, c.box.x + c.box.w) - max(a.box.x, c.box.x)
                overlap_y = min(a.box.y + a.box.h, c.box.y + c.box.h) - max(a.box.y, c.box.y)
                assert overlap_x <= 0 or overlap_y <= 0, (a.text, c.text)
        actions = [b.action for b in buttons]
        expected = [f"bridge_{'stop' if r.running else 'start'}:{r.name}" for r in shown]
        assert actions == [*expected, "language", "tech_page:home"]
        statuses = [w for w in widgets if w.kind == "text" and w.style in ("good", "degraded", "bad")]
        assert [w.style for w in statuses] == [r.level for r in shown]
        assert (np.abs(pixels[..., :3].astype(int) - [22, 50, 63]).sum(-1) > 60).mean() > 0.005


def test_the_technician_screen_leads_to_the_devices_page_and_back() -> None:
    model = KioskModel([], check_code=str, new_code=str, verify_pin=lambda pin: True, language="zh-CN")
    flow = f.SessionFlow()
    assert model.tap("tech_page:devices", flow.screen) is None  # not in technician mode: nothing
    flow.handle(f.TechnicianLogin(True), 0.0)
    home = layout(model, flow, 0.0, 1280, 800)
    [devices] = [w for w in home if w.action == "tech_page:devices"]
    assert devices.text == "设备"
    model.tap(hit(home, devices.box.x + 5, devices.box.y + 5), flow.screen)
    page = layout(model, flow, 0.0, 1280, 800)
    assert [w.text for w in page if w.kind == "title"] == ["串口设备"]
    assert "未配置设备（见 station.toml 的 [[devices]]）" in [w.text for w in page]
    [back] = [w for w in page if w.action == "tech_page:home"]
    model.tap(back.action, flow.screen)
    assert model.tech_page == "home"
    model.tap("tech_page:devices", flow.screen)
    model.reset()  # leaving technician mode
    assert model.tech_page == "home"


def test_handle_bridge_action_acts_only_on_configured_devices(tmp_path: Path) -> None:
    manager = BridgeManager([DeviceConfig("ox", "cms50d", str(tmp_path / "absent"))])
    try:
        assert handle_bridge_action(manager, "bridge_start:ox")
        assert manager.rows()[0].code == "port_missing"
        assert not handle_bridge_action(manager, "bridge_start:eeg")
        assert not handle_bridge_action(manager, "bridge_reboot:ox")
        assert not handle_bridge_action(manager, "begin")
        assert handle_bridge_action(manager, "bridge_stop:ox")
        assert manager.rows()[0].code == "stopped"
    finally:
        manager.stop_all()


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[tuple[KioskController, BridgeManager, str, PtyEmulator]]:
    name = f"eeg-{uuid.uuid4().hex[:6]}"
    emulator = PtyEmulator(get("cyton").make_emulator(), link=tmp_path / "tty").start()
    manager = BridgeManager([DeviceConfig(name, "cyton", emulator.path)])
    store = SessionStore(tmp_path / "sessions.db", "test-station")
    registry = SourceRegistry(StreamCatalog(buffer_seconds=5.0))
    controller = KioskController(
        store,
        registry,
        [find_protocol("quick-reset")],
        station_id="test-station",
        recordings_dir=tmp_path / "recordings",
        language="en",
        pin_hash=hash_pin("2468"),
        bridges=manager,
    )
    try:
        yield controller, manager, name, emulator
    finally:
        manager.stop_all()
        registry.close()
        store.close()
        emulator.stop()


def test_technician_stops_and_starts_a_bridge_from_the_kiosk(kiosk, window) -> None:
    from station.kiosk.window import KioskApp

    controller, manager, name, emulator = kiosk
    manager.start_autostart()
    assert wait_for(lambda: found(name))
    watch = Watch(name)
    controller.tap(f"bridge_stop:{name}")  # on the attract screen: ignored
    assert manager.rows()[0].running and not watch.ended()
    for action in ("technician", "pin_key:2", "pin_key:4", "pin_key:6", "pin_key:8", "pin_ok"):
        controller.tap(action)
    assert controller.screen is f.Screen.TECHNICIAN
    # from here on, touches on the (headless) kiosk window, routed through the controller
    app = KioskApp(
        controller.flow,
        controller.model,
        controller.apply,
        window=window,
        clock=controller.clock,
        on_tap=controller.tap,
    )
    try:
        window.switch_to()
        height = window.get_framebuffer_size()[1]

        def touch(action: str) -> None:
            app.on_draw()
            [target] = [w for w in app.widgets if w.action == action]
            x, y = target.box.x + target.box.w / 2, target.box.y + target.box.h / 2
            window.dispatch_event("on_mouse_press", x, height - y, pyglet.window.mouse.LEFT, 0)
            window.dispatch_events()

        def button() -> Widget:
            app.on_draw()
            [b] = [w for w in app.widgets if w.action.startswith("bridge_")]
            return b

        touch("tech_page:devices")
        assert controller.model.tech_page == "devices"
        assert wait_for(lambda: controller.tick() or controller.model.bridges[0].level == "good")
        assert button().action == f"bridge_stop:{name}" and button().text == "Stop"
        touch(f"bridge_stop:{name}")
        assert not controller.model.bridges[0].running and controller.model.bridges[0].code == "stopped"
        assert button().action == f"bridge_start:{name}" and button().text == "Start"
        assert wait_for(watch.ended)
        # the board was told to stop last (a loaded machine may have opened the port, and sent the start,
        # more than once before the data flowed)
        commands = bytes(emulator.commands_received)
        assert commands.endswith(b"s") and set(commands) == set(b"bs") and not emulator.device.streaming
        state, sensors = controller.heartbeat_state()
        assert state == "technician"
        assert sensors == [{"sensor": f"bridge.{name}", "level": "absent", "reason": "stopped"}]
        SensorVerdict.model_validate(sensors[0])  # what the sync client sends to the admin server
        touch(f"bridge_start:{name}")
        assert controller.model.bridges[0].running
        assert wait_for(lambda: found(name))
        assert wait_for(lambda: controller.heartbeat_state()[1][0]["level"] == "green")
        touch("tech_page:home")
        touch("tech_exit")
        assert controller.screen is f.Screen.IDLE and controller.model.tech_page == "home"
    finally:
        window.remove_handlers(on_draw=app.on_draw, on_mouse_press=app.on_mouse_press)
