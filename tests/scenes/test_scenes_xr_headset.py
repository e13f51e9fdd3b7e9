"""Headset on/off from a real OpenXR runtime: Monado's simulated HMD, through the scene's child
process exactly as the station runs it (``SceneProcess(..., "xr")`` and its shared headset value).

Run by `make test-xr` (scripts/test-xr.sh) inside the Monado chroot; skipped elsewhere. Monado's
simulated HMD has no presence sensor (no XR_EXT_user_presence), so "worn" follows the session
state: worn once FOCUSED; not worn when the runtime dies; worn again after it restarts.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest

from station.session.scene_process import SceneProcess
from tests.xr_support import Monado, run_until

pytestmark = [
    pytest.mark.xr,
    pytest.mark.skipif(
        os.environ.get("OASIS_XR_RUNTIME") != "monado" or shutil.which("monado-service") is None,
        reason="needs the Monado OpenXR runtime: run `make test-xr`",
    ),
]


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_scene_process_reports_the_headset_worn_from_the_xr_session() -> None:
    monado = Monado()
    scene = SceneProcess("lakeside", "xr", {"render_scale": 0.25}, pace_fps=None)
    try:
        assert scene.headset_worn is None  # nothing reported before the child runs
        scene.start()
        assert wait_for(lambda: scene.headset_worn is False, 60.0), "no runtime: not worn"
        monado.start()
        assert wait_for(lambda: scene.headset_worn is True, 120.0), "not worn once the session runs"
        assert scene.frames.value > 0
        monado.kill()
        assert wait_for(lambda: scene.headset_worn is False, 60.0), "still worn after the runtime died"
        monado.start()
        assert wait_for(lambda: scene.headset_worn is True, 120.0), "not worn after the runtime returned"
    finally:
        stats = scene.stop(timeout=30.0)
        monado.kill()
    assert stats["frames"] > 0
    assert scene.headset_worn is None  # the child has ended: unknown


def test_worn_follows_every_session_state_through_start_and_exit() -> None:
    from scenes.catalog import SCENES
    from scenes.xr_output import XrOutput

    seen: list[tuple[str, bool]] = []

    class Recorded(XrOutput):
        """Notes ``headset_worn`` right after each state change (several can arrive in one frame)."""

        def _on_state(self, name: str) -> None:
            super()._on_state(name)
            seen.append((name, self.headset_worn))

    monado = Monado()
    monado.start()
    out = Recorded(SCENES["lakeside"], render_scale=0.25)
    try:
        run_until(out, lambda: out.session_state_name == "FOCUSED")
        assert out.headset_worn is True
        out.request_exit()
        run_until(out, lambda: out.status == "exited")
        assert out.headset_worn is False
    finally:
        out.close()
        monado.kill()
    states = [s for s, _ in seen]
    assert states[:5] == ["IDLE", "READY", "SYNCHRONIZED", "VISIBLE", "FOCUSED"], states
    assert states[-3:] == ["STOPPING", "IDLE", "EXITING"], states
    assert all(worn is (state in ("VISIBLE", "FOCUSED")) for state, worn in seen), seen
