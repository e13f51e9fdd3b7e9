"""OpenBCI Cyton (8-channel ADS1299 board with the RFDuino USB dongle).

Byte format, as documented by OpenBCI ("Cyton Data Format", https://docs.openbci.com/Cyton/CytonDataFormat/,
and the firmware's ``Definitions.h``): serial 115200 baud 8-N-1; after ``b`` the board streams 250
packets/s of 33 bytes::

    0      0xA0 header
    1      sample number 0..255 (wraps; a gap means lost packets)
    2-25   8 channels x 24-bit big-endian two's complement ADS1299 counts
    26-31  aux: 3 x 16-bit big-endian signed (accelerometer X, Y, Z when footer is 0xC0; zeros on
           packets without a new accelerometer reading, which comes at 25 Hz)
    32     footer 0xCn (0xC0 standard with accelerometer; 0xC1-0xC6 raw aux / time-stamped variants)

Scale: µV = counts * 4.5 V / gain / (2**23 - 1) * 1e6 (default gain 24); accelerometer g = counts *
0.002 / 16. Commands: ``b`` start, ``s`` stop, ``v`` soft reset (the board answers with its banner
ending in ``$$$``). There is no checksum, so the parser accepts a packet only when its header and footer
match and, after any loss of sync, when the next packet's header follows at +33.
"""

from __future__ import annotations

import numpy as np

from sensors.devices.base import Decoded, DeviceSpec, ParserStats, SerialSettings, StreamSpec
from sensors.devices.sources import SignalSource, SineSource

PACKET_SIZE = 33
HEADER = 0xA0
FOOTER_STANDARD = 0xC0
CHANNELS = 8
RATE = 250.0
DEFAULT_GAIN = 24
ACCEL_G_PER_COUNT = 0.002 / 16
LABELS = ("Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2")  # OpenBCI's default 10-20 montage
BANNER = (
    b"OpenBCI V3 8-16 channel\nOn Board ADS1299 Device ID: 0x3E\nLIS3DH Device ID: 0x33\n"
    b"Firmware: v3.1.2\n$$$"
)
_OFFSETS = np.arange(PACKET_SIZE)


def uv_per_count(gain: int = DEFAULT_GAIN) -> float:
    """ADS1299 scale factor in µV per count."""
    return 4.5 / gain / (2**23 - 1) * 1e6


class CytonPackets:
    """Decoded packets as arrays: counters (k,), counts (k, 8) int32, aux (k, 3) int16, footers (k,)."""

    def __init__(self, counters: np.ndarray, counts: np.ndarray, aux: np.ndarray, footers: np.ndarray):
        self.counters = counters
        self.counts = counts
        self.aux = aux
        self.footers = footers

    def __len__(self) -> int:
        return len(self.counters)


def _empty_packets() -> CytonPackets:
    return CytonPackets(np.zeros(0, np.uint8), np.zeros((0, CHANNELS), np.int32), np.zeros((0, 3), np.int16),
                        np.zeros(0, np.uint8))


def decode_packets(raw: np.ndarray) -> CytonPackets:
    """Decode a (k, 33) uint8 array of whole packets."""
    triplets = raw[:, 2:26].reshape(-1, CHANNELS, 3).astype(np.int32)
    counts = (triplets[:, :, 0] << 16) | (triplets[:, :, 1] << 8) | triplets[:, :, 2]
    counts = np.where(counts >= 0x800000, counts - 0x1000000, counts).astype(np.int32)
    aux = raw[:, 26:32].copy().view(">i2").astype(np.int16).reshape(-1, 3)
    return CytonPackets(raw[:, 1].copy(), counts, aux, raw[:, 32].copy())


def encode_packets(counters: np.ndarray, counts: np.ndarray, aux: np.ndarray | None = None,
                   footers: np.ndarray | int = FOOTER_STANDARD) -> bytes:
    """Encode k packets: counters (k,) 0..255, counts (k, 8) within 24-bit signed range, aux (k, 3) int16."""
    counts = np.asarray(counts, dtype=np.int64)
    k = counts.shape[0]
    out = np.zeros((k, PACKET_SIZE), dtype=np.uint8)
    out[:, 0] = HEADER
    out[:, 1] = np.asarray(counters, dtype=np.int64) & 0xFF
    u = counts & 0xFFFFFF
    out[:, 2:26] = np.stack([(u >> 16) & 0xFF, (u >> 8) & 0xFF, u & 0xFF], axis=-1).reshape(k, 24)
    if aux is not None:
        out[:, 26:32] = np.asarray(aux, dtype=">i2").reshape(k, 3).view(np.uint8).reshape(k, 6)
    out[:, 32] = footers
    return out.tobytes()


