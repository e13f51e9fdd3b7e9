"""The LSL recorder with real pylsl outlets and inlets, checked with pyxdf: headers, footers, clock
offsets, sample counts equal to what was pushed, a sensor lost mid-session, and kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pylsl
import pyxdf

from station.recording.markers import MarkerOutlet, parse_marker
from station.recording.recorder import LslRecorder
from station.recording.xdf_repair import repair

REPO = Path(__file__).resolve().parents[2]
RAW = {"synchronize_clocks": False, "dejitter_timestamps": False, "handle_clock_resets": False}


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def outlet(
    name: str, kind: str, channels: int, rate: float, fmt: int, labels: list[str]
) -> pylsl.StreamOutlet:
    info = pylsl.StreamInfo(name, kind, channels, rate, fmt, f"test-{name}-{os.getpid()}")
    chans = info.desc().append_child("channels")
    for label in labels:
        ch = chans.append_child("channel")
        ch.append_child_value("label", label)
        ch.append_child_value("unit", "uV")
    return pylsl.StreamOutlet(info)


def resolve(name: str, timeout: float = 90.0) -> pylsl.StreamInfo:
    """Resolve by name, asking again every 5 s (a query can go unanswered on a loaded machine)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = pylsl.resolve_byprop("name", name, 1, 5.0)
        if found:
            return found[0]
    raise AssertionError(f"stream {name} not found in {timeout:g} s")


def load(path: Path) -> dict[str, dict]:
    streams, _ = pyxdf.load_xdf(str(path), **RAW)
    return {s["info"]["name"][0]: s for s in streams}


def test_records_raw_features_and_markers_exactly(tmp_path: Path) -> None:
    eeg = outlet("RecEEG", "EEG", 4, 250.0, pylsl.cf_float32, ["Fp1", "Fp2", "O1", "O2"])
    feats = outlet("RecFeatures", "Features", 2, 10.0, pylsl.cf_double64, ["hr", "rmssd"])
    markers = MarkerOutlet("st-test", name="RecMarkers")
    infos = [resolve("RecEEG"), resolve("RecFeatures"), resolve("RecMarkers")]
    path = tmp_path / "session.xdf"
    rec = LslRecorder(path, infos, flush_interval=0.2, offset_interval=0.5).start()
    wait_for(lambda: eeg.have_consumers() and feats.have_consumers() and markers.have_consumers())

    t0 = pylsl.local_clock()
    eeg_values = np.arange(500 * 4, dtype=np.float32).reshape(500, 4)
    eeg_stamps = t0 + np.arange(500) / 250.0
    sent_markers = []
    for block in range(10):
        sl = slice(block * 50, (block + 1) * 50)
        eeg.push_chunk(eeg_values[sl], eeg_stamps[sl])
        feats.push_sample([60.0 + block, 40.0 - block], t0 + block * 0.2)
        sent_markers.append(markers.push("phase", f"p{block}", timestamp=t0 + block * 0.2 + 0.01))
        time.sleep(0.1)
    wait_for(lambda: rec.sample_counts() == {"RecEEG": 500, "RecFeatures": 10, "RecMarkers": 10})
    time.sleep(1.2)  # let a few more clock offsets be measured
    rec.stop()

    streams = load(path)
    e = streams["RecEEG"]
    assert e["info"]["type"] == ["EEG"] and e["info"]["channel_format"] == ["float32"]
    labels = [c["label"][0] for c in e["info"]["desc"][0]["channels"][0]["channel"]]
    assert labels == ["Fp1", "Fp2", "O1", "O2"]
    np.testing.assert_array_equal(e["time_series"], eeg_values)
    np.testing.assert_allclose(e["time_stamps"], eeg_stamps, atol=1e-9)
    f = streams["RecFeatures"]
    np.testing.assert_array_equal(f["time_series"][:, 0], 60.0 + np.arange(10))
    m = streams["RecMarkers"]
    assert [parse_marker(v[0]) for v in m["time_series"]] == [("phase", f"p{i}") for i in range(10)]
    np.testing.assert_allclose(m["time_stamps"], sent_markers, atol=1e-9)
    for name, s in streams.items():
        footer = s["footer"]["info"]
        assert int(footer["sample_count"][0]) == len(s["time_stamps"]), name
        assert float(footer["first_timestamp"][0]) == s["time_stamps"][0]
        assert float(footer["last_timestamp"][0]) == s["time_stamps"][-1]
        assert len(s["clock_times"]) >= 2, name  # measured at start and every 0.5 s
        assert all(abs(v) < 0.01 for v in s["clock_values"])  # same machine: offset ≈ 0
        assert len(footer["clock_offsets"][0]["offset"]) == len(s["clock_times"])


