"""A running scene: eased parameters, scene time, the renderer, the in-headset panel, the fades
and sound.

Outputs (headless, window, OpenXR) own the GL context and the eyes; they call ``advance`` once
per frame and ``render_eye`` once per eye. Parameter snapshots arrive through ``set_params`` and
the panel's words through ``set_status``, from any thread at any rate; the frame loop takes them
up at its next frame. Fades run on the scene clock.
"""

from __future__ import annotations

import threading

from scenes.camera import SEATED_EYE_HEIGHT, EyeView
from scenes.catalog import SceneSpec
from scenes.easing import ParamEaser
from scenes.fades import SceneFade
from scenes.panel_status import PanelStatus
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
        fade_s: float = 0.0,
    ):
        """``window`` (the pyglet window owning the GL context) is needed for the panel; with
        ``fade_s`` > 0 the scene fades in from black over that time (and out on ``fade_out``)."""
        self.spec = spec
        self.easer = ParamEaser(spec.params, initial=spec.clamp(params or {}))
        self.time = 0.0
        self.flow = 0.0
        self._lock = threading.Lock()
        self._pending: tuple[SceneParams, float] | None = None
        self._pending_status: PanelStatus | None = None
        self.eye_height = SEATED_EYE_HEIGHT  # an XR output sets the runtime's floor-based height
        self.renderer = SceneRenderer(spec)
        self.panel = None
        if panel_language:
            from scenes.panel import InstructionPanel

            self.panel = InstructionPanel(panel_language, window)
        self.fade = SceneFade(fade_s)
        self.overlay = None
        if fade_s > 0.0:
            from scenes.fade_overlay import FadeOverlay

            self.overlay = FadeOverlay()
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

    def set_status(self, status: PanelStatus) -> None:
        """New words for the panel (thread-safe; applied at the next frame). A ``closing`` status
        starts the fade out."""
        with self._lock:
            self._pending_status = status

    def fade_out(self) -> None:
        """Start fading to black now (the station's session is ending)."""
        self.fade.fade_out(self.time)

    @property
    def faded_out(self) -> bool:
        """The fade out has ended (always False without fading)."""
        return self.overlay is not None and self.fade.faded_out(self.time)

    def jump_to(self, params: SceneParams) -> None:
        """Set values immediately, without easing (tests, sweeps, thumbnails)."""
        clamped = self.spec.clamp(params)
        self.easer.current.update(clamped)
        self.easer.target.update(clamped)

    def advance(self, dt: float, now: float) -> SceneParams:
        """Step easing and scene time by one frame of ``dt`` seconds."""
        with self._lock:
            pending, self._pending = self._pending, None
            status, self._pending_status = self._pending_status, None
        if pending:
            self.easer.set_target(*pending)
        params = self.easer.step(dt, now)
        self.time += dt
        self.flow += dt * flow_speed(params)
        if status is not None:
            if status.closing:
                self.fade_out()
            if self.panel:
                self.panel.set_status(status, self.time)
        if self.panel:
            self.panel.step(dt, self.time)
        if self.audio:
            self.audio.update(params)
        return params

    def render_eye(self, eye: EyeView, viewport: tuple[int, int, int, int]) -> None:
        """Draw the scene (and the panel, when shown; darkened while fading) for one eye into the
        bound framebuffer."""
        params = self.easer.current
        self.renderer.draw_eye(eye, viewport, params, self.time, self.flow)
        if self.panel:
            self.panel.draw(eye, viewport, self.eye_height, params["pacer_phase"], params["pacer_visible"])
        if self.overlay is not None:
            level = self.fade.level(self.time)
            if level < 1.0:
                self.overlay.draw(viewport, 1.0 - level)

    def close(self) -> None:
        """Stop the sound and free GL objects (the context must be current)."""
        if self.audio:
            self.audio.close()
        if self.panel:
            self.panel.delete()
        if self.overlay is not None:
            self.overlay.delete()
        self.renderer.delete()
