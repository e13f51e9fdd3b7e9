"""The kiosk under systemd's watchdog: `oasis station run` speaks the notify protocol to a real unix
datagram socket standing in for systemd's $NOTIFY_SOCKET (an abstract name and a path). READY=1 once
the kiosk is up, STATUS= lines without officer data, WATCHDOG=1 from the kiosk's main loop, STOPPING=1
on the stop signal; a main loop made to hang (the real headless loop and the real controller, a
poll hook blocked) stops pinging, and pings again when it moves on. Counts of datagrams and loop
passes are asserted, never durations."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from station.commands.station_run import attach_watchdog, serve_headless
from station.systemd_notify import Notifier, socket_address
from tests.cli_support import STATION_RUN, no_display_env
from tests.station_growth import growth_controller

REPO = Path(__file__).resolve().parents[2]
WATCHDOG_USEC = 200_000  # the kiosk pings every 0.1 s
STATUS = re.compile(r"STATUS=(kiosk on the [a-z_]+ screen; \d+ session\(s\) since start|stopping)")


@pytest.fixture
def systemd_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    """A bound datagram socket as systemd's notify socket: yields it and its $NOTIFY_SOCKET name."""
    name = f"@oasis-notify-{uuid.uuid4().hex}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(socket_address(name))
    sock.settimeout(120.0)
    try:
        yield sock, name
    finally:
        sock.close()


def receive_until(sock: socket.socket, field: str, messages: list[list[str]], count: int = 1) -> None:
    """Collect datagrams (each a list of KEY=value lines) until ``field`` has arrived ``count`` times."""
    while sum(field in m for m in messages) < count:
        messages.append(sock.recv(4096).decode().split("\n"))


def test_station_run_says_ready_pings_the_watchdog_and_says_stopping(
    systemd_socket: tuple[socket.socket, str], tmp_path: Path
) -> None:
    sock, name = systemd_socket
    config = tmp_path / "station.toml"
    config.write_text(
        f'[station]\nid = "notify-station"\n[storage]\ndata_dir = "{tmp_path / "data"}"\n'
        "[admin]\ndiscover = false\n",
        encoding="utf-8",
    )
    env = no_display_env()
    env.update(NOTIFY_SOCKET=name, WATCHDOG_USEC=str(WATCHDOG_USEC))
    log = tmp_path / "station.log"
    with log.open("w") as output:
        proc = subprocess.Popen(
            [
                *STATION_RUN,
                "--config",
                str(config),
                "--output",
                "headless",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=REPO,
        )
    messages: list[list[str]] = []
    try:
        receive_until(sock, "READY=1", messages)
        receive_until(sock, "WATCHDOG=1", messages, count=5)
        proc.send_signal(signal.SIGTERM)  # systemd's stop
        receive_until(sock, "STOPPING=1", messages)
        assert proc.wait(timeout=60) == 0, log.read_text()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert messages[0][0] == "READY=1", messages  # ready first: no ping before the kiosk is up
    assert messages[0][1] == "STATUS=kiosk on the idle screen; 0 session(s) since start"
    fields = [line for message in messages for line in message]
    assert all(line in ("READY=1", "WATCHDOG=1", "STOPPING=1") or STATUS.fullmatch(line) for line in fields)
    assert fields.count("READY=1") == 1


class HangingHook:
    """The controller's pairing-code hook (called in every poll), made to block when asked: the
    main loop hangs inside a poll, as it would on a stuck lock."""

    def __init__(self) -> None:
        self.hang, self.hung, self.release = threading.Event(), threading.Event(), threading.Event()

    def __call__(self) -> None:
        if self.hang.is_set():
            self.hung.set()
            self.release.wait()
            self.hang.clear()
        return None


def test_a_hung_kiosk_loop_stops_pinging_and_pings_again_when_it_moves_on(tmp_path: Path) -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = tmp_path / "notify"
    sock.bind(str(path))
    sock.settimeout(30.0)
    notifier = Notifier(str(path), WATCHDOG_USEC / 1e6)
    stop = threading.Event()
    with growth_controller(tmp_path) as controller:
        watchdog = attach_watchdog(controller, notifier)
        hook = HangingHook()
        controller.pairing_code_provider = hook
        loop = threading.Thread(target=serve_headless, args=(controller, stop), daemon=True)
        loop.start()
        try:
            messages: list[list[str]] = []
            receive_until(sock, "WATCHDOG=1", messages, count=3)
            assert watchdog.pings <= watchdog.beats  # at most one ping per pass of the loop
            hook.hang.set()
            assert hook.hung.wait(30.0)
            beats, pings = watchdog.beats, watchdog.pings
            sock.settimeout(0.0)
            while True:  # drain what was sent before the hang
                try:
                    sock.recv(4096)
                except BlockingIOError:
                    break
            sock.settimeout(10 * WATCHDOG_USEC / 1e6)  # ten ping intervals of silence
            with pytest.raises(TimeoutError):
                sock.recv(4096)
            assert (watchdog.beats, watchdog.pings) == (beats, pings)
            hook.release.set()
            sock.settimeout(30.0)
            after: list[list[str]] = []
            receive_until(sock, "WATCHDOG=1", after)
            assert watchdog.beats > beats and watchdog.pings > pings
        finally:
            hook.release.set()
            stop.set()
            loop.join(30.0)
            notifier.close()
            sock.close()


def test_notify_variables_are_read_once_and_kept_from_the_children() -> None:
    pid = os.getpid()
    environ = {"NOTIFY_SOCKET": "/run/systemd/notify", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(pid)}
    notifier = Notifier.from_environment(environ)
    assert (notifier.address, notifier.watchdog_s, environ) == ("/run/systemd/notify", 30.0, {})
    other = Notifier.from_environment({"NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"})
    assert (other.address, other.watchdog_s) == (b"\0x", None)  # the watchdog is another process's
    outside = Notifier.from_environment({})
    assert not outside.enabled and outside.send("READY=1") is False
