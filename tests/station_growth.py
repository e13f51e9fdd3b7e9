"""Consecutive kiosk sessions and the process counts read after each: the no-growth tests, the soak
under liblsl's default configuration and `make bench`'s growth rows share these.

The real kiosk controller (simulated ECG on real LSL; the real pipeline, engine and runtime; the
headless scene in its own process; the SQLite store and the XDF recorder) plays whole sessions; after
each one this process's OS threads (liblsl's included), file descriptors, sockets bound to the LSL
ports, resident memory, open LSL inlets and the LSL outlets visible on the network are read from
/proc and liblsl.

Run as ``python -m tests.station_growth SESSIONS OUT.json`` it plays SESSIONS sessions with the
simulated officer restarted between them, under whatever LSL configuration the process has (no
LSLAPICFG: liblsl's defaults), and writes the counts, the ports held and the outcomes to OUT.json;
tests/station/test_station_default_lsl_soak.py runs it in a private network namespace.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
from sensors.sim.faults import parse_fault
from sensors.sim.officer_state import Scenario
from sensors.sim.outlets import SimPublisher
from sensors.sim.streams import build_generators
from station.kiosk.controller import KioskController, SceneSettings
from station.kiosk.flow import FlowTimeouts, Screen
from station.kiosk.script import Step, parse_script, run_script, run_until
from station.store import SessionStatus, SessionStore
from tests.protocol_builder import Phase, protocol_toml, write_protocol

WARM_UP = 2  # sessions after which every lazily made resource exists
PHASES = [
    Phase("settle", 1, feedback=False),
    Phase("baseline", 2, baseline=True),
    Phase("training", 2),
    Phase("cooldown", 1, feedback=False),
]
SESSION = ["begin", "new_code", "submit_code", "program:tiny", "stress:6", "mood:2", "rate"]
# liblsl's built-in [ports]: MulticastPort 16571, BasePort 16572, PortRange 32
DEFAULT_PORTS = range(16571, 16572 + 32)
FLAT = ("threads", "fds", "lsl_sockets", "inlets", "outlets")  # counts that must come back exactly


@dataclass(frozen=True)
class Counts:
    """What one process holds after a session."""

    threads: int  # OS threads, liblsl's included
    fds: int
    lsl_sockets: int  # UDP/TCP sockets bound to a port of the LSL range
    rss_kib: int
    inlets: int  # open inlets of the station's stream catalog
    outlets: int  # LSL outlets anyone on the network still offers


def lsl_ports() -> range:
    """The LSL ports of this process's configuration: LSLAPICFG's [ports], else liblsl's defaults."""
    path = os.environ.get("LSLAPICFG")
    if not path:
        return DEFAULT_PORTS
    fields = dict(line.split(" = ") for line in Path(path).read_text().splitlines() if " = " in line)
    return range(int(fields["MulticastPort"]), int(fields["BasePort"]) + int(fields["PortRange"]))


