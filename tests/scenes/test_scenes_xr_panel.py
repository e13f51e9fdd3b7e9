"""Every scene on a real OpenXR runtime (Monado's simulated HMD) with the in-headset panel: the
panel is in the submitted eye image where the world-anchored card projects, the monitor's mirror
is exactly the image submitted for the left eye, and the eye height comes from the runtime's
floor-based space (or the documented seated default).

Run by `make test-xr` (scripts/test-xr.sh) inside the Monado chroot; skipped elsewhere.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from scenes.catalog import SCENES
from tests.xr_support import Monado, run_until

pytestmark = [
    pytest.mark.xr,
    pytest.mark.skipif(
        os.environ.get("OASIS_XR_RUNTIME") != "monado" or shutil.which("monado-service") is None,
        reason="needs the Monado OpenXR runtime: run `make test-xr`",
    ),
]


@pytest.fixture(scope="module")
def monado():
    runtime = Monado()
    runtime.start()
    yield runtime
    runtime.kill()


def render_without_panel(out, eye, width: int, height: int) -> np.ndarray:
    """The same eye, same scene state, drawn offscreen without the panel."""
    from scenes.renderer import RenderTarget

    target = RenderTarget(width, height)
    try:
        target.bind()
        player = out.player
        player.renderer.draw_eye(eye, (0, 0, width, height), player.params, player.time, player.flow)
        return target.read()
    finally:
        target.delete()


def projected_pixel(eye, point, width: int, height: int) -> tuple[float, float]:
    clip = eye.projection @ eye.view @ np.array([*point, 1.0])
    ndc = clip[:3] / clip[3]
    return (ndc[0] * 0.5 + 0.5) * width, (0.5 - ndc[1] * 0.5) * height


@pytest.mark.parametrize("scene", sorted(SCENES))
def test_scene_with_panel_mirror_and_floor_height(monado, scene):
    from scenes.eye_height import PLAUSIBLE_M
    from scenes.panel_place import PanelFrame
    from scenes.panel_status import PanelStatus
    from scenes.xr_output import XrOutput

    out = XrOutput(SCENES[scene], {"pacer_visible": 0.0}, panel_language="zh-CN", render_scale=0.25)
    try:
        out.set_status(PanelStatus("放松训练", "Training", 5))
        run_until(out, lambda: out.session_state_name == "FOCUSED" and out.frames_submitted >= 3)
        out.capture_next = True
        run_until(out, lambda: bool(out.last_capture))
        left = out.last_capture[0]
        mirror = out.mirror()
        assert mirror is not None and mirror.shape == left.shape
        assert np.array_equal(mirror, left), "the mirror is not the image submitted for the left eye"

        height, width = left.shape[:2]
        eye = out.last_eyes[0]
        plain = render_without_panel(out, eye, width, height)
        changed = np.abs(left.astype(float) - plain.astype(float)).mean(axis=-1) > 6
        assert changed.mean() > 0.002, "no panel in the submitted image"
        ys, xs = np.nonzero(changed)
        x0, y0 = projected_pixel(eye, PanelFrame(out.player.eye_height).point(0.0, 0.0), width, height)
        assert abs(xs.mean() - x0) < 0.08 * width and abs(ys.mean() - y0) < 0.12 * height

        print(f"{scene}: eye height {out.player.eye_height:.2f} m from {out.eye_height_source}")
        if out.floor_space_name is not None:
            assert out.eye_height_source in (out.floor_space_name, "default")
        if out.eye_height_source != "default":
            assert PLAUSIBLE_M[0] <= out.player.eye_height <= PLAUSIBLE_M[1]
        # the eyes are lifted by it: LOCAL's origin is the head at the start, which barely moves
        assert abs(eye.position[1] - out.player.eye_height) < 0.25
    finally:
        out.close()
