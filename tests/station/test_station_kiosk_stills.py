"""The kiosk's scene stills through the real controller: rendered once per scene and renderer
version by a child process (headless EGL) into the data dir, shown on the program cards and behind
the attract screen (a placeholder colour until ready), tappable, and reused on the next start."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyglet
import pytest

pyglet.options["headless"] = True

from protocols.loader import ProtocolError, find_protocol, parse_protocol  # noqa: E402
from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog  # noqa: E402
from station.kiosk import flow as f  # noqa: E402
from station.kiosk.controller import KioskController, SceneSettings  # noqa: E402
from station.kiosk.layout import attract_drift, layout  # noqa: E402
from station.kiosk.render import STILL_PLACEHOLDER, hit  # noqa: E402
from station.kiosk.scene_stills import SceneStills, still_path  # noqa: E402
from station.store import SessionStore  # noqa: E402
from tests.kiosk_render import kiosk_window, render  # noqa: E402

SIZE = (1280, 800)
PROGRAMS = ("mindfulness-15", "quick-reset", "resonance-assessment")  # shanshui, forest, the station's


@pytest.fixture(scope="module")
def window() -> Iterator[pyglet.window.Window]:
    yield from kiosk_window()


def make_controller(tmp_path: Path, store: SessionStore, registry: SourceRegistry) -> KioskController:
    return KioskController(
        store,
        registry,
        [find_protocol(name) for name in PROGRAMS],
        station_id="stills",
        recordings_dir=tmp_path / "recordings",
        scene=SceneSettings("night", "headless"),
        stills_dir=tmp_path / "stills",
    )


@pytest.fixture
def parts(tmp_path: Path) -> Iterator[tuple[SessionStore, SourceRegistry]]:
    store = SessionStore(tmp_path / "sessions.db", "stills")
    registry = SourceRegistry(StreamCatalog(buffer_seconds=5.0))
    yield store, registry
    registry.close()
    store.close()


def wait_for_stills(controller: KioskController) -> None:
    assert controller.stills is not None
    if controller.stills.child is not None:
        assert controller.stills.child.wait(timeout=120) == 0
    controller.tick()


def stills_of(widgets) -> list:  # type: ignore[no-untyped-def]
    return [w for w in widgets if w.kind == "still"]


def box_pixels(pixels: np.ndarray, box) -> np.ndarray:  # type: ignore[no-untyped-def]
    return pixels[int(box.y) + 2 : int(box.y + box.h) - 2, int(box.x) + 2 : int(box.x + box.w) - 2, :3]


def test_cards_show_each_programs_still_once_the_child_has_rendered_it(tmp_path, parts, window) -> None:
    controller = make_controller(tmp_path, *parts)
    assert [p.scene for p in controller.model.programs] == ["shanshui", "forest", "night"]
    controller.tap("begin")
    controller.flow.context.officer_code = "K7PQ3XM"
    controller.handle(f.CheckedIn("K7PQ3XM"))
    assert controller.screen is f.Screen.PROGRAM
    before = stills_of(layout(controller.model, controller.flow, 0.0, *SIZE))
    assert [w.text for w in before] == ["", "", ""]  # not rendered yet: placeholders, and no waiting
    _, pixels = render(window, before, *SIZE)
    placeholder = box_pixels(pixels, before[0].box).reshape(-1, 3).astype(float)
    assert np.abs(placeholder - STILL_PLACEHOLDER).max() <= 4 and placeholder.std(axis=0).max() < 1

    wait_for_stills(controller)
    cards = stills_of(layout(controller.model, controller.flow, 0.0, *SIZE))
    expected = {
        scene: str(still_path(tmp_path / "stills", scene)) for scene in ("shanshui", "forest", "night")
    }
    assert [w.text for w in cards] == [expected["shanshui"], expected["forest"], expected["night"]]
    problems, pixels = render(window, cards, *SIZE)
    assert problems == []
    crops = [box_pixels(pixels, w.box).astype(float) for w in cards]
    for crop in crops:
        assert crop.std() > 4  # a picture, not a flat fill
    assert np.abs(crops[0].mean(axis=(0, 1)) - crops[1].mean(axis=(0, 1))).max() > 10

    middle = cards[1].box
    action = hit(layout(controller.model, controller.flow, 0.0, *SIZE), middle.x + 10, middle.y + 10)
    assert action == "program:quick-reset"  # the picture itself is a touch target
    controller.tap(action)
    assert controller.screen is f.Screen.PRE_RATING


def test_the_attract_screen_drifts_the_stations_scene_and_stays_readable(tmp_path, parts, window) -> None:
    controller = make_controller(tmp_path, *parts)
    wait_for_stills(controller)
    at = {now: layout(controller.model, controller.flow, now, *SIZE) for now in (0.0, 20.0)}
    backdrop = stills_of(at[0.0])[0]
    assert backdrop.text == str(still_path(tmp_path / "stills", "night"))
    assert (backdrop.box.w, backdrop.box.h) == SIZE
    _, first = render(window, at[0.0], *SIZE)
    _, later = render(window, at[20.0], *SIZE)
    assert attract_drift(0.0) != attract_drift(20.0)
    assert np.abs(first[:, :, :3].astype(float) - later[:, :, :3]).mean() > 1  # the picture moved
    title = next(w for w in at[0.0] if w.kind == "title").box
    shade = next(w for w in at[0.0] if w.kind == "shade").box
    assert shade.y <= title.y and title.y + title.h <= shade.y + shade.h  # words on a quiet band
    assert hit(at[0.0], SIZE[0] / 2, 5) == ""  # the backdrop is no button


def test_stills_are_reused_on_the_next_start_and_old_versions_go(tmp_path, parts) -> None:
    controller = make_controller(tmp_path, *parts)
    wait_for_stills(controller)
    folder = tmp_path / "stills"
    stale = folder / "night-000000000000-640x360.png"
    stale.write_bytes(b"an older renderer's still")
    first = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.png") if p != stale}
    again = SceneStills(folder, ["night", "forest", "shanshui", "lakeside"])
    assert again.missing() == ["lakeside"]
    again.start()
    assert again.child is not None and again.child.wait(timeout=120) == 0
    assert set(again.ready()) == {"night", "forest", "shanshui", "lakeside"}
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("*.png") if p.name in first} == first
    assert stale.exists()  # only a scene rendered now has its older versions removed
    SceneStills(folder, ["night"]).start()  # nothing missing: no child
    assert not list(folder.glob(".*.tmp"))


def test_a_protocol_names_only_a_known_scene() -> None:
    text = find_protocol("quick-reset").source
    source = (Path(__file__).resolve().parents[2] / "protocols" / "library" / text).read_text()
    with pytest.raises(ProtocolError, match="unknown scene 'beach'"):
        parse_protocol(source.replace('scene = "forest"', 'scene = "beach"'), "x.toml")
    assert parse_protocol(source.replace('scene = "forest"', ""), "x.toml").scene == ""


def test_the_renderer_child_ends_with_the_kiosk(tmp_path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    code = (
        "import sys, time; from pathlib import Path; from station.kiosk.scene_stills import SceneStills; "
        "s = SceneStills(Path(sys.argv[1]), ['night', 'forest', 'shanshui', 'lakeside'], (1920, 1080)); "
        "s.start(); print(s.child.pid, flush=True); time.sleep(120)"
    )
    kiosk = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        child = int(kiosk.stdout.readline())  # type: ignore[union-attr]
        os.kill(kiosk.pid, signal.SIGKILL)
        kiosk.wait(timeout=30)
        for _ in range(60):  # 3 s: the child polls its parent every 0.2 s (rendering takes longer)
            if (
                not Path(f"/proc/{child}").exists()
                or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]
            ):
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"the stills child {child} outlived the kiosk")
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
