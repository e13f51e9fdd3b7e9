"""Check an XDF file's chunk structure before pyxdf reads it, so a corrupt length never costs memory.

pyxdf trusts every length in the file: a chunk claiming 2**63 bytes makes it ask for that much
memory, a samples chunk claiming 2**32 samples makes it allocate arrays of that many rows. This
walk reads only chunk headers (seeking over the contents) and refuses any length that the rest of
the file cannot hold. A truncated last samples chunk (a recording cut off by a power loss) stays
readable: pyxdf recovers what it holds.
"""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import BinaryIO

_MAGIC = b"XDF:"
_STREAM_TAGS = (2, 3, 4, 6)  # stream header, samples, clock offset, stream footer
_VALUE_BYTES = {"double64": 8, "float32": 4, "int64": 8, "int32": 4, "int16": 2, "int8": 1, "string": 2}


class XdfStructureError(ValueError):
    """A length field in the file that its remaining bytes cannot hold (one line)."""


def _varlen(fh: BinaryIO, where: int) -> tuple[int, int]:
    """An XDF variable-length integer and the bytes it took; EOFError at the end of the file."""
    head = fh.read(1)
    if not head:
        raise EOFError
    width = head[0]
    if width not in (1, 4, 8):
        raise XdfStructureError(f"corrupt XDF: bad length width {width} at byte {where}")
    raw = fh.read(width)
    if len(raw) != width:
        raise EOFError
    return int.from_bytes(raw, "little"), 1 + width


def _bytes_per_sample(header: bytes) -> int:
    """The fewest bytes one sample of a stream can take on disk (1 when the header is unreadable)."""
    try:
        info = ET.fromstring(header.decode("utf-8", "replace"))
        channels = int(info.findtext("channel_count") or "")
        value_bytes = _VALUE_BYTES[info.findtext("channel_format") or ""]
    except (ET.ParseError, ValueError, KeyError):
        return 1  # pyxdf refuses this header itself
    return 1 + max(channels, 0) * value_bytes  # a one-byte time-stamp flag, then the values


def check_xdf_structure(path: str | Path) -> None:
    """Raise ``XdfStructureError`` if a chunk or samples count in ``path`` exceeds the file."""
    path = Path(path)
    size = path.stat().st_size
    sample_bytes: dict[bytes, int] = {}
    with path.open("rb") as fh:
        if fh.read(4) != _MAGIC:
            return  # not XDF at all: pyxdf says so in its own words
        while True:
            start = fh.tell()
            try:
                length, width = _varlen(fh, start)
            except EOFError:
                return
            tag_bytes = fh.read(2)
            if len(tag_bytes) < 2:
                return
            (tag,) = struct.unpack("<H", tag_bytes)
            left = size - start - width  # bytes from the tag to the end of the file
            if length < 2:
                raise XdfStructureError(f"corrupt XDF: chunk at byte {start} is {length} bytes long")
            if tag == 3:
                _check_samples(fh, start, min(length, left), sample_bytes)
                if length > left:
                    return  # the recording was cut off inside this chunk
            elif length > left:
                raise XdfStructureError(
                    f"corrupt XDF: chunk at byte {start} claims {length} bytes, the file has {left} left"
                )
            elif tag == 2 and length >= 6:
                stream = fh.read(4)
                sample_bytes[stream] = _bytes_per_sample(fh.read(length - 6))
            fh.seek(start + width + length)


def _check_samples(fh: BinaryIO, start: int, length: int, sample_bytes: dict[bytes, int]) -> None:
    """A samples chunk's count times its smallest sample must fit in the chunk's bytes."""
    stream = fh.read(4)
    try:
        count, width = _varlen(fh, fh.tell())
    except EOFError:
        return
    room = length - 2 - 4 - width
    smallest = sample_bytes.get(stream, 1)
    if count * smallest > room:
        raise XdfStructureError(
            f"corrupt XDF: samples chunk at byte {start} claims {count} samples of at least "
            f"{smallest} bytes in {max(room, 0)} bytes"
        )
