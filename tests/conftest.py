"""Test-wide setup.

LSL isolation: every pytest process gets its own LSL SessionID and its own discovery/data port range
(liblsl reads the config file named by LSLAPICFG when it loads; see station/lsl_session.py for why
the ports matter), so streams made by one test run — or by another program on this machine — are
invisible to another, and no other process can swallow our discovery queries. Resolution is limited
to this machine. This is set before any test module imports pylsl; subprocesses inherit it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from station.lsl_session import isolate_lsl

isolate_lsl("oasis-test")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: real recordings for tests (see its README)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data not found at {SHARED_DATA}; tests expect ../shared beside the repo")
    return SHARED_DATA
