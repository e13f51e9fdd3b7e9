"""Cyton + Daisy (16 channels): OpenBCI's odd/even packet pairing, the emulator's documented averaging,
hypothesis fuzzing of the merge (lost odd/even packets, garbage between packets), the banner detection,
and end to end over a real pty, pyserial and a real LSL inlet (16 channels at 125 Hz, values as encoded)."""

from __future__ import annotations

import itertools
import json
import uuid
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sensors.devices import cyton
from sensors.devices.bridge import SerialBridge
from sensors.devices.detect import detect_daisy
from sensors.devices.emulator import PtyEmulator
from sensors.devices.sim_device import sim_device
from sensors.devices.sources import SineSource
from sensors.sim.officer_state import Scenario
from station.cli import main
from tests.devices_helpers import NOT_SYNC, InletReader, fuzz_settings

SCALE = cyton.uv_per_count()


def daisy_emulator(seed: int = 0) -> cyton.CytonEmulator:
    source = SineSource(fs=250, channels=16, labels=cyton.DAISY_LABELS, amplitude=50, noise=5, seed=seed)
    return cyton.CytonEmulator(source, daisy=True)


def expected_rows(seed: int, pairs: int) -> np.ndarray:
    """What OpenBCI documents for samples 0..2*pairs of both chips: pair k is packet 2k+1 (on-board,
    mean of samples 2k and 2k+1) and packet 2k+2 (Daisy, mean of samples 2k+1 and 2k+2), in µV as sent."""
    x = SineSource(fs=250, channels=16, amplitude=50, noise=5, seed=seed).next_chunk(2 * pairs + 1)
    k = np.arange(pairs)
    board = (x[2 * k, :8] + x[2 * k + 1, :8]) / 2
    daisy = (x[2 * k + 1, 8:] + x[2 * k + 2, 8:]) / 2
    return np.round(np.hstack([board, daisy]) / SCALE) * SCALE


def test_banner_names_the_daisy() -> None:
    assert cyton.has_daisy(cyton.DAISY_BANNER) and not cyton.has_daisy(cyton.BANNER)
    assert daisy_emulator().command(b"v") == cyton.DAISY_BANNER
    assert cyton.CytonEmulator().command(b"v") == cyton.BANNER


def test_odd_packet_and_the_following_even_one_make_one_16_channel_sample() -> None:
    counters = np.arange(0, 9)  # 0: the invalid first packet (an even one without partner)
    counts = np.arange(9 * 8).reshape(9, 8) * 1000
    parser = cyton.CytonParser(daisy=True)
    out = parser.feed(cyton.encode_packets(counters, counts) + b"\xa0")
    np.testing.assert_array_equal(np.round(out["eeg"] / SCALE), np.hstack([counts[1:8:2], counts[2:9:2]]))
    assert parser.stats.unpaired == 1 and parser.stats.dropped == 0


def test_emulator_sends_what_openbci_documents() -> None:
    emulator = daisy_emulator(seed=4)
    emulator.command(b"b")
    out = cyton.CytonParser(daisy=True).feed(emulator.packets(501) + b"\xa0")
    assert out["eeg"].shape == (250, 16)
    np.testing.assert_allclose(out["eeg"], expected_rows(4, 250), atol=1e-9)


def test_pairs_across_the_counter_wrap_and_across_chunks() -> None:
    counters = np.arange(250, 270) % 256  # 255 (odd) pairs with 0 (even)
    counts = np.random.default_rng(1).integers(-(2**23), 2**23, (20, 8))
    data = cyton.encode_packets(counters, counts) + b"\xa0"
    whole = cyton.CytonParser(daisy=True).feed(data)["eeg"]
    assert len(whole) == 9  # 251/252 ... 267/268; 250 has no partner before it, 269 waits for 270
    for cut in range(len(data) + 1):
        parser = cyton.CytonParser(daisy=True)
        parts = [parser.feed(data[:cut]), parser.feed(data[cut:])]
        np.testing.assert_array_equal(np.vstack([p["eeg"] for p in parts if p]), whole)
        assert parser.stats.unpaired == 1


