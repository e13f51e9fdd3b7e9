"""Contec CMS50D+ with firmware 4.6 and later: Contec's "Communication protocol of pulse oximeter V7.0".

Sources: Contec Medical Systems, "Communication Protocol of Pulse Oximeter V7.0" (2010-07-08; package
format and the real-time data package, Table 3), as implemented by kaivol/pulox (``contec-protocol``
crate: ``incoming_package.rs`` ``RealTimeData``, ``encoding.rs``, ``outgoing_package.rs``) and as
captured from a CMS50D+ by headrotor/art-sensors (``spO2/stream_data.py``: ``01 E0 85 B3 96 C1 E1 FF FF``).
Serial 115200 baud 8-N-1. Every package is ``type, high byte, data...``: the type byte has bit 7 clear,
every other byte has bit 7 set (that is the synchronisation), and bit i of the high byte carries the real
bit 7 of data byte i. The device streams only when asked::

    host -> device  7D 81 A1 80 80 80 80 80 80   continuous real-time data (0x7D control, command 0xA1)
                    7D 81 A2 80 ...              stop real-time data
                    7D 81 AF 80 ...              "still connected" (drivers send it every 5 s)
    device -> host  01 HB d0 d1 d2 d3 d4 d5 d6   real-time data (type 0x01, 7 data bytes)

    d0  probe error 0x80 | pulse beep 0x40 | low SpO2 0x20 | searching too long 0x10 | signal strength 0x0F
    d1  searching pulse 0x80 | pulse waveform 0..127
    d2  PI invalid 0x10 | bar graph 0x0F
    d3  pulse rate (bpm)        d4  SpO2 (%)        d5 d6  perfusion index, little-endian

A real-time package is accepted when the next package's type byte follows exactly 9 bytes after its own
(one package of latency, as for the older firmware); other package types (replies to commands) are
skipped. The published streams are the older firmware's (:mod:`sensors.devices.cms50d`), so downstream
code does not care which firmware a station has. The V7.0 text does not state the real-time package
rate; 60/s is the older firmware's documented rate and the nominal rate published here (the bridge's
timestamps follow the arrival times, so a different true rate shows as clock drift, not as an error).
"""

from __future__ import annotations

import numpy as np

from sensors.devices.cms50d import SPEC as LEGACY_SPEC
from sensors.devices.cms50d import Cms50dEmulator, verdict
from sensors.devices.device_interfaces import BufferedParser, Decoded, DeviceSpec, SerialSettings
from sensors.devices.sources import SignalSource

REALTIME = 0x01
CONTROL = 0x7D
PACKET_SIZE = 9
MAX_PACKAGE = 9  # the longest V7.0 package: type, high byte, 7 data bytes
FIELDS = (
    "signal_strength",
    "searching_too_long",
    "low_spo2",
    "beep",
    "probe_error",
    "waveform",
    "searching",
    "bar_graph",
    "pi_invalid",
    "pulse_rate",
    "spo2",
    "pi",
)
_OFFSETS = np.arange(PACKET_SIZE)


def package(kind: int, data: bytes | list[int]) -> bytes:
    """One V7.0 package: ``kind`` (bit 7 clear), the high byte, the data bytes with bit 7 set."""
    high = 0x80
    for i, byte in enumerate(data):
        high |= ((byte >> 7) & 1) << i
    return bytes([kind & 0x7F, high, *(b | 0x80 for b in data)])


START = package(CONTROL, [0xA1, 0, 0, 0, 0, 0, 0])  # 7D 81 A1 80 80 80 80 80 80
STOP = package(CONTROL, [0xA2, 0, 0, 0, 0, 0, 0])
STILL_CONNECTED = package(CONTROL, [0xAF, 0, 0, 0, 0, 0, 0])
KEEPALIVE_S = 5.0


def decode_data(raw: np.ndarray) -> np.ndarray:
    """(k, 7) data bytes of (k, 9) real-time packages, bit 7 restored from the high byte."""
    high = raw[:, 1:2].astype(np.int64)
    return (raw[:, 2:].astype(np.int64) & 0x7F) | (((high >> np.arange(7)) & 1) << 7)


def decode_fields(raw: np.ndarray) -> dict[str, np.ndarray]:
    """Fields of (k, 9) real-time packages as int arrays (k,)."""
    d = decode_data(raw)
    return {
        "signal_strength": d[:, 0] & 0x0F,
        "searching_too_long": (d[:, 0] >> 4) & 1,
        "low_spo2": (d[:, 0] >> 5) & 1,
        "beep": (d[:, 0] >> 6) & 1,
        "probe_error": d[:, 0] >> 7,
        "waveform": d[:, 1] & 0x7F,
        "searching": d[:, 1] >> 7,
        "bar_graph": d[:, 2] & 0x0F,
        "pi_invalid": (d[:, 2] >> 4) & 1,
        "pulse_rate": d[:, 3],
        "spo2": d[:, 4],
        "pi": d[:, 5] | (d[:, 6] << 8),
    }


