"""A copy of the image submitted for one eye, for the kiosk monitor.

After the XR output renders the left eye into its swapchain image, ``copy_from`` blits that image
(GPU to GPU, same size, no filtering) into a texture of the same format that the output keeps; the
monitor is then shown exactly what went to the headset rather than a second render from another
pose. Reading it back to the CPU (``read``) is done only when someone asks for it.
"""

from __future__ import annotations

import numpy as np
from pyglet import gl

from scenes.renderer import RenderTarget


class EyeMirror(RenderTarget):
    """A render target the size and format of an eye's swapchain images, filled by ``copy_from``."""

    def __init__(self, width: int, height: int, internal_format: int):
        super().__init__(width, height, internal_format)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
        self.copies = 0

    def copy_from(self, source_fbo: int) -> None:
        """Copy the colour buffer of ``source_fbo`` (the eye just rendered) into the mirror."""
        gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, source_fbo)
        gl.glBindFramebuffer(gl.GL_DRAW_FRAMEBUFFER, self.fbo)
        w, h = self.width, self.height
        gl.glBlitFramebuffer(0, 0, w, h, 0, 0, w, h, gl.GL_COLOR_BUFFER_BIT, gl.GL_NEAREST)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
        self.copies += 1

    def read(self) -> np.ndarray:
        """The mirrored image as (height, width, 3) uint8, top row first."""
        image = super().read()
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
        return image
