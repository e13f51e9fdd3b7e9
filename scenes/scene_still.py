"""A scene's still: the picture the kiosk's program cards and attract screen show.

The still is the scene at its calm default parameters (breathing guide hidden) at a fixed scene
time, rendered headless. ``still_version`` names the renderer and shader code that made it, so a
cache keyed by it is refreshed when a scene's art changes.
"""

from __future__ import annotations

import hashlib
from importlib import resources

import numpy as np

from scenes.catalog import SceneSpec
from scenes.params import SceneParams

STILL_TIME_S = 12.0  # scene seconds: waves, clouds and motes are where they are after 12 s at rest
STILL_PARAMS: SceneParams = {"pacer_visible": 0.0}  # a picture, not a breathing exercise


def still_params(spec: SceneSpec) -> SceneParams:
    """The scene's defaults with the breathing guide hidden."""
    return {**spec.defaults(), **spec.clamp(STILL_PARAMS)}


def still_version(spec: SceneSpec) -> str:
    """A short hash of everything that decides the still: shaders, parameters and scene time."""
    renderer = (resources.files("scenes") / "renderer.py").read_text()  # read, not imported: no GL
    parts = [
        spec.fragment_source(),
        renderer,
        repr(sorted(still_params(spec).items())),
        str(STILL_TIME_S),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def render_still(spec: SceneSpec, width: int, height: int, scene_time_s: float = STILL_TIME_S) -> np.ndarray:
    """The scene's still as an (height, width, 3) uint8 array, top row first (headless EGL)."""
    from scenes.headless_output import HeadlessOutput  # creates the EGL context before pyglet.gl

    params = still_params(spec)
    out = HeadlessOutput(spec, width, height, params=params)
    from scenes.player import flow_speed

    try:
        out.player.jump_to(params)
        out.player.time = scene_time_s
        out.player.flow = scene_time_s * flow_speed(out.player.params)
        out.render()
        return out.snapshot()
    finally:
        out.close()
