"""The fade to and from black: a full-viewport quad of black at opacity 1 − level, drawn over
each eye after everything else. A uniform colour has no depth, so it is the same in both eyes."""

from __future__ import annotations

import ctypes

from pyglet import gl
from pyglet.graphics.shader import Shader, ShaderProgram

from scenes.renderer import FULLSCREEN_VERTEX

FADE_FRAGMENT = """#version 330 core
uniform float u_opacity;
out vec4 frag_color;
void main() { frag_color = vec4(0.0, 0.0, 0.0, u_opacity); }
"""


class FadeOverlay:
    """Darkens the bound framebuffer's viewport (the context must be current)."""

    def __init__(self) -> None:
        self.program = ShaderProgram(Shader(FULLSCREEN_VERTEX, "vertex"), Shader(FADE_FRAGMENT, "fragment"))
        self._opacity = gl.glGetUniformLocation(self.program.id, b"u_opacity")
        vao = gl.GLuint()
        gl.glGenVertexArrays(1, ctypes.byref(vao))
        self._vao = vao

    def draw(self, viewport: tuple[int, int, int, int], opacity: float) -> None:
        """Blend black at ``opacity`` (0 nothing … 1 black) over ``viewport``."""
        gl.glViewport(*viewport)
        gl.glEnable(gl.GL_BLEND)
        gl.glBlendFunc(gl.GL_SRC_ALPHA, gl.GL_ONE_MINUS_SRC_ALPHA)
        gl.glUseProgram(self.program.id)
        gl.glUniform1f(self._opacity, opacity)
        gl.glBindVertexArray(self._vao)
        gl.glDrawArrays(gl.GL_TRIANGLES, 0, 3)
        gl.glBindVertexArray(0)
        gl.glUseProgram(0)
        gl.glDisable(gl.GL_BLEND)

    def delete(self) -> None:
        gl.glDeleteVertexArrays(1, ctypes.byref(self._vao))
        self.program.delete()
