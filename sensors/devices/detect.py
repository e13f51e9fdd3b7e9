"""Guess what is attached to a serial port by listening (and, only when asked, by probing).

Listening never changes a device's state: the port is opened at each device kind's settings in turn and
the bytes heard are fed to that kind's parser. ``probe=True`` also sends the Cyton's ``v`` (soft reset,
answered by a banner that names a Daisy module when one is fitted) — a command that stops a streaming
board, hence opt-in — and then the CMS50D+ 4.6's real-time command (followed by its stop command), as
that oximeter too is silent until asked.
"""

from __future__ import annotations

import termios
import time
from dataclasses import dataclass, field

import serial
from serial.tools import list_ports

from sensors.devices.cyton import has_daisy
from sensors.devices.device_interfaces import DeviceSpec, one_line_reason
from sensors.devices.device_kinds import DEVICES
from sensors.devices.serial_port import open_serial


@dataclass
class PortGuess:
    """What was heard on one port; ``device`` is the best guess or None, ``verdict`` says why.

    ``code`` classifies the verdict for translation: match, probe, probe_daisy, probe_v7, silent,
    unknown or unreadable.
    """

    port: str
    description: str = ""
    device: str | None = None
    code: str = ""
    verdict: str = ""
    bytes_heard: int = 0
    scores: dict[str, dict[str, int]] = field(default_factory=dict)


def list_serial_ports() -> list[tuple[str, str]]:
    """(device path, description) of every serial port pyserial finds."""
    return [(p.device, p.description or "") for p in sorted(list_ports.comports(), key=lambda p: p.device)]


def _listen(port: str, spec: DeviceSpec, seconds: float) -> bytes:
    with open_serial(port, timeout=0.05, **spec.serial.as_kwargs()) as ser:
        data = bytearray()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            data += ser.read(max(1, ser.in_waiting))
        return bytes(data)


def read_cyton_banner(port: str, seconds: float = 2.0) -> bytes:
    """Send the Cyton's ``v`` (soft reset: stops streaming) and return what the board answers, up to its
    ``$$$`` or ``seconds``; raises pyserial/OS errors when the port cannot be opened."""
    spec = DEVICES["cyton"]
    with open_serial(port, timeout=0.05, **spec.serial.as_kwargs()) as ser:
        ser.write(b"v")
        reply = bytearray()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and b"$$$" not in reply:
            reply += ser.read(max(1, ser.in_waiting))
    return bytes(reply)


def detect_daisy(port: str, seconds: float = 5.0) -> tuple[bool | None, str]:
    """Whether the Cyton on ``port`` has a Daisy module, from its answer to ``v`` (which stops a streaming
    board); (None, one-line reason) when no complete banner arrives. The wait ends as soon as the
    banner's ``$$$`` does (a board answers in a fraction of a second), so the generous limit costs only
    a board that never answers."""
    try:
        banner = read_cyton_banner(port, seconds)
    except (serial.SerialException, OSError, ValueError) as exc:
        return None, one_line_reason(exc)
    if b"$$$" not in banner:
        return None, f"{len(banner)} bytes, no $$$ within {seconds:g} s"
    return has_daisy(banner), ""


def _probe_cms50d_v7(port: str, seconds: float) -> bool:
    """Ask for real-time data as a CMS50D+ 4.6 expects, listen, then send its stop command."""
    spec = DEVICES["cms50d-v7"]
    with open_serial(port, timeout=0.05, **spec.serial.as_kwargs()) as ser:
        ser.write(spec.start_commands)
        data = bytearray()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            data += ser.read(max(1, ser.in_waiting))
        ser.write(spec.stop_commands)
        ser.flush()
    parser = spec.make_parser()
    parser.feed(bytes(data))
    s = parser.stats
    return _convincing(s.packets, s.corrupt, s.skipped_bytes, len(data))


def _convincing(packets: int, corrupt: int, skipped: int, heard: int) -> bool:
    return packets >= 3 and corrupt * 4 <= packets and skipped * 2 <= heard


def guess_port(
    port: str,
    description: str = "",
    seconds: float = 1.0,
    probe: bool = False,
    kinds: tuple[str, ...] | None = None,
) -> PortGuess:
    """Listen on ``port`` at each device kind's serial settings and name the kind whose parser fits.
    ``kinds`` limits the candidates (and the serial settings tried) to those device names."""
    guess = PortGuess(port, description)
    heard_by_settings: dict[object, bytes] = {}
    try:
        for name, spec in DEVICES.items():
            if kinds is not None and name not in kinds:
                continue
            if spec.serial not in heard_by_settings:
                heard_by_settings[spec.serial] = _listen(port, spec, seconds)
            data = heard_by_settings[spec.serial]
            guess.bytes_heard = max(guess.bytes_heard, len(data))
            parser = spec.make_parser()
            parser.feed(data)
            s = parser.stats
            guess.scores[name] = s.as_dict()
            if _convincing(s.packets, s.corrupt, s.skipped_bytes, len(data)):
                guess.device, guess.code = name, "match"
                guess.verdict = f"{spec.title}: {s.packets} packets, {s.corrupt} corrupt"
                return guess
        banner = read_cyton_banner(port, seconds) if probe and (kinds is None or "cyton" in kinds) else b""
        if b"OpenBCI" in banner:
            guess.device, guess.code = "cyton", "probe_daisy" if has_daisy(banner) else "probe"
            title = "OpenBCI Cyton + Daisy" if has_daisy(banner) else "OpenBCI Cyton"
            guess.verdict = f"{title} (answered 'v' with its banner; now stopped)"
            return guess
        if probe and (kinds is None or "cms50d-v7" in kinds) and _probe_cms50d_v7(port, seconds):
            guess.device, guess.code = "cms50d-v7", "probe_v7"
            guess.verdict = "Contec CMS50D+ firmware 4.6 (answered the real-time command; now stopped)"
            return guess
    except (serial.SerialException, OSError, ValueError, termios.error) as exc:  # termios: port vanished
        guess.code = "unreadable"
        guess.verdict = f"cannot open: {one_line_reason(exc)}"
        return guess
    if guess.bytes_heard == 0:
        guess.code = "silent"
        guess.verdict = (
            "silent (nothing sent; a Cyton or a CMS50D+ 4.6 waits for a start command: try --probe)"
            if not probe
            else "silent, and no answer to the Cyton or CMS50D+ 4.6 probes"
        )
    else:
        guess.code = "unknown"
        guess.verdict = (
            f"unknown: {guess.bytes_heard} bytes that no known protocol decodes (garbage, "
            "another device or another baud rate)"
        )
    return guess
