"""Headless OpenGL: an EGL pbuffer context through pyglet (Mesa llvmpipe when there is no GPU).

Call ``create_context()`` before importing anything that imports ``pyglet.gl``' platform parts
(pyglet reads ``options['headless']`` when its window module is first imported).
"""

from __future__ import annotations

import functools

import pyglet


@functools.cache
def create_context():
    """Create (once per process) and make current a headless GL context; returns pyglet's hidden
    headless window, which owns the context (``window.context``)."""
    pyglet.options["headless"] = True
    pyglet.options["shadow_window"] = False
    from pyglet.window import Window

    return Window(width=16, height=16, visible=False)
