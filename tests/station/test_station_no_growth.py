"""A station that runs for months: consecutive sessions of the real kiosk controller (simulated ECG on
real LSL, isolated per test run by tests/conftest.py; the real pipeline, engine and runtime; the
headless scene in its own process; the SQLite store and the XDF recorder) leave no growth behind in
threads (the OS's, liblsl's included), file descriptors, sockets on the LSL port range (outlets,
inlets and resolvers hold those), open inlets or LSL outlets on the network. Counts are read after
each session (tests/station_growth.py).

The soak runs sessions with the simulated officer stopped and restarted between sessions, and
dropped for 3 s inside every fifth session: every session must find its sensors and complete, and
the counts stay flat. `make test` runs 6 of them; `make soak` (OASIS_SOAK=long) runs 50, about
10 minutes. tests/station/test_station_default_lsl_soak.py does the same under liblsl's default
configuration."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from station.kiosk.controller import KioskController
from tests.lsl_helpers import simulated_ecg
from tests.station_growth import (
    Counts,
    RestartedOfficer,
    assert_flat,
    growth_controller,
    growth_per_session,
    run_sessions,
)

SESSIONS = 8
SOAK_SESSIONS = 50 if os.environ.get("OASIS_SOAK") == "long" else 6


@pytest.fixture
def controller(tmp_path: Path) -> Iterator[KioskController]:
    with growth_controller(tmp_path) as kiosk:
        yield kiosk


def test_consecutive_sessions_leave_no_growth(controller: KioskController) -> None:
    with simulated_ecg("growth-test"):
        assert_flat(run_sessions(controller, SESSIONS, lambda i: contextlib.nullcontext()))


@pytest.mark.timeout(1800)
def test_sessions_with_the_sensors_restarted_leave_no_growth(controller: KioskController) -> None:
    assert_flat(run_sessions(controller, SOAK_SESSIONS, RestartedOfficer))


def test_growth_per_session_ignores_transients_and_shows_a_leak() -> None:
    def counts(fds: list[int]) -> list[Counts]:
        return [Counts(threads=5, fds=n, lsl_sockets=8, rss_kib=1, inlets=0, outlets=0) for n in fds]

    alternating = counts([30, 27, 29, 27, 29, 27, 29, 27])  # a socket that comes and goes
    assert growth_per_session(alternating, "fds") == 0
    assert growth_per_session(counts([30, 27, 28, 29, 30, 31, 32, 33]), "fds") == 1  # one leaked each time
    assert growth_per_session(alternating, "threads") == 0
