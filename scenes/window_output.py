"""A pyglet window: the kiosk monitor's mirror (both eyes side by side) or, when there is no
headset, a desk mode that shows one eye and looks around with the mouse (drag) or arrow keys."""

from __future__ import annotations

import math
import time

import numpy as np

from scenes.camera import centre_eye, perspective, seated_stereo
from scenes.catalog import SceneSpec
from scenes.params import SceneParams
from scenes.scene_output import SceneOutput

MODES = ("desk", "mirror")
LOOK_RAD_PER_PIXEL = 0.004
MAX_PITCH = math.radians(80.0)


class WindowOutput(SceneOutput):
    """Renders into an on-screen window at the display's pace (vsync)."""

    def __init__(
        self,
        spec: SceneSpec,
        width: int = 1280,
        height: int = 720,
        mode: str = "desk",
        params: SceneParams | None = None,
        panel_language: str | None = None,
        audio: bool = False,
        fade_s: float = 0.0,
        fullscreen: bool = False,
        vertical_fov_deg: float = 75.0,
    ):
        if mode not in MODES:
            raise ValueError(f"unknown window mode {mode!r}; choose one of {', '.join(MODES)}")
        import pyglet

        from scenes.player import ScenePlayer

        self.window = pyglet.window.Window(
            width,
            height,
            caption=f"Oasis — {spec.title_zh} {spec.title_en}",
            fullscreen=fullscreen,
            vsync=True,
        )
        self.mode, self.fov = mode, vertical_fov_deg
        self.yaw = self.pitch = 0.0
        self.player = ScenePlayer(spec, params, panel_language, audio, window=self.window, fade_s=fade_s)
        self._closed = False
        self._last = time.monotonic()
        self._last_image: np.ndarray | None = None
        self.capture_next = False

        @self.window.event
        def on_mouse_drag(x, y, dx, dy, buttons, modifiers):
            self.look(dx * LOOK_RAD_PER_PIXEL, dy * LOOK_RAD_PER_PIXEL)

        @self.window.event
        def on_key_press(symbol, modifiers):
            key = pyglet.window.key
            step = {key.LEFT: (0.1, 0.0), key.RIGHT: (-0.1, 0.0), key.UP: (0.0, 0.1), key.DOWN: (0.0, -0.1)}
            if symbol in step:
                self.look(*step[symbol])

        @self.window.event
        def on_close():
            self._closed = True

    def look(self, d_yaw: float, d_pitch: float) -> None:
        """Turn the desk-mode view (radians; yaw to the left, pitch up)."""
        self.yaw = (self.yaw + d_yaw) % (2.0 * math.pi)
        self.pitch = max(-MAX_PITCH, min(MAX_PITCH, self.pitch + d_pitch))

    def frame(self) -> bool:
        from pyglet import gl

        self.window.dispatch_events()
        if self._closed:
            return False
        now = time.monotonic()
        self.player.advance(min(now - self._last, 0.1), now)
        self._last = now
        self.window.switch_to()
        width, height = self.window.get_framebuffer_size()
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
        if self.mode == "desk":
            eyes = [centre_eye(perspective(self.fov, width / height), self.yaw, self.pitch)]
            viewports = [(0, 0, width, height)]
        else:
            half = width // 2
            eyes = seated_stereo(perspective(self.fov, half / height), self.yaw, self.pitch)
            viewports = [(0, 0, half, height), (half, 0, half, height)]
        for eye, viewport in zip(eyes, viewports, strict=True):
            self.player.render_eye(eye, viewport)
        if self.capture_next:
            from scenes.renderer import read_rgb

            self._last_image, self.capture_next = read_rgb(0, width, height), False
        self.window.flip()
        return True

    def snapshot(self) -> np.ndarray | None:
        """The last frame captured (set ``capture_next`` before a frame)."""
        return self._last_image

    def close(self) -> None:
        if not self._closed:
            self._closed = True
        self.window.switch_to()
        self.player.close()
        self.window.close()
