"""Which stream is "the ECG", "the EEG", "the EDA"… — chosen from whatever is on the network.

A :class:`StreamCatalog` watches the network without blocking (liblsl's continuous resolver) and
opens an :class:`~sensors.lsl.inlet.Inlet` per stream on demand. A :class:`SourceRegistry` picks
one stream per kind: a stream pinned in the station config wins, then the highest sampling rate,
then the newest. Once chosen, a source is kept while it reconnects; it is replaced when it is
rejected or lost (liblsl cannot recover it), or has stalled for ``replace_after`` seconds, and another
candidate exists. A stream whose first connect fails is not kept: it is tried afresh at the next
choice, so a late or slow stream is picked up as soon as it answers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pylsl

from sensors.lsl.inlet import Inlet
from sensors.lsl.stream_discovery import StreamDescription, describe
from sensors.lsl.stream_kinds import kind_of
from sensors.types import StreamKind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pin:
    """A station-config preference for one kind: a stream name and/or source_id."""

    name: str | None = None
    source_id: str | None = None

    def matches(self, d: StreamDescription) -> bool:
        if not (self.name or self.source_id):
            return False
        name_ok = self.name is None or d.name == self.name
        return name_ok and (self.source_id is None or d.source_id == self.source_id)


class StreamCatalog:
    """Every stream visible on the network, with inlets opened on demand."""

    def __init__(self, buffer_seconds: float = 30.0, forget_after: float = 3.0) -> None:
        self.buffer_seconds = buffer_seconds
        self._resolver = pylsl.ContinuousResolver(forget_after=forget_after)
        self._infos: dict[str, pylsl.StreamInfo] = {}
        self.inlets: dict[str, Inlet] = {}

    def refresh(self) -> list[StreamDescription]:
        """The streams visible now (non-blocking; the resolver works in the background)."""
        self._infos = {}
        for info in self._resolver.results():
            self._infos[describe(info).key] = info
        return [describe(info) for info in self._infos.values()]

    def visible(self, key: str) -> bool:
        return key in self._infos

    def open(self, key: str, connect_timeout: float = 2.0) -> Inlet | None:
        """The inlet for a visible stream, connected on first use (None if not visible, or if this
        connect failed: it is tried afresh at the next call, never kept as a dead inlet)."""
        if key in self.inlets:
            return self.inlets[key]
        info = self._infos.get(key)
        if info is None:
            return None
        inlet = Inlet(info, buffer_seconds=self.buffer_seconds)
        if not inlet.connect(timeout=connect_timeout) and inlet.status().state != "rejected":
            return None
        self.inlets[key] = inlet
        return inlet

    def update(self) -> int:
        """Pull every open inlet; returns the number of new samples."""
        return sum(inlet.update() for inlet in self.inlets.values())

    def close(self) -> None:
        for inlet in self.inlets.values():
            inlet.close()
        self.inlets.clear()


class SourceRegistry:
    """Answers "the stream of kind K" from a catalog, honouring the station's pins."""

    def __init__(
        self,
        catalog: StreamCatalog | None = None,
        pins: dict[StreamKind, Pin] | None = None,
        replace_after: float = 10.0,
    ) -> None:
        self.catalog = catalog or StreamCatalog()
        self.pins = pins or {}
        self.replace_after = replace_after
        self._chosen: dict[StreamKind, str] = {}

    def candidates(self, kind: StreamKind) -> list[StreamDescription]:
        """Visible streams of this kind, best first."""
        pin = self.pins.get(kind, Pin())
        found = [d for d in self.catalog.refresh() if kind_of(d.type) is kind and d.is_numeric]
        return sorted(found, key=lambda d: (not pin.matches(d), -d.nominal_srate, -d.created_at))

    def get(self, kind: StreamKind) -> Inlet | None:
        """The inlet chosen for ``kind``, choosing (or replacing a dead choice) when needed."""
        key = self._chosen.get(kind)
        current = self.catalog.inlets.get(key) if key else None
        if current is not None and not self._should_replace(current):
            return current
        for candidate in self.candidates(kind):
            if current is not None and candidate.key == key:
                continue
            inlet = self.catalog.open(candidate.key)
            if inlet is not None and inlet.status().state != "rejected":
                if key != candidate.key:
                    log.info("%s source: %s (%s)", kind.value, candidate.name, candidate.key)
                self._chosen[kind] = candidate.key
                return inlet
        return current

    def chosen(self) -> dict[StreamKind, Inlet]:
        """The inlets chosen so far, by kind."""
        inlets = self.catalog.inlets
        return {kind: inlets[key] for kind, key in self._chosen.items() if key in inlets}

    def heart(self) -> Inlet | None:
        """The beat source: ECG when present and not bad, else PPG."""
        ecg = self.get(StreamKind.ECG)
        if ecg is not None and ecg.status().verdict.level != "bad":
            return ecg
        return self.get(StreamKind.PPG) or ecg

    def _should_replace(self, inlet: Inlet) -> bool:
        status = inlet.status()
        if status.state in ("rejected", "lost"):  # lost: liblsl cannot recover it; take another at once
            return True
        return status.state == "stalled" and status.last_sample_age > self.replace_after

    def close(self) -> None:
        self.catalog.close()