class CytonParser:
    """Incremental Cyton parser: bytes in, µV rows out; resynchronises on garbage, counts lost packets."""

    def __init__(self, gain: int = DEFAULT_GAIN):
        self.scale = uv_per_count(gain)
        self.stats = ParserStats()
        self._buf = bytearray()
        self._synced = False
        self._last_counter: int | None = None

    def reset(self) -> None:
        self.stats.skipped_bytes += len(self._buf)
        self._buf.clear()
        self._synced = False
        self._last_counter = None

    def decode(self, data: bytes) -> CytonPackets:
        """Consume ``data`` and return the whole packets it completes."""
        buf = self._buf
        buf += data
        n = len(buf)
        if n < PACKET_SIZE:
            return _empty_packets()
        b = np.frombuffer(bytes(buf), dtype=np.uint8)
        footers_ok = (b[PACKET_SIZE - 1:] & 0xF0) == 0xC0
        candidates = np.flatnonzero((b[: n - PACKET_SIZE + 1] == HEADER) & footers_ok)
        starts: list[int] = []
        pos = 0
        for p in candidates.tolist():
            if p < pos:
                continue
            if not (self._synced and p == pos):
                following = p + PACKET_SIZE
                if following >= n:
                    break  # confirm by the next header once it arrives
                if buf[following] != HEADER:
                    continue
            if p > pos:
                self._skip(p - pos)
            starts.append(p)
            pos = p + PACKET_SIZE
            self._synced = True
        else:
            # No candidate pending: everything except a possible partial packet at the end is garbage.
            keep_from = max(pos, n - PACKET_SIZE + 1)
            if keep_from > pos:
                self._skip(keep_from - pos)
                self._synced = False
                pos = keep_from
        del buf[:pos]
        if not starts:
            return _empty_packets()
        packets = decode_packets(b[np.asarray(starts)[:, None] + _OFFSETS])
        self._count_drops(packets.counters)
        self.stats.packets += len(packets)
        return packets

    def _skip(self, n: int) -> None:
        """Discard ``n`` bytes; losing sync after a packet counts one corrupt (broken) packet."""
        self.stats.skipped_bytes += n
        if self._synced:
            self.stats.corrupt += 1

    def _count_drops(self, counters: np.ndarray) -> None:
        c = counters.astype(np.int64)
        prev = np.concatenate(([self._last_counter], c[:-1])) if self._last_counter is not None else c[:-1]
        cur = c if self._last_counter is not None else c[1:]
        self.stats.dropped += int(((cur - prev - 1) % 256).sum())
        self._last_counter = int(c[-1])

    def feed(self, data: bytes) -> Decoded:
        packets = self.decode(data)
        if not len(packets):
            return {}
        return {"eeg": packets.counts * self.scale}


class CytonEmulator:
    """A Cyton board: streams after ``b``, stops on ``s``, answers ``v`` with its banner."""

    rate = RATE

    def __init__(self, source: SignalSource | None = None, gain: int = DEFAULT_GAIN):
        self.source = source or SineSource(fs=RATE, channels=CHANNELS, labels=LABELS)
        self.scale = uv_per_count(gain)
        self.streaming = False
        self._counter = 0

    def command(self, data: bytes) -> bytes:
        reply = b""
        for ch in data:
            if ch == ord("b"):
                self.streaming = True
            elif ch == ord("s"):
                self.streaming = False
            elif ch == ord("v"):
                self.streaming = False
                reply += BANNER
        return reply

    def packets(self, n: int) -> bytes:
        uv = np.asarray(self.source.next_chunk(n), dtype=np.float64)[:, :CHANNELS]
        counts = np.clip(np.round(uv / self.scale), -(2**23), 2**23 - 1).astype(np.int64)
        counters = (self._counter + np.arange(n)) % 256
        aux = np.zeros((n, 3), dtype=np.int64)
        accel_rows = counters % 10 == 0  # a new accelerometer reading at 25 Hz: lying still, 1 g on Z
        aux[accel_rows, 2] = round(1.0 / ACCEL_G_PER_COUNT)
        self._counter = (self._counter + n) % 256
        return encode_packets(counters, counts, aux)


SPEC = DeviceSpec(
    name="cyton",
    title="OpenBCI Cyton",
    serial=SerialSettings(baudrate=115200),
    streams=(StreamSpec("eeg", "", "EEG", LABELS, ("microvolts",) * CHANNELS, RATE),),
    make_parser=CytonParser,
    make_emulator=CytonEmulator,
    start_commands=b"b",
    stop_commands=b"s",
    packet_size=PACKET_SIZE,
)
