"""The XR output's lifecycle without a runtime (plain `make test`): the state table, and a machine
with no OpenXR runtime leaves the output waiting in a clean state instead of failing."""

from __future__ import annotations

import os

import pytest

from scenes.catalog import SCENES
from scenes.xr_output import LIFECYCLE_ACTIONS, Status, XrOutput, lifecycle_action


def test_every_session_state_has_an_action():
    import xr

    names = {s.name for s in xr.SessionState if s.name not in ("UNKNOWN", "MAX_ENUM")}
    assert names <= set(LIFECYCLE_ACTIONS)
    assert lifecycle_action("READY") == "begin_session"
    assert lifecycle_action("STOPPING") == "end_session"
    assert lifecycle_action("EXITING") == "destroy"
    assert lifecycle_action("LOSS_PENDING") == "destroy_and_reconnect"
    assert lifecycle_action("SOMETHING_NEW") == "wait"


@pytest.mark.skipif(bool(os.environ.get("XR_RUNTIME_JSON")), reason="an OpenXR runtime is configured here")
def test_no_runtime_leaves_a_clean_waiting_output(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))  # no active_runtime.json to find
    out = XrOutput(SCENES["night"], render_scale=0.25)
    try:
        for _ in range(3):
            assert out.frame() is True
        assert out.status == Status.CONNECTING
        assert out.instance is None and out.session is None
        out.request_exit()
        assert out.frame() is False
    finally:
        out.close()
