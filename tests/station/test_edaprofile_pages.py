"""The EDA result page with its apply offer (offered, applied, refused) and the devices page with
calibration-profile lines, rendered headless (pyglet on Mesa EGL) in both languages at three monitor
sizes: no text overflows its box, buttons stay large and apart, the words are the right ones."""

from __future__ import annotations

import pyglet
import pytest

pyglet.options["headless"] = True

from sensors.devices.gsr import GsrCalibration  # noqa: E402
from station.bridges import BridgeRow  # noqa: E402
from station.calibration.eda_profile import ApplyOffer  # noqa: E402
from station.calibration.procedure import Message, Result, Step, View  # noqa: E402
from station.kiosk import flow as f  # noqa: E402
from station.kiosk.kiosk_model import KioskModel  # noqa: E402
from station.kiosk.layout import layout  # noqa: E402
from station.kiosk.texts import LANGUAGES  # noqa: E402
from station.kiosk.widgets import Widget  # noqa: E402
from tests.kiosk_render import kiosk_window, render  # noqa: E402

SIZES = [(1024, 768), (1280, 800), (1920, 1080)]
NAME = "MMMMMMMMMMMMMMMM"  # the widest 16-character device name
FAILED = Result(
    "eda",
    "EDA",
    f"oasis-bridge-{NAME}:eda",
    False,
    Message("cal_eda_gain_off", {"error": -16.234, "limit": 10.0}),
    {"zero_us": 0.0, "reference_us": 8.38, "expected_us": 10.0, "reference_sd_us": 0.081},
)
OFFERS = {
    "offered": ApplyOffer(NAME, GsrCalibration(zero=1023.0, gain=1.999)),
    "applied": ApplyOffer(NAME, GsrCalibration(zero=1023.0, gain=0.5), applied=True),
    "refused": ApplyOffer(
        NAME, None, Message("cal_profile_gain_absurd", {"gain": 12.345, "low": 0.5, "high": 2.0})
    ),
    "no_span": ApplyOffer(NAME, None, Message("cal_profile_no_span", {"counts": -1234.0})),
}


@pytest.fixture(scope="module")
def window():
    yield from kiosk_window()


def technician(language: str, page: str) -> tuple[KioskModel, f.SessionFlow]:
    model = KioskModel([], check_code=str, new_code=str, verify_pin=lambda pin: True, language=language)
    flow = f.SessionFlow()
    flow.handle(f.TechnicianLogin(True), 0.0)
    model.tap(f"tech_page:{page}", flow.screen)
    return model, flow


def check_fits(window, widgets: list[Widget], width: int, height: int) -> None:
    problems, _ = render(window, widgets, width, height)
    assert problems == []
    buttons = [w for w in widgets if w.kind == "button"]
    for b in buttons:
        assert b.box.h >= 0.1 * height - 1e-6 and b.box.w >= 0.05 * width
        assert b.box.x >= 0 and b.box.x + b.box.w <= width and b.box.y + b.box.h <= height
    for i, a in enumerate(buttons):
        for c in buttons[i + 1 :]:
            overlap_x = min(a.box.x + a.box.w, c.box.x + c.box.w) - max(a.box.x, c.box.x)
            overlap_y = min(a.box.y + a.box.h, c.box.y + c.box.h) - max(a.box.y, c.box.y)
            assert overlap_x <= 0 or overlap_y <= 0, (a.text, c.text)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("state", list(OFFERS))
def test_the_eda_result_page_with_an_offer_fits(window, state: str, language: str, size: tuple) -> None:
    model, flow = technician(language, "eda")
    steps = (Step("cal_eda_open", 20.0, False), Step("cal_eda_reference", 20.0))
    model.calibration = View("eda", "done", 1, steps, 1.0, 0.0, None, None, FAILED, None)
    model.calibration_apply = OFFERS[state]
    model.calibration_saved = state == "applied"
    widgets = layout(model, flow, 0.0, *size)
    check_fits(window, widgets, *size)
    actions = [w.action for w in widgets if w.kind == "button"]
    assert ("tech_apply" in actions) == (state == "offered")
    if language == "en":
        texts = " ".join(w.text for w in widgets)
        expected = {
            "offered": "Correction for",
            "applied": "Applied to",
            "refused": "Cannot correct",
            "no_span": "Cannot correct",
        }[state]
        assert expected in texts


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_devices_page_shows_each_gsr_profile(window, language: str, size: tuple) -> None:
    model, flow = technician(language, "devices")
    port = "auto: /dev/serial/by-id/usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0"
    model.bridges = [
        BridgeRow(
            NAME,
            "gsr",
            port,
            True,
            "good",
            "512 Hz, 128 gaps",
            "streaming",
            {"rate": 511.7, "gaps": 128},
            {"date": "2026-11-23", "gain": 1.999},
        ),
        BridgeRow("skin-2", "gsr", port, False, "bad", "stopped", "stopped", {}, {}),
        BridgeRow("oximeter", "cms50d", port, False, "bad", "stopped", "stopped", {}),
    ]
    widgets = layout(model, flow, 0.0, *size)
    check_fits(window, widgets, *size)
    texts = [w.text for w in widgets]
    calibrated, factory = (
        ("已校准 2026-11-23（×2.00）", "出厂值")
        if language == "zh-CN"
        else ("Calibrated 2026-11-23 (×2.00)", "Factory values")
    )
    assert texts.count(calibrated) == 1 and texts.count(factory) == 1  # none for the oximeter
