"""The in-headset panel: a soft card anchored in the world about 1.5 m ahead of the seated officer,
a little below eye height, tilted to face the eyes. It holds the breathing guide (a ring that
grows on the inhale and shrinks on the exhale, with the cue "吸气 / Breathe in" or "呼气 / Breathe
out"), the phase and the minutes left, and below it, fading in and out, a sensor notice.

It is geometry at a depth, drawn through each eye's own view and projection, so it has the right
disparity between the eyes; it is not a screen overlay. Text is laid out with pyglet (Noto Sans
CJK SC, Debian ``fonts-noto-cjk``, installed by scripts/install-system-deps.sh) into textures,
again only when the words change (about once a minute).
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass

import numpy as np
import pyglet
from pyglet import gl
from pyglet.graphics.shader import Shader, ShaderProgram
from pyglet.math import Mat4

from scenes.camera import EyeView
from scenes.fades import BACK_HOLD_S, NoticeFade
from scenes.panel_place import PanelFrame
from scenes.panel_status import INSTRUCTION, PanelStatus, check_language, notice_lines, status_lines
from scenes.renderer import RenderTarget

FONT = "Noto Sans CJK SC"
CARD_M = (0.80, 0.30)
NOTICE_M = (0.80, 0.125)
NOTICE_GAP_M = 0.02
LINE_SPACING = 1.9  # line pitch in pixels per point of font size
FIT = 0.94  # the share of a text texture's width a line may fill
TEXT_COLOUR = (0.93, 0.91, 0.86)
NOTICE_COLOUR = (0.98, 0.86, 0.70)  # a warm tint, not an alarm red
RING_COLOUR = (0.95, 0.86, 0.68)


@dataclass(frozen=True)
class Slot:
    """A text quad on the card: centre and size in card metres, texture size in pixels."""

    centre: tuple[float, float]
    size: tuple[float, float]
    texture: tuple[int, int]


RING_CENTRE = (-0.27, 0.0)
RING_RADII = (0.045, 0.095)  # exhaled, inhaled
CUE = Slot((0.085, 0.055), (0.50, 0.125), (512, 128))
STATUS = Slot((0.085, -0.08), (0.56, 0.115), (1024, 210))
NOTICE = Slot((0.0, 0.0), NOTICE_M, (1024, 160))
CUES = {"zh-CN": (("吸气", "Breathe in"), ("呼气", "Breathe out")), "en": (("Breathe in",), ("Breathe out",))}

PANEL_VERTEX = """#version 330 core
uniform mat4 u_view_proj;
uniform vec3 u_centre;
uniform vec3 u_right;
uniform vec3 u_up;
out vec2 v_uv;
void main() {
    vec2 c = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
    v_uv = c;
    vec3 p = u_centre + u_right * (c.x - 0.5) + u_up * (c.y - 0.5);
    gl_Position = u_view_proj * vec4(p, 1.0);
}
"""

# u_mode 0: the card (rounded, translucent) with the breathing ring; 1: text from u_text.
PANEL_FRAGMENT = """#version 330 core
uniform sampler2D u_text;
uniform int u_mode;
uniform vec2 u_size;
uniform vec3 u_colour;
uniform float u_alpha;
uniform vec2 u_ring_centre;
uniform float u_ring_radius;
uniform float u_ring_max;
uniform float u_ring_alpha;
in vec2 v_uv;
out vec4 frag_color;
float box(vec2 p, vec2 half_size, float r) {
    vec2 q = abs(p) - half_size + r;
    return length(max(q, 0.0)) + min(max(q.x, q.y), 0.0) - r;
}
float band(float d) {
    float w = max(fwidth(d), 1e-5);
    return 1.0 - smoothstep(-w, w, d);
}
void main() {
    if (u_mode == 1) {
        float a = texture(u_text, v_uv).a;
        frag_color = vec4(u_colour, a * u_alpha);
        return;
    }
    vec2 p = (v_uv - 0.5) * u_size;
    float card = band(box(p, 0.5 * u_size, 0.04));
    vec4 col = vec4(0.06, 0.07, 0.09, 0.42 * card);
    if (u_ring_alpha > 0.0) {
        float r = length(p - u_ring_centre);
        float guide = band(abs(r - u_ring_max) - 0.0015) * 0.22;
        float ring = band(abs(r - u_ring_radius) - 0.006);
        float glow = exp(-pow((r - u_ring_radius) / 0.02, 2.0)) * 0.25;
        float a = max(max(guide, ring), glow) * u_ring_alpha;
        col = vec4(mix(col.rgb, u_colour, a), max(col.a, a));
    }
    frag_color = vec4(col.rgb, col.a * u_alpha);
}
"""


def breath(phase: float) -> float:
    """The guide's size on the breathing cycle: 0 exhaled (phase 0) … 1 inhaled (phase ½)."""
    return 0.5 - 0.5 * math.cos(2.0 * math.pi * phase)


