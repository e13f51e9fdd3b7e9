"""OpenGL drawing of one scene for one eye, and an offscreen render target.

Needs a current OpenGL 3.3+ core context (pyglet window, headless EGL, or the XR output's).
"""

from __future__ import annotations

import ctypes

import numpy as np
from pyglet import gl
from pyglet.graphics.shader import Shader, ShaderProgram

from scenes.camera import EyeView
from scenes.catalog import SceneSpec
from scenes.params import SceneParams

FULLSCREEN_VERTEX = """#version 330 core
void main() {
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
"""

# Shader uniform for each shared parameter the GLSL header declares.
_PARAM_UNIFORMS = ("calm", "light", "warmth", "fog", "motion", "particles", "pacer_phase", "pacer_visible")
_FRAME_UNIFORMS = ("inv_view_proj", "eye", "viewport", "time", "flow", "extra", "sky_lut", "sky_lut_pass")
# The sky-view table (shaders/common.glsl, SKY_LUT_SIZE): azimuth × elevation texels.
SKY_LUT_SIZE = (64, 48)


class SceneRenderer:
    """Compiles a scene's shaders and draws it for any eye (view and projection)."""

    def __init__(self, spec: SceneSpec):
        self.spec = spec
        self.program = ShaderProgram(
            Shader(FULLSCREEN_VERTEX, "vertex"), Shader(spec.fragment_source(), "fragment")
        )
        pid = self.program.id
        self._loc = {
            name: gl.glGetUniformLocation(pid, f"u_{name}".encode())
            for name in (*_FRAME_UNIFORMS, *_PARAM_UNIFORMS)
        }
        self._params = [(name, self._loc[name]) for name in _PARAM_UNIFORMS]
        self._matrix = (gl.GLfloat * 16)()
        vao = gl.GLuint()
        gl.glGenVertexArrays(1, ctypes.byref(vao))
        self._vao = vao
        # scenes that light their sky with the atmosphere read it from a table (else the location is -1)
        self._sky = SkyTable() if self._loc["sky_lut"] != -1 else None
        self._sky_key: tuple[float, float] | None = None

    def draw_eye(
        self, eye: EyeView, viewport: tuple[int, int, int, int], params: SceneParams, time: float, flow: float
    ) -> None:
        """Draw the scene into the bound framebuffer's ``viewport`` (x, y, width, height)."""
        inv = np.linalg.inv(eye.projection @ eye.view).astype(np.float32)
        ctypes.memmove(self._matrix, inv.ctypes.data, 64)
        x, y, w, h = viewport
        gl.glViewport(x, y, w, h)
        gl.glDisable(gl.GL_DEPTH_TEST)
        gl.glDisable(gl.GL_BLEND)
        gl.glUseProgram(self.program.id)
        loc = self._loc
        gl.glUniformMatrix4fv(loc["inv_view_proj"], 1, gl.GL_TRUE, self._matrix)
        px, py, pz = (float(v) for v in eye.position)
        gl.glUniform3f(loc["eye"], px, py, pz)
        gl.glUniform4f(loc["viewport"], float(x), float(y), float(w), float(h))
        gl.glUniform1f(loc["time"], time)
        gl.glUniform1f(loc["flow"], flow)
        gl.glUniform1f(loc["extra"], params[self.spec.extra])
        for name, location in self._params:
            gl.glUniform1f(location, params[name])
        gl.glBindVertexArray(self._vao)
        if self._sky is not None:
            self._update_sky(params)
            gl.glViewport(x, y, w, h)
            gl.glActiveTexture(gl.GL_TEXTURE0)
            gl.glBindTexture(gl.GL_TEXTURE_2D, self._sky.texture)
            gl.glUniform1i(loc["sky_lut"], 0)
        gl.glDrawArrays(gl.GL_TRIANGLES, 0, 3)
        gl.glBindVertexArray(0)
        gl.glUseProgram(0)

    def _update_sky(self, params: SceneParams) -> None:
        """Refill the sky-view table when what the sky depends on (the scene's own parameter: sun
        height; the haze) has changed since it was filled: once for both eyes, and not at all while
        they hold still. The program, its uniforms and the vertex array must be bound."""
        key = (params[self.spec.extra], params["fog"])
        if key == self._sky_key or self._sky is None:
            return
        self._sky_key = key
        draw, read = gl.GLint(), gl.GLint()
        gl.glGetIntegerv(gl.GL_DRAW_FRAMEBUFFER_BINDING, ctypes.byref(draw))
        gl.glGetIntegerv(gl.GL_READ_FRAMEBUFFER_BINDING, ctypes.byref(read))
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self._sky.fbo)
        gl.glViewport(0, 0, *SKY_LUT_SIZE)
        gl.glUniform1i(self._loc["sky_lut_pass"], 1)
        gl.glDrawArrays(gl.GL_TRIANGLES, 0, 3)
        gl.glUniform1i(self._loc["sky_lut_pass"], 0)
        gl.glBindFramebuffer(gl.GL_DRAW_FRAMEBUFFER, draw.value)
        gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, read.value)

    def delete(self) -> None:
        """Free the GL objects (the context must be current)."""
        gl.glDeleteVertexArrays(1, ctypes.byref(self._vao))
        if self._sky is not None:
            self._sky.delete()
        self.program.delete()


