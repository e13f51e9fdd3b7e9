"""Line-based GSR / Arduino sensors (Grove GSR and similar sketches printing one reading per line).

Byte format: ASCII lines ended by ``\\n`` (an optional ``\\r`` before it is ignored), at a configurable
baud rate (Arduino sketches commonly use 9600 or 115200, 8-N-1). Accepted line formats, following the
Arduino ``Serial.println`` examples of Seeed's Grove GSR wiki (https://wiki.seeedstudio.com/Grove-GSR_Sensor/)
and the comma/key-value habits of Arduino plotter sketches::

    value            e.g. ``517``
    t,value          e.g. ``123456,517`` (t: the sketch's millis(), kept in the second channel)
    key=value,...    e.g. ``t=123456,gsr=517,temp=31.2`` (the value is read from ``key``, t from ``t``)

``auto`` picks the format per line. Readings become microsiemens through a calibration profile of
``gsr_calibration.toml`` (Grove formula or linear). Lines longer than 128 bytes, non-ASCII or
non-numeric lines are counted as corrupt and skipped; there is no checksum.
"""

from __future__ import annotations

import functools
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sensors.devices.device_interfaces import BufferedParser, Decoded, DeviceSpec, SerialSettings, StreamSpec
from sensors.devices.sources import SignalSource, SineSource

MAX_LINE = 128
RATE = 10.0
FORMATS = ("auto", "value", "t,value", "key=value")
CALIBRATION_FILE = Path(__file__).with_name("gsr_calibration.toml")


@dataclass(frozen=True)
class GsrCalibration:
    """Reading -> µS: ``grove`` (Seeed's formula; ``zero`` = open-electrode reading; times ``gain``, a
    unit's measured correction) or ``linear`` (``scale`` * reading + ``offset``)."""

    model: str = "grove"
    zero: float = 512.0
    adc_max: float = 1023.0
    scale: float = 1.0
    offset: float = 0.0
    gain: float = 1.0

    def to_microsiemens(self, reading: np.ndarray) -> np.ndarray:
        x = np.asarray(reading, dtype=np.float64)
        if self.model == "linear":
            return self.scale * x + self.offset
        with np.errstate(divide="ignore", invalid="ignore"):
            ohm = (self.adc_max + 1 + 2 * x) * 10000.0 / (self.zero - x)
            us = self.gain * 1e6 / ohm
        return np.where((x >= 0) & (x < self.zero), us, np.nan)

    def to_reading(self, microsiemens: np.ndarray) -> np.ndarray:
        """The inverse, for emulators."""
        g = np.asarray(microsiemens, dtype=np.float64)
        if self.model == "linear":
            return (g - self.offset) / self.scale
        ohm = 1e6 * self.gain / np.maximum(g, 1e-9)
        # ohm * (zero - x) = (adc_max + 1 + 2x) * 1e4  ->  x = (ohm*zero - (adc_max+1)*1e4) / (ohm + 2e4)
        return (ohm * self.zero - (self.adc_max + 1) * 1e4) / (ohm + 2e4)


@functools.cache
def load_calibration(name: str = "grove", path: Path = CALIBRATION_FILE) -> GsrCalibration:
    """A named profile from the calibration file (read once per name and path)."""
    profiles = tomllib.loads(path.read_text(encoding="utf-8"))
    if name not in profiles:
        raise KeyError(f"no GSR calibration {name!r} in {path} (have: {', '.join(profiles)})")
    return GsrCalibration(**profiles[name])


def parse_line(line: str, fmt: str = "auto", key: str = "gsr") -> tuple[float, float] | None:
    """(t, reading) from one line (t is NaN when absent); None when the line does not fit the format."""
    if fmt in ("value", "auto") and "=" not in line and "," not in line:  # the common bare reading
        try:
            value = float(line)
        except ValueError:
            return None
        return (math.nan, value) if math.isfinite(value) else None
    try:
        if fmt == "key=value" or (fmt == "auto" and "=" in line):
            pairs = dict(item.split("=", 1) for item in line.split(","))
            pairs = {k.strip(): v for k, v in pairs.items()}
            value = float(pairs[key])
            t = float(pairs["t"]) if "t" in pairs else math.nan
        elif fmt == "t,value" or (fmt == "auto" and "," in line):
            t_text, value_text = line.split(",")
            t, value = float(t_text), float(value_text)
        elif fmt in ("value", "auto"):
            t, value = math.nan, float(line)
        else:
            return None
    except (ValueError, KeyError):
        return None
    if not math.isfinite(value):
        return None
    return t, value


