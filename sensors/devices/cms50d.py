"""Contec CMS50D+ finger pulse oximeter, live mode.

Byte format as reverse-engineered in atbrask/CMS50Dplus (``cms50dplus.py``, class ``LiveDataPoint``,
https://github.com/atbrask/CMS50Dplus); serial 19200 baud, 8 data bits, odd parity, 1 stop bit.
60 packets/s of 5 bytes; only the first byte of a packet has its high bit set::

    byte 0  1 | beep (pulse beat) 0x40 | SpO2 dropping 0x20 | finger out 0x10 | signal strength 0x0F
    byte 1  0 | pulse waveform 0..127
    byte 2  0 | pulse rate bit 7 0x40 | searching 0x20 | probe error 0x10 | bar graph 0x0F
    byte 3  0 | pulse rate bits 0-6
    byte 4  0 | SpO2 % 0..127

Pulse rate 0 or 255 and SpO2 0 or 127 mean "no reading". There is no checksum: a packet is accepted
when the next packet's sync byte follows exactly 5 bytes after its own (one byte of latency).
"""

from __future__ import annotations

import numpy as np

from sensors.devices.device_interfaces import BufferedParser, Decoded, DeviceSpec, SerialSettings, StreamSpec
from sensors.devices.sources import SignalSource, SineSource
from sensors.types import Level, Verdict

PACKET_SIZE = 5
RATE = 60.0
FIELDS = (
    "signal_strength",
    "finger_out",
    "spo2_dropping",
    "beep",
    "waveform",
    "bar_graph",
    "probe_error",
    "searching",
    "pulse_rate",
    "spo2",
)
_OFFSETS = np.arange(PACKET_SIZE)


def decode_fields(raw: np.ndarray) -> dict[str, np.ndarray]:
    """Fields of a (k, 5) uint8 array of whole packets, each as an int array (k,)."""
    r = raw.astype(np.int64)
    return {
        "signal_strength": r[:, 0] & 0x0F,
        "finger_out": (r[:, 0] >> 4) & 1,
        "spo2_dropping": (r[:, 0] >> 5) & 1,
        "beep": (r[:, 0] >> 6) & 1,
        "waveform": r[:, 1] & 0x7F,
        "bar_graph": r[:, 2] & 0x0F,
        "probe_error": (r[:, 2] >> 4) & 1,
        "searching": (r[:, 2] >> 5) & 1,
        "pulse_rate": ((r[:, 2] & 0x40) << 1) | (r[:, 3] & 0x7F),
        "spo2": r[:, 4] & 0x7F,
    }


def encode_packets(fields: dict[str, np.ndarray]) -> bytes:
    """Encode packets from arrays of the :data:`FIELDS` (all the same length)."""
    f = {k: np.asarray(fields[k], dtype=np.int64) for k in FIELDS}
    k = len(f["waveform"])
    out = np.zeros((k, PACKET_SIZE), dtype=np.uint8)
    out[:, 0] = (
        0x80
        | (f["signal_strength"] & 0x0F)
        | ((f["finger_out"] & 1) << 4)
        | ((f["spo2_dropping"] & 1) << 5)
        | ((f["beep"] & 1) << 6)
    )
    out[:, 1] = f["waveform"] & 0x7F
    out[:, 2] = (
        (f["bar_graph"] & 0x0F)
        | ((f["probe_error"] & 1) << 4)
        | ((f["searching"] & 1) << 5)
        | ((f["pulse_rate"] & 0x80) >> 1)
    )
    out[:, 3] = f["pulse_rate"] & 0x7F
    out[:, 4] = f["spo2"] & 0x7F
    return out.tobytes()


class Cms50dParser(BufferedParser):
    """Incremental CMS50D+ live-mode parser (vectorised over the high-bit sync bytes)."""

    def decode(self, data: bytes) -> np.ndarray:
        """Consume ``data``; return the whole packets it completes as a (k, 5) uint8 array."""
        self._buf += data
        b = np.frombuffer(bytes(self._buf), dtype=np.uint8)
        n = len(b)
        syncs = np.flatnonzero(b & 0x80)
        stats = self.stats
        if not len(syncs):
            stats.skipped_bytes += n
            self._buf.clear()
            return np.zeros((0, PACKET_SIZE), np.uint8)
        stats.skipped_bytes += int(syncs[0])
        gaps = np.diff(syncs)
        good = gaps == PACKET_SIZE
        bad = ~good
        stats.corrupt += int(bad.sum())
        stats.skipped_bytes += int(gaps[bad].sum())
        last = int(syncs[-1])
        if n - last > PACKET_SIZE:  # too long to be a packet whatever comes next
            stats.corrupt += 1
            stats.skipped_bytes += n - last
            last = n
        del self._buf[:last]
        starts = syncs[:-1][good]
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
        spo2[(spo2 == 0) | (spo2 == 127)] = np.nan
        no_contact = (f["finger_out"] | f["probe_error"]).astype(bool)
        quality = np.where(no_contact, 0.0, f["signal_strength"] / 15.0)
        return {
            "ppg": f["waveform"][:, None].astype(np.float64),
            "vitals": np.column_stack([pulse, spo2, f["beep"]]).astype(np.float64),
            "quality": np.column_stack(
                [quality, f["signal_strength"], f["finger_out"], f["searching"]]
            ).astype(np.float64),
        }