class SkyTable:
    """The sky-view table: an RGBA16F texture of SKY_LUT_SIZE with its framebuffer, linearly
    filtered and clamped at the edges (the horizon row serves below the horizon)."""

    def __init__(self) -> None:
        tex = gl.GLuint()
        gl.glGenTextures(1, ctypes.byref(tex))
        gl.glBindTexture(gl.GL_TEXTURE_2D, tex)
        width, height = SKY_LUT_SIZE
        fmt = (gl.GL_RGBA, gl.GL_HALF_FLOAT)
        gl.glTexImage2D(gl.GL_TEXTURE_2D, 0, gl.GL_RGBA16F, width, height, 0, *fmt, None)
        for pname, value in (
            (gl.GL_TEXTURE_MIN_FILTER, gl.GL_LINEAR),
            (gl.GL_TEXTURE_MAG_FILTER, gl.GL_LINEAR),
            (gl.GL_TEXTURE_WRAP_S, gl.GL_CLAMP_TO_EDGE),
            (gl.GL_TEXTURE_WRAP_T, gl.GL_CLAMP_TO_EDGE),
        ):
            gl.glTexParameteri(gl.GL_TEXTURE_2D, pname, value)
        gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
        self.texture = tex
        draw = gl.GLint()
        gl.glGetIntegerv(gl.GL_DRAW_FRAMEBUFFER_BINDING, ctypes.byref(draw))
        fbo = gl.GLuint()
        gl.glGenFramebuffers(1, ctypes.byref(fbo))
        self.fbo = fbo
        attach_colour(fbo.value, tex.value)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, draw.value)

    def delete(self) -> None:
        gl.glDeleteFramebuffers(1, ctypes.byref(self.fbo))
        gl.glDeleteTextures(1, ctypes.byref(self.texture))


class RenderTarget:
    """An offscreen framebuffer with a colour texture (RGBA8 unless another format is named)."""

    def __init__(self, width: int, height: int, internal_format: int = gl.GL_RGBA8):
        self.width, self.height = width, height
        tex = gl.GLuint()
        gl.glGenTextures(1, ctypes.byref(tex))
        gl.glBindTexture(gl.GL_TEXTURE_2D, tex)
        gl.glTexStorage2D(gl.GL_TEXTURE_2D, 1, internal_format, width, height)
        gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_MIN_FILTER, gl.GL_LINEAR)
        gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_MAG_FILTER, gl.GL_LINEAR)
        gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
        self.texture = tex
        fbo = gl.GLuint()
        gl.glGenFramebuffers(1, ctypes.byref(fbo))
        self.fbo = fbo
        attach_colour(fbo.value, tex.value)

    def bind(self) -> None:
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self.fbo)

    def read(self) -> np.ndarray:
        """The pixels as an (height, width, 3) uint8 array, top row first."""
        return read_rgb(self.fbo.value, self.width, self.height)

    def delete(self) -> None:
        gl.glDeleteFramebuffers(1, ctypes.byref(self.fbo))
        gl.glDeleteTextures(1, ctypes.byref(self.texture))


def attach_colour(fbo: int, texture: int) -> None:
    """Attach ``texture`` as the colour buffer of ``fbo`` and check it is complete."""
    gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, fbo)
    gl.glFramebufferTexture2D(gl.GL_FRAMEBUFFER, gl.GL_COLOR_ATTACHMENT0, gl.GL_TEXTURE_2D, texture, 0)
    status = gl.glCheckFramebufferStatus(gl.GL_FRAMEBUFFER)
    if status != gl.GL_FRAMEBUFFER_COMPLETE:
        raise RuntimeError(f"framebuffer incomplete: 0x{status:x}")


def read_rgb(fbo: int, width: int, height: int) -> np.ndarray:
    """Read the colour buffer of ``fbo`` with glReadPixels (top row first)."""
    gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, fbo)
    buf = (gl.GLubyte * (width * height * 4))()
    gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 1)
    gl.glReadPixels(0, 0, width, height, gl.GL_RGBA, gl.GL_UNSIGNED_BYTE, buf)
    pixels = np.ctypeslib.as_array(buf).reshape(height, width, 4)
    return np.ascontiguousarray(pixels[::-1, :, :3])
