"""The station's ``Markers`` LSL outlet: session events as strings, recordable by any LSL recorder.

Each marker is one string ``kind`` or ``kind:detail`` (``session_start:lake-alpha``,
``phase:baseline``, ``pause``, ``resume``, ``session_end:completed``), stamped with the LSL clock.
"""

from __future__ import annotations

import pylsl

from sensors.types import StreamKind


class MarkerOutlet:
    """Publishes session events on an irregular-rate, one-channel string stream of type Markers."""

    def __init__(self, station_id: str, name: str = "OasisMarkers") -> None:
        info = pylsl.StreamInfo(
            name,
            StreamKind.MARKERS.value,
            1,
            pylsl.IRREGULAR_RATE,
            pylsl.cf_string,
            f"oasis-markers-{station_id}",
        )
        info.desc().append_child_value("station_id", station_id)
        info.desc().append_child("channels").append_child("channel").append_child_value("label", "event")
        self.info = info
        self._outlet: pylsl.StreamOutlet | None = pylsl.StreamOutlet(info)

    def push(self, kind: str, detail: str = "", timestamp: float | None = None) -> float:
        """Send one marker; returns its LSL timestamp."""
        if not kind or ":" in kind:
            raise ValueError(f"a marker kind is a non-empty word without ':', got {kind!r}")
        t = pylsl.local_clock() if timestamp is None else timestamp
        if self._outlet is None:
            raise RuntimeError("the marker outlet is closed")
        self._outlet.push_sample([f"{kind}:{detail}" if detail else kind], t)
        return t

    def have_consumers(self) -> bool:
        return self._outlet is not None and self._outlet.have_consumers()

    def close(self) -> None:
        """Take the stream off the network now (liblsl frees its ports), not whenever the garbage
        collector gets to it: a leftover outlet with the same source_id would be found, and
        recorded, instead of the next session's."""
        self._outlet = None


def parse_marker(text: str) -> tuple[str, str]:
    """Split ``kind:detail`` into (kind, detail); detail is empty when absent."""
    kind, _, detail = text.partition(":")
    return kind, detail