def verdict(decoded: Decoded) -> Verdict | None:
    """Quality verdict from the latest packet: finger out, searching for a pulse, or good."""
    q = decoded.get("quality")
    if q is None:
        return None
    if q[-1, 2]:
        return Verdict(Level.BAD, "finger out of the oximeter")
    if q[-1, 3]:
        return Verdict(Level.DEGRADED, "oximeter searching for a pulse")
    return Verdict.good()


class Cms50dEmulator:
    """A CMS50D+ in live mode: the waveform follows the source (scaled to 0..127 over its recent range),
    beats are upward crossings of the mid-range, pulse rate comes from the beat intervals."""

    rate = RATE

    def __init__(self, source: SignalSource | None = None, spo2: int = 98, finger_out: bool = False):
        self.source = source or SineSource(
            fs=RATE, channels=1, labels=["pleth"], amplitude=1.0, freq=1.2, noise=0.02
        )
        self.streaming = True
        self.spo2 = spo2
        self.finger_out = finger_out
        self._lo, self._hi = np.inf, -np.inf
        self._prev_above = False
        self._n = 0
        self._last_beat: int | None = None
        self._pulse = 0

    def command(self, data: bytes) -> bytes:
        return b""  # live mode streams without being asked

    def packets(self, n: int) -> bytes:
        return encode_packets(self.fields(n))

    def fields(self, n: int) -> dict[str, np.ndarray]:
        """The next ``n`` packets' :data:`FIELDS`."""
        x = np.asarray(self.source.next_chunk(n), dtype=np.float64)[:, 0]
        self._lo = min(self._lo, float(x.min()))
        self._hi = max(self._hi, float(x.max()))
        span = max(self._hi - self._lo, 1e-9)
        wave = np.clip(np.round((x - self._lo) / span * 127), 0, 127).astype(np.int64)
        beep = np.zeros(n, np.int64)
        pulse = np.zeros(n, np.int64)
        for i, w in enumerate(wave.tolist()):
            above = w > 63
            if above and not self._prev_above:
                beep[i] = 1
                if self._last_beat is not None:
                    self._pulse = min(254, round(60 * RATE / max(self._n + i - self._last_beat, 1)))
                self._last_beat = self._n + i
            self._prev_above = above
            pulse[i] = self._pulse
        self._n += n
        out = n if not self.finger_out else 0
        return {
            "signal_strength": np.full(n, 8 if out else 0),
            "finger_out": np.full(n, int(self.finger_out)),
            "spo2_dropping": np.zeros(n),
            "beep": beep if out else np.zeros(n),
            "waveform": wave if out else np.zeros(n),
            "bar_graph": wave // 16 if out else np.zeros(n),
            "probe_error": np.zeros(n),
            "searching": np.full(n, int(out and self._pulse == 0)),
            "pulse_rate": pulse if out else np.zeros(n),
            "spo2": np.full(n, self.spo2 if out else 127),
        }


SPEC = DeviceSpec(
    name="cms50d",
    title="Contec CMS50D+ pulse oximeter",
    serial=SerialSettings(baudrate=19200, parity="O"),
    streams=(
        StreamSpec("ppg", "", "PPG", ("pleth",), ("a.u.",), RATE),
        StreamSpec(
            "vitals", "Vitals", "Vitals", ("pulse_rate", "spo2", "beat"), ("bpm", "percent", "bool"), RATE
        ),
        StreamSpec(
            "quality",
            "Quality",
            "Quality",
            ("quality", "signal_strength", "finger_out", "searching"),
            ("ratio", "a.u.", "bool", "bool"),
            RATE,
        ),
    ),
    make_parser=Cms50dParser,
    make_emulator=Cms50dEmulator,
    verdict=verdict,
    packet_size=PACKET_SIZE,
)
