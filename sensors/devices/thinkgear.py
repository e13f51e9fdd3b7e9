"""NeuroSky ThinkGear (MindWave, MindWave Mobile, TGAM boards).

Byte format, as documented by NeuroSky's "ThinkGear Serial Stream Guide" (ThinkGear communications
protocol, developer.neurosky.com/docs/doku.php?id=thinkgear_communications_protocol, and its sample
``ThinkGearStreamParser.c``); serial 57600 baud 8-N-1 in raw output mode::

    0xAA 0xAA    SYNC, SYNC
    PLENGTH      payload length 0..169 (0xAA here means the previous byte was a spurious SYNC)
    PAYLOAD      PLENGTH bytes of data rows
    CHKSUM       ones' complement of the low 8 bits of the payload's sum

    data row:  [0x55]*level  CODE  [VLENGTH if CODE >= 0x80]  VALUE (1 byte when CODE < 0x80)

Codes used here (extended-code level 0): 0x02 POOR_SIGNAL (0 good .. 200 no skin contact),
0x04 ATTENTION and 0x05 MEDITATION eSense (0..100), 0x16 BLINK strength, 0x80 RAW (2 bytes,
big-endian signed, 512 Hz), 0x83 ASIC_EEG_POWER (8 x 3-byte big-endian unsigned: delta, theta,
low alpha, high alpha, low beta, high beta, low gamma, mid gamma). Other rows are parsed and skipped.
Raw to µV: raw * 1.8 / 4096 / 2000 * 1e6 (NeuroSky: ADC range 1.8 V over 12 bits, amplifier gain 2000).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sensors.devices.device_interfaces import BufferedParser, Decoded, DeviceSpec, SerialSettings, StreamSpec
from sensors.devices.sources import SignalSource, SineSource
from sensors.types import Level, Verdict

SYNC = 0xAA
EXCODE = 0x55
MAX_PAYLOAD = 169
POOR_SIGNAL, ATTENTION, MEDITATION, BLINK, RAW, ASIC_EEG_POWER = 0x02, 0x04, 0x05, 0x16, 0x80, 0x83
RAW_RATE = 512.0
UV_PER_COUNT = 1.8 / 4096 / 2000 * 1e6
BANDS = ("delta", "theta", "low_alpha", "high_alpha", "low_beta", "high_beta", "low_gamma", "mid_gamma")
# NeuroSky's band edges in Hz, used by the emulator to compute ASIC_EEG_POWER from its signal.
BAND_EDGES = (
    (0.5, 2.75),
    (3.5, 6.75),
    (7.5, 9.25),
    (10.0, 11.75),
    (13.0, 16.75),
    (18.0, 29.75),
    (31.0, 39.75),
    (41.0, 49.75),
)

Row = tuple[int, int, bytes]  # (extended-code level, code, value bytes)


def checksum(payload: bytes | bytearray) -> int:
    """Ones' complement of the low byte of the payload sum."""
    return ~sum(payload) & 0xFF


def encode_row(code: int, value: bytes, level: int = 0) -> bytes:
    """One data row; codes below 0x80 carry exactly one value byte."""
    if code < 0x80:
        if len(value) != 1:
            raise ValueError(f"code 0x{code:02X} takes one value byte, got {len(value)}")
        return bytes([EXCODE] * level + [code]) + value
    return bytes([EXCODE] * level + [code, len(value)]) + value


def encode_packet(rows: Sequence[Row]) -> bytes:
    """A whole packet (SYNC SYNC PLENGTH PAYLOAD CHKSUM) from (level, code, value) rows."""
    payload = b"".join(encode_row(code, value, level) for level, code, value in rows)
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    return bytes([SYNC, SYNC, len(payload)]) + payload + bytes([checksum(payload)])


def raw_packet(value: int) -> bytes:
    """The 8-byte packet carrying one raw sample."""
    return encode_packet([(0, RAW, int(value).to_bytes(2, "big", signed=True))])


