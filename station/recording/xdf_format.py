"""Encoding of XDF 1.0 chunks (https://github.com/sccn/xdf/wiki/Specifications).

A file is the magic ``XDF:`` then chunks: ``[NumLengthBytes][Length][Tag][Content]``, where Length
counts the 2-byte tag plus the content. Stream chunks start their content with a uint32 stream id.
All numbers are little-endian. Pure functions returning bytes; the writer decides when they go to disk.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from xml.sax.saxutils import escape

import numpy as np

MAGIC = b"XDF:"
TAG_FILE_HEADER = 1
TAG_STREAM_HEADER = 2
TAG_SAMPLES = 3
TAG_CLOCK_OFFSET = 4
TAG_BOUNDARY = 5
TAG_STREAM_FOOTER = 6
BOUNDARY_UUID = bytes.fromhex("43A546DCCBF5410FB30ED5467383CBE4")

# LSL channel_format -> little-endian numpy dtype ("string" is handled separately)
NUMERIC_FORMATS: dict[str, str] = {
    "float32": "<f4",
    "double64": "<f8",
    "int8": "<i1",
    "int16": "<i2",
    "int32": "<i4",
    "int64": "<i8",
}
CHANNEL_FORMATS = (*NUMERIC_FORMATS, "string")


def varlen_int(value: int) -> bytes:
    """XDF variable-length integer: one byte giving the width (1, 4 or 8), then the value."""
    if value < 0:
        raise ValueError("XDF lengths are non-negative")
    if value < 1 << 8:
        return bytes((1, value))
    if value < 1 << 32:
        return b"\x04" + struct.pack("<I", value)
    return b"\x08" + struct.pack("<Q", value)


def chunk(tag: int, content: bytes, stream_id: int | None = None) -> bytes:
    """One complete chunk; ``stream_id`` goes first in the content of stream chunks."""
    if stream_id is not None:
        content = struct.pack("<I", stream_id) + content
    return varlen_int(len(content) + 2) + struct.pack("<H", tag) + content


def file_header(datetime_iso: str) -> bytes:
    """Magic plus the FileHeader chunk."""
    xml = (
        f'<?xml version="1.0"?><info><version>1.0</version><datetime>{escape(datetime_iso)}</datetime></info>'
    )
    return MAGIC + chunk(TAG_FILE_HEADER, xml.encode())


def stream_header(stream_id: int, info_xml: str) -> bytes:
    """StreamHeader chunk carrying the stream's LSL info XML (as ``StreamInfo.as_xml()`` gives it)."""
    return chunk(TAG_STREAM_HEADER, info_xml.encode(), stream_id)


def numeric_samples(stream_id: int, timestamps: np.ndarray, values: np.ndarray, channel_format: str) -> bytes:
    """Samples chunk for a numeric stream; every sample carries its 8-byte timestamp.

    ``values`` has shape (n, channels). Built as one packed record array: no per-sample Python.
    """
    n, channels = values.shape
    value_type = NUMERIC_FORMATS[channel_format]
    record = np.dtype([("ts_bytes", "u1"), ("ts", "<f8"), ("v", value_type, (channels,))])
    packed = np.empty(n, dtype=record)
    packed["ts_bytes"] = 8
    packed["ts"] = timestamps
    packed["v"] = values
    return chunk(TAG_SAMPLES, varlen_int(n) + packed.tobytes(), stream_id)


def string_samples(stream_id: int, timestamps: Sequence[float], values: Sequence[Sequence[str]]) -> bytes:
    """Samples chunk for a string stream (each value: varlen byte length, then UTF-8 bytes)."""
    parts = [varlen_int(len(values))]
    for t, sample in zip(timestamps, values, strict=True):
        parts.append(b"\x08" + struct.pack("<d", t))
        for value in sample:
            raw = value.encode()
            parts.append(varlen_int(len(raw)))
            parts.append(raw)
    return chunk(TAG_SAMPLES, b"".join(parts), stream_id)


def clock_offset(stream_id: int, collection_time: float, offset: float) -> bytes:
    """ClockOffset chunk. As LabRecorder does, ``collection_time`` is in the sender's clock
    (recorder's local time minus the offset) and ``offset`` is what to add to the stream's stamps."""
    return chunk(TAG_CLOCK_OFFSET, struct.pack("<dd", collection_time, offset), stream_id)


def boundary() -> bytes:
    """Boundary chunk: a restart marker a reader can scan forward to after corruption."""
    return chunk(TAG_BOUNDARY, BOUNDARY_UUID)


def stream_footer(
    stream_id: int,
    first_timestamp: float,
    last_timestamp: float,
    sample_count: int,
    offsets: Sequence[tuple[float, float]],
) -> bytes:
    """StreamFooter chunk with first/last timestamp, sample count and every clock offset."""
    offsets_xml = "".join(f"<offset><time>{t!r}</time><value>{v!r}</value></offset>" for t, v in offsets)
    xml = (
        '<?xml version="1.0"?><info>'
        "<writer>Oasis station XDF recorder</writer>"
        f"<first_timestamp>{first_timestamp!r}</first_timestamp>"
        f"<last_timestamp>{last_timestamp!r}</last_timestamp>"
        f"<sample_count>{sample_count}</sample_count>"
        f"<clock_offsets>{offsets_xml}</clock_offsets></info>"
    )
    return chunk(TAG_STREAM_FOOTER, xml.encode(), stream_id)