def inhale_weight(phase: float) -> float:
    """1 while breathing in (phase 0…½), 0 while breathing out, crossfading around the turns."""
    s = math.sin(2.0 * math.pi * phase) / 0.3
    return min(1.0, max(0.0, 0.5 + 0.5 * s))


def panel_lines(language: str) -> list[tuple[str, int]]:
    """The instruction's (text, font size) lines for ``language``: zh-CN shows Chinese with English
    below."""
    check_language(language)
    lines = [INSTRUCTION[language]] if language == "en" else [INSTRUCTION["zh-CN"], INSTRUCTION["en"]]
    return [(text, 34 if i == 0 else 26) for i, text in enumerate(lines)]


def _sized(lines: list[str], first: int, rest: int) -> list[tuple[str, int]]:
    return [(text, first if i == 0 else rest) for i, text in enumerate(lines)]


class InstructionPanel:
    """The world-anchored panel; ``window`` is the pyglet window owning the current context."""

    def __init__(self, language: str, window: pyglet.window.BaseWindow):
        check_language(language)
        self.language, self.window = language, window
        self.status = PanelStatus()
        self.notice = NoticeFade()
        self.targets = {
            "cue_in": RenderTarget(*CUE.texture),
            "cue_out": RenderTarget(*CUE.texture),
            "status": RenderTarget(*STATUS.texture),
            "notice": RenderTarget(*NOTICE.texture),
        }
        inhale, exhale = CUES[language]
        self._rasterise("cue_in", _sized(list(inhale), 40, 20))
        self._rasterise("cue_out", _sized(list(exhale), 40, 20))
        self._rasterise("status", _sized(status_lines(self.status, language), 50, 32))
        self.program = ShaderProgram(Shader(PANEL_VERTEX, "vertex"), Shader(PANEL_FRAGMENT, "fragment"))
        self._loc = {
            name: gl.glGetUniformLocation(self.program.id, f"u_{name}".encode())
            for name in (
                "view_proj",
                "centre",
                "right",
                "up",
                "text",
                "mode",
                "size",
                "colour",
                "alpha",
                "ring_centre",
                "ring_radius",
                "ring_max",
                "ring_alpha",
            )
        }
        self._matrix = (gl.GLfloat * 16)()
        vao = gl.GLuint()
        gl.glGenVertexArrays(1, ctypes.byref(vao))
        self._vao = vao
        self._frame: PanelFrame | None = None
        self._placed: dict[tuple, tuple] = {}

    # ---- words ---------------------------------------------------------------------------------

    def _rasterise(self, slot: str, lines: list[tuple[str, int]]) -> None:
        """Lay ``lines`` out, centred, into the slot's texture (white, alpha = coverage)."""
        target, window = self.targets[slot], self.window
        width, height = target.width, target.height
        saved_projection, saved_view = window.projection, window.view
        target.bind()
        gl.glViewport(0, 0, width, height)
        gl.glClearColor(0.0, 0.0, 0.0, 0.0)
        gl.glClear(gl.GL_COLOR_BUFFER_BIT)
        window.projection = Mat4.orthogonal_projection(0, width, 0, height, -8, 8)
        window.view = Mat4()
        batch = pyglet.graphics.Batch()
        labels = [self._label(text, size, width, batch) for text, size in lines]
        heights = [label.font_size * LINE_SPACING for label in labels]
        top = height / 2 + sum(heights) / 2
        for label, line_height in zip(labels, heights, strict=True):
            label.position = (width // 2, int(top - line_height / 2), 0)
            top -= line_height
        batch.draw()
        del labels
        window.projection, window.view = saved_projection, saved_view
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
        # mip-mapped, so the text minifies without shimmer at a headset's or a thumbnail's size
        gl.glBindTexture(gl.GL_TEXTURE_2D, target.texture)
        gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_MIN_FILTER, gl.GL_LINEAR_MIPMAP_LINEAR)
        gl.glGenerateMipmap(gl.GL_TEXTURE_2D)
        gl.glBindTexture(gl.GL_TEXTURE_2D, 0)

    @staticmethod
    def _label(text: str, size: int, width: int, batch: pyglet.graphics.Batch) -> pyglet.text.Label:
        """A centred label, its font made smaller where the text would not fit the width."""
        label = pyglet.text.Label(
            text,
            font_name=FONT,
            font_size=size,
            anchor_x="center",
            anchor_y="center",
            color=(255, 255, 255, 255),
            batch=batch,
        )
        if label.content_width > FIT * width:
            label.font_size = max(8, int(size * FIT * width / label.content_width))
        return label

    def set_status(self, status: PanelStatus, t: float) -> None:
        """New words from the station at scene time ``t``; textures are redrawn only for what changed."""
        old, self.status = self.status, status
        lines = status_lines(status, self.language)
        if lines != status_lines(old, self.language):
            self._rasterise("status", _sized(lines, 50, 32))
        notice = notice_lines(status, self.language)
        if not notice:
            self.notice.hide()
            return
        if notice != notice_lines(old, self.language) or status.notice_back != old.notice_back:
            self._rasterise("notice", _sized(notice, 30, 22))
            self.notice.show(t, BACK_HOLD_S if status.notice_back else None)

    def text_image(self) -> np.ndarray:
        """The status texture as laid out (for checks)."""
        return self.targets["status"].read()

    def notice_image(self) -> np.ndarray:
        """The notice texture as laid out (for checks)."""
        return self.targets["notice"].read()

    def step(self, dt: float, t: float) -> None:
        """Advance the notice's fade by one frame."""
        self.notice.step(dt, t)

    # ---- drawing -------------------------------------------------------------------------------

    def draw(
        self,
        eye: EyeView,
        viewport: tuple[int, int, int, int],
        eye_height: float,
        pacer_phase: float,
        pacer_visible: float,
    ) -> None:
        """Draw the panel for one eye over what is in the bound framebuffer."""
        view_proj = (eye.projection @ eye.view).astype(np.float32)
        ctypes.memmove(self._matrix, view_proj.ctypes.data, 64)
        gl.glViewport(*viewport)
        gl.glDisable(gl.GL_DEPTH_TEST)
        gl.glEnable(gl.GL_BLEND)
        gl.glBlendFunc(gl.GL_SRC_ALPHA, gl.GL_ONE_MINUS_SRC_ALPHA)
        gl.glUseProgram(self.program.id)
        gl.glUniformMatrix4fv(self._loc["view_proj"], 1, gl.GL_TRUE, self._matrix)
        gl.glUniform1i(self._loc["text"], 0)
        gl.glActiveTexture(gl.GL_TEXTURE0)
        gl.glBindVertexArray(self._vao)
        if self._frame is None or self._frame.eye_height != eye_height:
            self._frame, self._placed = PanelFrame(eye_height), {}
        frame = self._frame
        loc = self._loc
        b = breath(pacer_phase)
        gl.glUniform2f(loc["ring_centre"], *RING_CENTRE)
        gl.glUniform1f(loc["ring_radius"], RING_RADII[0] + (RING_RADII[1] - RING_RADII[0]) * b)
        gl.glUniform1f(loc["ring_max"], RING_RADII[1])
        gl.glUniform1f(loc["ring_alpha"], pacer_visible)
        self._quad(frame, (0.0, 0.0), CARD_M, 0, RING_COLOUR, 1.0)
        gl.glUniform1f(loc["ring_alpha"], 0.0)
        inhale = inhale_weight(pacer_phase)
        for slot, alpha in (("cue_in", inhale * pacer_visible), ("cue_out", (1.0 - inhale) * pacer_visible)):
            if alpha > 0.003:
                self._text(frame, CUE, slot, TEXT_COLOUR, 0.9 * alpha)
        self._text(frame, STATUS, "status", TEXT_COLOUR, 0.8)
        if self.notice.alpha > 0.003:
            below = -(CARD_M[1] + NOTICE_M[1]) / 2 - NOTICE_GAP_M
            self._quad(frame, (0.0, below), NOTICE_M, 0, NOTICE_COLOUR, self.notice.alpha)
            notice = Slot((0.0, below), NOTICE.size, NOTICE.texture)
            self._text(frame, notice, "notice", NOTICE_COLOUR, 0.9 * self.notice.alpha)
        gl.glBindVertexArray(0)
        gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
        gl.glUseProgram(0)
        gl.glDisable(gl.GL_BLEND)

    def _text(self, frame: PanelFrame, slot: Slot, name: str, colour: tuple, alpha: float) -> None:
        gl.glBindTexture(gl.GL_TEXTURE_2D, self.targets[name].texture)
        self._quad(frame, slot.centre, slot.size, 1, colour, alpha)

    def _quad(
        self, frame: PanelFrame, centre: tuple, size: tuple, mode: int, colour: tuple, alpha: float
    ) -> None:
        loc = self._loc
        placed = self._placed.get((centre, size))
        if placed is None:  # the quad's world vectors, once per eye height
            right, up = frame.right * size[0], frame.up * size[1]
            placed = frame.point(*centre), tuple(map(float, right)), tuple(map(float, up))
            self._placed[(centre, size)] = placed
        gl.glUniform3f(loc["centre"], *placed[0])
        gl.glUniform3f(loc["right"], *placed[1])
        gl.glUniform3f(loc["up"], *placed[2])
        gl.glUniform2f(loc["size"], *size)
        gl.glUniform1i(loc["mode"], mode)
        gl.glUniform3f(loc["colour"], *colour)
        gl.glUniform1f(loc["alpha"], alpha)
        gl.glDrawArrays(gl.GL_TRIANGLE_STRIP, 0, 4)

    def delete(self) -> None:
        gl.glDeleteVertexArrays(1, ctypes.byref(self._vao))
        self.program.delete()
        for target in self.targets.values():
            target.delete()
