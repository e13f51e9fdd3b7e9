"""The kiosk UI rendered headless (pyglet on Mesa EGL): every screen in both languages at two
monitor sizes, no text overflowing its box, large touch targets, and taps driving the flow."""

from __future__ import annotations

import numpy as np
import pyglet
import pytest

pyglet.options["headless"] = True

from station.kiosk import flow as f  # noqa: E402  (pyglet options must be set before windows exist)
from station.kiosk.kiosk_model import KioskModel, Program, SensorStatus  # noqa: E402
from station.kiosk.layout import layout  # noqa: E402
from station.kiosk.render import hit  # noqa: E402
from station.kiosk.texts import LANGUAGES, TEXTS  # noqa: E402
from station.kiosk.widgets import Widget  # noqa: E402
from station.session.summary import describe_changes  # noqa: E402
from station.store.officer_codes import InvalidOfficerCode, new_code, normalise  # noqa: E402
from tests.kiosk_render import kiosk_window, render  # noqa: E402

PROGRAMS = [
    Program("lake-alpha", "湖面静心（脑波）", "Still lake (EEG alpha)", 120, 600),
    Program("sunset-hrv", "落日呼吸（心率变异性）", "Sunset breathing (HRV)", 120, 720),
    Program("forest-eda", "林间漫步（皮电）", "Forest walk (skin conductance)", 60, 480),
    Program("quick-reset", "快速平复", "Quick reset", 0, 300),
]


def make_model(language: str) -> KioskModel:
    return KioskModel(
        PROGRAMS,
        check_code=normalise,
        new_code=new_code,
        verify_pin=lambda pin: pin == "2468",
        language=language,
    )


def walk_to(screen: str, language: str) -> tuple[KioskModel, f.SessionFlow, float]:
    """A model and flow showing ``screen``, with the longest content that screen can have."""
    model, flow, now = make_model(language), f.SessionFlow(), 0.0
    if screen == "pin_pad":
        model.tap("technician", flow.screen)
        model.pin_entry, model.notice = "24681357", "pin_locked"
        return model, flow, now
    steps: list[f.Event] = [
        f.Begin(),
        f.CheckedIn("K7PQ3XM"),
        f.ProgramChosen("sunset-hrv", 120, 720),
        f.Rated(10, 5),
        f.SensorsReady(),
    ]
    order = ["idle", "check_in", "program", "pre_rating", "sensor_check", "baseline"]
    special = {"session": 5, "paused": 5, "post_rating": 5, "summary": 5, "technician": 0}
    for event in steps[: special.get(screen, order.index(screen) if screen in order else 0)]:
        flow.handle(event, now)
    if screen == "check_in":
        model.tap("new_code", flow.screen)  # the longest notice: a new officer's code
    if screen == "sensor_check":
        model.sensors = [SensorStatus(k, "bad") for k in ("EEG", "ECG", "PPG", "EDA", "RESP")]
        model.sensors[0] = SensorStatus("EEG", "degraded")
    if screen in ("session", "paused", "post_rating", "summary"):
        now = 130.0
        flow.tick(now)
    if screen == "paused":
        flow.handle(f.HeadsetOff(), now)
        now += 30
        flow.tick(now)
    if screen in ("post_rating", "summary"):
        flow.handle(f.Stop(), now)
        model.tap("stress:10", flow.screen)
    if screen == "summary":
        flow.handle(f.SkipRating(), now)
        means = {
            "baseline": {"hr": 75, "rmssd": 30, "coherence": 0.5, "alpha_rel": 0.2, "scl": 5.0},
            "session": {"hr": 68, "rmssd": 45, "coherence": 0.5, "alpha_rel": 0.3, "scl": 4.0},
        }
        model.summary = {lang: describe_changes(means, lang) for lang in LANGUAGES}
    if screen == "technician":
        flow.handle(f.TechnicianLogin(True), now)
        levels = (("EEG", "good"), ("ECG", "degraded"), ("EDA", "bad"))
        model.sensors = [SensorStatus(k, lv) for k, lv in levels]
    return model, flow, now


SCREENS = [
    "idle",
    "pin_pad",
    "check_in",
    "program",
    "pre_rating",
    "sensor_check",
    "baseline",
    "session",
    "paused",
    "post_rating",
    "summary",
    "technician",
]


@pytest.fixture(scope="module")
def window():
    yield from kiosk_window()


