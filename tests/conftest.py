"""Test-wide setup.

LSL isolation: every pytest process gets its own LSL SessionID and its own discovery/data port range
(liblsl reads the config file named by LSLAPICFG when it loads; see sensors/lsl/isolation.py for why
the ports matter), so streams made by one test run — or by another program on this machine — are
invisible to another, and no other process can swallow our discovery queries. Resolution is limited
to this machine. This is set before any test module imports pylsl; subprocesses inherit it.

Skip gate: a run fails when a test is skipped for a reason not in tests/allowed_skips.toml
(tests/skip_gate.py); ``--min-passed N`` also makes it fail when fewer than N tests passed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sensors.lsl.isolation import isolate_lsl
from tests import skip_gate

isolate_lsl("oasis-test")

RECORDINGS = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def recordings() -> Path:
    """tests/data: real recordings for tests (provenance and licences in its README)."""
    return RECORDINGS


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--min-passed",
        type=int,
        default=None,
        help="fail unless at least this many tests passed, and accept no skip (make test-xr)",
    )


def pytest_configure(config: pytest.Config) -> None:
    skip_gate.install(config)
