"""Test-wide setup.

LSL isolation: every pytest process gets its own LSL SessionID (liblsl reads the config file named
by LSLAPICFG when it loads), so streams made by one test run — or by another program on this
machine — are invisible to another. Resolution is limited to this machine. This is set before any
test module imports pylsl; subprocesses inherit the environment.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest

_cfg_dir = Path(tempfile.mkdtemp(prefix="oasis-lsl-"))
_cfg = _cfg_dir / "lsl_api.cfg"
_cfg.write_text(
    f"[lab]\nSessionID = oasis-test-{uuid.uuid4().hex[:12]}\n\n[multicast]\nResolveScope = machine\n\n"
    "[log]\nlevel = -2\n"
)
os.environ["LSLAPICFG"] = str(_cfg)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: real recordings for tests (see its README)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data not found at {SHARED_DATA}; tests expect ../shared beside the repo")
    return SHARED_DATA
