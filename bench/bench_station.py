"""Station benchmarks: session-store commit cost per SQLite synchronous level (the measurement
behind DEFAULT_SYNCHRONOUS) and XDF write throughput against a naive per-sample writer."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from station.store import SessionStore
from station.store.store import DEFAULT_SYNCHRONOUS

EVENTS = 300


def _commit_ms(directory: Path, level: str) -> float:
    """Median wall time of one committed add_event (one transaction, one WAL append)."""
    with SessionStore(directory / f"bench-{level}.db", "bench", synchronous=level) as store:
        sid = store.start_session(store.new_officer(), "bench")
        times = []
        for i in range(EVENTS):
            started = time.perf_counter()
            store.add_event(sid, "tick", {"i": i})
            times.append(time.perf_counter() - started)
    times.sort()
    return 1000 * times[len(times) // 2]


def bench_store(directory: Path) -> dict[str, dict]:
    costs = {level: _commit_ms(directory, level) for level in ("OFF", "NORMAL", "FULL")}
    out = {
        f"station.store_commit_{level.lower()}": {"value": ms, "unit": "ms", "peer": None, "ratio": None}
        for level, ms in costs.items()
    }
    chosen = out[f"station.store_commit_{DEFAULT_SYNCHRONOUS.lower()}"]
    chosen["peer"] = costs["NORMAL"]  # the usual WAL setting: what durability across power loss costs
    chosen["ratio"] = costs[DEFAULT_SYNCHRONOUS] / costs["NORMAL"]
    return out


def run() -> dict[str, dict]:
    with tempfile.TemporaryDirectory(prefix="oasis-bench-station-", dir=Path.cwd()) as tmp:
        return bench_store(Path(tmp))
