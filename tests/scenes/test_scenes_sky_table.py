"""The sky-view table (scenes/renderer.py, shaders/common.glsl): the atmosphere computed into a
small texture once for both eyes and looked up per pixel. Rendered headless on Mesa llvmpipe."""

from __future__ import annotations

import numpy as np
import pytest

from scenes.catalog import SCENES
from scenes.headless_output import HeadlessOutput

W, H = 96, 72


def render(out: HeadlessOutput, **params: float) -> np.ndarray:
    values = out.player.spec.defaults()
    values.update(params)
    out.player.jump_to(values)
    out.player.time, out.player.flow = 2.0, 3.0
    out.render()
    return out.snapshot().astype(float)


@pytest.mark.parametrize(
    ("scene", "param", "start", "end"), [("lakeside", "sun_height", 0.35, 1.0), ("night", "fog", 0.3, 0.9)]
)
def test_the_table_follows_what_the_sky_depends_on(scene, param, start, end):
    """A renderer that drew the sky at one sun height (or haze) and is then moved to another draws
    exactly what a fresh renderer draws there: the table is refilled, not left stale. And the sky
    does change between the two (the table is really used)."""
    running = HeadlessOutput(SCENES[scene], W, H)
    try:
        first = render(running, **{param: start})
        moved = render(running, **{param: end})
    finally:
        running.close()
    fresh = HeadlessOutput(SCENES[scene], W, H)
    try:
        reference = render(fresh, **{param: end})
    finally:
        fresh.close()
    assert np.abs(moved - reference).max() <= 1.0
    assert np.abs(first - moved).mean() > 3.0


def test_scenes_without_an_atmosphere_make_no_table():
    """The forest and the ink-wash scene draw their skies without the atmosphere: no table, no pass."""
    for name in ("forest", "shanshui"):
        out = HeadlessOutput(SCENES[name], 32, 24)
        try:
            assert out.player.renderer._sky is None
        finally:
            out.close()
    out = HeadlessOutput(SCENES["lakeside"], 32, 24)
    try:
        assert out.player.renderer._sky is not None
    finally:
        out.close()
