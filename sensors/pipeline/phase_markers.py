"""Session phases from an LSL Markers stream, for a pipeline that runs apart from the station.

Inside the station the session runtime calls :meth:`FeaturePipeline.begin_baseline` and
:meth:`FeaturePipeline.end_baseline` itself. The stand-alone ``oasis pipeline`` learns the phases
from the station's Markers stream instead (an ``Oasis`` one preferred): ``phase:baseline`` begins
the baseline, the next ``phase:…`` or ``session_end`` ends it.
"""

from __future__ import annotations

import logging

import pylsl
from pylsl.util import LostError

from sensors.pipeline.core import FeaturePipeline
from sensors.types import StreamKind

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S = 2.0


def apply_marker(pipeline: FeaturePipeline, marker: str) -> None:
    """Tell ``pipeline`` what one session marker (``kind`` or ``kind:detail``) means for its phases."""
    kind, _, detail = marker.partition(":")
    if kind == "phase" and detail == "baseline":
        pipeline.begin_baseline()
    elif kind in ("phase", "session_end"):
        pipeline.end_baseline()


class PhaseMarkers:
    """Follows the first usable Markers stream and applies its markers to one pipeline."""

    def __init__(self, pipeline: FeaturePipeline) -> None:
        self.pipeline = pipeline
        self.inlet: pylsl.StreamInlet | None = None
        self._resolver = pylsl.ContinuousResolver(prop="type", value=StreamKind.MARKERS.value)

    def connect(self) -> None:
        """Open a Markers stream if one is on the network (waits up to 2 s: call it off the loop)."""
        if self.inlet is not None:
            return
        found = sorted(self._resolver.results(), key=lambda info: not info.name().startswith("Oasis"))
        for info in found:
            if info.channel_format() != pylsl.cf_string:
                continue
            try:
                inlet = pylsl.StreamInlet(info)
                inlet.open_stream(timeout=OPEN_TIMEOUT_S)
            except Exception as exc:  # a vanished or broken stream: try again next round
                log.warning("markers stream %s not usable: %s", info.name(), exc)
                continue
            log.info("session markers: %s", info.name())
            self.inlet = inlet
            return

    def poll(self) -> None:
        """Apply the markers that arrived since the last poll (never blocks)."""
        inlet = self.inlet
        if inlet is None:
            return
        try:
            samples, _ = inlet.pull_chunk(timeout=0.0)
        except LostError:
            log.warning("session markers stream lost")
            self.inlet = None
            return
        for sample in samples:
            if sample and isinstance(sample[0], str):
                apply_marker(self.pipeline, sample[0])