def test_sensor_lost_mid_session_recording_continues_with_a_gap(tmp_path: Path) -> None:
    ecg = [outlet("LostECG", "ECG", 1, 100.0, pylsl.cf_float32, ["ECG"])]
    eda = outlet("KeptEDA", "EDA", 1, 10.0, pylsl.cf_float32, ["EDA"])
    path = tmp_path / "lost.xdf"
    rec = LslRecorder(path, [resolve("LostECG"), resolve("KeptEDA")], flush_interval=0.2).start()
    wait_for(lambda: ecg[0].have_consumers() and eda.have_consumers())
    for i in range(10):
        ecg[0].push_chunk([[float(i)]] * 10)
        eda.push_sample([float(i)])
        time.sleep(0.05)
    wait_for(lambda: rec.sample_counts()["LostECG"] == 100)
    ecg.clear()  # the chest strap's bridge dies: its outlet is destroyed
    for i in range(10, 30):
        eda.push_sample([float(i)])
        time.sleep(0.05)
    wait_for(lambda: rec.sample_counts()["KeptEDA"] == 30)
    wait_for(lambda: rec.silent_streams(0.5) == ["LostECG"])
    rec.stop()
    streams = load(path)
    assert len(streams["LostECG"]["time_stamps"]) == 100
    assert len(streams["KeptEDA"]["time_stamps"]) == 30
    assert streams["KeptEDA"]["time_stamps"][-1] > streams["LostECG"]["time_stamps"][-1] + 0.5


_RECORDING_PROCESS = textwrap.dedent(
    """
    import sys, time
    import numpy as np, pylsl
    from station.recording.recorder import LslRecorder
    info = pylsl.StreamInfo("CrashPPG", "PPG", 2, 100.0, pylsl.cf_float32, "crash-ppg")
    out = pylsl.StreamOutlet(info)
    rec = LslRecorder(sys.argv[1], [pylsl.resolve_byprop("name", "CrashPPG", 1, 30.0)[0]],
                      flush_interval=0.5).start()
    while not out.have_consumers():
        time.sleep(0.01)
    t0 = pylsl.local_clock()
    for k in range(CHUNKS):
        out.push_chunk(np.full((10, 2), k, dtype=np.float32), t0 + (10 * k + np.arange(10)) / 100.0)
        time.sleep(0.1)
    print(t0, flush=True)
    while True:  # still recording, never stopped: only the flushes put the samples on disk
        time.sleep(1.0)
    """
)
CHUNKS = 40  # about 4 s of a 100-Hz PPG, 10 samples a chunk


def _loaded_samples(path: Path) -> int:
    """Samples of CrashPPG in the file as it is on disk now (0 while it cannot be read yet)."""
    try:
        return len(load(path)["CrashPPG"]["time_stamps"])
    except (KeyError, ValueError, OSError, EOFError):
        return 0


def test_kill_9_while_recording_keeps_every_flushed_sample(tmp_path: Path) -> None:
    path = tmp_path / "crash.xdf"
    proc = subprocess.Popen(
        [sys.executable, "-c", f"CHUNKS = {CHUNKS}\n" + _RECORDING_PROCESS, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        t0 = float(proc.stdout.readline())  # type: ignore[union-attr]
        # the recorder flushes while it runs: every sample reaches the disk without a stop
        wait_for(lambda: _loaded_samples(path) == 10 * CHUNKS, 60.0)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    # as the crash left it: no footer, and pyxdf loads every sample with its timestamp
    s = load(path)["CrashPPG"]
    assert "footer" not in s
    np.testing.assert_allclose(s["time_stamps"], t0 + np.arange(10 * CHUNKS) / 100.0, atol=1e-9)
    np.testing.assert_array_equal(s["time_series"][:, 0], np.repeat(np.arange(CHUNKS), 10))
    assert np.all(np.diff(s["time_stamps"]) > 0)
    # the station's restart repairs it: same samples, footers added
    assert repair(path) is True
    fixed = load(path)["CrashPPG"]
    np.testing.assert_array_equal(fixed["time_stamps"], s["time_stamps"])
    assert int(fixed["footer"]["info"]["sample_count"][0]) == len(s["time_stamps"])
    assert len(fixed["clock_times"]) >= 1
