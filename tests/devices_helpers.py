"""Helpers for the serial-device tests: valid packet streams from the emulators, decoded-output comparison,
fuzzing budgets."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable

import numpy as np
from hypothesis import HealthCheck, settings

from sensors.devices.device_interfaces import Decoded
from sensors.devices.device_kinds import get
from sensors.devices.sources import SineSource

DEVICES = ("cyton", "thinkgear", "cms50d", "gsr", "cms50d-v7")
PRIMARY = {"cyton": "eeg", "thinkgear": "eeg", "cms50d": "ppg", "gsr": "eda", "cms50d-v7": "ppg"}
CONFIRMED_BY_NEXT = ("cms50d", "cms50d-v7")  # a packet waits for the next one's sync byte
# Bytes that can never start a packet: garbage made of the others cannot fake one.
NOT_SYNC = {
    "cyton": bytes(b for b in range(256) if b != 0xA0),
    "thinkgear": bytes(b for b in range(256) if b != 0xAA),
}
LONG_FUZZ = os.environ.get("OASIS_FUZZ_LONG") == "1"
FUZZ_EXAMPLES = 5_000 if LONG_FUZZ else 150  # hypothesis examples (shrinking, edge cases)
BULK_FUZZ_EXAMPLES = 100_000 if LONG_FUZZ else 1_000  # plain seeded random/mutated streams per protocol

fuzz_settings = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=not LONG_FUZZ,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
quick_settings = settings(
    max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@functools.cache
def packet_list(device: str, n: int, seed: int = 0) -> tuple[bytes, ...]:
    """``n`` consecutive packets of a streaming emulator fed by a sine+noise source, one bytes each."""
    spec = get(device)
    probe = spec.make_emulator()
    source = SineSource(
        fs=probe.rate,
        channels=len(probe.source.labels),
        labels=probe.source.labels,
        amplitude=probe.source.amplitude,
        freq=float(probe.source.freqs[0]),
        noise=probe.source.noise,
        offset=probe.source.offset,
        seed=seed,
    )
    emulator = spec.make_emulator(source)
    emulator.streaming = True
    return tuple(emulator.packets(1) for _ in range(n))


def concat(parts: list[Decoded]) -> dict[str, np.ndarray]:
    """Join the outputs of successive feeds per stream key."""
    keys = {k for part in parts for k in part}
    return {k: np.concatenate([p[k] for p in parts if k in p]) for k in keys}


def assert_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def check_decoded(decoded: Decoded, device: str) -> None:
    """Every row has the channel count its LSL stream declares."""
    streams = {s.key: s for s in get(device).streams}
    for key, rows in decoded.items():
        assert rows.ndim == 2 and rows.shape[0] > 0
        assert rows.shape[1] == streams[key].channels, key


def wait_for(condition: Callable[[], object], timeout: float = 20.0, every: float = 0.05) -> bool:
    """Poll ``condition()`` until true or ``timeout`` seconds pass; the final value."""

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return bool(condition())


class InletReader:
    """A real LSL inlet on the stream named ``name``, accumulating everything pulled."""

    def __init__(self, name: str, timeout: float = 20.0):
        import pylsl

        infos = pylsl.resolve_byprop("name", name, timeout=timeout)
        assert infos, f"LSL stream {name} not found"
        self.inlet = pylsl.StreamInlet(infos[0], max_buflen=60, recover=True)
        self.inlet.open_stream(timeout=timeout)
        self.info = self.inlet.info(timeout=timeout)
        self.samples: list = []
        self.stamps: list[float] = []

    def pull(self) -> int:
        data, stamps = self.inlet.pull_chunk(timeout=0.05)
        self.samples.extend(data)
        self.stamps.extend(stamps)
        return len(self.stamps)

    def wait_samples(self, n: int, timeout: float = 20.0) -> int:
        wait_for(lambda: self.pull() >= n, timeout)
        return len(self.stamps)

    def labels(self) -> list[tuple[str, str]]:
        ch = self.info.desc().child("channels").child("channel")
        out = []
        while not ch.empty():
            out.append((ch.child_value("label"), ch.child_value("unit")))
            ch = ch.next_sibling()
        return out