def _socket_inodes() -> set[str]:
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def bound_ports(ports: range) -> list[str]:
    """This process's sockets bound to one of ``ports``, as "udp:16572", "tcp6:16573" ... (sorted)."""
    inodes = _socket_inodes()
    held = []
    for table in ("udp", "udp6", "tcp", "tcp6"):
        for line in Path(f"/proc/self/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            port = int(fields[1].rsplit(":", 1)[1], 16)
            if fields[9] in inodes and port in ports:
                held.append(f"{table}:{port}")
    return sorted(held)


def sockets_on(ports: range) -> int:
    """This process's sockets bound to one of ``ports`` (UDP and TCP, IPv4 and IPv6)."""
    return len(bound_ports(ports))


def rss_kib() -> int:
    """This process's resident memory (VmRSS), KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def visible_outlets() -> int:
    """LSL outlets that answer a resolve now (this process's, the officer's, anyone's)."""
    import pylsl

    return len(pylsl.resolve_streams(wait_time=1.0))


SAMPLES, SAMPLE_GAP_S = 6, 0.3


def read_counts(controller: KioskController, ports: range) -> Counts:
    """The counts after a session. Threads, fds and LSL sockets are the lowest of a few samples
    over 1.5 s: a continuous resolver's waves each hold an IPv4/IPv6 socket pair on the LSL ports
    for a moment (4-10 ports by turns), which a single look can catch several sessions running;
    what leaks is in every sample."""
    samples = []
    for i in range(SAMPLES):
        if i:
            time.sleep(SAMPLE_GAP_S)
        samples.append(
            (len(os.listdir("/proc/self/task")), len(os.listdir("/proc/self/fd")), sockets_on(ports))
        )
    threads, fds, lsl_sockets = (min(column) for column in zip(*samples, strict=True))
    return Counts(
        threads=threads,
        fds=fds,
        lsl_sockets=lsl_sockets,
        rss_kib=rss_kib(),
        inlets=len(controller.registry.catalog.inlets),
        outlets=visible_outlets(),
    )


@contextmanager
def growth_controller(directory: Path) -> Iterator[KioskController]:
    """A kiosk controller offering the 6-second "tiny" program, with its store and recordings in
    ``directory``; a running session is stopped and the LSL registry closed afterwards."""
    protocol = write_protocol(directory, protocol_toml("tiny", PHASES))
    with SessionStore(directory / "sessions.db", "growth-station") as store:
        registry = SourceRegistry(StreamCatalog(buffer_seconds=30.0))
        kiosk = KioskController(
            store,
            registry,
            [protocol],
            station_id="growth-station",
            recordings_dir=directory / "recordings",
            timeouts=FlowTimeouts(interaction_s=120.0, sensor_check_s=60.0, summary_s=60.0),
            language="en",
            scene=SceneSettings("lakeside", "headless", {"width": 64, "height": 36}, 10.0),
        )
        try:
            yield kiosk
        finally:
            kiosk.shutdown("the growth run is over")
            registry.close()


def session_steps() -> list[Step]:
    """One officer's whole session: check-in, ratings before, the program, ratings after, done."""
    steps = parse_script(json.dumps({"steps": [{"tap": a} for a in SESSION]}))
    steps += parse_script('{"steps": [{"wait_for": "post_rating", "timeout_s": 120}]}')
    steps += parse_script(json.dumps({"steps": [{"tap": a} for a in ("stress:3", "mood:4", "rate", "done")]}))
    return steps


def run_sessions(
    controller: KioskController,
    sessions: int,
    officer: Callable[[int], AbstractContextManager[object]],
    on_session: Callable[[int], None] = lambda i: None,
) -> list[Counts]:
    """Play ``sessions`` whole sessions, each inside ``officer(i)`` (the sensors it finds); every one
    must complete. Returns the counts read after each (``on_session(i)`` runs just before)."""
    steps, ports = session_steps(), lsl_ports()
    counts: list[Counts] = []
    for i in range(sessions):
        with officer(i):
            assert run_script(controller, steps) == [], f"session {i}"
            assert run_until(controller, lambda: not controller.session_running, 60.0)
        assert controller.screen is Screen.IDLE
        # the kiosk keeps only its latest outcomes: each session is checked as it ends
        assert controller.sessions_finished == i + 1, f"session {i} stored no outcome"
        assert controller.outcomes[-1].status is SessionStatus.COMPLETED, f"session {i}"
        on_session(i)
        counts.append(read_counts(controller, ports))
    print("counts after each session:", [tuple(asdict(c).values()) for c in counts])
    return counts


def assert_flat(counts: list[Counts]) -> None:
    """No lasting growth: over the last three sessions each count comes back at least once to what
    the first settled sessions reached (a transient thread or socket may come and go; a leak of even
    one per session cannot)."""
    settled, last = counts[WARM_UP - 1 : WARM_UP + 2], counts[-3:]
    for what in FLAT:
        low = min(getattr(c, what) for c in last)
        assert low <= max(getattr(c, what) for c in settled), (what, [getattr(c, what) for c in counts])


def growth_per_session(counts: list[Counts], what: str) -> float:
    """Lasting growth of ``what`` per session after the warm-up: the lowest value over the last half
    of the settled sessions minus the lowest over the first half, divided by the sessions between
    the halves' middles. Transients (a socket or thread that comes and goes, so that counts
    alternate) do not count; a leak of one per session shows as 1."""
    settled = [getattr(c, what) for c in counts[WARM_UP:]]
    half = len(settled) // 2
    if half < 1:
        raise ValueError("need at least two settled sessions")
    first, last = settled[:half], settled[-half:]
    return (min(last) - min(first)) / (len(settled) - half)


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


class PortPeak:
    """Samples the UDP data ports of the LSL range (the scarce ones: outlets and resolvers take
    them; the discovery port is shared) this process holds every 0.2 s on a thread, keeping the
    largest set seen: what a session holds at its busiest."""

    def __init__(self, ports: range) -> None:
        self.ports, self.peak = range(ports.start + 1, ports.stop), list[str]()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="port-peak", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            held = [entry for entry in bound_ports(self.ports) if entry.startswith("udp")]
            if len(held) > len(self.peak):
                self.peak = held

    def __enter__(self) -> PortPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def soak(sessions: int, directory: Path) -> dict[str, object]:
    """Play ``sessions`` sessions with the officer restarted between them; the counts after each,
    the LSL-range ports held after each and at the busiest moment, and every outcome's status and
    usable fraction."""
    ports, ports_held, outcomes = lsl_ports(), list[list[str]](), list[tuple[str, float]]()
    with growth_controller(directory) as controller, PortPeak(ports) as peak:

        def after(i: int) -> None:
            ports_held.append(bound_ports(ports))
            outcomes.append((controller.outcomes[-1].status.value, controller.outcomes[-1].usable_fraction))

        counts = run_sessions(controller, sessions, RestartedOfficer, after)
    return {
        "lsl_ports": [ports.start, ports.stop],
        "counts": [asdict(c) for c in counts],
        "ports_held": ports_held,
        "peak_ports_held": peak.peak,
        "outcomes": outcomes,
    }


# a network namespace of its own, with loopback up and multicast routed over it, as on a room's LAN
NAMESPACE_SETUP = "ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo"


def in_private_network(
    module: str, args: list[str], directory: Path, timeout_s: float, lsl_config: Path | None = None
) -> dict:
    """Run ``python -m module *args OUT.json`` in a new network namespace (``unshare --net``; with
    ``--map-root-user`` when not root) and return the JSON it wrote to OUT.json. liblsl there reads
    ``lsl_config`` if given, else nothing: no LSLAPICFG, and a HOME and working directory
    (``directory``) without an lsl_api.cfg, so its built-in defaults apply. The child's output is
    kept in ``directory``/MODULE.log."""
    repo = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k != "LSLAPICFG"}
    env.update(HOME=str(directory), PYTHONPATH=str(repo))
    if lsl_config is not None:
        env["LSLAPICFG"] = str(lsl_config)
    out, log = directory / f"{module}.json", directory / f"{module}.log"
    unshare = ["unshare", "--net"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
    command = shlex.join([sys.executable, "-m", module, *args, str(out)])
    with log.open("w") as output:
        done = subprocess.run(
            [*unshare, "--", "sh", "-c", f"{NAMESPACE_SETUP} && exec {command}"],
            cwd=directory,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=timeout_s,
        )
    if done.returncode != 0:
        raise RuntimeError(f"{module} failed ({done.returncode}):\n" + log.read_text()[-4000:])
    return json.loads(out.read_text())


def soak_in_private_network(sessions: int, directory: Path, timeout_s: float) -> dict:
    """:func:`soak` in a child process in a network namespace of its own, under liblsl's default
    configuration (:func:`in_private_network`)."""
    return in_private_network("tests.station_growth", [str(sessions)], directory, timeout_s)


def main(argv: list[str]) -> int:
    from station.malloc_arenas import limit_malloc_arenas

    limit_malloc_arenas()  # as `oasis station run` does
    sessions, out = int(argv[0]), Path(argv[1])
    with tempfile.TemporaryDirectory(prefix="oasis-growth-") as tmp:
        out.write_text(json.dumps(soak(sessions, Path(tmp)), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
