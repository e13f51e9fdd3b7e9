"""Run a protocol over a recorded or simulated feature timeline, as the station would live.

The station steps the engine on its own clock (10 Hz) with the newest snapshot it has; replay
does the same from a list of snapshots, so gaps in a recording look to the engine exactly like a
sensor that dropped.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import pairwise

from protocols.engine import StepOutput, start, step
from protocols.protocol_model import Protocol
from sensors.types import FeatureSnapshot

STEP_HZ = 10.0


def replay(
    protocol: Protocol,
    snapshots: Sequence[FeatureSnapshot],
    resonance_rate: float | None = None,
    rate_hz: float = STEP_HZ,
    t_start: float | None = None,
    stop_at: float | None = None,
) -> list[StepOutput]:
    """Step the engine at ``rate_hz`` from ``t_start`` (default: the first snapshot) to the protocol's end.

    ``stop_at`` (LSL time) presses the stop button at the first step at or after it.
    """
    if not snapshots:
        raise ValueError("no feature snapshots to replay")
    times = [s.t for s in snapshots]
    if any(b < a for a, b in pairwise(times)):
        raise ValueError("feature snapshots are not in time order")
    t0 = times[0] if t_start is None else t_start
    state = start(protocol, t0, resonance_rate)
    outputs: list[StepOutput] = []
    k = 0
    while True:
        t = t0 + k / rate_hz
        i = bisect_right(times, t)
        snapshot = snapshots[i - 1] if i else None
        out = step(protocol, state, t, snapshot, stop_requested=stop_at is not None and t >= stop_at)
        outputs.append(out)
        if out.finished or out.elapsed >= protocol.duration_s:  # a stopped session never "finishes"
            return outputs
        k += 1
