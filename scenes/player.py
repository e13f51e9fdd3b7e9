"""A running scene: eased parameters, scene time, the renderer, the instruction panel and sound.

Outputs (headless, window, OpenXR) own the GL context and the eyes; they call ``advance`` once
per frame and ``render_eye`` once per eye. Parameter snapshots arrive through ``set_params`` from
any thread at any rate (≥ 10 Hz expected); the frame loop eases towards them.
"""

from __future__ import annotations

import threading

from scenes.camera import EyeView
from scenes.catalog import SceneSpec
from scenes.easing import ParamEaser
from scenes.params import SceneParams
from scenes.renderer import SceneRenderer


def flow_speed(params: SceneParams) -> float:
    """How fast waves, wind and clouds move (scene seconds per second): motion speeds them up,
    calm slows them down."""
    return (0.08 + 1.2 * params["motion"]) * (1.25 - 0.5 * params["calm"])


class ScenePlayer:
    """Scene state shared by every output."""

    def __init__(
        self,
        spec: SceneSpec,
        params: SceneParams | None = None,
        panel_language: str | None = None,
        audio: bool = False,
        window=None,
    ):
        """``window`` (the pyglet window owning the GL context) is needed for the panel."""
        self.spec = spec
        self.easer = ParamEaser(spec.params, initial=spec.clamp(params or {}))
        self.time = 0.0
        self.flow = 0.0
        self._lock = threading.Lock()
        self._pending: tuple[SceneParams, float] | None = None
        self.renderer = SceneRenderer(spec)
        self.panel = None
        if panel_language:
            from scenes.panel import InstructionPanel

            self.panel = InstructionPanel(panel_language, window)
        self.audio = None
        if audio:
            from scenes.audio import AmbientAudio

            self.audio = AmbientAudio(spec.sound_mix, self.easer.current)

    @property
    def params(self) -> SceneParams:
        """The current (eased) parameter values."""
        return self.easer.current

    def set_params(self, params: SceneParams, now: float) -> None:
        """Give new target values (thread-safe; applied at the next frame)."""
        with self._lock:
            merged = dict(self._pending[0]) if self._pending else {}
            merged.update(params)
            self._pending = (merged, now)

    def jump_to(self, params: SceneParams) -> None:
        """Set values immediately, without easing (tests, sweeps, thumbnails)."""
        clamped = self.spec.clamp(params)
        self.easer.current.update(clamped)
        self.easer.target.update(clamped)

    def advance(self, dt: float, now: float) -> SceneParams:
        """Step easing and scene time by one frame of ``dt`` seconds."""
        with self._lock:
            pending, self._pending = self._pending, None
        if pending:
            self.easer.set_target(*pending)
        params = self.easer.step(dt, now)
        self.time += dt
        self.flow += dt * flow_speed(params)
        if self.audio:
            self.audio.update(params)
        return params

    def render_eye(self, eye: EyeView, viewport: tuple[int, int, int, int]) -> None:
        """Draw the scene (and the panel, when shown) for one eye into the bound framebuffer."""
        self.renderer.draw_eye(eye, viewport, self.easer.current, self.time, self.flow)
        if self.panel:
            self.panel.draw(eye, viewport)

    def close(self) -> None:
        """Stop the sound and free GL objects (the context must be current)."""
        if self.audio:
            self.audio.close()
        if self.panel:
            self.panel.delete()
        self.renderer.delete()
