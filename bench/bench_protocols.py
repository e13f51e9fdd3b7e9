"""Protocol engine: cost of one engine step at 10 Hz over a whole session.

Ours: the engine as shipped; baseline statistics (mean, SD, sorted samples) are computed once,
when the baseline phase ends. Peer: the same engine doing the straightforward thing, recomputing
the statistics from the stored baseline samples at every normalisation (the sum, the SD and the
sort for percentiles), which is how a first version naturally writes ``z = (x - mean(b)) / sd(b)``.
Both run the same protocol on the same simulated feature timeline in the same process, and must
produce identical outputs. Best of three runs each.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from protocols import engine
from protocols.loader import find_protocol
from protocols.protocol_model import Normalise, Protocol
from protocols.simulated_features import breathing_schedule, simulate
from protocols.transfer import BaselineStats, normalise
from sensors.types import FeatureSnapshot

PROTOCOL = "coherent-breathing"  # 10 min: settle, 90 s baseline, 7 min feedback (3 mappings + reward)


class _RecomputingStep(engine._Step):
    """The peer: normalises against baseline statistics rebuilt from the raw samples on every call."""

    def normalised(self, metric: str, how: Normalise) -> tuple[float, str]:
        value, why = self.reading(metric)
        if why:
            return value, why
        stored = self.s.baseline.get(metric)
        if how != Normalise.NONE and stored is None:
            return float("nan"), f"no usable baseline for {metric}"
        fresh = None if stored is None else BaselineStats.from_samples(list(stored.sorted_samples))
        return normalise(value, how, fresh), ""


def _session(protocol: Protocol, snapshots: Sequence[FeatureSnapshot]) -> tuple[float, list[str]]:
    state = engine.start(protocol, snapshots[0].t)
    started = time.perf_counter()
    outputs = [engine.step(protocol, state, s.t, s) for s in snapshots]
    seconds = time.perf_counter() - started
    return seconds / len(snapshots), [repr((o.params, o.events)) for o in outputs[::50]]


def _best(protocol: Protocol, snapshots: Sequence[FeatureSnapshot], peer: bool) -> tuple[float, list[str]]:
    original = engine._Step
    engine._Step = _RecomputingStep if peer else original  # type: ignore[misc]
    try:
        runs = [_session(protocol, snapshots) for _ in range(3)]
    finally:
        engine._Step = original  # type: ignore[misc]
    return min(r[0] for r in runs), runs[0][1]


def run() -> dict[str, dict]:
    protocol = find_protocol(PROTOCOL)
    snapshots = list(simulate(protocol.duration_s + 0.05, breathing_schedule(protocol)))
    ours, ours_out = _best(protocol, snapshots, peer=False)
    peer, peer_out = _best(protocol, snapshots, peer=True)
    if ours_out != peer_out:
        raise AssertionError("the peer engine must produce the same outputs as ours")
    return {
        "protocols.engine_step_10hz_session": {
            "value": ours * 1e6,
            "unit": "us/step",
            "peer": peer * 1e6,
            "ratio": ours / peer,
        },
    }
