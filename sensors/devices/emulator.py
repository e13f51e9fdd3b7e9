"""Run an emulated device on a pseudo-terminal pair: pyserial opens the slave side as if it were a USB
serial adapter, the emulator writes real protocol bytes at the device's real rate on the master side
and answers commands.

``link`` gives the port a stable path (a symlink, like udev's /dev/serial/by-id/...): ``unplug()``
closes the pty (the reader sees the port vanish) and ``replug()`` opens a fresh one behind the same link.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import threading
import time
import tty
from pathlib import Path

from sensors.devices.device_interfaces import EmulatedDevice

log = logging.getLogger(__name__)

TICK_S = 0.004
MAX_BACKLOG_S = 1.0  # after a stall, skip ahead rather than burst more than this much data


class PtyEmulator:
    """A device on a pty: ``start()``, open ``path`` with pyserial, ``unplug()``, ``replug()``, ``stop()``."""

    def __init__(self, device: EmulatedDevice, link: str | Path | None = None):
        self.device = device
        self.link = Path(link) if link is not None else None
        self.bytes_written = 0
        self.bytes_dropped = 0  # written while nobody read and the pty buffer was full
        self.commands_received = bytearray()
        self._master: int | None = None
        self._slave: int | None = None
        self._slave_name = ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def path(self) -> str:
        """The port path to open: the link when one was given, else the pty slave's name."""
        return str(self.link) if self.link is not None else self._slave_name

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def start(self) -> PtyEmulator:
        self._open_pty()
        self._thread = threading.Thread(
            target=self._run, name=f"emulator-{type(self.device).__name__}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.unplug()
        if self.link is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()

    def unplug(self) -> None:
        """Close the pty: an open reader gets an I/O error, as when a USB adapter is pulled out, and
        the link goes, as udev removes a pulled adapter's device node. (Left behind, it would name a
        /dev/pts number the system can give to another program's new pty: a bridge reopening it
        would read that program's bytes.)"""
        with self._lock:
            if self.link is not None:
                with contextlib.suppress(FileNotFoundError):
                    self.link.unlink()
            for fd in (self._master, self._slave):
                if fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._master = self._slave = None

    def replug(self) -> None:
        """A fresh pty behind the same link."""
        self._open_pty()

    def __enter__(self) -> PtyEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _open_pty(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line discipline before pyserial configures the port
        os.set_blocking(master, False)
        name = os.ttyname(slave)
        if self.link is not None:
            tmp = self.link.with_name(self.link.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            os.symlink(name, tmp)
            os.replace(tmp, self.link)
        with self._lock:
            self._master, self._slave, self._slave_name = master, slave, name
        log.debug("emulator %s on %s", type(self.device).__name__, self.path)

    def _run(self) -> None:
        sent = 0
        stream_start: float | None = None
        while not self._stop.is_set():
            with self._lock:
                master = self._master
            if master is None:
                stream_start = None
                time.sleep(TICK_S)
                continue
            try:
                ready, _, _ = select.select([master], [], [], TICK_S)
                if ready:
                    data = os.read(master, 4096)
                    self.commands_received += data
                    reply = self.device.command(data)
                    if reply:
                        self._write(master, reply)
                if not self.device.streaming:
                    stream_start = None
                    continue
                now = time.monotonic()
                if stream_start is None:
                    stream_start, sent = now, 0
                due = int((now - stream_start) * self.device.rate) - sent
                if due > self.device.rate * MAX_BACKLOG_S:  # the machine stalled: skip, like a real clock
                    sent += due - 1
                    due = 1
                if due > 0:
                    self._write(master, self.device.packets(due))
                    sent += due
            except OSError as exc:
                if exc.errno in (errno.EBADF, errno.EIO):  # unplugged under our feet
                    time.sleep(TICK_S)
                    continue
                raise

    def _write(self, fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                n = os.write(fd, view)
            except BlockingIOError:
                self.bytes_dropped += len(view)
                return
            self.bytes_written += n
            view = view[n:]
