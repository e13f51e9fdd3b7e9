"""The instruction panel: bilingual text (zh-CN first, English second) on a soft translucent card
floating below the breathing guide, drawn in world space so both eyes see it at one depth.

The text is rendered once with pyglet's text layout into a texture (Noto Sans CJK, installed by
scripts/install-system-deps.sh as fonts-noto-cjk).
"""

from __future__ import annotations

import ctypes

import numpy as np
import pyglet
from pyglet import gl
from pyglet.graphics.shader import Shader, ShaderProgram
from pyglet.math import Mat4

from scenes.camera import EyeView
from scenes.renderer import RenderTarget

TEXT = {
    "zh-CN": "跟随光球呼吸：光球升起时吸气，落下时呼气。",
    "en": "Breathe with the light: in as it rises, out as it falls.",
}
LANGUAGES = ("zh-CN", "en")
FONT = "Noto Sans CJK SC"
TEXTURE_SIZE = (1024, 256)
# Placement: 1.5 m ahead, below the guide, tilted up towards a seated user's eyes.
CENTRE = (0.0, 0.72, -1.5)
SIZE_M = (1.0, 0.25)
TILT_RAD = 0.3

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

PANEL_FRAGMENT = """#version 330 core
uniform sampler2D u_text;
in vec2 v_uv;
out vec4 frag_color;
void main() {
    vec2 e = min(v_uv, 1.0 - v_uv) * vec2(4.0, 1.0);
    float card = smoothstep(0.0, 0.08, min(e.x, e.y));
    vec4 text = texture(u_text, v_uv);
    vec3 col = mix(vec3(0.04, 0.05, 0.08), vec3(0.95, 0.93, 0.88), text.a);
    frag_color = vec4(col, card * max(0.45, text.a));
}
"""


def panel_lines(language: str) -> list[tuple[str, int]]:
    """The (text, font size) lines for ``language``: zh-CN shows Chinese with English below."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown panel language {language!r}; choose one of {', '.join(LANGUAGES)}")
    if language == "zh-CN":
        return [(TEXT["zh-CN"], 34), (TEXT["en"], 26)]
    return [(TEXT["en"], 34)]


class InstructionPanel:
    """A world-space text card; ``window`` is the pyglet window owning the current context."""

    def __init__(self, language: str, window: pyglet.window.BaseWindow):
        self.language = language
        self.target = RenderTarget(*TEXTURE_SIZE)
        self._render_text(window, panel_lines(language))
        self.program = ShaderProgram(Shader(PANEL_VERTEX, "vertex"), Shader(PANEL_FRAGMENT, "fragment"))
        self._matrix = (gl.GLfloat * 16)()
        vao = gl.GLuint()
        gl.glGenVertexArrays(1, ctypes.byref(vao))
        self._vao = vao
        c, s = np.cos(TILT_RAD), np.sin(TILT_RAD)
        self._right = (SIZE_M[0], 0.0, 0.0)
        self._up = (0.0, SIZE_M[1] * c, SIZE_M[1] * s)

    def _render_text(self, window: pyglet.window.BaseWindow, lines: list[tuple[str, int]]) -> None:
        width, height = TEXTURE_SIZE
        saved_projection, saved_view = window.projection, window.view
        self.target.bind()
        gl.glViewport(0, 0, width, height)
        gl.glClearColor(0.0, 0.0, 0.0, 0.0)
        gl.glClear(gl.GL_COLOR_BUFFER_BIT)
        window.projection = Mat4.orthogonal_projection(0, width, 0, height, -8, 8)
        window.view = Mat4()
        batch = pyglet.graphics.Batch()
        step = height / (len(lines) + 1)
        labels = [
            pyglet.text.Label(
                text,
                font_name=FONT,
                font_size=size,
                x=width // 2,
                y=int(height - step * (i + 1)),
                anchor_x="center",
                anchor_y="center",
                color=(255, 255, 255, 255),
                batch=batch,
            )
            for i, (text, size) in enumerate(lines)
        ]
        batch.draw()
        del labels
        window.projection, window.view = saved_projection, saved_view
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)

    def text_image(self) -> np.ndarray:
        """The rendered text texture (for checks and thumbnails)."""
        return self.target.read()

    def draw(self, eye: EyeView, viewport: tuple[int, int, int, int]) -> None:
        """Draw the card for one eye over what is in the bound framebuffer."""
        view_proj = (eye.projection @ eye.view).astype(np.float32)
        ctypes.memmove(self._matrix, view_proj.ctypes.data, 64)
        gl.glViewport(*viewport)
        gl.glEnable(gl.GL_BLEND)
        gl.glBlendFunc(gl.GL_SRC_ALPHA, gl.GL_ONE_MINUS_SRC_ALPHA)
        gl.glUseProgram(self.program.id)
        pid = self.program.id
        gl.glUniformMatrix4fv(gl.glGetUniformLocation(pid, b"u_view_proj"), 1, gl.GL_TRUE, self._matrix)
        gl.glUniform3f(gl.glGetUniformLocation(pid, b"u_centre"), *CENTRE)
        gl.glUniform3f(gl.glGetUniformLocation(pid, b"u_right"), *self._right)
        gl.glUniform3f(gl.glGetUniformLocation(pid, b"u_up"), *self._up)
        gl.glUniform1i(gl.glGetUniformLocation(pid, b"u_text"), 0)
        gl.glActiveTexture(gl.GL_TEXTURE0)
        gl.glBindTexture(gl.GL_TEXTURE_2D, self.target.texture)
        gl.glBindVertexArray(self._vao)
        gl.glDrawArrays(gl.GL_TRIANGLE_STRIP, 0, 4)
        gl.glBindVertexArray(0)
        gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
        gl.glUseProgram(0)
        gl.glDisable(gl.GL_BLEND)

    def delete(self) -> None:
        gl.glDeleteVertexArrays(1, ctypes.byref(self._vao))
        self.program.delete()
        self.target.delete()
