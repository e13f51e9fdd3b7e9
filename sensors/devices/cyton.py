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

Accelerometer: a packet with footer 0xC0 and non-zero aux bytes carries a new LIS3DH reading (25 Hz, one
packet in ten); zeros mean "no new reading" (the page above: "if unused, the bytes will read 0").

Cyton + Daisy (16 channels), as the same page documents ("16 Channel Data with Daisy Module"): both
ADS1299s sample at 250 Hz but the packet rate stays 250/s, so the board alternates: on **odd** sample
numbers it sends the on-board chip's channels 1-8, on **even** ones the Daisy's channels 9-16, each the
average of that chip's current and previous sample; the first packet after ``b`` is invalid (nothing to
average with). The host pairs odd packet n with even packet n+1 into one 16-channel sample: 125 Hz. A
packet whose partner was lost is not published (counted as ``unpaired``). The board names the Daisy in
its startup text (``On Daisy ADS1299 Device ID: ...``), which :func:`has_daisy` reads.
"""

from __future__ import annotations

import functools

import numpy as np

from sensors.devices.device_interfaces import Decoded, DeviceSpec, ParserStats, SerialSettings, StreamSpec
from sensors.devices.motion import MOTION_KEY, MotionDetector, latest_motion
from sensors.devices.sources import SignalSource, SineSource
from sensors.types import Verdict

PACKET_SIZE = 33
HEADER = 0xA0
FOOTER_STANDARD = 0xC0
CHANNELS = 8
RATE = 250.0
DAISY_RATE = RATE / 2
ACCEL_RATE = 25.0
DEFAULT_GAIN = 24
ACCEL_G_PER_COUNT = 0.002 / 16
LABELS = ("Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2")  # OpenBCI's default 10-20 montage
# OpenBCI's 16-channel default (Ultracortex Mark IV): the Daisy adds channels 9-16.
DAISY_LABELS = (*LABELS, "F7", "F8", "F3", "F4", "T7", "T8", "P3", "P4")
ACCEL_LABELS = ("accel_x", "accel_y", "accel_z")
BANNER = (
    b"OpenBCI V3 8-16 channel\nOn Board ADS1299 Device ID: 0x3E\nLIS3DH Device ID: 0x33\n"
    b"Firmware: v3.1.2\n$$$"
)
DAISY_BANNER = (
    b"OpenBCI V3 8-16 channel\nOn Board ADS1299 Device ID: 0x3E\nOn Daisy ADS1299 Device ID: 0x3E\n"
    b"LIS3DH Device ID: 0x33\nFirmware: v3.1.2\n$$$"
)
_OFFSETS = np.arange(PACKET_SIZE)


def uv_per_count(gain: int = DEFAULT_GAIN) -> float:
    """ADS1299 scale factor in µV per count."""
    return 4.5 / gain / (2**23 - 1) * 1e6


def has_daisy(banner: bytes) -> bool:
    """Whether a board's startup text (its answer to ``v``) reports a Daisy module."""
    return b"on daisy" in banner.lower()


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
    return CytonPackets(
        np.zeros(0, np.uint8),
        np.zeros((0, CHANNELS), np.int32),
        np.zeros((0, 3), np.int16),
        np.zeros(0, np.uint8),
    )


def decode_packets(raw: np.ndarray) -> CytonPackets:
    """Decode a (k, 33) uint8 array of whole packets."""
    triplets = raw[:, 2:26].reshape(-1, CHANNELS, 3).astype(np.int32)
    counts = (triplets[:, :, 0] << 16) | (triplets[:, :, 1] << 8) | triplets[:, :, 2]
    counts = np.where(counts >= 0x800000, counts - 0x1000000, counts).astype(np.int32)
    aux = raw[:, 26:32].copy().view(">i2").astype(np.int16).reshape(-1, 3)
    return CytonPackets(raw[:, 1].copy(), counts, aux, raw[:, 32].copy())


def accel_readings(packets: CytonPackets) -> tuple[np.ndarray, np.ndarray]:
    """(k, 3) accelerometer readings in g, NaN on packets that carry no new reading, and the indices of
    the packets that do."""
    fresh = np.flatnonzero((packets.footers == FOOTER_STANDARD) & packets.aux.any(axis=1))
    accel = np.full((len(packets), 3), np.nan)
    accel[fresh] = packets.aux[fresh] * ACCEL_G_PER_COUNT
    return accel, fresh


