"""Technician mode's pages rendered headless (pyglet on Mesa EGL) in both languages at three monitor
sizes with their longest content: no text overflows its box, touch targets stay large and apart. The
live page is filled from the simulator's real LSL streams and its traces are drawn."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyglet
import pytest

pyglet.options["headless"] = True

from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog  # noqa: E402
from sensors.sim.officer_state import Scenario  # noqa: E402
from sensors.sim.outlets import SimPublisher  # noqa: E402
from sensors.sim.streams import build_generators  # noqa: E402
from station.calibration.live import TRACE_POINTS, LiveRow, trace_points  # noqa: E402
from station.calibration.procedure import Message, Result, Step, View  # noqa: E402
from station.calibration.settings import CalibrationSettings  # noqa: E402
from station.calibration.technician_desk import TechnicianDesk  # noqa: E402
from station.kiosk import flow as f  # noqa: E402
from station.kiosk.kiosk_model import KioskModel  # noqa: E402
from station.kiosk.layout import layout  # noqa: E402
from station.kiosk.technician_layout import fit, quality_reason  # noqa: E402
from station.kiosk.texts import LANGUAGES  # noqa: E402
from station.kiosk.widgets import Widget  # noqa: E402
from station.store import SessionStore  # noqa: E402
from station.store.officer_codes import new_code, normalise  # noqa: E402
from tests.kiosk_render import kiosk_window, render  # noqa: E402
from tests.lsl_helpers import unique  # noqa: E402

SIZES = [(1024, 768), (1280, 800), (1920, 1080)]
WORST_REASON = "clipping (12%); electrode off (EDA near 0 µS); impossible values (EDA outside 0–100 µS)"
EDA_STEPS = (Step("cal_eda_open", 20.0, False), Step("cal_eda_reference", 20.0))


def make_model(language: str) -> tuple[KioskModel, f.SessionFlow]:
    model = KioskModel(
        [], check_code=normalise, new_code=new_code, verify_pin=lambda pin: True, language=language
    )
    model.calibration_facts = {"kohm": 100.0, "open": 60.0, "closed": 60.0, "rest": 60.0}
    flow = f.SessionFlow()
    flow.handle(f.TechnicianLogin(True), 0.0)
    return model, flow


def view(state: str, **kw) -> View:
    base = dict(
        procedure="eda",
        state=state,
        step=1,
        steps=EDA_STEPS,
        progress=0.4,
        seconds_left=12.3,
        live=None,
        notice=None,
        result=None,
        error=None,
    )
    return View(**(base | kw))


PASSED = Result(
    "eda",
    "EDA",
    "gsr-1",
    True,
    Message("cal_eda_pass", {"error": -2.345, "zero": 0.013}),
    {"zero_us": 0.013, "reference_us": 9.81, "expected_us": 10.0, "reference_sd_us": 0.012},
)
EEG_FAILED = Result(
    "eeg",
    "EEG",
    "muse",
    False,
    Message("cal_eeg_none", {"ratio": 1.03}),
    {"alpha_rel_open": 0.123, "alpha_rel_closed": 0.127, "channels_used": 4.0},
)
HR_FAILED = Result(
    "hr",
    "ECG",
    "polar",
    False,
    Message("cal_hr_unmeasured", {"reason": "implausible HR 250 bpm"}),
    {"good_share": 0.55, "beats": 12.0, "corrected_pct": 33.3},
)


def page_state(name: str, language: str) -> KioskModel:
    model, _ = make_model(language)
    ramp = tuple(np.linspace(0, 1, 400).tolist())
    rows = [LiveRow("EEG", f"ch{i}-Fp1", ramp, "bad", WORST_REASON) for i in range(11)]
    states = {
        "home": ("home", None),
        "live": ("live", None),
        "live_empty": ("live", None),
        "eda_intro": ("eda", None),
        "eeg_intro": ("eeg", None),
        "hr_intro": ("hr", None),
        "eda_running": (
            "eda",
            view(
                "running",
                live=Message("cal_live_us", {"value": 10.123}),
                notice=Message("cal_restarted", {"reason": "eda: " + WORST_REASON}),
            ),
        ),
        "eda_passed": ("eda", view("done", result=PASSED)),
        "eeg_failed": ("eeg", view("done", procedure="eeg", result=EEG_FAILED)),
        "hr_failed": ("hr", view("done", procedure="hr", result=HR_FAILED)),
        "eeg_error": (
            "eeg",
            view(
                "failed",
                procedure="eeg",
                error=Message("cal_error_signal", {"reason": "O1: " + WORST_REASON}),
            ),
        ),
        "resonance": ("resonance", None),
        "leave": ("leave", None),
    }
    model.tech_page, model.calibration = states[name]
    if name == "live":
        model.live_rows = rows
    if name == "eda_passed":
        model.calibration_saved = True
    if name == "resonance":
        model.code_entry, model.notice = "K7PQ3XM", "tech_no_program"
    return model


PAGES = [
    "home",
    "live",
    "live_empty",
    "eda_intro",
    "eeg_intro",
    "hr_intro",
    "eda_running",
    "eda_passed",
    "eeg_failed",
    "hr_failed",
    "eeg_error",
    "resonance",
    "leave",
]


@pytest.fixture(scope="module")
def window():
    yield from kiosk_window()


def check_buttons(widgets: list[Widget], width: int, height: int) -> None:
    buttons = [w for w in widgets if w.kind == "button"]
    assert buttons
    for b in buttons:
        assert b.box.h >= 0.1 * height - 1e-6 and b.box.w >= 0.05 * width
        assert b.box.x >= 0 and b.box.x + b.box.w <= width and b.box.y >= 0 and b.box.y + b.box.h <= height
    for i, a in enumerate(buttons):
        for c in buttons[i + 1 :]:
            overlap_x = min(a.box.x + a.box.w, c.box.x + c.box.w) - max(a.box.x, c.box.x)
            overlap_y = min(a.box.y + a.box.h, c.box.y + c.box.h) - max(a.box.y, c.box.y)
            assert overlap_x <= 0 or overlap_y <= 0, (a.text, c.text)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", PAGES)
def test_every_technician_page_fits(window, page: str, language: str, size: tuple[int, int]) -> None:
    width, height = size
    model = page_state(page, language)
    _, flow = make_model(language)
    widgets = layout(model, flow, 0.0, width, height)
    problems, _ = render(window, widgets, width, height)
    assert problems == []
    check_buttons(widgets, width, height)
    actions = {w.action for w in widgets if w.kind == "button"}
    assert "language" in actions
    assert ("tech_exit" if page == "home" else "tech_page:home") in actions


def test_page_contents(window) -> None:
    model = page_state("live", "zh-CN")
    _, flow = make_model("zh-CN")
    widgets = layout(model, flow, 0.0, 1280, 800)
    assert sum(w.kind == "trace" for w in widgets) == 8  # 11 rows: 8 on the first page
    assert any(w.action == "tech_live_next" for w in widgets)
    model.tap("tech_live_next", flow.screen)
    assert sum(w.kind == "trace" for w in layout(model, flow, 0.0, 1280, 800)) == 3
    model.tap("tech_live_next", flow.screen)
    assert model.live_first == 0  # wraps to the first page
    passed = layout(page_state("eda_passed", "en"), flow, 0.0, 1280, 800)
    save = next(w for w in passed if w.action == "tech_save")
    assert save.style == "disabled" and save.text == "Saved"
    assert any(w.text == "Passed" and w.style == "good" for w in passed)
    running = layout(page_state("eda_running", "en"), flow, 0.0, 1280, 800)
    [bar] = [w for w in running if w.kind == "bar"]
    assert bar.values == (0.4,)
    texts = [w.text for w in running]
    assert "Step 2 of 2" in texts and "13 s left" in texts and "Reading 10.12 µS" in texts
    assert "Put the 100 kΩ reference resistor across the electrodes" in texts


def test_trace_points_keep_peaks_and_scale_robustly() -> None:
    x = np.zeros(2500)
    x[1234] = 5.0  # one ECG R peak in 10 s at 250 Hz
    x[::7] += 0.01
    points = trace_points(x)
    assert len(points) <= TRACE_POINTS and max(points) == 1.0 and min(points) == 0.0
    assert trace_points(np.full(100, 3.0)) == (0.5,) * 100
    assert trace_points(np.array([np.nan, np.inf])) == ()
    spiky = np.sin(np.linspace(0, 20, 1000))
    spiky[500] = 1e6  # one absurd sample does not flatten the rest (1st–99th percentile scaling)
    assert np.ptp(trace_points(spiky)[:200]) > 0.5


def test_quality_reasons_in_chinese_and_fitting() -> None:
    assert quality_reason("50 Hz mains noise (35%)", "zh-CN") == "50 Hz 工频干扰 (35%)"
    assert quality_reason("electrode off (EDA near 0 µS)", "zh-CN") == "电极脱落"
    assert quality_reason("flatline", "en") == "flatline"
    assert fit("short", 500, 20) == "short"
    cut = fit("a very long reason " * 10, 200, 20)
    assert cut.endswith("…") and len(cut) * 0.62 * 20 <= 200 + 20


def test_live_page_from_real_simulated_streams(window, tmp_path: Path) -> None:
    generators = build_generators(["eeg", "ecg", "ppg", "eda", "resp"], Scenario.fixed(0.5), seed=2)
    registry = SourceRegistry(StreamCatalog(buffer_seconds=30.0))
    store = SessionStore(tmp_path / "s.db", "st")
    model, flow = make_model("zh-CN")
    desk = TechnicianDesk(registry, store, model, CalibrationSettings(), "tech", feed=lambda e: None)
    model.tech_page = "live"
    try:
        with SimPublisher(generators, unique("live")):
            deadline = time.monotonic() + 30.0
            while time.monotonic() < deadline:
                desk.poll(time.monotonic())
                rows = model.live_rows
                if len(rows) == 12 and all(len(r.trace) >= 100 for r in rows):
                    break
                time.sleep(0.1)
        rows = model.live_rows
        assert [r.kind for r in rows] == ["EEG"] * 8 + ["ECG", "PPG", "EDA", "RESP"]
        assert [r.label for r in rows[:8]] == ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "O1", "O2"]
        assert all(100 <= len(r.trace) <= TRACE_POINTS for r in rows)
        assert {r.level for r in rows} <= {"good", "degraded"}
        for language in LANGUAGES:
            model.language = language
            widgets = layout(model, flow, 0.0, 1280, 800)
            problems, pixels = render(window, widgets, 1280, 800)
            assert problems == []
            trace = next(w for w in widgets if w.kind == "trace")
            b = trace.box
            inside = pixels[int(b.y) : int(b.y + b.h), int(b.x) : int(b.x + b.w), :3].astype(int)
            drawn = np.abs(inside - [16, 38, 48]).sum(-1) > 60  # line pixels on the trace background
            assert drawn.mean() > 0.01 and drawn.any(axis=0).mean() > 0.9  # a line across the box
    finally:
        registry.close()
        store.close()
