"""Helpers for tests that need real LSL outlets: unique identities and a steady pusher thread."""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pylsl


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def make_info(
    stream_type: str,
    channels: int,
    rate: float,
    name: str | None = None,
    source_id: str | None = None,
    fmt: str = "float32",
    labels: list[str] | None = None,
) -> pylsl.StreamInfo:
    info = pylsl.StreamInfo(
        name or unique(stream_type),
        stream_type,
        channels,
        rate,
        fmt,
        source_id if source_id is not None else unique("src"),
    )
    if labels:
        chans = info.desc().append_child("channels")
        for label in labels:
            ch = chans.append_child("channel")
            ch.append_child_value("label", label)
            ch.append_child_value("unit", "microvolts")
    return info


class Pusher:
    """Pushes chunks of a counter signal on a thread, stamped on the nominal grid: sample ``n`` (counting
    the paused ones) is stamped ``start + n / rate``, however late the thread runs on a loaded machine,
    so rates and gaps measured from the timestamps are exact.

    ``pause()``/``resume()`` stop sending while the grid runs on, producing a real gap in timestamps
    (the counter itself stays continuous); ``nan_next(n)`` makes the next n samples NaN.
    """

    def __init__(self, info: pylsl.StreamInfo, chunk: int = 10) -> None:
        self.info = info
        self.rate = info.nominal_srate()
        self.channels = info.channel_count()
        self.outlet = pylsl.StreamOutlet(info)
        self.chunk = chunk
        self.sent = 0
        self.sent_timestamps: list[float] = []
        self._paused = threading.Event()
        self._stop = threading.Event()
        self._nan = 0
        self.constant = False  # send a flat signal instead of the counter
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Pusher:
        self._thread.start()
        return self

    def _run(self) -> None:
        start, due = pylsl.local_clock(), 0  # due: grid index of the next chunk's first sample
        while not self._stop.is_set():
            stamps = start + (due + np.arange(self.chunk)) / self.rate
            wait = stamps[-1] - pylsl.local_clock()
            if wait > 0:
                time.sleep(min(wait, self.chunk / self.rate))
                continue
            due += self.chunk
            if self._paused.is_set():
                continue
            data = (self.sent + np.arange(self.chunk, dtype=np.float64))[:, None].repeat(self.channels, 1)
            if self.constant:
                data[:] = 1.0
            if self._nan:
                k = min(self._nan, self.chunk)
                data[:k] = np.nan
                self._nan -= k
            self.outlet.push_chunk(data.astype(np.float32), stamps.tolist())
            self.sent += self.chunk
            self.sent_timestamps.extend(stamps.tolist())

    def pause(self) -> None:
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()

    def nan_next(self, n: int) -> None:
        self._nan = n

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        del self.outlet


@contextmanager
def simulated_ecg(name: str) -> Iterator[None]:
    """A relaxing simulated officer's ECG (breathing 6/min) published on LSL while the block runs."""
    from sensors.sim.officer_state import Scenario
    from sensors.sim.outlets import SimPublisher
    from sensors.sim.streams import build_generators

    publisher = SimPublisher(build_generators(["ecg"], Scenario.named("relaxing", 300.0, 6.0), 0), name)
    publisher.start()
    try:
        yield
    finally:
        publisher.stop()


class Replay:
    """Replays recorded channels on real LSL outlets, ``speed`` times faster than real time, on a
    thread. Sample ``n`` of a channel is stamped ``t0 + n / fs``: feature extractors work on LSL
    timestamps, so a faster replay gives them the recording's own timing. ``starts_s`` holds a
    channel back until that recording time (a sensor put on later). ``start()`` waits until every
    outlet has a consumer, so nothing pushed is lost before the reader has opened it."""

    def __init__(
        self,
        channels: dict[str, tuple[pylsl.StreamInfo, np.ndarray]],
        fs: float,
        speed: float,
        starts_s: dict[str, float] | None = None,
    ) -> None:
        self.fs, self.speed = fs, speed
        self.outlets = {key: pylsl.StreamOutlet(info) for key, (info, _) in channels.items()}
        self.data = {key: np.asarray(x, dtype=np.float32) for key, (_, x) in channels.items()}
        self.first = {key: round((starts_s or {}).get(key, 0.0) * fs) for key in channels}
        self.length = min(x.size for x in self.data.values())
        self.t0 = math.nan
        self.done = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self, timeout: float = 30.0) -> Replay:
        for key, outlet in self.outlets.items():
            if not outlet.wait_for_consumers(timeout=timeout):
                raise TimeoutError(f"nobody opened the {key} replay stream")
        self.t0 = pylsl.local_clock()
        self._thread.start()
        return self

    def _run(self) -> None:
        chunk = max(1, round(0.04 * self.fs))  # 40 ms of recording per push
        wall0 = time.monotonic()
        for pos in range(0, self.length, chunk):
            if self._stop.is_set():
                return
            wait = wall0 + pos / self.fs / self.speed - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            end = min(pos + chunk, self.length)
            for key, outlet in self.outlets.items():
                lo = max(pos, self.first[key])
                if lo < end:
                    stamps = self.t0 + np.arange(lo, end) / self.fs
                    outlet.push_chunk(self.data[key][lo:end, None], stamps.tolist())
        self.done.set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.outlets.clear()