def encode_packets(
    counters: np.ndarray,
    counts: np.ndarray,
    aux: np.ndarray | None = None,
    footers: np.ndarray | int = FOOTER_STANDARD,
) -> bytes:
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

    def __init__(self, gain: int = DEFAULT_GAIN, daisy: bool = False):
        self.scale = uv_per_count(gain)
        self.daisy = daisy
        self.stats = ParserStats()
        self.motion = MotionDetector()
        self._buf = bytearray()
        self._synced = False
        self._last_counter: int | None = None
        # Daisy: an odd (on-board) packet waiting for its even partner: (counter, counts, accel)
        self._pending: tuple[int, np.ndarray, np.ndarray] | None = None

    def reset(self) -> None:
        self.stats.skipped_bytes += len(self._buf)
        self._buf.clear()
        self._synced = False
        self._last_counter = None
        if self._pending is not None:
            self.stats.unpaired += 1
        self._pending = None
        self.motion.reset()

    def decode(self, data: bytes) -> CytonPackets:
        """Consume ``data`` and return the whole packets it completes."""
        buf = self._buf
        buf += data
        n = len(buf)
        if n < PACKET_SIZE:
            return _empty_packets()
        b = np.frombuffer(bytes(buf), dtype=np.uint8)
        footers_ok = (b[PACKET_SIZE - 1 :] & 0xF0) == 0xC0
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
        """EEG rows in µV (8 channels, or 16 paired at 125 Hz with a Daisy), and aligned with them one to
        one the accelerometer (g) and head-motion (moving, sd) rows, NaN where a sample has no reading."""
        packets = self.decode(data)
        if not len(packets):
            return {}
        counts = packets.counts
        accel, fresh = accel_readings(packets)
        if self.daisy:
            counts, accel = self._pair(packets.counters, counts, accel)
            if not len(counts):
                return {}
            fresh = np.flatnonzero(~np.isnan(accel[:, 0]))
        motion = np.full((len(accel), 2), np.nan)
        if len(fresh):
            motion[fresh] = self.motion.update(accel[fresh])
        return {"eeg": counts * self.scale, "accel": accel, MOTION_KEY: motion}

    def _pair(
        self, counters: np.ndarray, counts: np.ndarray, accel: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Join each odd (on-board) packet with the even (Daisy) packet that follows it: (m, 16) counts and
        (m, 3) accel (the pair's reading; the mean if both packets carry one)."""
        c = counters.astype(np.int64)
        if self._pending is not None:
            counter, row, reading = self._pending
            c = np.concatenate(([counter], c))
            counts = np.vstack([row[None, :], counts])
            accel = np.vstack([reading[None, :], accel])
            self._pending = None
        odd = c % 2 == 1
        starts = np.flatnonzero(odd[:-1] & (c[1:] == (c[:-1] + 1) % 256))
        used = len(starts) * 2
        if odd[-1]:  # may pair with the first packet of the next chunk
            self._pending = (int(c[-1]), counts[-1].copy(), accel[-1].copy())
            used += 1
        self.stats.unpaired += len(c) - used
        board, daisy = accel[starts], accel[starts + 1]
        pair_accel = np.where(np.isnan(board), daisy, np.where(np.isnan(daisy), board, (board + daisy) / 2))
        return np.hstack([counts[starts], counts[starts + 1]]), pair_accel


class CytonEmulator:
    """A Cyton board: streams after ``b``, stops on ``s``, answers ``v`` with its banner.

    With ``daisy`` the source gives 16 channels at 250 Hz and the packets alternate as OpenBCI's firmware
    sends them (odd: channels 1-8, even: 9-16, each averaged with the chip's previous sample). The
    accelerometer reads 1 g on Z with a few mg of noise while the head is still; with ``head_moving`` the
    head nods (20 degrees at 1 Hz).
    """

    rate = RATE

    def __init__(
        self, source: SignalSource | None = None, gain: int = DEFAULT_GAIN, daisy: bool = False, seed: int = 0
    ):
        labels = DAISY_LABELS if daisy else LABELS
        self.source = source or SineSource(fs=RATE, channels=len(labels), labels=labels)
        self.scale = uv_per_count(gain)
        self.daisy = daisy
        self.channels = len(labels)
        self.streaming = False
        self.head_moving = False
        self._counter = 0
        self._n = 0  # samples since power-on (the nod's clock)
        self._previous: np.ndarray | None = None  # Daisy: both chips' last sample, for the averaging
        self._rng = np.random.default_rng(seed)

    def command(self, data: bytes) -> bytes:
        reply = b""
        for ch in data:
            if ch == ord("b"):
                self.streaming = True
            elif ch == ord("s"):
                self.streaming = False
            elif ch == ord("v"):
                self.streaming = False
                self._previous = None
                reply += DAISY_BANNER if self.daisy else BANNER
        return reply

    def packets(self, n: int) -> bytes:
        uv = np.asarray(self.source.next_chunk(n), dtype=np.float64)[:, : self.channels]
        counters = (self._counter + np.arange(n)) % 256
        if self.daisy:
            uv = self._alternate(uv, counters)
        counts = np.clip(np.round(uv / self.scale), -(2**23), 2**23 - 1).astype(np.int64)
        aux = np.zeros((n, 3), dtype=np.int64)
        samples = self._n + np.arange(n)
        fresh = samples % 10 == 0  # a new accelerometer reading at 25 Hz (its own clock, not the counter's)
        aux[fresh] = self._accel_counts(samples[fresh])
        self._counter = (self._counter + n) % 256
        self._n += n
        return encode_packets(counters, counts, aux)

    def _alternate(self, uv: np.ndarray, counters: np.ndarray) -> np.ndarray:
        """Daisy: per packet, the mean of the current and previous sample of the chip whose turn it is
        (odd sample numbers: on-board channels 1-8, even: Daisy channels 9-16), in columns 0-7."""
        previous = np.vstack([uv[:1] if self._previous is None else self._previous, uv[:-1]])
        self._previous = uv[-1:].copy()
        mean = (uv + previous) / 2
        odd = (counters % 2 == 1)[:, None]
        return np.where(odd, mean[:, :CHANNELS], mean[:, CHANNELS:])

    def _accel_counts(self, samples: np.ndarray) -> np.ndarray:
        """LIS3DH readings (counts) at these sample indices: gravity, tilted by a nod while moving."""
        pitch = (
            np.radians(20.0) * np.sin(2 * np.pi * samples / RATE)
            if self.head_moving
            else np.zeros(len(samples))
        )
        g = np.stack([np.zeros(len(samples)), np.sin(pitch), np.cos(pitch)], axis=1)
        g += 0.003 * self._rng.standard_normal(g.shape)
        return np.round(g / ACCEL_G_PER_COUNT / 16).astype(np.int64) * 16  # 12-bit data, left-justified


def _motion_verdict(decoded: Decoded) -> Verdict | None:
    motion = latest_motion(decoded)
    return motion.verdict() if motion is not None else None


def _streams(daisy: bool) -> tuple[StreamSpec, ...]:
    labels = DAISY_LABELS if daisy else LABELS
    return (
        StreamSpec("eeg", "", "EEG", labels, ("microvolts",) * len(labels), DAISY_RATE if daisy else RATE),
        StreamSpec("accel", "Accel", "Accelerometer", ACCEL_LABELS, ("g",) * 3, ACCEL_RATE, aligned_to="eeg"),
        StreamSpec(
            MOTION_KEY,
            "Motion",
            "Quality",
            ("moving", "motion_sd"),
            ("bool", "g"),
            ACCEL_RATE,
            aligned_to="eeg",
        ),
    )


SPEC = DeviceSpec(
    name="cyton",
    title="OpenBCI Cyton",
    serial=SerialSettings(baudrate=115200),
    streams=_streams(daisy=False),
    make_parser=CytonParser,
    make_emulator=CytonEmulator,
    start_commands=b"b",
    stop_commands=b"s",
    verdict=_motion_verdict,
    packet_size=PACKET_SIZE,
)

DAISY_SPEC = DeviceSpec(
    name="cyton",
    title="OpenBCI Cyton + Daisy",
    serial=SPEC.serial,
    streams=_streams(daisy=True),
    make_parser=functools.partial(CytonParser, daisy=True),
    make_emulator=functools.partial(CytonEmulator, daisy=True),
    start_commands=b"b",
    stop_commands=b"s",
    verdict=_motion_verdict,
    packet_size=PACKET_SIZE,
)


def device_spec(daisy: bool) -> DeviceSpec:
    """The Cyton's spec: 8 channels at 250 Hz, or 16 at 125 Hz with a Daisy module."""
    return DAISY_SPEC if daisy else SPEC
