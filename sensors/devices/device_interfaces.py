"""Shared plain data of the serial-device layer: parser statistics, stream and device descriptions.

A device module provides a pure incremental parser (``feed(bytes) -> Decoded``), an encoder and an
emulated device; :class:`DeviceSpec` ties them to serial settings, start/stop commands and the LSL
streams the bridge publishes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from sensors.types import Verdict

# Parser output: stream key -> rows (n, channels) float64, in arrival order. Keys with no rows are absent.
Decoded = dict[str, np.ndarray]


@dataclass
class ParserStats:
    """Running counts of what a parser saw. ``skipped_bytes`` are bytes not part of any accepted packet."""

    packets: int = 0
    corrupt: int = 0
    dropped: int = 0
    skipped_bytes: int = 0
    unpaired: int = 0  # Cyton + Daisy: packets whose partner was lost, not published

    def as_dict(self) -> dict[str, int]:
        return {
            "packets": self.packets,
            "corrupt": self.corrupt,
            "dropped": self.dropped,
            "skipped_bytes": self.skipped_bytes,
            "unpaired": self.unpaired,
        }


class BufferedParser:
    """What the byte parsers share: their statistics and the bytes of a packet not yet complete."""

    def __init__(self) -> None:
        self.stats = ParserStats()
        self._buf = bytearray()

    def reset(self) -> None:
        """Forget a partial packet (the port was reopened); its bytes count as skipped."""
        self.stats.skipped_bytes += len(self._buf)
        self._buf.clear()


class Parser(Protocol):
    """An incremental protocol parser: never raises on bad bytes."""

    stats: ParserStats

    def feed(self, data: bytes) -> Decoded:
        """Consume a chunk (split anywhere) and return the samples completed by it."""
        ...

    def reset(self) -> None:
        """Forget any partial packet and the counter history (after a reconnection)."""
        ...


class EmulatedDevice(Protocol):
    """The device side of a protocol for the pty emulator: ``rate`` packets/s, and command replies."""

    rate: float
    streaming: bool

    def packets(self, n: int) -> bytes:
        """The next ``n`` packets (or samples) as protocol bytes."""
        ...

    def command(self, data: bytes) -> bytes:
        """React to bytes written by the host; return the reply bytes (may be empty)."""
        ...


@dataclass(frozen=True)
class SerialSettings:
    """pyserial keyword arguments for opening the port."""

    baudrate: int
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1

    def as_kwargs(self) -> dict[str, object]:
        return {
            "baudrate": self.baudrate,
            "bytesize": self.bytesize,
            "parity": self.parity,
            "stopbits": self.stopbits,
        }


@dataclass(frozen=True)
class StreamSpec:
    """One LSL outlet a bridge publishes from the parser's output key ``key``.

    ``rate`` is the nominal rate in Hz; 0 means irregular (every row gets its arrival time).
    ``aligned_to`` names the stream whose rows this one's match one to one (a NaN row: no reading there);
    such a stream publishes its finite rows with the timestamps of their partners.
    """

    key: str
    suffix: str
    type: str
    labels: tuple[str, ...]
    units: tuple[str, ...]
    rate: float
    aligned_to: str = ""

    @property
    def channels(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class DeviceSpec:
    """Everything the bridge, the emulator and detection need to know about one device kind."""

    name: str
    title: str
    serial: SerialSettings
    streams: tuple[StreamSpec, ...]
    make_parser: Callable[[], Parser]
    make_emulator: Callable[..., EmulatedDevice]
    start_commands: bytes = b""
    stop_commands: bytes = b""
    # The quality verdict implied by a decoded batch (None when the batch says nothing about quality).
    verdict: Callable[[Decoded], Verdict | None] = field(default=lambda decoded: None)
    # Bytes per packet, for "bytes but no packets" diagnostics.
    packet_size: int = 8
    # Sent every ``keepalive_s`` seconds while the port is open (devices that stop streaming otherwise).
    keepalive_commands: bytes = b""
    keepalive_s: float = 0.0


def empty_rows(channels: int) -> np.ndarray:
    """A (0, channels) float array."""
    return np.zeros((0, channels), dtype=np.float64)


def one_line_reason(exc: BaseException) -> str:
    """A one-line reason from a pyserial/OS error, for logs and CLI verdicts."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