def parse_rows(payload: bytes) -> tuple[list[Row], bool]:
    """Split a payload into rows; the flag is False when the last row ran past the payload's end."""
    rows: list[Row] = []
    k, n = 0, len(payload)
    while k < n:
        level = 0
        while k < n and payload[k] == EXCODE:
            level += 1
            k += 1
        if k >= n:
            return rows, False
        code = payload[k]
        k += 1
        if code >= 0x80:
            if k >= n:
                return rows, False
            vlen = payload[k]
            k += 1
        else:
            vlen = 1
        if k + vlen > n:
            return rows, False
        rows.append((level, code, payload[k : k + vlen]))
        k += vlen
    return rows, True


class ThinkGearParser(BufferedParser):
    """Incremental ThinkGear parser: checksummed packets, resync on the next SYNC SYNC after any error."""

    def _payloads(self, data: bytes) -> list[bytes]:
        """Consume ``data``; return the payloads of the packets whose checksum is right."""
        buf = self._buf
        buf += data
        n = len(buf)
        out: list[bytes] = []
        i = 0
        sync = b"\xaa\xaa"
        stats = self.stats
        while True:
            j = buf.find(sync, i)
            if j < 0:
                keep = n - 1 if n and buf[-1] == SYNC else n
                stats.skipped_bytes += max(keep - i, 0)
                i = max(keep, i)
                break
            stats.skipped_bytes += j - i
            i = j
            if j + 2 >= n:
                break
            plen = buf[j + 2]
            if plen == SYNC:  # SYNC SYNC SYNC: the first one was spurious
                stats.skipped_bytes += 1
                i = j + 1
                continue
            if plen > MAX_PAYLOAD:
                stats.corrupt += 1
                stats.skipped_bytes += 3
                i = j + 3
                continue
            end = j + 3 + plen
            if end >= n:
                break
            payload = bytes(buf[j + 3 : end])
            if ~sum(payload) & 0xFF != buf[end]:
                stats.corrupt += 1
                stats.skipped_bytes += 2
                i = j + 2  # the next packet may start inside this one
                continue
            out.append(payload)
            i = end + 1
        del buf[:i]
        stats.packets += len(out)
        return out

    def decode(self, data: bytes) -> list[list[Row]]:
        """Consume ``data`` and return the rows of each valid packet (malformed rows count as corrupt)."""
        packets = []
        for payload in self._payloads(data):
            rows, complete = parse_rows(payload)
            if not complete:
                self.stats.corrupt += 1
            packets.append(rows)
        return packets

    def feed(self, data: bytes) -> Decoded:
        values = _DecodedValues()
        for payload in self._payloads(data):
            if len(payload) == 4 and payload[0] == RAW and payload[1] == 2:  # the 512 Hz common case
                v = (payload[2] << 8) | payload[3]
                values.raw.append(v - 0x10000 if v & 0x8000 else v)
                continue
            rows, complete = parse_rows(payload)
            if not complete:
                self.stats.corrupt += 1
            values.add_rows(rows)
        return values.decoded()


@dataclass
class _DecodedValues:
    """The values of the packets of one ``feed`` call, gathered per stream."""

    raw: list[int] = field(default_factory=list)
    esense: list[tuple[float, float]] = field(default_factory=list)
    bands: list[list[int]] = field(default_factory=list)
    quality: list[tuple[float, float]] = field(default_factory=list)
    blinks: list[float] = field(default_factory=list)

    def add_rows(self, rows: list[Row]) -> None:
        """Gather one packet's rows (extended-code rows are skipped)."""
        attention = meditation = float("nan")
        for level, code, value in rows:
            if level:
                continue
            if code == RAW and len(value) == 2:
                self.raw.append(int.from_bytes(value, "big", signed=True))
            elif code == POOR_SIGNAL:
                self.quality.append((max(0.0, 1.0 - value[0] / 200.0), float(value[0])))
            elif code == ATTENTION:
                attention = float(value[0])
            elif code == MEDITATION:
                meditation = float(value[0])
            elif code == BLINK:
                self.blinks.append(float(value[0]))
            elif code == ASIC_EEG_POWER and len(value) == 24:
                self.bands.append([int.from_bytes(value[3 * b : 3 * b + 3], "big") for b in range(8)])
        if attention == attention or meditation == meditation:
            self.esense.append((attention, meditation))

    def decoded(self) -> Decoded:
        """The gathered values as arrays, one per stream that received any."""
        out: Decoded = {}
        if self.raw:
            out["eeg"] = np.asarray(self.raw, dtype=np.float64)[:, None] * UV_PER_COUNT
        if self.esense:
            out["esense"] = np.asarray(self.esense, dtype=np.float64)
        if self.bands:
            out["bands"] = np.asarray(self.bands, dtype=np.float64)
        if self.quality:
            out["quality"] = np.asarray(self.quality, dtype=np.float64)
        if self.blinks:
            out["blink"] = np.asarray(self.blinks, dtype=np.float64)[:, None]
        return out


