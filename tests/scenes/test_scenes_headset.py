"""Headset presence without a headset (plain `make test`): the rule the XR output applies, and the
outputs and the scene process that cannot tell reporting None (unknown)."""

from __future__ import annotations

import os
import time

import pytest

from scenes.catalog import SCENES
from scenes.headless_output import HeadlessOutput
from scenes.xr_output import LIFECYCLE_ACTIONS, WORN_STATES, Status, XrOutput, worn
from station.session.scene_process import HEADSET_OFF, HEADSET_ON, HEADSET_UNKNOWN, SceneProcess, headset_code


def test_worn_only_while_the_session_is_shown_to_a_present_user() -> None:
    for state in LIFECYCLE_ACTIONS:
        assert worn(Status.SESSION, state, None) is (state in ("VISIBLE", "FOCUSED"))
    assert WORN_STATES == ("VISIBLE", "FOCUSED")
    assert worn(Status.SESSION, "FOCUSED", True)
    assert not worn(Status.SESSION, "FOCUSED", False)  # XR_EXT_user_presence: nobody in the headset
    assert not worn(Status.SESSION, "IDLE", True)
    for status in (Status.CONNECTING, Status.NO_HEADSET, Status.EXITED):
        assert not worn(status, "FOCUSED", None)


def test_shared_codes() -> None:
    assert [headset_code(v) for v in (None, False, True)] == [HEADSET_UNKNOWN, HEADSET_OFF, HEADSET_ON]


def test_headless_output_cannot_tell() -> None:
    out = HeadlessOutput(SCENES["night"], width=32, height=24)
    try:
        out.frame()
        assert out.headset_worn is None
    finally:
        out.close()


@pytest.mark.skipif(bool(os.environ.get("XR_RUNTIME_JSON")), reason="an OpenXR runtime is configured here")
def test_xr_output_without_a_runtime_reports_not_worn(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))  # no active_runtime.json to find
    out = XrOutput(SCENES["night"], render_scale=0.25)
    try:
        out.frame()
        assert out.status == Status.CONNECTING and out.headset_worn is False
    finally:
        out.close()


def test_a_headless_scene_process_reports_unknown() -> None:
    scene = SceneProcess("night", "headless", {"width": 32, "height": 24}, pace_fps=20.0).start()
    try:
        deadline = time.monotonic() + 60.0
        while scene.frames.value < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert scene.frames.value >= 3
        assert scene.headset_worn is None
    finally:
        scene.stop()