def encode_packets(fields: dict[str, np.ndarray]) -> bytes:
    """Real-time packages from arrays of the :data:`FIELDS` (all the same length)."""
    f = {k: np.asarray(fields[k], dtype=np.int64) for k in FIELDS}
    d = np.zeros((len(f["waveform"]), 7), dtype=np.int64)
    d[:, 0] = (
        (f["signal_strength"] & 0x0F)
        | ((f["searching_too_long"] & 1) << 4)
        | ((f["low_spo2"] & 1) << 5)
        | ((f["beep"] & 1) << 6)
        | ((f["probe_error"] & 1) << 7)
    )
    d[:, 1] = (f["waveform"] & 0x7F) | ((f["searching"] & 1) << 7)
    d[:, 2] = (f["bar_graph"] & 0x0F) | ((f["pi_invalid"] & 1) << 4)
    d[:, 3] = f["pulse_rate"] & 0xFF
    d[:, 4] = f["spo2"] & 0xFF
    d[:, 5] = f["pi"] & 0xFF
    d[:, 6] = (f["pi"] >> 8) & 0xFF
    out = np.zeros((len(d), PACKET_SIZE), dtype=np.uint8)
    out[:, 0] = REALTIME
    out[:, 1] = 0x80 | ((d >> 7) << np.arange(7)).sum(axis=1)
    out[:, 2:] = d | 0x80
    return out.tobytes()


class Cms50dV7Parser(BufferedParser):
    """Incremental V7.0 parser (vectorised over the type bytes, which alone have bit 7 clear)."""

    def decode(self, data: bytes) -> np.ndarray:
        """Consume ``data``; return the real-time packages it completes as a (k, 9) uint8 array."""
        self._buf += data
        b = np.frombuffer(bytes(self._buf), dtype=np.uint8)
        n = len(b)
        stats = self.stats
        types = np.flatnonzero(b < 0x80)
        if not len(types):
            stats.skipped_bytes += n
            self._buf.clear()
            return np.zeros((0, PACKET_SIZE), np.uint8)
        stats.skipped_bytes += int(types[0])
        lengths = np.diff(types)
        realtime = b[types[:-1]] == REALTIME
        good = realtime & (lengths == PACKET_SIZE)
        broken = realtime & ~good  # a real-time package cut short or run on
        stats.corrupt += int(broken.sum())
        stats.skipped_bytes += int(lengths[~good].sum())
        last = int(types[-1])
        if n - last > MAX_PACKAGE:  # too long to be any package whatever comes next
            stats.corrupt += int(b[last] == REALTIME)
            stats.skipped_bytes += n - last
            last = n
        del self._buf[:last]
        starts = types[:-1][good]
        stats.packets += len(starts)
        return b[starts[:, None] + _OFFSETS]

    def feed(self, data: bytes) -> Decoded:
        raw = self.decode(data)
        if not len(raw):
            return {}
        f = decode_fields(raw)
        pulse = f["pulse_rate"].astype(np.float64)
        pulse[(pulse == 0) | (pulse == 255)] = np.nan
        spo2 = f["spo2"].astype(np.float64)
        spo2[(spo2 == 0) | (spo2 > 100)] = np.nan
        no_contact = f["probe_error"].astype(bool)
        quality = np.where(no_contact, 0.0, np.minimum(f["signal_strength"], 15) / 15.0)
        return {
            "ppg": f["waveform"][:, None].astype(np.float64),
            "vitals": np.column_stack([pulse, spo2, f["beep"]]).astype(np.float64),
            "quality": np.column_stack(
                [quality, f["signal_strength"], f["probe_error"], f["searching"]]
            ).astype(np.float64),
        }


class Cms50dV7Emulator(Cms50dEmulator):
    """A CMS50D+ with firmware 4.6: silent until the real-time command, stops on the stop command,
    counts the "still connected" packages; the signal is the older emulator's."""

    def __init__(self, source: SignalSource | None = None, spo2: int = 98, finger_out: bool = False):
        super().__init__(source, spo2, finger_out)
        self.streaming = False
        self.keepalives = 0
        self._commands = bytearray()

    def command(self, data: bytes) -> bytes:
        self._commands += data
        while len(self._commands) >= PACKET_SIZE:
            start = self._commands.find(bytes([CONTROL]))
            if start < 0:
                self._commands.clear()
                break
            del self._commands[:start]
            if len(self._commands) < PACKET_SIZE:
                break
            received = bytes(self._commands[:PACKET_SIZE])
            del self._commands[:PACKET_SIZE]
            if received == START:
                self.streaming = True
            elif received == STOP:
                self.streaming = False
            elif received == STILL_CONNECTED:
                self.keepalives += 1
        return b""

    def packets(self, n: int) -> bytes:
        legacy = self.fields(n)
        return encode_packets(
            {
                "signal_strength": legacy["signal_strength"],
                "searching_too_long": np.zeros(n),
                "low_spo2": legacy["spo2_dropping"],
                "beep": legacy["beep"],
                "probe_error": np.maximum(legacy["finger_out"], legacy["probe_error"]),
                "waveform": legacy["waveform"],
                "searching": legacy["searching"],
                "bar_graph": legacy["bar_graph"],
                "pi_invalid": np.ones(n),
                "pulse_rate": legacy["pulse_rate"],
                "spo2": legacy["spo2"],
                "pi": np.full(n, 0xFFFF),
            }
        )


SPEC = DeviceSpec(
    name="cms50d-v7",
    title="Contec CMS50D+ (firmware 4.6+, protocol V7.0)",
    serial=SerialSettings(baudrate=115200),
    streams=LEGACY_SPEC.streams,
    make_parser=Cms50dV7Parser,
    make_emulator=Cms50dV7Emulator,
    start_commands=START,
    stop_commands=STOP,
    keepalive_commands=STILL_CONNECTED,
    keepalive_s=KEEPALIVE_S,
    verdict=verdict,
    packet_size=PACKET_SIZE,
)
