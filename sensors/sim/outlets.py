"""LSL outlets for the simulated streams, fed at the real rate by one scheduler thread.

Each stream's ``StreamInfo`` carries the XDF meta-data conventions in ``desc``: ``channels/channel``
with ``label``, ``unit`` and ``type`` per channel, and ``manufacturer`` "Oasis simulator" (at the top
of desc, as most LSL apps write it, and under ``acquisition`` as the XDF meta-data spec puts it).

Scheduling is by sample count against ``pylsl.local_clock()``: at each tick a stream gets every sample
whose nominal time (start + index / rate) has passed, stamped with that nominal time, so the
streams never drift however long the run or however late a tick. The RR stream pushes one value
per beat, stamped with the beat's time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pylsl

from sensors.lsl.metadata import describe_channels
from sensors.sim.cardiac_signal import RrGenerator
from sensors.sim.faults import Fault, FaultInjector

if TYPE_CHECKING:
    from sensors.sim.streams import Generator

log = logging.getLogger(__name__)

MANUFACTURER = "Oasis simulator"
TICK_S = 0.02


def stream_info(name: str, generator: Generator, source_id: str) -> pylsl.StreamInfo:
    """The LSL description of one simulated stream (type, rate, float32 channels, desc meta-data)."""
    rate = generator.fs if generator.fs else pylsl.IRREGULAR_RATE
    info = pylsl.StreamInfo(
        name, str(generator.kind), generator.channel_count, rate, pylsl.cf_float32, source_id
    )
    info.desc().append_child("acquisition").append_child_value("manufacturer", MANUFACTURER)
    return describe_channels(
        info, generator.labels, generator.units, generator.channel_type, manufacturer=MANUFACTURER
    )


@dataclass
class SimStream:
    """One published stream: its generator, faults and (while not dropped) its outlet."""

    key: str
    name: str
    source_id: str
    generator: Generator
    injector: FaultInjector
    outlet: pylsl.StreamOutlet | None = None
    pushed: int = 0

    def open(self) -> None:
        self.outlet = pylsl.StreamOutlet(stream_info(self.name, self.generator, self.source_id))

    def close(self) -> None:
        self.outlet = None  # liblsl destroys the outlet when the last reference goes


class SimPublisher:
    """Publishes simulated streams as LSL outlets until :meth:`stop`.

    ``generators`` maps short names (``"ecg"``) to generators; stream names are
    ``"OasisSim <TYPE>"`` and source_ids ``"<source_prefix>-<name>"``. ``on_event`` receives a
    line whenever a fault drops or restores a stream.
    """

    def __init__(
        self,
        generators: dict[str, Generator],
        source_prefix: str = "oasis-sim",
        faults: list[Fault] | None = None,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        faults = faults or []
        self.streams = [
            SimStream(
                key,
                f"OasisSim {gen.kind}",
                f"{source_prefix}-{key}",
                gen,
                FaultInjector(
                    [f for f in faults if f.stream == key],
                    gen.channel_count,
                    gen.fs,
                    getattr(gen, "scale", 0.0),
                ),
            )
            for key, gen in generators.items()
        ]
        self._on_event = on_event or (lambda line: log.info("%s", line))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.start_time = 0.0

    def start(self) -> None:
        """Create the outlets and start pushing samples from a background thread."""
        for stream in self.streams:
            if not stream.injector.dropping(0.0):
                stream.open()
        self.start_time = pylsl.local_clock()
        self._thread = threading.Thread(target=self._loop, name="oasis-sim", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and destroy the outlets."""
        self._stop.set()
        if self._thread:
            self._thread.join()
        for stream in self.streams:
            stream.close()

    @property
    def elapsed(self) -> float:
        """Simulated seconds since :meth:`start` (equal to wall-clock seconds)."""
        return pylsl.local_clock() - self.start_time

    def __enter__(self) -> SimPublisher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def alive(self) -> bool:
        """Whether the scheduler thread is running (it stops on :meth:`stop` or on an error)."""
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        try:
            while not self._stop.wait(TICK_S):
                self.tick()
        except Exception:
            log.exception("simulator stopped by an error")

    def tick(self) -> None:
        """Push every sample that is due now."""
        elapsed = self.elapsed
        for stream in self.streams:
            gen = stream.generator
            if isinstance(gen, RrGenerator):
                t, chunk = gen.until(elapsed)
            else:
                n = int(elapsed * gen.fs) - gen.samples_done
                t = (gen.samples_done + np.arange(max(n, 0))) / gen.fs
                chunk = gen.next_chunk(max(n, 0))
            dropping = stream.injector.dropping(elapsed)
            if stream.outlet is None and not dropping:
                stream.open()
                self._on_event(f"{stream.source_id}: restored (same source_id)")
            if len(t):
                out, keep = stream.injector.apply(chunk, t)
                if stream.outlet is not None and keep.any():
                    stream.outlet.push_chunk(out[keep], (self.start_time + t[keep]).tolist())
                    stream.pushed += int(keep.sum())
            if stream.outlet is not None and dropping:
                stream.close()
                self._on_event(f"{stream.source_id}: dropped")
