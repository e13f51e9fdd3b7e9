"""An XDF file writer that keeps every flushed byte loadable after a crash.

Chunks are assembled in memory and handed to the kernel whole by ``flush()`` (one ``os.write`` of
complete chunks, then optionally ``fsync``), so a process killed between flushes leaves a file that
ends on a chunk boundary; pyxdf loads it (there are no footers yet, and pyxdf does not need them).
``close()`` appends a StreamFooter per stream with first/last timestamp, sample count and every
clock offset, as LabRecorder does.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from station.recording import xdf_format


class XdfWriteError(ValueError):
    """Samples that do not fit the stream they are written to."""


@dataclass
class StreamStats:
    """What the writer has seen of one stream; becomes its footer."""

    channel_format: str
    channel_count: int
    first_timestamp: float | None = None
    last_timestamp: float | None = None
    sample_count: int = 0
    offsets: list[tuple[float, float]] = field(default_factory=list)

    def footer(self, stream_id: int) -> bytes:
        """The StreamFooter chunk for these statistics (timestamps 0 for an empty stream)."""
        first, last = self.first_timestamp or 0.0, self.last_timestamp or 0.0
        return xdf_format.stream_footer(stream_id, first, last, self.sample_count, self.offsets)


class XdfWriter:
    """Write an XDF file incrementally; thread-safe. Use as a context manager or call close()."""

    def __init__(self, path: str | Path, *, fsync: bool = True) -> None:
        self.path = Path(path)
        self._fsync = fsync
        self._lock = threading.Lock()
        self._pending: list[bytes] = []
        self._streams: dict[int, StreamStats] = {}
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        self._pending.append(xdf_format.file_header(datetime.now(UTC).isoformat(timespec="seconds")))
        self.flush()

    def __enter__(self) -> XdfWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._fd < 0

    def add_stream(self, info_xml: str, channel_format: str, channel_count: int) -> int:
        """Write a StreamHeader; returns the new stream's id (1, 2, …)."""
        if channel_format not in xdf_format.CHANNEL_FORMATS:
            raise XdfWriteError(f"unknown channel format {channel_format!r}")
        if channel_count < 1:
            raise XdfWriteError("a stream has at least one channel")
        with self._lock:
            stream_id = len(self._streams) + 1
            self._streams[stream_id] = StreamStats(channel_format, channel_count)
            self._pending.append(xdf_format.stream_header(stream_id, info_xml))
        return stream_id

    def write_samples(
        self, stream_id: int, timestamps: Sequence[float] | np.ndarray, values: Sequence | np.ndarray
    ) -> None:
        """Queue a Samples chunk: ``values`` is (n, channels); strings for string streams."""
        stats = self._stats(stream_id)
        stamps = np.asarray(timestamps, dtype=np.float64).reshape(-1)
        n = len(stamps)
        if n == 0:
            return
        if stats.channel_format == "string":
            rows = [list(map(str, row)) for row in values]
            if len(rows) != n or any(len(row) != stats.channel_count for row in rows):
                raise XdfWriteError(f"expected {n} samples of {stats.channel_count} strings")
            data = xdf_format.string_samples(stream_id, stamps.tolist(), rows)
        else:
            array = np.asarray(values)
            if array.shape != (n, stats.channel_count):
                raise XdfWriteError(f"expected shape {(n, stats.channel_count)}, got {array.shape}")
            data = xdf_format.numeric_samples(stream_id, stamps, array, stats.channel_format)
        with self._lock:
            self._pending.append(data)
            if stats.first_timestamp is None:
                stats.first_timestamp = float(stamps[0])
            stats.last_timestamp = float(stamps[-1])
            stats.sample_count += n

    def write_clock_offset(self, stream_id: int, collection_time: float, offset: float) -> None:
        """Queue a ClockOffset chunk (collection time in the stream's clock, see xdf_format)."""
        stats = self._stats(stream_id)
        with self._lock:
            stats.offsets.append((collection_time, offset))
            self._pending.append(xdf_format.clock_offset(stream_id, collection_time, offset))

    def write_boundary(self) -> None:
        with self._lock:
            self._pending.append(xdf_format.boundary())

    def stats(self) -> dict[int, StreamStats]:
        """A copy of the per-stream statistics so far."""
        with self._lock:
            return {sid: replace(s, offsets=list(s.offsets)) for sid, s in self._streams.items()}

    def flush(self) -> None:
        """Hand every queued chunk to the kernel in one write (then fsync if enabled)."""
        with self._lock:
            self._flush_locked()

    def close(self) -> None:
        """Append the stream footers, flush and close. Safe to call twice."""
        with self._lock:
            if self._fd < 0:
                return
            self._pending.extend(s.footer(stream_id) for stream_id, s in self._streams.items())
            try:
                self._flush_locked()
            finally:  # a full disk: the file is closed all the same (xdf_repair mends its tail)
                os.close(self._fd)
                self._fd = -1

    def _stats(self, stream_id: int) -> StreamStats:
        if self._fd < 0:
            raise XdfWriteError(f"{self.path} is closed")
        try:
            return self._streams[stream_id]
        except KeyError:
            raise XdfWriteError(f"no stream {stream_id} in {self.path}") from None

    def _flush_locked(self) -> None:
        if not self._pending:
            return
        data = memoryview(b"".join(self._pending))
        self._pending.clear()
        while data:
            written = os.write(self._fd, data)
            data = data[written:]
        if self._fsync:
            os.fsync(self._fd)
