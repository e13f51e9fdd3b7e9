"""Render the in-headset panel, the sensor notice and the fade headless (Mesa EGL) for docs/scenes/.
Usage: ``.venv/bin/python scripts/headset_screenshots.py [OUT_DIR]`` (default docs/scenes).

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


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, scene, language, status, phase, after_s in STILLS:
        save(still(scene, language, status, phase, after_s), out_dir / name)
        print(out_dir / name)
    save(fade_strip(), out_dir / "headset-fade-in.png")
    print(out_dir / "headset-fade-in.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/scenes"))
