"""Station benchmarks: session-store commit cost per SQLite synchronous level (the measurement
behind DEFAULT_SYNCHRONOUS) and XDF write throughput against a naive per-sample writer."""

from __future__ import annotations

import struct
import tempfile
import time
from pathlib import Path

import numpy as np
import pyxdf

from station.recording import xdf_format
from station.recording.xdf_writer import XdfWriter
from station.store import SessionStore
from station.store.store import DEFAULT_SYNCHRONOUS

EVENTS = 300
# XDF: 8-channel float32 EEG at 250 Hz pulled every 100 ms (25-sample chunks), 20 minutes of it
CHANNELS, CHUNK, SAMPLES = 8, 25, 250 * 60 * 20
HEADER = (
    f"<info><name>EEG</name><type>EEG</type><channel_count>{CHANNELS}</channel_count>"
    "<channel_format>float32</channel_format><nominal_srate>250</nominal_srate></info>"
)


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


def _naive_xdf(path: Path, stamps: np.ndarray, values: np.ndarray) -> None:
    """The peer: a straightforward per-sample writer (struct.pack each stamp and value), as a
    first XDF writer in Python is usually written; same chunks, same bytes on disk."""
    with path.open("wb") as f:
        f.write(xdf_format.file_header("2026-01-01T00:00:00+00:00"))
        f.write(xdf_format.stream_header(1, HEADER))
        value_format = "<" + "f" * CHANNELS
        for start in range(0, len(stamps), CHUNK):
            body = bytearray(struct.pack("<I", 1))
            n = min(CHUNK, len(stamps) - start)
            body += xdf_format.varlen_int(n)
            for k in range(start, start + n):
                body += b"\x08" + struct.pack("<d", stamps[k])
                body += struct.pack(value_format, *values[k])
            f.write(xdf_format.varlen_int(len(body) + 2) + struct.pack("<H", xdf_format.TAG_SAMPLES) + body)


def _ours_xdf(path: Path, stamps: np.ndarray, values: np.ndarray) -> None:
    with XdfWriter(path, fsync=False) as w:
        sid = w.add_stream(HEADER, "float32", CHANNELS)
        for start in range(0, len(stamps), CHUNK):
            w.write_samples(sid, stamps[start : start + CHUNK], values[start : start + CHUNK])
            if start % 250 == 0:  # the recorder flushes every 0.5-1 s of data
                w.flush()


def bench_xdf(directory: Path) -> dict[str, dict]:
    rng = np.random.default_rng(0)
    values = rng.normal(0, 50, (SAMPLES, CHANNELS)).astype(np.float32)
    stamps = 100.0 + np.arange(SAMPLES) / 250.0
    rates = {}
    for name, write in (("ours", _ours_xdf), ("naive", _naive_xdf)):
        path = directory / f"{name}.xdf"
        started = time.perf_counter()
        write(path, stamps, values)
        rates[name] = SAMPLES / (time.perf_counter() - started)
        [stream], _ = pyxdf.load_xdf(str(path), synchronize_clocks=False, dejitter_timestamps=False)
        if not np.array_equal(stream["time_series"], values):  # both must be correct to compare
            raise AssertionError(f"{name} writer's file does not read back")
    return {
        "station.xdf_write_samples_per_s": {
            "value": rates["ours"],
            "unit": "samples/s",
            "peer": rates["naive"],
            "ratio": rates["ours"] / rates["naive"],
        }
    }


def run() -> dict[str, dict]:
    with tempfile.TemporaryDirectory(prefix="oasis-bench-station-", dir=Path.cwd()) as tmp:
        return {**bench_store(Path(tmp)), **bench_xdf(Path(tmp))}
