"""The LSL side of the pipeline: sources from the registry in, one ``Features`` stream out.

Loop (one thread, never blocking on a stream): pull every source's inlet (non-blocking), feed the
new samples to the compute core, and at each update slot merge the extractors' snapshots and
publish them. A slot missed because computing took too long is dropped and counted, never caught
up. Whoever drives the runner hears of each update through ``on_update`` and tells the pipeline
about session phases directly (``runner.pipeline.begin_baseline()``); with ``follow_markers`` the
runner learns them from a station's Markers stream instead (:mod:`sensors.pipeline.phase_markers`).
Sources are (re)chosen by :class:`sensors.lsl.stream_catalog.SourceRegistry` four times a second on a
background thread, because opening an inlet waits on the network (up to seconds); the loop only
takes the inlets that thread offers.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import mne.time_frequency  # noqa: F401  (imported now, not at the first EEG window inside the loop)
import numpy as np
import pylsl

from sensors.lsl.inlet import Inlet
from sensors.lsl.metadata import describe_channels
from sensors.lsl.stream_catalog import SourceRegistry
from sensors.pipeline.core import EXTRACTORS, FeaturePipeline, Update, UpdateClock
from sensors.pipeline.phase_markers import PhaseMarkers
from sensors.types import FEATURES, Level, StreamKind

log = logging.getLogger(__name__)

RESELECT_S = 0.25  # a stream that appears is picked up within this (plus its connect)
POLL_S = 0.025  # pull period between updates: arrival times known to 25 ms; polling costs CPU


def features_info(name: str, rate_hz: float, source_id: str) -> pylsl.StreamInfo:
    """StreamInfo of the Features stream: one double channel per feature, labels and units in desc."""
    info = pylsl.StreamInfo(
        name, StreamKind.FEATURES.value, len(FEATURES), rate_hz, pylsl.cf_double64, source_id
    )
    features = list(FEATURES.values())
    return describe_channels(
        info,
        [f.name for f in features],
        [f.unit for f in features],
        "feature",
        manufacturer="Oasis",
        descriptions=[f.meaning for f in features],
    )


def published_values(update: Update) -> list[float]:
    """Values in FEATURES order; a feature whose verdict is bad is published as NaN, never as a number."""
    snapshot = update.snapshot
    return [
        snapshot.values.get(name, math.nan) if snapshot.verdict(name).level != Level.BAD else math.nan
        for name in FEATURES
    ]


def to_json(update: Update, published_at: float) -> dict:
    """The ``--json`` line: t, features (null when unavailable), quality per feature, latency_ms."""
    snapshot = update.snapshot
    values = published_values(update)
    latency = (published_at - update.arrival) * 1000.0 if math.isfinite(update.arrival) else None
    return {
        "t": snapshot.t if math.isfinite(snapshot.t) else None,
        "features": {
            name: (v if math.isfinite(v) else None) for name, v in zip(FEATURES, values, strict=True)
        },
        "quality": {
            name: {"level": snapshot.verdict(name).level.value, "reason": snapshot.verdict(name).reason}
            for name in FEATURES
        },
        "latency_ms": round(latency, 3) if latency is not None else None,
    }


@dataclass
class Source:
    """One adopted input stream: its kind, registry key, inlet and read cursor into its buffer."""

    kind: StreamKind
    key: str
    inlet: Inlet
    cursor: int


class PipelineRunner:
    """Registry → inlets → :class:`FeaturePipeline` → Features outlet, then ``emit`` (a JSON line)
    and ``on_update`` (the update itself) for every update published."""

    def __init__(
        self,
        registry: SourceRegistry,
        rate_hz: float = 10.0,
        name: str = "OasisFeatures",
        emit: Callable[[dict], None] | None = None,
        source_id: str = "oasis-features",
        on_update: Callable[[Update], None] | None = None,
        follow_markers: bool = False,
    ) -> None:
        self.registry = registry
        self.pipeline = FeaturePipeline()
        self.rate_hz = rate_hz
        self.clock = UpdateClock(rate_hz, pylsl.local_clock())
        self.outlet = pylsl.StreamOutlet(features_info(name, rate_hz, source_id))
        self.emit = emit
        self.on_update = on_update
        self.markers = PhaseMarkers(self.pipeline) if follow_markers else None
        self.sources: dict[StreamKind, Source] = {}
        self.updates = 0
        self.lost_samples = 0
        self.cpu_share = math.nan  # CPU time / wall time of the last run() (all threads of the process)
        self._warned_drops = 0
        self._offered: dict[StreamKind, Inlet] = {}
        self._unusable: list[Inlet] = []  # offered inlets no extractor could be built for
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._selector = threading.Thread(target=self._select_loop, name="pipeline-sources", daemon=True)

    def _select_loop(self) -> None:
        while not self._stop.is_set():
            for kind in EXTRACTORS:
                try:
                    inlet = self.registry.get(kind)
                except Exception:  # a misbehaving stream must not end source selection
                    log.exception("choosing the %s source failed", kind.value)
                    continue
                if inlet is not None:
                    with self._lock:
                        self._offered[kind] = inlet
            if self.markers is not None:
                self.markers.connect()
            self._stop.wait(RESELECT_S)

    def take_sources(self) -> None:
        """Adopt the inlets the selector thread offers; build an extractor for each new source."""
        with self._lock:
            offered = dict(self._offered)
        for kind, inlet in offered.items():
            factory = EXTRACTORS[kind]
            current = self.sources.get(kind)
            if (current is not None and current.inlet is inlet) or inlet in self._unusable:
                continue
            d = inlet.description
            labels = [label or f"ch{i + 1}" for i, label in enumerate(d.labels)] or [
                f"ch{i + 1}" for i in range(d.channel_count)
            ]
            self.pipeline.remove_kind(kind)
            self.sources.pop(kind, None)
            try:
                extractor = factory(d.nominal_srate, labels)
            except Exception as exc:  # e.g. a rate the extractor cannot use: skip this source, go on
                log.warning("%s stream %s not usable: %s", kind.value, d.name, exc)
                self._unusable.append(inlet)
                continue
            self.pipeline.add(extractor)
            self.sources[kind] = Source(kind, d.key, inlet, inlet.buffer.total_written)
            log.info("%s source: %s (%d ch, %g Hz)", kind.value, d.name, d.channel_count, d.nominal_srate)

    def step(self) -> None:
        """One loop turn: adopt offered sources, pull, and publish if an update slot is due."""
        self.take_sources()
        if self.markers is not None:
            self.markers.poll()
        for source in self.sources.values():
            if source.inlet.update():
                arrival = pylsl.local_clock()
                data, stamps, source.cursor, lost = source.inlet.buffer.since(source.cursor)
                self.lost_samples += lost
                self.pipeline.push(source.kind, np.array(data, dtype=float), np.array(stamps), arrival)
        if self.clock.due(pylsl.local_clock()):
            self.publish(self.pipeline.update())
            missed = self.clock.advance(pylsl.local_clock())
            if missed and self.clock.dropped - self._warned_drops >= max(1, int(self.rate_hz)):
                log.warning("computing too slow: %d updates dropped so far", self.clock.dropped)
                self._warned_drops = self.clock.dropped

    def publish(self, update: Update) -> None:
        """Push one update to the Features outlet, then to ``emit`` and ``on_update``."""
        values = published_values(update)
        t = update.snapshot.t
        self.outlet.push_sample(values, t if math.isfinite(t) else pylsl.local_clock())
        self.updates += 1
        if self.emit is not None:
            self.emit(to_json(update, pylsl.local_clock()))
        if self.on_update is not None:
            self.on_update(update)

    def start(self) -> None:
        """Start choosing sources in the background; call before driving :meth:`step` yourself."""
        if not self._selector.is_alive():
            self._selector.start()

    def run(self, duration: float = math.inf) -> None:
        """Run the loop for ``duration`` seconds (until KeyboardInterrupt when infinite)."""
        end = time.monotonic() + duration
        self.start()
        started_wall, started_cpu = time.monotonic(), time.process_time()
        try:
            while time.monotonic() < end:
                self.step()
                wait = min(self.clock.next_due - pylsl.local_clock(), POLL_S, end - time.monotonic())
                if wait > 0:
                    time.sleep(wait)
        finally:
            wall = time.monotonic() - started_wall
            self.cpu_share = (time.process_time() - started_cpu) / wall if wall > 0 else math.nan

    @property
    def dropped(self) -> int:
        return self.clock.dropped

    def close(self) -> None:
        """Stop choosing sources, close the inlets and take the Features stream off the network."""
        self._stop.set()
        if self._selector.is_alive():
            self._selector.join(timeout=10)
        self.registry.close()
        self.outlet = None  # destroys the liblsl outlet: consumers see the stream go
