"""A station that runs for months: consecutive sessions of the real kiosk controller (simulated ECG on
real LSL, isolated per test run by tests/conftest.py; the real pipeline, engine and runtime; the
headless scene in its own process; the SQLite store and the XDF recorder) leave no growth behind in
threads (the OS's, liblsl's included), file descriptors or sockets on the LSL port range (outlets,
inlets and resolvers hold those). Counts are read from /proc after each session.

The soak runs sessions with the simulated officer stopped and restarted between sessions, and
dropped for 3 s inside every fifth session: every session must find its sensors and complete, and
the counts stay flat. `make test` runs 6 of them; `make soak` (OASIS_SOAK=long) runs 50, about
10 minutes."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
from sensors.sim.faults import parse_fault
from sensors.sim.officer_state import Scenario
from sensors.sim.outlets import SimPublisher
from sensors.sim.streams import build_generators
from station.kiosk.controller import KioskController, SceneSettings
from station.kiosk.flow import FlowTimeouts, Screen
from station.kiosk.script import parse_script, run_script, run_until
from station.store import SessionStatus, SessionStore
from tests.lsl_helpers import simulated_ecg
from tests.protocol_builder import Phase, protocol_toml, write_protocol

SESSIONS = 8
WARM_UP = 2  # sessions after which every lazily made resource exists
PHASES = [
    Phase("settle", 1, feedback=False),
    Phase("baseline", 2, baseline=True),
    Phase("training", 2),
    Phase("cooldown", 1, feedback=False),
]
SESSION = ["begin", "new_code", "submit_code", "program:tiny", "stress:6", "mood:2", "rate"]


def lsl_ports() -> range:
    """The data ports of this process's LSL session (tests/conftest.py's private config)."""
    text = Path(os.environ["LSLAPICFG"]).read_text()
    fields = dict(line.split(" = ") for line in text.splitlines() if " = " in line)
    return range(int(fields["MulticastPort"]), int(fields["BasePort"]) + int(fields["PortRange"]))


def sockets_on(ports: range) -> int:
    """This process's sockets bound to one of ``ports`` (UDP and TCP, IPv4 and IPv6)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("udp", "udp6", "tcp", "tcp6"):
        for line in Path(f"/proc/self/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes and int(fields[1].rsplit(":", 1)[1], 16) in ports:
                count += 1
    return count


@pytest.fixture
def controller(tmp_path: Path) -> Iterator[KioskController]:
    protocol = write_protocol(tmp_path, protocol_toml("tiny", PHASES))
    with SessionStore(tmp_path / "sessions.db", "growth-station") as store:
        registry = SourceRegistry(StreamCatalog(buffer_seconds=30.0))
        kiosk = KioskController(
            store,
            registry,
            [protocol],
            station_id="growth-station",
            recordings_dir=tmp_path / "recordings",
            timeouts=FlowTimeouts(interaction_s=120.0, sensor_check_s=60.0, summary_s=60.0),
            language="en",
            scene=SceneSettings("lakeside", "headless", {"width": 64, "height": 36}, 10.0),
        )
        try:
            yield kiosk
        finally:
            if kiosk._runtime is not None:
                kiosk._runtime.stop_requested.set()
            run_until(kiosk, lambda: not kiosk.session_running, 60.0)
            registry.close()


def run_sessions(
    controller: KioskController, sessions: int, officer: Callable[[int], AbstractContextManager[object]]
) -> list[tuple[int, int, int]]:
    """Play ``sessions`` whole sessions, each inside ``officer(i)`` (the sensors it finds); returns
    (OS threads, file descriptors, LSL-range sockets) after each."""
    steps = parse_script(json.dumps({"steps": [{"tap": a} for a in SESSION]}))
    steps += parse_script('{"steps": [{"wait_for": "post_rating", "timeout_s": 120}]}')
    steps += parse_script(json.dumps({"steps": [{"tap": a} for a in ("stress:3", "mood:4", "rate", "done")]}))
    ports = lsl_ports()
    counts: list[tuple[int, int, int]] = []
    for i in range(sessions):
        with officer(i):
            assert run_script(controller, steps) == [], f"session {i}"
            assert run_until(controller, lambda: not controller.session_running, 60.0)
        assert controller.screen is Screen.IDLE
        counts.append(
            (len(os.listdir("/proc/self/task")), len(os.listdir("/proc/self/fd")), sockets_on(ports))
        )
    assert [o.status for o in controller.outcomes] == [SessionStatus.COMPLETED] * sessions
    print("OS threads, fds, LSL-range sockets after each session:", counts)
    return counts


def assert_flat(counts: list[tuple[int, int, int]]) -> None:
    """No lasting growth: over the last three sessions each count comes back at least once to what
    the first settled sessions reached (a transient thread or socket may come and go; a leak of even
    one per session cannot)."""
    settled, last = counts[WARM_UP - 1 : WARM_UP + 2], counts[-3:]
    for i, what in enumerate(("OS threads (liblsl's included)", "file descriptors", "LSL-range sockets")):
        assert min(c[i] for c in last) <= max(c[i] for c in settled), (what, counts)


def test_consecutive_sessions_leave_no_growth(controller: KioskController) -> None:
    with simulated_ecg("growth-test"):
        assert_flat(run_sessions(controller, SESSIONS, lambda i: contextlib.nullcontext()))


class RestartedOfficer:
    """The simulated officer's ECG started before a session and stopped after it (the same
    source_id every time); in every fifth session it drops out for 3 s."""

    def __init__(self, session: int) -> None:
        faults = [parse_fault("drop:ecg:3@8", ["ecg"])] if session % 5 == 4 else []
        generators = build_generators(["ecg"], Scenario.named("relaxing", 300.0, 6.0), session)
        self.publisher = SimPublisher(generators, "soak-officer", faults=faults)

    def __enter__(self) -> RestartedOfficer:
        self.publisher.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.publisher.stop()


SOAK_SESSIONS = 50 if os.environ.get("OASIS_SOAK") == "long" else 6


@pytest.mark.timeout(1800)
def test_sessions_with_the_sensors_restarted_leave_no_growth(controller: KioskController) -> None:
    assert_flat(run_sessions(controller, SOAK_SESSIONS, RestartedOfficer))
