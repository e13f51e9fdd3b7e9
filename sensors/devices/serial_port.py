"""Opening a serial port with pyserial, working around one refusal of Linux pseudo-terminals."""

from __future__ import annotations

import errno
import termios

import serial


def open_serial(port: str, **settings: object) -> serial.Serial:
    """``serial.Serial(port, **settings)``. A pty (the device emulators) that was opened with odd
    parity before refuses to enable parity again (tcsetattr: EINVAL, seen on Linux 6.18); the port
    is then opened once without parity, which clears the flags, and opened again as asked."""
    try:
        return serial.Serial(port, **settings)
    except termios.error as exc:
        if exc.args[0] != errno.EINVAL or settings.get("parity", serial.PARITY_NONE) == serial.PARITY_NONE:
            raise
    serial.Serial(port, **{**settings, "parity": serial.PARITY_NONE}).close()
    return serial.Serial(port, **settings)