def encode_line(value: float, fmt: str = "value", t: float | None = None, key: str = "gsr") -> bytes:
    """One line as an Arduino sketch would print it."""
    text = f"{value:g}"
    if fmt == "t,value":
        text = f"{t:g},{text}"
    elif fmt == "key=value":
        text = (f"t={t:g}," if t is not None else "") + f"{key}={text}"
    return (text + "\r\n").encode("ascii")


class GsrParser(BufferedParser):
    """Incremental line parser: readings (and the sketch's t) as µS rows."""

    def __init__(self, fmt: str = "auto", key: str = "gsr", calibration: GsrCalibration | None = None):
        if fmt not in FORMATS:
            raise ValueError(f"unknown GSR line format {fmt!r}; use one of {', '.join(FORMATS)}")
        self.fmt = fmt
        self.key = key
        self.calibration = calibration or load_calibration()
        super().__init__()
        self._discarding = False  # inside an over-long line: drop until its newline

    def reset(self) -> None:
        super().reset()
        self._discarding = False

    def decode(self, data: bytes) -> list[tuple[float, float]]:
        """Consume ``data``; return (t, reading) for each complete valid line."""
        self._buf += data
        *lines, rest = self._buf.split(b"\n")
        out: list[tuple[float, float]] = []
        for raw in lines:
            if self._discarding:
                self._discarding = False
                self.stats.skipped_bytes += len(raw) + 1
                continue
            text = raw.strip(b"\r \t\x00")
            if not text:
                self.stats.skipped_bytes += len(raw) + 1
                continue
            parsed = None
            if len(raw) <= MAX_LINE:
                try:
                    parsed = parse_line(text.decode("ascii"), self.fmt, self.key)
                except UnicodeDecodeError:
                    parsed = None
            if parsed is None:
                self.stats.corrupt += 1
                self.stats.skipped_bytes += len(raw) + 1
                continue
            out.append(parsed)
        if len(rest) > MAX_LINE:
            if not self._discarding:
                self.stats.corrupt += 1
            self._discarding = True
            self.stats.skipped_bytes += len(rest)
            rest = bytearray()
        self._buf = bytearray(rest)
        self.stats.packets += len(out)
        return out

    def feed(self, data: bytes) -> Decoded:
        rows = self.decode(data)
        if not rows:
            return {}
        arr = np.asarray(rows, dtype=np.float64)
        return {"eda": np.column_stack([self.calibration.to_microsiemens(arr[:, 1]), arr[:, 1], arr[:, 0]])}


class GsrEmulator:
    """An Arduino with a Grove GSR sensor printing one reading per source sample (source in µS)."""

    def __init__(
        self,
        source: SignalSource | None = None,
        fmt: str = "value",
        calibration: GsrCalibration | None = None,
    ):
        self.source = source or SineSource(
            fs=RATE, channels=1, labels=["eda"], amplitude=0.5, freq=0.05, noise=0.02, offset=5.0
        )
        self.rate = self.source.fs
        self.fmt = "value" if fmt == "auto" else fmt
        self.calibration = calibration or load_calibration()
        self.streaming = True
        self._t_ms = 0.0

    def command(self, data: bytes) -> bytes:
        return b""

    def packets(self, n: int) -> bytes:
        us = np.asarray(self.source.next_chunk(n), dtype=np.float64)[:, 0]
        readings = np.clip(np.round(self.calibration.to_reading(us)), 0, self.calibration.adc_max)
        out = bytearray()
        for r in readings.tolist():
            out += encode_line(r, self.fmt, t=self._t_ms)
            self._t_ms += 1000.0 / self.rate
        return bytes(out)


SPEC = DeviceSpec(
    name="gsr",
    title="Line-based GSR / Arduino sensor",
    serial=SerialSettings(baudrate=9600),
    streams=(
        StreamSpec("eda", "", "EDA", ("eda", "reading", "device_t"), ("microsiemens", "a.u.", "ms"), RATE),
    ),
    make_parser=GsrParser,
    make_emulator=GsrEmulator,
    packet_size=6,
)
