"""Issue 14's smaller kiosk fixes, through the real kiosk controller: the language goes back to the
station's for the next officer, a wrong technician PIN says so, the technician entry is small and out
of the way, the rating after a session offers Skip but no Stop, and the Chinese is natural."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from protocols.loader import find_protocol
from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
from station.config import hash_pin
from station.kiosk import flow as f
from station.kiosk.controller import KioskController
from station.kiosk.layout import layout
from station.kiosk.render import hit
from station.kiosk.texts import TEXTS
from station.store import SessionStore

PIN = "2468"


NOW = [0.0]  # the controller's clock in these tests


@pytest.fixture
def controller(tmp_path: Path) -> Iterator[KioskController]:
    store = SessionStore(tmp_path / "sessions.db", "fixes")
    registry = SourceRegistry(StreamCatalog(buffer_seconds=5.0))
    NOW[0] = 0.0
    kiosk = KioskController(
        store,
        registry,
        [find_protocol("quick-reset")],
        station_id="fixes",
        recordings_dir=tmp_path / "recordings",
        language="zh-CN",
        pin_hash=hash_pin(PIN),
        clock=lambda: NOW[0],
        timeouts=f.FlowTimeouts(interaction_s=90.0, pin_attempts=3, pin_lockout_s=60.0),
    )
    yield kiosk
    registry.close()
    store.close()


def _widgets(controller: KioskController, size: tuple[int, int] = (1280, 800)):  # type: ignore[no-untyped-def]
    return layout(controller.model, controller.flow, controller.clock(), *size)


def test_the_language_goes_back_to_the_stations_for_the_next_officer(controller: KioskController) -> None:
    controller.tap("language")
    controller.tap("begin")
    assert controller.model.language == "en"  # chosen on the attract screen, kept for this officer
    controller.tap("stop")
    assert controller.screen is f.Screen.IDLE and controller.model.language == "zh-CN"
    controller.tap("begin")
    controller.tap("language")
    NOW[0] = 200.0  # the officer walked away
    controller.tick()
    assert controller.screen is f.Screen.IDLE and controller.model.language == "zh-CN"


def test_a_wrong_technician_pin_says_so_and_then_locks(controller: KioskController) -> None:
    controller.tap("technician")
    for attempt in range(3):
        for d in "1111":
            controller.tap(f"pin_key:{d}")
        controller.tap("pin_ok")
        expected = "pin_rejected" if attempt < 2 else "pin_locked"
        assert controller.model.notice == expected and controller.model.pin_pad
        assert TEXTS[expected][0] in [w.text for w in _widgets(controller)]
    for d in PIN:
        controller.tap(f"pin_key:{d}")
    controller.tap("pin_ok")
    assert controller.screen is f.Screen.IDLE and controller.model.notice == "pin_locked"
    NOW[0] = 61.0
    for d in PIN:
        controller.tap(f"pin_key:{d}")
    controller.tap("pin_ok")
    assert controller.screen is f.Screen.TECHNICIAN


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)])
def test_the_technician_entry_is_small_and_in_a_corner(
    controller: KioskController, size: tuple[int, int]
) -> None:
    width, height = size
    widgets = _widgets(controller, size)
    [entry] = [w for w in widgets if w.action == "technician"]
    [begin] = [w for w in widgets if w.action == "begin"]
    assert (
        entry.kind == "quiet"
        and entry.box.h < 0.1 * height
        and entry.box.w * entry.box.h < 0.2 * begin.box.w * begin.box.h
    )
    assert entry.box.y < 0.1 * height and entry.box.x > 0.8 * width  # the top-right corner
    assert hit(widgets, entry.box.x + entry.box.w / 2, entry.box.y + entry.box.h / 2) == "technician"


def test_the_rating_after_a_session_has_skip_but_no_stop(controller: KioskController) -> None:
    flow = controller.flow
    for event in (f.Begin(), f.CheckedIn("K7PQ3XM"), f.ProgramChosen("quick-reset", 0, 300), f.Rated(5, 3)):
        flow.handle(event, 0.0)
    flow.handle(f.SensorsReady(), 0.0)
    flow.tick(301.0)
    assert flow.screen is f.Screen.POST_RATING
    actions = {w.action for w in layout(controller.model, flow, 301.0, 1280, 800) if w.kind == "button"}
    assert "skip" in actions and "stop" not in actions


def test_no_literal_translation_of_kiosk() -> None:
    assert not any("信息亭" in zh for zh, _ in TEXTS.values())
    assert TEXTS["leave_kiosk"][0] == "退出自助模式"


@pytest.fixture(scope="module")
def window():  # type: ignore[no-untyped-def]
    import pyglet

    pyglet.options["headless"] = True
    from tests.kiosk_render import kiosk_window

    yield from kiosk_window()


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)])
@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_a_new_code_is_shown_large_with_its_qr_code(
    window, controller: KioskController, language: str, size: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    from station.kiosk.render import qr_modules
    from station.store.officer_codes import display
    from tests.kiosk_render import render

    width, height = size
    controller.model.language = language
    controller.tap("begin")
    controller.tap("new_code")
    code = display(controller.model.issued_code)
    widgets = _widgets(controller, size)
    [shown] = [w for w in widgets if w.text == code and w.kind == "entry"]
    assert shown.font_px >= 0.09 * height  # large: about a tenth of the screen's height
    [qr] = [w for w in widgets if w.kind == "qr"]
    assert qr.text == code and qr.box.w == qr.box.h >= 0.5 * height
    problems, pixels = render(window, widgets, width, height)
    assert problems == []
    modules = qr_modules(code)  # what segno encodes; the screen must show exactly these modules
    side = qr.box.w / len(modules)
    for r, row in enumerate(modules):
        for c, dark in enumerate(row):
            y, x = int(qr.box.y + (r + 0.5) * side), int(qr.box.x + (c + 0.5) * side)
            assert (pixels[y, x, :3].mean() < 128) == dark, (r, c)
    controller.tap("submit_code")  # the code is checked in as shown
    assert (
        controller.screen is f.Screen.PROGRAM
        and controller.flow.context.officer_code == controller.model.issued_code
    )


def test_delete_on_the_new_code_goes_back_to_the_keypad(controller: KioskController) -> None:
    controller.tap("begin")
    controller.tap("new_code")
    controller.tap("delete")
    actions = {w.action for w in _widgets(controller)}
    assert "key:A" in actions and not any(w.kind == "qr" for w in _widgets(controller))


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)])
@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_program_cards_say_what_each_program_is_and_the_attract_screen_names_the_station(
    window, tmp_path: Path, language: str, size: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    from station.kiosk.controller import program_for
    from tests.kiosk_render import render

    width, height = size
    library = ["mindfulness-15", "coherent-breathing", "alpha-relax", "quick-reset", "resonance-assessment"]
    store = SessionStore(tmp_path / "cards.db", "cards")
    registry = SourceRegistry(StreamCatalog(buffer_seconds=5.0))
    kiosk = KioskController(
        store,
        registry,
        [find_protocol(name) for name in library],
        station_id="cards",
        recordings_dir=tmp_path / "recordings",
        language=language,
        station_name="第一法庭减压驿站",
    )
    try:
        assert "第一法庭减压驿站" in [w.text for w in _widgets(kiosk, size)]
        kiosk.tap("begin")
        kiosk.tap("new_code")
        kiosk.tap("submit_code")
        widgets = _widgets(kiosk, size)
        problems, _ = render(window, widgets, width, height)
        assert problems == []
        texts = [w.text for w in widgets if w.kind == "text"]
        alpha = program_for(find_protocol("alpha-relax"))
        assert alpha.sensors == ("eeg", "heart")
        sensors = {"zh-CN": "传感器：脑电、心率", "en": "Sensors: EEG, heart"}[language]
        assert sensors in texts
        assert alpha.description(language) in texts  # its first sentence
        assert alpha.description("zh-CN") == "闭眼放松十二分钟。"
        cards = [w for w in widgets if w.action.startswith("program:")]
        assert len(cards) == len(library)
    finally:
        registry.close()
        store.close()


def test_the_session_screen_shows_how_far_the_session_has_come(controller: KioskController) -> None:
    flow = controller.flow
    for event in (f.Begin(), f.CheckedIn("K7PQ3XM"), f.ProgramChosen("quick-reset", 60, 240), f.Rated(5, 3)):
        flow.handle(event, 0.0)
    flow.handle(f.SensorsReady(), 0.0)
    flow.tick(150.0)
    [ring] = [w for w in layout(controller.model, flow, 150.0, 1280, 800) if w.kind == "ring"]
    assert ring.values == pytest.approx((0.5,))  # a ring around the time left, not a bar
    assert "2:30" in " ".join(w.text for w in layout(controller.model, flow, 150.0, 1280, 800))


def test_the_officers_times_are_the_stations(tmp_path: Path) -> None:
    from datetime import timedelta, timezone

    from station.store.officer_codes import new_code
    from tests.officer_history_support import FIRST, add_session, stepping_clock

    store = SessionStore(tmp_path / "tz.db", "tz", clock=stepping_clock())  # sessions from 08:01 UTC
    registry = SourceRegistry(StreamCatalog(buffer_seconds=5.0))
    kiosk = KioskController(
        store,
        registry,
        [find_protocol("quick-reset")],
        station_id="tz",
        recordings_dir=tmp_path / "recordings",
        tz=timezone(timedelta(hours=8)),
    )
    try:
        me = new_code()
        add_session(store, me, *FIRST)
        kiosk.tap("begin")
        for ch in me:
            kiosk.tap(f"key:{ch}")
        kiosk.tap("submit_code")
        kiosk.tap("history")
        assert any(w.text.startswith("最近一次：11-30 16:0") for w in _widgets(kiosk))  # Beijing time
    finally:
        registry.close()
        store.close()
