"""Test-wide setup.

LSL isolation: every pytest process gets its own LSL SessionID and its own discovery/data port range
(liblsl reads the config file named by LSLAPICFG when it loads; see sensors/lsl/isolation.py for why
the ports matter), so streams made by one test run — or by another program on this machine — are
invisible to another, and no other process can swallow our discovery queries. Resolution is limited
to this machine. This is set before any test module imports pylsl; subprocesses inherit it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sensors.lsl.isolation import isolate_lsl

isolate_lsl("oasis-test")

RECORDINGS = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def recordings() -> Path:
    """tests/data: real recordings for tests (provenance and licences in its README)."""
    return RECORDINGS