SIZES = [
    pytest.param((1024, 768), id="1024x768"),  # the narrowest monitor shape: the tightest fit
    pytest.param((1280, 800), id="1280x800"),
    pytest.param((1920, 1080), id="1920x1080"),
]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", SCREENS)
def test_every_screen_renders_and_every_text_fits(window, screen: str, language: str, size: tuple) -> None:
    width, height = size
    model, flow, now = walk_to(screen, language)
    expected_screen = {"pin_pad": "idle", "paused": "session"}.get(screen, screen)
    assert flow.screen.value == expected_screen
    widgets = layout(model, flow, now, width, height)
    problems, pixels = render(window, widgets, width, height)
    assert problems == []
    buttons = [w for w in widgets if w.kind == "button"]
    assert buttons, "every screen offers something to touch"
    for b in buttons:  # large touch targets, inside the window, not overlapping
        assert b.box.h >= 0.1 * height - 1e-6 and b.box.w >= 0.05 * width
        assert b.box.x >= 0 and b.box.x + b.box.w <= width and b.box.y >= 0 and b.box.y + b.box.h <= height
    for i, a in enumerate(buttons):
        for c in buttons[i + 1 :]:
            overlap_x = min(a.box.x + a.box.w, c.box.x + c.box.w) - max(a.box.x, c.box.x)
            overlap_y = min(a.box.y + a.box.h, c.box.y + c.box.h) - max(a.box.y, c.box.y)
            assert overlap_x <= 0 or overlap_y <= 0, (a.text, c.text)
    # something was drawn: text pixels differ from the background
    assert (np.abs(pixels[..., :3].astype(int) - [22, 50, 63]).sum(-1) > 60).mean() > 0.005
    switch = TEXTS["language"][LANGUAGES.index(language)]  # names the other language
    assert [w.text for w in buttons if w.action == "language"] == [switch]


def test_every_text_has_both_languages() -> None:
    for key, (zh, en) in TEXTS.items():
        assert zh and en, key
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh) or key == "language", key


def test_taps_drive_a_whole_session() -> None:
    model, flow = make_model("zh-CN"), f.SessionFlow()
    now = 0.0

    def tap(action: str) -> list:
        widgets = layout(model, flow, now, 1280, 800)
        [target] = [w for w in widgets if w.action == action]
        found = hit(widgets, target.box.x + target.box.w / 2, target.box.y + target.box.h / 2)
        assert found == action
        event = model.tap(found, flow.screen)
        return flow.handle(event, now) if event else []

    tap("language")
    assert model.language == "en"
    tap("begin")
    code = new_code()
    for ch in code[:6]:
        tap(f"key:{ch}")
    wrong = next(c for c in "ACDEFG" if c != code[6])
    tap(f"key:{wrong}")
    tap("submit_code")
    assert model.notice == "invalid_code" and flow.screen is f.Screen.CHECK_IN
    tap("delete")
    tap(f"key:{code[6]}")
    tap("submit_code")
    assert flow.screen is f.Screen.PROGRAM and flow.context.officer_code == code
    tap("program:quick-reset")
    widgets = layout(model, flow, now, 1280, 800)
    assert hit(widgets, *_centre(widgets, "rate")) == ""  # "Next" is disabled until both are chosen
    tap("stress:7")
    tap("mood:2")
    tap("rate")
    assert flow.screen is f.Screen.SENSOR_CHECK
    model.sensors = [SensorStatus("ECG", "good"), SensorStatus("EDA", "good")]
    effects = tap("sensors_ready")
    assert f.StartSession(code, "quick-reset", 7, 2) in effects
    now = 301.0
    assert f.EndSession("completed", "program finished") in flow.tick(now)
    tap("skip")
    tap("done")
    assert flow.screen is f.Screen.IDLE


def _centre(widgets: list[Widget], action: str) -> tuple[float, float]:
    [w] = [w for w in widgets if w.action == action]
    return w.box.x + w.box.w / 2, w.box.y + w.box.h / 2


def test_pin_pad_enters_technician_mode_only_with_the_right_pin() -> None:
    model, flow = make_model("zh-CN"), f.SessionFlow()
    model.tap("technician", flow.screen)
    for d in "1111":
        model.tap(f"pin_key:{d}", flow.screen)
    assert flow.handle(model.tap("pin_ok", flow.screen), 1.0) == [f.PinRejected(None)]
    assert model.pin_pad and model.pin_entry == ""
    for d in "2468":
        model.tap(f"pin_key:{d}", flow.screen)
    assert flow.handle(model.tap("pin_ok", flow.screen), 2.0) == [f.TechnicianMode(True)]
    assert not model.pin_pad and flow.screen is f.Screen.TECHNICIAN


def test_invalid_code_is_never_checked_in() -> None:
    model = make_model("zh-CN")
    model.code_entry = "0000000"
    assert isinstance(model.tap("submit_code", f.Screen.CHECK_IN), f.Touch)
    with pytest.raises(InvalidOfficerCode):
        normalise("0000000")


