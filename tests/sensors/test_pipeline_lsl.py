"""`oasis pipeline` end to end over real LSL: real outlets → pipeline subprocess → Features stream read
back by a real inlet, and the --json lines on stdout."""

from __future__ import annotations

import contextlib
import json
import math
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pylsl
import pytest

from sensors.pipeline.json_out import JsonLines
from sensors.types import FEATURES, StreamKind
from station.cli import main
from tests.lsl_helpers import unique

ROOT = Path(__file__).resolve().parents[2]


class SignalPusher:
    """Pushes a physiological-looking signal (EEG: 10 Hz alpha + noise in µV; EDA: ~5 µS) in real time."""

    def __init__(self, kind: str, channels: int, rate: float, labels: list[str], unit: str) -> None:
        info = pylsl.StreamInfo(unique(kind), kind, channels, rate, pylsl.cf_float32, unique("src"))
        chans = info.desc().append_child("channels")
        for label in labels:
            ch = chans.append_child("channel")
            ch.append_child_value("label", label)
            ch.append_child_value("unit", unit)
        self.kind, self.rate, self.channels = kind, rate, channels
        self.outlet = pylsl.StreamOutlet(info)
        self.sent = 0
        self._stop = threading.Event()
        self._rng = np.random.default_rng(0)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _signal(self, n: int) -> np.ndarray:
        t = (self.sent + np.arange(n)) / self.rate
        if self.kind == "EEG":
            alpha = 20 * np.sin(2 * np.pi * 10 * t)[:, None]
            return alpha + 5 * self._rng.standard_normal((n, self.channels))
        return (5 + 0.2 * np.sin(2 * np.pi * 0.05 * t))[:, None].repeat(self.channels, 1)

    def _run(self) -> None:
        chunk = max(1, int(self.rate / 50))
        start = pylsl.local_clock()
        while not self._stop.is_set():
            due = start + (self.sent + chunk) / self.rate
            wait = due - pylsl.local_clock()
            if wait > 0:
                self._stop.wait(wait)
                continue
            stamps = start + (self.sent + np.arange(1, chunk + 1)) / self.rate
            self.outlet.push_chunk(self._signal(chunk).astype(np.float32), stamps.tolist())
            self.sent += chunk

    def __enter__(self) -> SignalPusher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        del self.outlet  # the stream leaves the network now, not whenever this object is collected


