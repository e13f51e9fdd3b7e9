"""The OpenXR output end to end against a real runtime: Monado with its simulated headset.

Run by `make test-xr` (scripts/test-xr.sh), inside a Debian trixie chroot where Monado exists;
skipped elsewhere. Each test starts its own monado-service (null compositor) so that one can kill
and restart it.
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


@pytest.fixture
def monado():
    runtime = Monado()
    runtime.start()
    yield runtime
    runtime.kill()


@pytest.fixture
def output():
    from scenes.xr_output import XrOutput

    out = XrOutput(SCENES["lakeside"], render_scale=0.25)
    yield out
    out.close()


def test_session_reaches_focused_and_submits_both_eyes(monado, output):
    run_until(output, lambda: output.session_state_name == "FOCUSED" and output.frames_submitted >= 3)
    order = [s for s in output.states_seen if s in ("IDLE", "READY", "SYNCHRONIZED", "VISIBLE", "FOCUSED")]
    assert order[:5] == ["IDLE", "READY", "SYNCHRONIZED", "VISIBLE", "FOCUSED"]
    assert output.system_name
    output.capture_next = True
    run_until(output, lambda: bool(output.last_capture))
    left, right = output.last_capture
    for eye in (left, right):
        luma = eye.astype(float) @ [0.2126, 0.7152, 0.0722]
        assert 15 < luma.mean() < 220 and luma.std() > 8, "an eye was not rendered"
    assert left.shape == right.shape
    # two views, not one image twice: at render_scale 0.25 the eyes' mean difference is ~0.5 levels
    # (the lakeside is mostly far away); identical eyes give 0. Disparity itself is measured headless
    # (tests/scenes/test_scenes_render.py) and for the panel on Monado (test_scenes_xr_panel.py).
    assert np.abs(left.astype(float) - right.astype(float)).mean() > 0.15, "both eyes identical: no stereo"


def test_exit_request_ends_in_exiting(monado, output):
    run_until(output, lambda: output.session_state_name == "FOCUSED")
    output.request_exit()
    run_until(output, lambda: output.status == "exited")
    tail = output.states_seen[-3:]
    assert tail == ["STOPPING", "IDLE", "EXITING"]
    assert output.frame() is False
    assert output.instance is None and output.session is None


def test_killed_runtime_returns_to_clean_state_and_reconnects(monado, output):
    run_until(output, lambda: output.session_state_name == "FOCUSED")
    monado.kill()
    run_until(output, lambda: output.status == "connecting" and output.instance is None, timeout=60)
    assert output.session is None and output.swapchains == []
    monado.start()
    before = output.frames_submitted
    run_until(output, lambda: output.session_state_name == "FOCUSED" and output.frames_submitted > before + 2)