def test_kiosk_window_turns_touches_into_effects(window) -> None:
    from station.kiosk.window import KioskApp

    now = [0.0]
    received: list = []
    model, flow = make_model("zh-CN"), f.SessionFlow()
    app = KioskApp(flow, model, received.extend, window=window, clock=lambda: now[0])
    try:
        window.switch_to()
        width, height = window.get_framebuffer_size()

        def touch(action: str) -> None:
            app.on_draw()
            x, y = _centre(app.widgets, action)
            window.dispatch_event("on_mouse_press", x, height - y, pyglet.window.mouse.LEFT, 0)
            window.dispatch_events()  # the window queues events until its loop runs

        touch("begin")
        assert flow.screen is f.Screen.CHECK_IN
        touch("new_code")
        touch("submit_code")
        assert flow.screen is f.Screen.PROGRAM and flow.context.officer_code == model.issued_code
        now[0] = 1000.0  # nobody touches the screen: back to the attract screen
        app.tick()
        assert flow.screen is f.Screen.IDLE and received[-1] == f.ReturnedToIdle("timeout")
        assert model.issued_code == ""  # the previous officer's code is not left on screen
        assert width == 1920
    finally:
        window.remove_handlers(
            on_draw=app.on_draw,
            on_mouse_press=app.on_mouse_press,
            on_text=app.on_text,
            on_key_press=app.on_key_press,
        )


def test_scanned_code_checks_the_officer_in(window) -> None:
    """A barcode scanner is a USB keyboard: it types the code (here with its dash, lower case) and
    presses Enter. No keyboard exists in headless EGL, so pyglet's own on_text / on_key_press
    events are dispatched, as the window system would deliver them."""
    from station.kiosk.window import KioskApp

    model, flow = make_model("en"), f.SessionFlow()
    app = KioskApp(flow, model, lambda effects: None, window=window, clock=lambda: 0.0)
    code = new_code()
    try:
        app._tap("begin")
        window.dispatch_event("on_text", f"{code[:4]}-{code[4:]}".lower() + "x")
        window.dispatch_events()
        assert model.code_entry == code  # the dash is ignored; the 8th character does not fit
        window.dispatch_event("on_key_press", pyglet.window.key.BACKSPACE, 0)
        window.dispatch_event("on_text", code[-1])
        window.dispatch_event("on_key_press", pyglet.window.key.ENTER, 0)
        window.dispatch_events()
        assert flow.screen is f.Screen.PROGRAM and flow.context.officer_code == code
        window.dispatch_event("on_text", "ACD")  # typing elsewhere does nothing
        window.dispatch_events()
        assert flow.screen is f.Screen.PROGRAM
    finally:
        window.remove_handlers(
            on_draw=app.on_draw,
            on_mouse_press=app.on_mouse_press,
            on_text=app.on_text,
            on_key_press=app.on_key_press,
        )


def test_the_running_screen_shows_what_the_headset_shows(window) -> None:
    """The scene process's mirror (the headset's own left-eye image) is drawn small beside the
    session ring for the staff, the right way up, overlapping nothing; nothing is drawn without one."""
    width, height = 1280, 800
    model, flow, now = walk_to("session", "zh-CN")
    assert not [w for w in layout(model, flow, now, width, height) if w.kind == "image"]
    view = np.zeros((180, 200, 3), np.uint8)
    view[:90] = (200, 60, 40)  # top half warm, bottom half cool
    view[90:] = (40, 80, 200)
    model.headset_view = view
    widgets = layout(model, flow, now, width, height)
    [image] = [w for w in widgets if w.kind == "image"]
    for other in widgets:
        if other is image or (other.kind == "text" and not other.text):  # empty text takes no room
            continue
        b, o = image.box, other.box
        apart = b.x >= o.x + o.w or o.x >= b.x + b.w or b.y >= o.y + o.h or o.y >= b.y + b.h
        assert apart, f"the headset view overlaps {other.kind} {other.text!r}"
    assert image.box.x >= 0 and image.box.x + image.box.w <= width and image.box.h >= 0.15 * height
    assert image.box.w / image.box.h == pytest.approx(200 / 180)
    problems, pixels = render(window, widgets, width, height, {"headset_view": view})
    assert problems == []
    b = image.box
    inner = pixels[int(b.y) + 3 : int(b.y + b.h) - 3, int(b.x) + 3 : int(b.x + b.w) - 3, :3].astype(float)
    half = inner.shape[0] // 2
    assert np.abs(inner[: half - 3].mean(axis=(0, 1)) - (200, 60, 40)).max() < 10
    assert np.abs(inner[half + 3 :].mean(axis=(0, 1)) - (40, 80, 200)).max() < 10
    model.reset()
    assert model.headset_view is None