class Pipeline:
    """`oasis pipeline` in a subprocess, its stdout and stderr drained as it runs (a full pipe would
    make it drop JSON lines)."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "station.cli", "pipeline", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._out: list[str] = []
        self._err: list[str] = []
        self._readers = [
            threading.Thread(target=lambda s=s, d=d: d.extend(s), daemon=True)
            for s, d in ((self.proc.stdout, self._out), (self.proc.stderr, self._err))
        ]
        for reader in self._readers:
            reader.start()

    def communicate(self, timeout: float) -> tuple[str, str]:
        self.proc.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=timeout)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return "".join(self._out), "".join(self._err)

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode


def test_pipeline_publishes_features_and_json() -> None:
    name = unique("Features")
    eeg = SignalPusher("EEG", 4, 250.0, ["O1", "O2", "F3", "F4"], "microvolts")
    eda = SignalPusher("EDA", 1, 32.0, ["EDA"], "microsiemens")
    with eeg, eda:
        proc = Pipeline("--json", "--duration", "20", "--name", name)
        found = pylsl.resolve_byprop("name", name, minimum=1, timeout=20)
        assert found, "the Features stream did not appear"
        inlet = pylsl.StreamInlet(found[0])
        info = inlet.info(timeout=10)
        assert info.type() == "Features" and info.channel_count() == len(FEATURES)
        channel = info.desc().child("channels").child("channel")
        labels, units = [], []
        while not channel.empty():
            labels.append(channel.child_value("label"))
            units.append(channel.child_value("unit"))
            channel = channel.next_sibling()
        assert labels == list(FEATURES) and units == [f.unit for f in FEATURES.values()]
        # the station's session markers: the pipeline opens them, then a baseline phase fixes the IAF
        marker_info = pylsl.StreamInfo(unique("OasisMarkers"), "Markers", 1, 0, pylsl.cf_string, unique("mk"))
        markers = pylsl.StreamOutlet(marker_info)
        assert markers.wait_for_consumers(timeout=20), "the pipeline did not open the Markers stream"
        markers.push_sample(["phase:baseline"])
        received: list[tuple[list[float], float]] = []
        alpha = labels.index("alpha_rel")
        clean_during_baseline = 0
        deadline = pylsl.local_clock() + 30
        while pylsl.local_clock() < deadline and clean_during_baseline < 30:  # 3 s of EEG features
            sample, stamp = inlet.pull_sample(timeout=1.0)
            if sample is not None:
                received.append((sample, stamp))
                clean_during_baseline += math.isfinite(sample[alpha])
        markers.push_sample(["phase:session"])
        for _ in range(10):  # let the pipeline take the marker before it stops
            inlet.pull_sample(timeout=1.0)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert received and math.isfinite(received[-1][0][alpha]) and received[-1][0][alpha] > 0.5
    assert math.isnan(received[-1][0][labels.index("hr")])  # no ECG/PPG: NaN, never a made-up number
    lines = [json.loads(line) for line in out.splitlines()]
    updates = int(err.strip().splitlines()[-1].split(" updates")[0].rsplit(" ", 1)[-1])
    assert len(lines) == updates >= 20  # one line per update, ~10 Hz
    assert all(set(line) == {"t", "features", "quality", "latency_ms"} for line in lines)
    last = lines[-1]
    assert set(last["features"]) == set(FEATURES) and set(last["quality"]) == set(FEATURES)
    assert last["features"]["alpha_rel"] > 0.5 and last["quality"]["alpha_rel"]["level"] == "good"
    assert last["features"]["scl"] == pytest.approx(5, abs=0.3)
    assert last["features"]["hr"] is None and last["quality"]["hr"]["level"] == "bad"
    assert last["latency_ms"] is not None and last["latency_ms"] >= 0
    assert last["features"]["iaf"] == pytest.approx(10, abs=0.5)
    assert last["quality"]["iaf"]["level"] == "good"  # fixed by the baseline phase
    assert abs(last["t"] - pylsl.local_clock()) < 60  # an LSL timestamp on this machine's clock
    assert "dropped" in err and "JSON lines dropped" not in err


def test_pipeline_drops_updates_it_cannot_keep_up_with() -> None:
    """A loop turn that comes late publishes one update and counts the slots it missed as dropped:
    nothing is queued and caught up. The test's own sleep between turns stands in for slow computing
    (a sleep never ends early, so at least 50 slots of 1 ms pass each time)."""
    import time

    from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
    from sensors.pipeline.runner import PipelineRunner

    registry = SourceRegistry(StreamCatalog(buffer_seconds=5.0))
    runner = PipelineRunner(registry, rate_hz=1000.0, name=unique("Features"), source_id=unique("features"))
    try:
        for turn in range(1, 6):
            time.sleep(0.05)
            runner.step()
            assert runner.updates == turn
            assert runner.dropped >= 48 * turn
    finally:
        runner.close()
        registry.close()


@pytest.mark.parametrize("args", [["--rate", "0"], ["--duration", "-1"], ["--rate", "nan"]])
def test_bad_arguments_get_one_line_and_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pipeline", *args]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_json_output_drops_lines_instead_of_blocking_on_a_full_pipe() -> None:
    read_end, write_end = os.pipe()  # nobody reads: the pipe fills after ~64 KiB
    stream = os.fdopen(write_end, "w")
    output = JsonLines(stream, capacity=16)
    line = {"t": 1.0, "features": dict.fromkeys(FEATURES, 0.5)}
    for _ in range(2000):  # ~1 MB: far more than the pipe holds
        output.emit(line)
    assert output.dropped > 0
    os.close(read_end)  # the reader goes away: the blocked writer gets EPIPE and must still stop
    assert output.close(timeout=5)
    with contextlib.suppress(BrokenPipeError):
        stream.close()


def test_unusable_stream_is_skipped_once_and_the_pipeline_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    from sensors.lsl.stream_catalog import SourceRegistry
    from sensors.pipeline.runner import PipelineRunner

    slow_eeg = SignalPusher("EEG", 1, 2.0, ["Oz"], "microvolts")  # 2 Hz: no EEG band fits
    with slow_eeg, SignalPusher("EDA", 1, 32.0, ["EDA"], "microsiemens"), caplog.at_level("WARNING"):
        runner = PipelineRunner(SourceRegistry(), name=unique("Features"))
        try:
            runner.run(8.0)
        finally:
            runner.close()
    warnings = [r for r in caplog.records if "not usable" in r.getMessage()]
    assert len(warnings) == 1 and "EEG" in warnings[0].getMessage()
    assert StreamKind.EDA in runner.sources and StreamKind.EEG not in runner.sources
    assert runner.updates > 0