def test_the_pair_carries_the_accelerometer_reading_of_either_packet() -> None:
    emulator = daisy_emulator()
    emulator.command(b"b")
    out = cyton.CytonParser(daisy=True).feed(emulator.packets(201) + b"\xa0")
    fresh = np.isfinite(out["accel"]).all(axis=1)
    assert fresh.sum() == 20  # 25 Hz of 125 Hz
    np.testing.assert_allclose(out["accel"][fresh].mean(axis=0), [0, 0, 1.0], atol=0.005)
    assert np.isfinite(out["motion"][fresh]).all()


@st.composite
def damaged_stream(draw: st.DrawFn) -> tuple[bytes, list[int], int]:
    """Consecutive packets (random start counter), some lost, sync-free garbage between some."""
    n = draw(st.integers(2, 40))
    start = draw(st.integers(0, 255))
    kept = draw(hnp.arrays(bool, n, elements=st.booleans()).filter(lambda k: k.any()))
    counters = (start + np.flatnonzero(kept)) % 256
    counts = np.arange(len(counters) * 8).reshape(-1, 8)
    garbage_bytes = 0
    chunks = []
    for packet in (
        cyton.encode_packets(counters[i : i + 1], counts[i : i + 1]) for i in range(len(counters))
    ):
        junk = draw(st.binary(max_size=40)).translate(bytes(NOT_SYNC["cyton"][b % 255] for b in range(256)))
        chunks += [junk, packet]
        garbage_bytes += len(junk)
    return b"".join(chunks) + b"\xa0", counters.tolist(), garbage_bytes


@fuzz_settings
@given(stream=damaged_stream(), cuts=st.lists(st.integers(0, 3000), max_size=6))
def test_fuzz_lost_packets_and_garbage_pair_only_true_partners(
    stream: tuple[bytes, list[int], int], cuts: list[int]
) -> None:
    data, counters, garbage = stream
    bounds = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    chunks = [data[a:b] for a, b in itertools.pairwise(bounds)]
    # Which packets survive the garbage is the packet layer's business (tested in test_devices_parsers;
    # without a checksum, bytes inside a packet can even pass for one); an 8-channel parser fed the same
    # chunks tells, and the merge must pair exactly the true partners among those.
    reference = cyton.CytonParser()
    packets = [reference.decode(chunk) for chunk in chunks]
    seen = [int(c) for p in packets for c in p.counters]
    counts = np.vstack([p.counts for p in packets] or [np.zeros((0, 8))])
    if garbage == 0:
        assert seen == counters and np.array_equal(counts[:, 0] // 8, np.arange(len(counters)))
    parser = cyton.CytonParser(daisy=True)
    parts = [parser.feed(chunk) for chunk in chunks]
    rows = np.round(np.vstack([p["eeg"] for p in parts if p] or [np.zeros((0, 16))]) / SCALE)
    pairs = [j for j in range(len(seen) - 1) if seen[j] % 2 == 1 and seen[j + 1] == (seen[j] + 1) % 256]
    want = np.array([np.r_[counts[j], counts[j + 1]] for j in pairs]).reshape(-1, 16)
    np.testing.assert_array_equal(rows, want)
    pending = bool(seen) and seen[-1] % 2 == 1
    stats = parser.stats
    assert stats.packets == len(seen) and stats.skipped_bytes == reference.stats.skipped_bytes
    assert stats.dropped == reference.stats.dropped and stats.corrupt == reference.stats.corrupt
    assert stats.unpaired == len(seen) - 2 * len(pairs) - pending
    for part in parts:
        if part:
            assert len(part["accel"]) == len(part["eeg"]) == len(part["motion"])


@fuzz_settings
@given(chunks=st.lists(st.binary(max_size=200), max_size=12), seed=st.integers(0, 2**16))
def test_fuzz_random_and_mutated_bytes_never_raise(chunks: list[bytes], seed: int) -> None:
    rng = np.random.default_rng(seed)
    emulator = daisy_emulator(seed)
    emulator.command(b"b")
    valid = bytearray(emulator.packets(30))
    for _ in range(int(rng.integers(0, 20))):
        valid[int(rng.integers(len(valid)))] = int(rng.integers(256))
    parser = cyton.CytonParser(daisy=True)
    for chunk in [*chunks, bytes(valid), *chunks]:
        out = parser.feed(chunk)
        if out:
            assert out["eeg"].shape[1] == 16
            assert len(out["accel"]) == len(out["eeg"]) == len(out["motion"])
    parser.reset()
    assert parser.feed(b"") == {}


def test_daisy_over_a_pty_is_16_channels_at_125_hz_as_encoded(tmp_path: Path) -> None:
    name = f"test-daisy-{uuid.uuid4().hex[:8]}"
    link = tmp_path / "tty"
    with SerialBridge(cyton.DAISY_SPEC, str(link), name=name, reconnect_s=0.1) as bridge:
        reader = InletReader(name)  # open before the board is plugged in: it sees every sample
        accel = InletReader(f"{name}-Accel")
        with PtyEmulator(daisy_emulator(seed=7), link=link):
            n = reader.wait_samples(375)  # 3 s
            assert n >= 375
            assert reader.info.channel_count() == 16 and reader.info.nominal_srate() == 125.0
            assert [label for label, _ in reader.labels()] == list(cyton.DAISY_LABELS)
            np.testing.assert_allclose(np.asarray(reader.samples), expected_rows(7, n), atol=1e-4, rtol=1e-5)
            stamps = np.asarray(reader.stamps)
            assert abs((n - 1) / (stamps[-1] - stamps[0]) - 125.0) < 2.5
            assert np.all(np.diff(stamps) > 0)
            assert accel.wait_samples(25) >= 25
            np.testing.assert_allclose(np.asarray(accel.samples)[:, 2], 1.0, atol=0.02)
        status = bridge.status()
        assert status.stats.unpaired == 1 and status.stats.dropped == 0  # the board's invalid first packet


@pytest.mark.parametrize(("daisy", "channels"), [(True, 16), (False, 8)])
def test_bridge_command_detects_the_daisy_from_the_banner(
    daisy: bool, channels: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator = daisy_emulator() if daisy else cyton.CytonEmulator()
    with PtyEmulator(emulator, link=tmp_path / "tty") as pty:
        code = main(
            [
                "bridge",
                "cyton",
                "--port",
                pty.path,
                "--name",
                f"cli-{uuid.uuid4().hex[:6]}",
                "--duration",
                "2.5",
                "--status-every",
                "0.5",
                "--lang",
                "en",
                "--json",
            ]
        )
        assert pty.commands_received.startswith(b"vb")
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines, "no output"
    assert lines[0] == (
        "the board's banner reports a Daisy module: 16 channels at 125 Hz"
        if daisy
        else "no Daisy module in the board's banner: 8 channels at 250 Hz"
    )
    assert lines[1].startswith("bridging OpenBCI Cyton + Daisy" if daisy else "bridging OpenBCI Cyton:")
    status = json.loads([line for line in lines if line.startswith("{")][-1])
    assert status["state"] == "streaming" and status["samples"]["eeg"] > 0, status
    assert status["motion"]["moving"] is False, status


def test_bridge_command_without_a_banner_assumes_8_channels_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "bridge",
                "cyton",
                "--port",
                str(tmp_path / "gone"),
                "--duration",
                "0.3",
                "--status-every",
                "0.2",
                "--lang",
                "en",
                "--name",
                f"cli-{uuid.uuid4().hex[:6]}",
            ]
        )
        == 0
    )
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("no banner from the board (") and "assuming 8 channels" in first


