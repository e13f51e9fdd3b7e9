"""The headless output: offscreen EGL rendering to images (tests, thumbnails, the demo)."""

from __future__ import annotations

import numpy as np

from scenes.catalog import SceneSpec
from scenes.params import SceneParams
from scenes.scene_output import SceneOutput


class HeadlessOutput(SceneOutput):
    """Offscreen rendering with EGL: a centre eye or a side-by-side stereo pair, at a fixed
    simulated frame rate (frames are as fast as the renderer, time advances by 1/fps)."""

    def __init__(
        self,
        spec: SceneSpec,
        width: int = 160,
        height: int = 120,
        stereo: bool = False,
        fps: float = 30.0,
        params: SceneParams | None = None,
        panel_language: str | None = None,
        audio: bool = False,
        fade_s: float = 0.0,
        vertical_fov_deg: float = 70.0,
    ):
        from scenes.headless import create_context

        self.window = create_context()  # shared by every headless output of this process
        self.window.switch_to()
        from scenes.camera import centre_eye, perspective, seated_stereo
        from scenes.player import ScenePlayer
        from scenes.renderer import RenderTarget

        self.width, self.height, self.dt = width, height, 1.0 / fps
        eye_width = width // 2 if stereo else width
        projection = perspective(vertical_fov_deg, eye_width / height)
        self.eyes = seated_stereo(projection) if stereo else [centre_eye(projection)]
        self.viewports = [(i * eye_width, 0, eye_width, height) for i in range(len(self.eyes))]
        self.target = RenderTarget(width, height)
        self.player = ScenePlayer(spec, params, panel_language, audio, window=self.window, fade_s=fade_s)
        self.now = 0.0
        self._closed = False

    def set_params(self, params: SceneParams) -> None:
        self.player.set_params(params, self.now)

    def frame(self) -> bool:
        self.now += self.dt
        self.player.advance(self.dt, self.now)
        self.render()
        return True

    def render(self) -> None:
        """Render the current state without advancing time."""
        self.target.bind()
        for eye, viewport in zip(self.eyes, self.viewports, strict=True):
            self.player.render_eye(eye, viewport)

    def snapshot(self) -> np.ndarray:
        return self.target.read()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.player.close()
        self.target.delete()
