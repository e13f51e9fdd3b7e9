"""The session's own LSL streams (SceneParams; markers text) and finding streams to record."""

from __future__ import annotations

import json
import math
import time

import pylsl

from protocols import engine
from sensors.lsl.metadata import describe_channels
from sensors.types import StreamKind


class SceneParamsOutlet:
    """Publishes what the runtime applies to the scene, one channel per parameter (type SceneParams)."""

    def __init__(self, names: list[str], station_id: str) -> None:
        self.names = names
        info = pylsl.StreamInfo(
            "OasisSceneParams",
            StreamKind.SCENE_PARAMS.value,
            len(names),
            pylsl.IRREGULAR_RATE,
            pylsl.cf_float32,
            f"oasis-sceneparams-{station_id}",
        )
        self.info = describe_channels(
            info, names, ["normalised"] * len(names), "scene_parameter", manufacturer="Oasis"
        )
        self._outlet: pylsl.StreamOutlet | None = pylsl.StreamOutlet(info)

    def push(self, params: dict[str, float], t: float) -> None:
        """One sample at LSL time ``t``; a parameter missing from ``params`` is NaN."""
        if self._outlet is None:
            raise RuntimeError("the SceneParams outlet is closed")
        self._outlet.push_sample([float(params.get(n, math.nan)) for n in self.names], t)

    def close(self) -> None:
        """Take the stream off the network now (see MarkerOutlet.close)."""
        self._outlet = None


def marker_detail(event: engine.Event) -> str:
    """Short marker text for an engine event: the phase id, the pacer cue, 'key=value' pairs…"""
    data = event.data
    if event.kind == "phase":
        return str(data.get("id", ""))
    if event.kind == "pacer":
        return str(data.get("cue", ""))
    scalars = {
        k: v for k, v in data.items() if isinstance(v, str | int | float | bool) and not k.startswith("instr")
    }
    return json.dumps(scalars, ensure_ascii=False, separators=(",", ":")) if scalars else ""


def resolve_all(source_ids: list[str], timeout: float) -> list[pylsl.StreamInfo]:
    """Resolve every stream in ``source_ids`` (one query, returns as soon as all answered)."""
    if not source_ids:
        return []
    predicate = " or ".join(f"source_id='{sid}'" for sid in source_ids)
    found: dict[str, pylsl.StreamInfo] = {}
    deadline = time.monotonic() + timeout
    while len(found) < len(source_ids) and time.monotonic() < deadline:
        for info in pylsl.resolve_bypred(
            predicate, minimum=len(source_ids), timeout=max(0.5, deadline - time.monotonic())
        ):
            found.setdefault(info.source_id(), info)
    return list(found.values())
