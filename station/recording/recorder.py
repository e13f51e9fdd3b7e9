"""Record LSL streams to XDF: one thread pulls every inlet, writes chunks, measures clock offsets.

Like LabRecorder: the full stream info (with its ``desc``) is the StreamHeader, a ClockOffset is
measured per stream every ``offset_interval`` s, a Boundary every ``boundary_interval`` s, and
footers close the file. Unlike it, chunks reach the disk at least every ``flush_interval`` s
(default 0.5), so a crash loses at most that much.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pylsl
from pylsl.util import LostError, TimeoutError

from sensors.lsl.stream_discovery import FORMAT_NAMES
from station.recording.xdf_repair import repair
from station.recording.xdf_writer import XdfWriter

log = logging.getLogger(__name__)


@dataclass
class _Source:
    inlet: pylsl.StreamInlet
    stream_id: int
    name: str
    last_sample_clock: float  # local_clock() when a sample last arrived


class LslRecorder:
    """Records the given LSL streams into ``path`` until ``stop()``."""

    def __init__(
        self,
        path: str | Path,
        streams: list[pylsl.StreamInfo],
        *,
        flush_interval: float = 0.5,
        offset_interval: float = 5.0,
        boundary_interval: float = 10.0,
        fsync: bool = True,
    ) -> None:
        if not streams:
            raise ValueError("nothing to record: no streams given")
        self.path = Path(path)
        self.flush_interval = flush_interval
        self.offset_interval = offset_interval
        self.boundary_interval = boundary_interval
        self.write_error: OSError | None = None  # set when the file could not be written (disk full)
        self._writer = XdfWriter(self.path, fsync=fsync)
        self._sources: list[_Source] = []
        for info in streams:
            inlet = pylsl.StreamInlet(info, max_buflen=360, recover=True)
            full = inlet.info(timeout=10.0)  # with desc (channel labels, units)
            fmt = FORMAT_NAMES[full.channel_format()]
            stream_id = self._writer.add_stream(full.as_xml(), fmt, full.channel_count())
            inlet.open_stream(timeout=10.0)
            self._sources.append(_Source(inlet, stream_id, full.name(), pylsl.local_clock()))
        self._writer.flush()
        self._stop = threading.Event()
        # Offsets get their own thread, as in LabRecorder: a lost stream's time_correction blocks
        # for its timeout and must not hold up the pulls and flushes of the others.
        self._threads = [
            threading.Thread(target=self._run, name="xdf-recorder", daemon=True),
            threading.Thread(target=self._offsets_loop, name="xdf-clock-offsets", daemon=True),
        ]

    def start(self) -> LslRecorder:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Drain what is pending, write footers and close the file. After a write error (a full
        disk) the file is closed and its torn tail cut off, keeping every whole chunk; never raises."""
        self._stop.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join()
        try:
            if self.write_error is None:
                self._pull_all()
            self._writer.close()
        except OSError as exc:
            self.write_error = self.write_error or exc
        if self.write_error is not None:
            self._writer.close()  # closed already by a failed close; closes it after a failed flush
            try:
                repair(self.path)
            except OSError as exc:
                log.warning("could not mend %s: %s", self.path, exc.strerror)
        for source in self._sources:
            source.inlet.close_stream()

    def sample_counts(self) -> dict[str, int]:
        """Samples recorded so far per stream name."""
        stats = self._writer.stats()
        return {s.name: stats[s.stream_id].sample_count for s in self._sources}

    def silent_streams(self, seconds: float) -> list[str]:
        """Names of streams that delivered nothing for ``seconds`` (a sensor lost, for instance)."""
        now = pylsl.local_clock()
        return [s.name for s in self._sources if now - s.last_sample_clock > seconds]

    def _run(self) -> None:
        now = time.monotonic()
        next_flush, next_boundary = now + self.flush_interval, now + self.boundary_interval
        while not self._stop.wait(0.02):
            self._pull_all()
            now = time.monotonic()
            if now >= next_boundary:
                self._writer.write_boundary()
                next_boundary = now + self.boundary_interval
            if now >= next_flush:
                try:
                    self._writer.flush()
                except OSError as exc:  # the disk is full (or gone): stop recording, say so
                    log.error("recording to %s stopped: %s", self.path, exc.strerror)
                    self.write_error = exc
                    return
                next_flush = time.monotonic() + self.flush_interval

    def _offsets_loop(self) -> None:
        while True:
            self._record_offsets()
            if self._stop.wait(self.offset_interval):
                break
        self._record_offsets()

    def _pull_all(self) -> None:
        for source in self._sources:
            while True:
                samples, stamps = source.inlet.pull_chunk(timeout=0.0, max_samples=4096)
                if not stamps:
                    break
                if source.inlet.channel_format != pylsl.cf_string:
                    samples = np.asarray(samples)
                self._writer.write_samples(source.stream_id, stamps, samples)
                source.last_sample_clock = pylsl.local_clock()
                if len(stamps) < 4096:
                    break

    def _record_offsets(self) -> None:
        for source in self._sources:
            try:
                offset = source.inlet.time_correction(timeout=1.0)
            except (TimeoutError, LostError):
                log.info("no clock offset for %s this time (stream silent)", source.name)
                continue
            now = pylsl.local_clock()
            self._writer.write_clock_offset(source.stream_id, now - offset, offset)
