"""Simulated streams over real pylsl (loopback, isolated per run by conftest): metadata, rate, faults."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import numpy as np
import pylsl
import pytest

from sensors.sim.faults import MAINS_HZ, parse_fault
from sensors.sim.officer_state import Scenario
from sensors.sim.outlets import MANUFACTURER, SimPublisher
from sensors.sim.streams import STREAM_NAMES, build_generators


def resolve_prefix(prefix: str, count: int, timeout: float = 20.0) -> list[pylsl.StreamInfo]:
    """Streams whose source_id starts with ``prefix``, waiting until ``count`` are seen."""
    deadline = time.monotonic() + timeout
    found: list[pylsl.StreamInfo] = []
    while time.monotonic() < deadline and len(found) < count:
        found = pylsl.resolve_bypred(f"starts-with(source_id,'{prefix}-')", count, 2.0)
    assert len(found) == count, f"resolved {len(found)} of {count} streams for {prefix}"
    return found


def channel_meta(info: pylsl.StreamInfo) -> list[tuple[str, str, str]]:
    channel = info.desc().child("channels").child("channel")
    out = []
    while not channel.empty():
        out.append((channel.child_value("label"), channel.child_value("unit"), channel.child_value("type")))
        channel = channel.next_sibling("channel")
    return out


def pull_all(inlets: dict[str, pylsl.StreamInlet], data: dict[str, list], until) -> None:
    """Pull every inlet into ``data[key]`` as (timestamps, samples) pairs until ``until()`` is true."""
    while not until():
        for key, inlet in inlets.items():
            samples, stamps = inlet.pull_chunk(timeout=0.0)
            if stamps:
                data[key].append((np.asarray(stamps), np.asarray(samples, dtype=float)))
        time.sleep(0.05)


def joined(chunks: list) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate([c[0] for c in chunks]), np.concatenate([c[1] for c in chunks])


def test_streams_carry_metadata_and_arrive_at_the_nominal_rate() -> None:
    prefix = f"meta-{uuid.uuid4().hex[:8]}"
    generators = build_generators(STREAM_NAMES, Scenario.named("steady"), seed=1)
    with SimPublisher(generators, prefix) as publisher:
        infos = {info.source_id().removeprefix(prefix + "-"): info for info in resolve_prefix(prefix, 6)}
        assert set(infos) == set(STREAM_NAMES)
        inlets = {}
        for key, info in infos.items():
            gen = generators[key]
            assert info.type() == str(gen.kind)
            assert info.channel_count() == gen.channel_count
            assert info.nominal_srate() == gen.fs
            inlet = pylsl.StreamInlet(info)
            full = inlet.info(timeout=10.0)  # the full description, with desc
            assert channel_meta(full) == [
                (label, unit, gen.channel_type) for label, unit in zip(gen.labels, gen.units, strict=True)
            ]
            assert full.desc().child_value("manufacturer") == MANUFACTURER
            assert full.desc().child("acquisition").child_value("manufacturer") == MANUFACTURER
            inlet.open_stream(timeout=10.0)
            inlets[key] = inlet
        assert [label for label, _, _ in channel_meta(inlets["eeg"].info())][6:] == ["O1", "O2"]

        data: dict[str, list] = {key: [] for key in inlets}
        pull_all(inlets, data, lambda: all(data.values()))
        start = publisher.elapsed
        pull_all(inlets, data, lambda: publisher.elapsed > start + 4.0)
        # samples are stamped on the nominal grid as they fall due: none is stamped in the future
        newest_eeg = data["eeg"][-1][0][-1]
        assert newest_eeg <= pylsl.local_clock()

    for key, chunks in data.items():
        stamps, samples = joined(chunks)
        assert np.all(np.isfinite(samples))
        span = stamps[-1] - stamps[0]
        assert span > 3.0
        if generators[key].fs:
            # one sample per nominal period, stamped on the nominal grid: no gaps, no drift
            assert np.allclose(np.diff(stamps), 1.0 / generators[key].fs, atol=1e-4)
            assert len(stamps) == pytest.approx(span * generators[key].fs + 1, abs=2)
        else:
            assert np.all((samples > 400) & (samples < 1500))  # RR in ms
            np.testing.assert_allclose(np.diff(stamps) * 1000, samples[1:, 0], atol=0.5)


FAULT_START = 6.0


@pytest.fixture(scope="module")
def faulty_run() -> Iterator[tuple[str, dict[str, tuple[np.ndarray, np.ndarray]], float, list[str]]]:
    """One simulator with a different fault on each stream from 6 s; received data relative to start.

    The inlets must be open (in LSL time) a second before the faults begin; when a loaded machine
    connects later, that publisher is closed and a fresh one started (three tries)."""
    names = ["eeg", "ecg", "ppg", "eda", "resp"]
    specs = ["mains:eeg:2@6", "drop:ecg:2@6", "clip:ppg:2@6", "nan:eda:1@6", "flat:resp:2@6"]
    faults = [parse_fault(s, names) for s in specs]
    for _ in range(3):
        prefix = f"fault-{uuid.uuid4().hex[:8]}"
        events: list[str] = []
        generators = build_generators(names, Scenario.named("steady"), seed=2)
        publisher = SimPublisher(generators, prefix, faults, on_event=events.append)
        publisher.start()
        inlets = {}
        for info in resolve_prefix(prefix, len(names)):
            inlet = pylsl.StreamInlet(info, recover=True)
            inlet.open_stream(timeout=10.0)
            inlets[info.source_id().removeprefix(prefix + "-")] = inlet
        if publisher.elapsed < FAULT_START - 1.0:
            break
        publisher.stop()
    else:
        raise AssertionError("three publishers in a row started their faults before the inlets were open")
    try:
        data: dict[str, list] = {key: [] for key in inlets}

        def ecg_resumed() -> bool:
            newest = max((c[0][-1] for c in data["ecg"]), default=0.0) - publisher.start_time
            return (publisher.elapsed > 9.0 and newest > 8.5) or publisher.elapsed > 40.0

        pull_all(inlets, data, ecg_resumed)
        ecg_source = inlets["ecg"].info().source_id()
    finally:
        publisher.stop()
    received = {}
    for key, chunks in data.items():
        stamps, samples = joined(chunks)
        received[key] = (stamps - publisher.start_time, samples)
    yield ecg_source, received, generators["eeg"].fs, events


def test_drop_stops_samples_then_resumes_under_the_same_source_id(faulty_run) -> None:
    ecg_source, received, _, events = faulty_run
    t, _ = received["ecg"]
    assert np.any((t > 4.0) & (t < 6.0))
    assert not np.any((t >= 6.0) & (t < 8.0))
    assert np.any(t > 8.5), "the inlet did not reconnect to the recreated outlet"
    assert ecg_source.endswith("-ecg")
    assert [e.split(": ")[1] for e in events] == ["dropped", "restored (same source_id)"]


def test_nan_burst_is_received(faulty_run) -> None:
    _, received, _, _ = faulty_run
    t, x = received["eda"]
    inside = (t >= 6.0) & (t < 7.0)
    assert inside.sum() >= 25 and np.all(np.isnan(x[inside]))
    assert np.all(np.isfinite(x[~inside]))


def test_flatline_is_received(faulty_run) -> None:
    _, received, _, _ = faulty_run
    t, x = received["resp"]
    inside = (t >= 6.0) & (t < 8.0)
    assert inside.sum() >= 45 and np.ptp(x[inside]) == 0
    assert np.ptp(x[(t >= 4.0) & (t < 6.0)]) > 0.1


def test_clipping_is_received(faulty_run) -> None:
    _, received, _, _ = faulty_run
    t, x = received["ppg"]
    inside = x[(t >= 6.0) & (t < 8.0), 0]
    assert np.mean(inside == inside.max()) > 0.1 and np.mean(inside == inside.min()) > 0.1
    before = x[(t >= 4.0) & (t < 6.0), 0]
    assert np.mean(before == before.max()) < 0.02


def mains_ratio(x: np.ndarray, fs: float) -> float:
    """Power at 50 Hz over the median power of 35-65 Hz (periodogram of a Hann-windowed segment)."""
    spectrum = np.abs(np.fft.rfft((x - x.mean()) * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1.0 / fs)
    band = (freqs >= 35) & (freqs <= 65)
    return float(spectrum[np.argmin(np.abs(freqs - MAINS_HZ))] / np.median(spectrum[band]))


def test_mains_noise_gives_a_50_hz_peak(faulty_run) -> None:
    _, received, fs, _ = faulty_run
    t, x = received["eeg"]
    o1 = x[:, 6]
    assert mains_ratio(o1[(t >= 6.0) & (t < 8.0)], fs) > 100
    assert mains_ratio(o1[(t >= 4.0) & (t < 6.0)], fs) < 20
