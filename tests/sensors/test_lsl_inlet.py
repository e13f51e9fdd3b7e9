"""Inlet against real pylsl outlets on loopback: data, clock correction, gaps, stalls, reconnection,
bad streams. Loops are bounded by generous timeouts (the machine may be loaded)."""

from __future__ import annotations

import numpy as np
import pylsl
import pytest

from sensors.lsl.inlet import Inlet, wait_for
from sensors.lsl.stream_discovery import find_infos, find_streams
from sensors.types import Level
from tests.lsl_helpers import Pusher, make_info, unique


def _open(source_id: str, **kwargs) -> Inlet:
    infos = find_infos(source_id=source_id, timeout=10.0, minimum=1)
    assert infos, f"stream {source_id} not found"
    inlet = Inlet(infos[0], **kwargs)
    assert inlet.connect(timeout=5.0)
    return inlet


def _pump(inlet: Inlet, condition, timeout: float = 15.0) -> bool:
    return wait_for(lambda: (inlet.update(), condition())[1], timeout=timeout)


def test_discovery_by_type_name_and_source_id() -> None:
    info = make_info("EEG", 3, 100.0, labels=["O1", "O2", "Pz"])
    outlet = pylsl.StreamOutlet(info)
    found = find_streams(source_id=info.source_id(), timeout=10.0, minimum=1)
    assert [d.name for d in found] == [info.name()]
    assert find_streams(name=info.name(), stream_type="EEG", timeout=10.0, minimum=1)[0].channel_count == 3
    assert find_streams(source_id=unique("absent"), timeout=0.5) == []
    del outlet


def test_receives_every_sample_with_labels_and_corrected_clock() -> None:
    info = make_info("EEG", 3, 250.0, labels=["O1", "O2", "Pz"])
    pusher = Pusher(info, chunk=25).start()
    try:
        inlet = _open(info.source_id())
        assert inlet.description.labels == ("O1", "O2", "Pz")
        assert _pump(inlet, lambda: inlet.status().samples >= 500)
        data, times = inlet.latest(inlet.status().samples)
        # the counter signal arrives complete and in order
        assert np.all(np.diff(data[:, 0]) == 1)
        # timestamps are the pushed ones plus liblsl's clock offset (≈0 on one machine)
        first = int(data[0, 0])
        assert times[0] == pytest.approx(pusher.sent_timestamps[first] + inlet.clock_offset, abs=1e-6)
        assert abs(inlet.clock_offset) < 0.01
        status = inlet.status()
        assert status.measured_rate == pytest.approx(250.0, rel=1e-4)  # the pusher stamps on the grid
        assert status.verdict.level is Level.GOOD and status.gaps == 0
    finally:
        pusher.stop()


def test_clock_offset_is_added_to_every_timestamp() -> None:
    # One machine has one clock, so a real offset between two clocks cannot exist here: the offset
    # source is injected (the only substitute in this file) and the real stream supplies the data.
    info = make_info("ECG", 1, 100.0)
    pusher = Pusher(info).start()
    try:
        inlet = _open(info.source_id(), clock_offset=lambda: 1234.5)
        assert _pump(inlet, lambda: inlet.status().samples >= 20)
        data, times = inlet.latest(20)
        sent = np.array(pusher.sent_timestamps)[data[:, 0].astype(int)]
        assert np.allclose(times - sent, 1234.5, atol=1e-6)
    finally:
        pusher.stop()


def test_gap_is_detected_and_measured() -> None:
    info = make_info("ECG", 1, 200.0)
    pusher = Pusher(info).start()
    try:
        inlet = _open(info.source_id())
        assert _pump(inlet, lambda: inlet.status().samples >= 100)
        pusher.pause()
        assert _pump(inlet, lambda: inlet.status().state == "stalled")
        assert inlet.status().verdict.level is Level.BAD
        pusher.resume()
        assert _pump(inlet, lambda: inlet.status().gaps >= 1 and inlet.status().state == "receiving")
        gap = inlet.gaps[0]
        assert gap.duration >= inlet.stall_after * 0.9
        assert gap.missing_samples == pytest.approx(gap.duration * 200.0, abs=2)
        assert inlet.status().verdict.level is Level.DEGRADED
    finally:
        pusher.stop()


def test_reconnects_when_the_same_source_comes_back() -> None:
    source_id = unique("src")
    first = Pusher(make_info("PPG", 1, 100.0, name="ppg-reconnect", source_id=source_id)).start()
    inlet = _open(source_id)
    assert _pump(inlet, lambda: inlet.status().samples >= 50)
    first.stop()  # the outlet is destroyed: the stream vanishes
    assert _pump(inlet, lambda: inlet.status().state == "stalled")
    before = inlet.status().samples
    second = Pusher(make_info("PPG", 1, 100.0, name="ppg-reconnect", source_id=source_id)).start()
    try:
        assert _pump(inlet, lambda: inlet.status().samples >= before + 50, timeout=30.0)
        assert inlet.status().state == "receiving"
        assert inlet.status().gaps >= 1
    finally:
        second.stop()


def test_nan_samples_give_a_verdict_not_a_crash() -> None:
    info = make_info("EDA", 1, 50.0)
    pusher = Pusher(info, chunk=5).start()
    try:
        inlet = _open(info.source_id())
        assert _pump(inlet, lambda: inlet.status().samples >= 25)
        pusher.nan_next(100)
        assert _pump(inlet, lambda: inlet.status().nonfinite_samples >= 100)
        verdict = inlet.status().verdict
        assert verdict.level is Level.BAD and "NaN" in verdict.reason
    finally:
        pusher.stop()


def test_wrong_channel_count_is_rejected_cleanly() -> None:
    info = make_info("EEG", 3, 100.0)
    outlet = pylsl.StreamOutlet(info)
    infos = find_infos(source_id=info.source_id(), timeout=10.0, minimum=1)
    inlet = Inlet(infos[0], expected_channels=8)
    assert inlet.connect() is False
    status = inlet.status()
    assert status.state == "rejected" and "expected 8 channels" in status.verdict.reason
    assert inlet.update() == 0
    del outlet


def test_string_stream_is_rejected_cleanly() -> None:
    info = make_info("EEG", 1, 0.0, fmt="string")
    outlet = pylsl.StreamOutlet(info)
    infos = find_infos(source_id=info.source_id(), timeout=10.0, minimum=1)
    inlet = Inlet(infos[0])
    assert inlet.connect() is False
    assert "not numeric" in inlet.status().verdict.reason
    del outlet