def test_devices_probe_reports_the_daisy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with PtyEmulator(daisy_emulator(), link=tmp_path / "tty") as pty:
        assert main(["devices", "--only", "--listen", "0.3", "--json", "--probe", "--port", pty.path]) == 0
    guess = json.loads(capsys.readouterr().out)[0]
    assert guess["device"] == "cyton" and guess["code"] == "probe_daisy"


def test_sim_cyton_daisy_emulates_16_channels_of_the_simulated_officer() -> None:
    emulator = sim_device("cyton-daisy", Scenario.fixed(0.3))
    emulator.command(b"b")
    eeg = cyton.CytonParser(daisy=True).feed(emulator.packets(501) + b"\xa0")["eeg"]
    assert eeg.shape == (250, 16)
    assert eeg.std(axis=0).min() > 1.0 and eeg.std(axis=0).max() < 200.0  # EEG-like µV on every channel


def test_detect_daisy_for_code_that_manages_bridges(tmp_path: Path) -> None:
    for emulator, want in ((daisy_emulator(), True), (cyton.CytonEmulator(), False)):
        with PtyEmulator(emulator, link=tmp_path / "tty") as pty:
            assert detect_daisy(pty.path) == (want, "")
    daisy, reason = detect_daisy(str(tmp_path / "gone"), seconds=0.2)
    assert daisy is None and "No such file" in reason
