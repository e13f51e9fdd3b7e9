"""systemd's notify protocol (sd_notify(3)), spoken directly: one datagram of ``KEY=value`` lines to
the unix socket named by $NOTIFY_SOCKET (a path, or an abstract name written with a leading "@").

``Notifier`` sends READY=1, STATUS=…, STOPPING=1; outside systemd (no $NOTIFY_SOCKET) it sends
nothing. ``Watchdog`` is beaten by the kiosk's main loop after each completed pass and pings
WATCHDOG=1 at most once per half of $WATCHDOG_USEC: a loop that hangs stops beating, the pings stop,
and systemd kills and restarts the kiosk (the unit's WatchdogSec= and Restart=).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, MutableMapping

log = logging.getLogger(__name__)

NOTIFY_VARIABLES = ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")


def socket_address(name: str) -> str | bytes:
    """$NOTIFY_SOCKET as a socket address: "@name" is the abstract name "\\0name"."""
    return b"\0" + name[1:].encode() if name.startswith("@") else name


def watchdog_seconds(environ: MutableMapping[str, str], pid: int) -> float | None:
    """The watchdog interval systemd asks of this process (None: no watchdog, or it is meant for
    another process, as $WATCHDOG_PID says)."""
    usec, for_pid = environ.get("WATCHDOG_USEC", ""), environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0 or (for_pid and for_pid != str(pid)):
        return None
    return int(usec) / 1e6


class Notifier:
    """Sends notify datagrams to systemd; silent when the process was not started with a socket."""

    def __init__(self, socket_name: str | None, watchdog_s: float | None = None) -> None:
        self.address = socket_address(socket_name) if socket_name else None
        self.watchdog_s = watchdog_s if self.address is not None else None
        self._socket: socket.socket | None = None
        self._failed = False

    @classmethod
    def from_environment(cls, environ: MutableMapping[str, str] = os.environ) -> Notifier:
        """The notifier systemd's variables describe; they are removed from ``environ`` so that the
        kiosk's children (scene process) never speak for it (the unit's NotifyAccess=main)."""
        notifier = cls(environ.get("NOTIFY_SOCKET") or None, watchdog_seconds(environ, os.getpid()))
        for name in NOTIFY_VARIABLES:
            environ.pop(name, None)
        return notifier

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def send(self, *fields: str) -> bool:
        """One datagram of ``fields`` (``KEY=value``); False when it could not be sent."""
        if self.address is None:
            return False
        try:
            if self._socket is None:
                self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._socket.sendto("\n".join(fields).encode(), self.address)
        except OSError as exc:
            if not self._failed:  # said once: a vanished socket must not flood the journal
                log.warning("cannot notify systemd: %s", exc)
                self._failed = True
            return False
        return True

    def ready(self, status: str) -> bool:
        return self.send("READY=1", f"STATUS={status}")

    def status(self, status: str) -> bool:
        return self.send(f"STATUS={status}")

    def stopping(self, status: str = "stopping") -> bool:
        return self.send("STOPPING=1", f"STATUS={status}")

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


class Watchdog:
    """The main loop's beat: ``beat()`` after every completed pass; it pings WATCHDOG=1 when half
    the watchdog interval has gone by since the last ping, and sends STATUS=… when ``status()``
    changes. ``beats`` and ``pings`` count what happened."""

    def __init__(
        self, notifier: Notifier, status: Callable[[], str], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.notifier, self.status, self.clock = notifier, status, clock
        self.beats = self.pings = 0
        self._last_ping = float("-inf")
        self._last_status = ""
        self._stopping = False

    def ready(self) -> None:
        """READY=1 with the first status line: the service is up."""
        self._last_status = self.status()
        self.notifier.ready(self._last_status)

    def stopping(self) -> None:
        """STOPPING=1; later beats (the shutdown's last ticks) only ping."""
        self._stopping = True
        self.notifier.stopping()

    def beat(self) -> None:
        self.beats += 1
        if not self.notifier.enabled:
            return
        fields = []
        text = self._last_status if self._stopping else self.status()
        if text != self._last_status:
            fields.append(f"STATUS={text}")
            self._last_status = text
        interval, now = self.notifier.watchdog_s, self.clock()
        if interval is not None and now - self._last_ping >= interval / 2:
            fields.append("WATCHDOG=1")
            self._last_ping = now
            self.pings += 1
        if fields:
            self.notifier.send(*fields)
