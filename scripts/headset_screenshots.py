"""Render the in-headset panel, the sensor notice and the fade headless (Mesa EGL) for docs/scenes/,
and the kiosk's session screen showing the headset's view for docs/kiosk/.
Usage: ``.venv/bin/python scripts/headset_screenshots.py [OUT_DIR]`` (default docs/scenes; the kiosk
page goes to OUT_DIR/../kiosk).

Each still is what the seated centre eye sees at 1280×720 (75° vertical field, like the kiosk
mirror window), with the panel's real words as the station sends them; reduced to a 256-colour
palette (Pillow, Floyd–Steinberg) to keep the files small, like the scene gallery.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

from scenes.catalog import SCENES
from scenes.headless_output import HeadlessOutput
from scenes.panel_status import PanelStatus

FPS = 30.0
TRAINING = PanelStatus("放松训练", "Training", 6)
LOST = PanelStatus(
    "放松训练",
    "Training",
    6,
    "心率传感器信号中断，练习继续",
    "Heart-rate sensor signal lost — keep breathing with the guide",
)
BACK = PanelStatus(
    "放松训练", "Training", 5, "心率传感器信号已恢复", "Heart-rate sensor is back", notice_back=True
)
# (file, scene, language, status, breathing phase, seconds of scene time after the status)
STILLS = [
    ("headset-panel-zh.png", "lakeside", "zh-CN", TRAINING, 0.22, 0.1),
    ("headset-panel-en.png", "forest", "en", TRAINING, 0.70, 0.1),
    ("headset-notice-lost-zh.png", "night", "zh-CN", LOST, 0.30, 2.0),
    ("headset-notice-back-en.png", "shanshui", "en", BACK, 0.62, 2.0),
]


def save(image: np.ndarray, path: Path) -> None:
    Image.fromarray(image).quantize(256, dither=Image.Dither.FLOYDSTEINBERG).save(path, optimize=True)


def still(scene: str, language: str, status: PanelStatus, phase: float, after_s: float) -> np.ndarray:
    out = HeadlessOutput(SCENES[scene], 1280, 720, fps=FPS, panel_language=language, vertical_fov_deg=75.0)
    try:
        out.player.jump_to({"pacer_phase": phase, "pacer_visible": 1.0})
        out.set_status(status)
        for _ in range(max(1, round(after_s * FPS))):
            out.frame()
        out.player.jump_to({"pacer_phase": phase})
        out.render()
        return out.snapshot()
    finally:
        out.close()


def fade_strip(seconds: tuple[float, ...] = (0.1, 0.5, 1.0, 1.5, 2.0)) -> np.ndarray:
    """The fade in: the scene at these scene times, side by side, 320×180 each."""
    out = HeadlessOutput(SCENES["lakeside"], 320, 180, fps=FPS, panel_language="zh-CN", fade_s=2.0)
    tiles, frame = [], 0
    try:
        out.set_status(TRAINING)
        for t in seconds:
            while frame < round(t * FPS):
                out.frame()
                frame += 1
            tiles.append(out.snapshot())
    finally:
        out.close()
    return np.concatenate(tiles, axis=1)


def kiosk_session(view: np.ndarray, language: str) -> np.ndarray:
    """The kiosk's running screen, 1280×800, with ``view`` as the headset's image."""
    import pyglet

    from station.kiosk import flow as f
    from station.kiosk.kiosk_model import KioskModel, Program
    from station.kiosk.layout import layout
    from station.kiosk.render import draw
    from station.store.officer_codes import new_code, normalise

    width, height = 1280, 800
    programs = [Program("sunset-hrv", "湖畔日落（心率变异）", "Lakeside sunset (HRV)", 120, 600)]
    model = KioskModel(programs, normalise, new_code, lambda pin: False, language=language)
    flow = f.SessionFlow()
    for event in (f.Begin(), f.CheckedIn("K7PQ3XM"), f.ProgramChosen("sunset-hrv", 120, 600)):
        flow.handle(event, 0.0)
    flow.handle(f.Rated(4, 5), 0.0)
    flow.handle(f.SensorsReady(), 0.0)
    flow.tick(300.0)
    model.headset_view = view
    window = pyglet.window.Window(width, height, visible=False)
    try:
        window.switch_to()
        pyglet.gl.glViewport(0, 0, width, height)
        window.projection = pyglet.math.Mat4.orthogonal_projection(0, width, 0, height, -255, 255)
        draw(layout(model, flow, 300.0, width, height), height, {"headset_view": view})
        buffer = pyglet.image.get_buffer_manager().get_color_buffer().get_image_data()
        raw = np.frombuffer(buffer.get_data("RGB", buffer.width * 3), np.uint8)
        return raw.reshape(buffer.height, -1, 3)[:height, :width][::-1].copy()
    finally:
        window.close()


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, scene, language, status, phase, after_s in STILLS:
        save(still(scene, language, status, phase, after_s), out_dir / name)
        print(out_dir / name)
    save(fade_strip(), out_dir / "headset-fade-in.png")
    print(out_dir / "headset-fade-in.png")
    # the headset's left eye (about as wide as high) as the scene process shares it with the kiosk
    out = HeadlessOutput(SCENES["lakeside"], 400, 420, fps=FPS, panel_language="zh-CN", vertical_fov_deg=95.0)
    try:
        out.set_status(TRAINING)
        out.frame()
        view = out.mirror()
    finally:
        out.close()
    assert view is not None
    kiosk_dir = out_dir.parent / "kiosk"
    kiosk_dir.mkdir(parents=True, exist_ok=True)
    save(kiosk_session(view, "zh-CN"), kiosk_dir / "session-headset-view_zh-CN.png")
    print(kiosk_dir / "session-headset-view_zh-CN.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/scenes"))