def verdict(decoded: Decoded) -> Verdict | None:
    """Quality verdict from the latest POOR_SIGNAL value (200 means no skin contact)."""
    q = decoded.get("quality")
    if q is None:
        return None
    poor = q[-1, 1]
    if poor >= 200:
        return Verdict(Level.BAD, "no skin contact (POOR_SIGNAL 200)")
    if poor > 50:
        return Verdict(Level.DEGRADED, f"poor signal (POOR_SIGNAL {poor:.0f})")
    return Verdict.good()


class ThinkGearEmulator:
    """A MindWave headset: raw samples at 512 Hz, once a second POOR_SIGNAL, band powers and eSense.

    Band powers come from the FFT of the last second of the emitted signal; attention and meditation
    from the beta and alpha shares of those powers. ``poor_signal`` can be set to emulate bad contact.
    """

    rate = RAW_RATE

    def __init__(self, source: SignalSource | None = None, poor_signal: int = 0):
        self.source = source or SineSource(fs=RAW_RATE, channels=1, labels=["Fp1"])
        self.streaming = True
        self.poor_signal = poor_signal
        self._last_second: deque[float] = deque(maxlen=int(RAW_RATE))
        self._n = 0

    def command(self, data: bytes) -> bytes:
        return b""  # the headset streams on its own; host commands only change modes

    def packets(self, n: int) -> bytes:
        uv = np.asarray(self.source.next_chunk(n), dtype=np.float64)[:, 0]
        counts = np.clip(np.round(uv / UV_PER_COUNT), -32768, 32767).astype(np.int64)
        out = bytearray()
        for value in counts.tolist():
            out += raw_packet(value)
            self._last_second.append(value)
            self._n += 1
            if self._n % int(RAW_RATE) == 0:
                out += self._summary_packet()
        return bytes(out)

    def _summary_packet(self) -> bytes:
        x = np.asarray(self._last_second, dtype=np.float64)
        spectrum = np.abs(np.fft.rfft(x - x.mean())) ** 2 / len(x)
        freqs = np.fft.rfftfreq(len(x), 1 / RAW_RATE)
        powers = [min(int(spectrum[(freqs >= lo) & (freqs <= hi)].sum()), 0xFFFFFF) for lo, hi in BAND_EDGES]
        alpha, beta = powers[2] + powers[3], powers[4] + powers[5]
        total = max(alpha + beta, 1)
        rows: list[Row] = [
            (0, POOR_SIGNAL, bytes([self.poor_signal])),
            (0, ASIC_EEG_POWER, b"".join(p.to_bytes(3, "big") for p in powers)),
            (0, ATTENTION, bytes([round(100 * beta / total)])),
            (0, MEDITATION, bytes([round(100 * alpha / total)])),
        ]
        return encode_packet(rows)


SPEC = DeviceSpec(
    name="thinkgear",
    title="NeuroSky ThinkGear (MindWave)",
    serial=SerialSettings(baudrate=57600),
    streams=(
        StreamSpec("eeg", "", "EEG", ("Fp1",), ("microvolts",), RAW_RATE),
        StreamSpec("esense", "eSense", "eSense", ("attention", "meditation"), ("percent", "percent"), 0.0),
        StreamSpec("bands", "Bands", "EEGPower", BANDS, ("a.u.",) * 8, 0.0),
        StreamSpec("quality", "Quality", "Quality", ("quality", "poor_signal"), ("ratio", "a.u."), 0.0),
        StreamSpec("blink", "Blink", "Blink", ("blink_strength",), ("a.u.",), 0.0),
    ),
    make_parser=ThinkGearParser,
    make_emulator=ThinkGearEmulator,
    verdict=verdict,
    packet_size=8,
)
