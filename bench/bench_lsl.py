"""Acquisition benchmarks: the mirrored ring buffer vs the np.roll buffer mne-lsl's StreamLSL uses,
and end-to-end pull throughput from a real outlet on loopback."""

from __future__ import annotations

import time

import numpy as np
import pylsl

from sensors.lsl.inlet import Inlet
from sensors.lsl.ring_buffer import RingBuffer
from sensors.lsl.stream_discovery import find_infos

SECONDS, RATE, CHANNELS, CHUNK = 30.0, 1000, 32, 20


class RollBuffer:
    """The peer: mne-lsl StreamLSL style — roll the whole buffer by the chunk length, write the tail."""

    def __init__(self, capacity: int, channels: int) -> None:
        self.data = np.zeros((capacity, channels))
        self.times = np.zeros(capacity)

    def write(self, samples: np.ndarray, timestamps: np.ndarray) -> None:
        n = len(timestamps)
        self.data = np.roll(self.data, -n, axis=0)
        self.times = np.roll(self.times, -n)
        self.data[-n:] = samples
        self.times[-n:] = timestamps

    def latest(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        return self.data[-n:], self.times[-n:]


def _time_writes(buffer, chunks: int, window: int) -> float:
    samples = np.random.default_rng(0).standard_normal((CHUNK, CHANNELS))
    stamps = np.arange(CHUNK, dtype=np.float64)
    started = time.perf_counter()
    for _ in range(chunks):
        buffer.write(samples, stamps)
        buffer.latest(window)
    return (time.perf_counter() - started) / chunks * 1e6


def _pull_throughput() -> float:
    """Samples/s Inlet.update ingests from a real outlet (32 ch float32): only the draining is timed."""
    info = pylsl.StreamInfo("bench", "EEG", CHANNELS, RATE, "float32", "oasis-bench-pull")
    outlet = pylsl.StreamOutlet(info, chunk_size=CHUNK, max_buffered=60)
    inlet = Inlet(find_infos(source_id="oasis-bench-pull", timeout=10.0, minimum=1)[0], buffer_seconds=10)
    inlet.connect(timeout=5.0)
    block = np.random.default_rng(1).standard_normal((RATE, CHANNELS)).astype(np.float32)
    pulled, busy = 0, 0.0
    for _ in range(10):
        outlet.push_chunk(np.concatenate([block] * 5))  # 5 s of data, within the inlet's 10 s queue
        target = pulled + 5 * RATE
        deadline = time.monotonic() + 20.0
        while pulled < target and time.monotonic() < deadline:
            started = time.perf_counter()
            got = inlet.update()
            if got:
                busy += time.perf_counter() - started
                pulled += got
            else:
                time.sleep(0.001)
    inlet.close()
    del outlet
    return pulled / busy if busy else 0.0


def run() -> dict[str, dict]:
    capacity = int(SECONDS * RATE)
    chunks = 2000
    ours = _time_writes(RingBuffer(capacity, CHANNELS), chunks, window=2 * RATE)
    peer = _time_writes(RollBuffer(capacity, CHANNELS), chunks, window=2 * RATE)
    return {
        "lsl.ring_write_and_view_us_per_chunk": {
            "value": ours,
            "unit": "us",
            "peer": peer,
            "ratio": ours / peer,
            "note": f"{CHANNELS} ch, {SECONDS:.0f} s @ {RATE} Hz, {CHUNK}-sample chunks; peer np.roll",
        },
        "lsl.inlet_pull_throughput": {
            "value": _pull_throughput(),
            "unit": "samples/s",
            "peer": None,
            "ratio": None,
            "note": f"{CHANNELS}-ch float32 real outlet on loopback",
        },
    }
