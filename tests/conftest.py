"""Test-wide setup.

LSL isolation: every pytest process gets its own LSL SessionID and its own discovery/data port range
(liblsl reads the config file named by LSLAPICFG when it loads; see sensors/lsl/isolation.py for why
the ports matter), so streams made by one test run — or by another program on this machine — are
invisible to another, and no other process can swallow our discovery queries. Resolution is limited
to this machine. This is set before any test module imports pylsl; subprocesses inherit it.
Parallel workers (pytest-xdist, `make test`) take distinct port ranges from one base per run, and
each reserves a second range for the private sessions its subprocesses start (`oasis demo`), so no
two LSL sessions of one test run ever share discovery ports.

Skip gate: a run fails when a test is skipped for a reason not in tests/allowed_skips.toml
(tests/skip_gate.py); ``--min-passed N`` also makes it fail when fewer than N tests passed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from sensors.lsl.isolation import SLOT_VARIABLE, SLOTS, isolate_lsl
from tests import skip_gate


def _lsl_slots() -> tuple[int, int]:
    """This process's LSL port-range slot and the one reserved for its subprocesses' sessions."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or os.urandom(8).hex()
    base = int(hashlib.sha256(run.encode()).hexdigest(), 16) % SLOTS
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    return base + 2 * worker, base + 2 * worker + 1


_own_slot, _child_slot = _lsl_slots()
isolate_lsl("oasis-test", _own_slot)
os.environ[SLOT_VARIABLE] = str(_child_slot % SLOTS)

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
