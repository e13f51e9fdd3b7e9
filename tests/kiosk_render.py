"""Drawing kiosk widgets into a hidden headless (EGL) pyglet window, for the kiosk-page tests.

The test module sets ``pyglet.options["headless"] = True`` before importing this."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyglet
import pytest

from station.kiosk.render import Overflow, draw, font_available
from station.kiosk.widgets import Widget


def kiosk_window() -> Iterator[pyglet.window.Window]:
    """A 1920×1080 hidden window (fixture body: ``yield from kiosk_window()``); fails without the font."""
    if not font_available():
        pytest.fail("font Noto Sans CJK SC missing: apt-get install fonts-noto-cjk (install-system-deps.sh)")
    win = pyglet.window.Window(1920, 1080, visible=False)
    yield win
    win.close()


def render(
    window: pyglet.window.Window,
    widgets: list[Widget],
    width: int,
    height: int,
    images: dict[str, np.ndarray] | None = None,
) -> tuple[list[Overflow], np.ndarray]:
    """Draw ``widgets`` at ``width``×``height``; returns the overflowing texts and the RGBA pixels,
    rows from the top like the layout's boxes."""
    window.switch_to()
    pyglet.gl.glViewport(0, 0, width, height)
    window.projection = pyglet.math.Mat4.orthogonal_projection(0, width, 0, height, -255, 255)
    problems = draw(widgets, height, images)
    buffer = pyglet.image.get_buffer_manager().get_color_buffer().get_image_data()
    pixels = np.frombuffer(buffer.get_data("RGBA", buffer.width * 4), np.uint8).reshape(buffer.height, -1, 4)
    return problems, pixels[:height, :width][::-1]
