"""Finish an XDF file whose writer died: cut it at the last complete chunk and add the footers.

The recorder only ever hands whole chunks to the kernel, so after ``kill -9`` the file already ends
on a chunk boundary and loads in pyxdf; a power cut or a write interrupted by the kill may still
leave a torn last chunk. ``repair`` handles both: it walks the chunks, truncates a torn tail, and
appends a StreamFooter (first/last timestamp, sample count, clock offsets) for each stream that has
none, from what the file holds.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import numpy as np

from station.recording import xdf_format
from station.recording.xdf_writer import StreamStats


class XdfFormatError(ValueError):
    """The file is not XDF (no magic), so there is nothing to repair."""


@dataclass(frozen=True)
class RawChunk:
    tag: int
    stream_id: int | None
    content: bytes  # after the stream id, if any
    start: int
    end: int


def _varlen(buf: bytes, pos: int) -> tuple[int, int] | None:
    """(value, next position), or None if the buffer ends inside the integer or it is malformed."""
    if pos >= len(buf):
        return None
    width = buf[pos]
    if width not in (1, 4, 8) or pos + 1 + width > len(buf):
        return None
    value = int.from_bytes(buf[pos + 1 : pos + 1 + width], "little")
    return value, pos + 1 + width


def iter_chunks(data: bytes) -> Iterator[RawChunk]:
    """Complete chunks of an XDF file's bytes, in order; stops silently at a torn or bad tail."""
    if not data.startswith(xdf_format.MAGIC):
        raise XdfFormatError("not an XDF file (no XDF: magic)")
    pos = len(xdf_format.MAGIC)
    while True:
        header = _varlen(data, pos)
        if header is None:
            return
        length, body = header
        end = body + length
        if length < 2 or end > len(data):
            return
        tag = struct.unpack_from("<H", data, body)[0]
        if tag in (
            xdf_format.TAG_STREAM_HEADER,
            xdf_format.TAG_SAMPLES,
            xdf_format.TAG_CLOCK_OFFSET,
            xdf_format.TAG_STREAM_FOOTER,
        ):
            if length < 6:
                return
            stream_id = struct.unpack_from("<I", data, body + 2)[0]
            content = data[body + 6 : end]
        else:
            stream_id, content = None, data[body + 2 : end]
        yield RawChunk(tag, stream_id, content, pos, end)
        pos = end


def sample_timestamps(content: bytes, stats: StreamStats) -> np.ndarray:
    """Timestamps stored in one Samples chunk's content (samples without a stamp give NaN)."""
    n, pos = _varlen(content, 0) or (0, 0)
    stamps = np.full(n, np.nan)
    width = (
        0
        if stats.channel_format == "string"
        else np.dtype(xdf_format.NUMERIC_FORMATS[stats.channel_format]).itemsize * stats.channel_count
    )
    for k in range(n):
        has_stamp = content[pos] == 8
        pos += 1
        if has_stamp:
            stamps[k] = struct.unpack_from("<d", content, pos)[0]
            pos += 8
        if width:
            pos += width
        else:
            for _ in range(stats.channel_count):
                size, pos = _varlen(content, pos)  # type: ignore[misc]
                pos += size
    return stamps


def scan(path: str | Path) -> tuple[int, dict[int, StreamStats], set[int]]:
    """(end of the last complete chunk, per-stream statistics, ids of streams with a footer)."""
    data = Path(path).read_bytes()
    end = len(xdf_format.MAGIC)
    streams: dict[int, StreamStats] = {}
    footed: set[int] = set()
    for c in iter_chunks(data):
        end = c.end
        if c.stream_id is None:  # the file header and boundary chunks: no stream to count
            continue
        if c.tag == xdf_format.TAG_STREAM_HEADER:
            info = ElementTree.fromstring(c.content)
            streams[c.stream_id] = StreamStats(
                info.findtext("channel_format", "float32"), int(info.findtext("channel_count", "1"))
            )
        elif c.tag == xdf_format.TAG_SAMPLES and c.stream_id in streams:
            s = streams[c.stream_id]
            stamps = sample_timestamps(c.content, s)
            stamped = stamps[~np.isnan(stamps)]
            if len(stamped):
                s.first_timestamp = s.first_timestamp if s.first_timestamp is not None else float(stamped[0])
                s.last_timestamp = float(stamped[-1])
            s.sample_count += len(stamps)
        elif c.tag == xdf_format.TAG_CLOCK_OFFSET and c.stream_id in streams:
            streams[c.stream_id].offsets.append(struct.unpack("<dd", c.content[:16]))
        elif c.tag == xdf_format.TAG_STREAM_FOOTER:
            footed.add(c.stream_id)
    return end, streams, footed


def repair(path: str | Path) -> bool:
    """Truncate a torn tail and add the missing footers; returns True if the file was changed."""
    path = Path(path)
    end, streams, footed = scan(path)
    torn = end < path.stat().st_size
    footers = [s.footer(sid) for sid, s in streams.items() if sid not in footed]
    if not torn and not footers:
        return False
    fd = os.open(path, os.O_WRONLY)
    try:
        os.ftruncate(fd, end)
        os.lseek(fd, end, os.SEEK_SET)
        try:
            os.write(fd, b"".join(footers))
        except OSError:  # a full disk: no footers, but no torn one either (readers do without)
            os.ftruncate(fd, end)
        os.fsync(fd)
    finally:
        os.close(fd)
    return True
