"""OpenBCI Cyton accelerometer and head-motion verdict: decoding aligned with the EEG samples, the motion
detector, and end to end over a real pty, pyserial and real LSL inlets (≈ 1 g on Z at ≈ 25 Hz, timestamps
shared with the EEG, the verdict turning amber while the emulated head nods)."""

from __future__ import annotations

import itertools
import uuid
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sensors.devices import cyton
from sensors.devices.bridge import SerialBridge
from sensors.devices.emulator import PtyEmulator
from sensors.devices.motion import THRESHOLD_G, WINDOW, MotionDetector, latest_motion
from sensors.types import Level
from tests.devices_helpers import InletReader, quick_settings, wait_for


def streaming_emulator(**kwargs: object) -> cyton.CytonEmulator:
    emulator = cyton.CytonEmulator(**kwargs)
    emulator.command(b"b")
    return emulator


def test_accel_rows_are_aligned_with_eeg_and_carry_readings_every_tenth_packet() -> None:
    data = streaming_emulator().packets(100)
    out = cyton.CytonParser().feed(data + b"\xa0")
    assert out["eeg"].shape == (100, 8) and out["accel"].shape == (100, 3) and out["motion"].shape == (100, 2)
    fresh = np.isfinite(out["accel"]).all(axis=1)
    np.testing.assert_array_equal(np.flatnonzero(fresh), np.arange(0, 100, 10))  # 25 Hz of 250 Hz
    np.testing.assert_array_equal(np.isfinite(out["motion"]).all(axis=1), fresh)
    readings = out["accel"][fresh]
    np.testing.assert_allclose(readings.mean(axis=0), [0.0, 0.0, 1.0], atol=0.005)  # lying still: 1 g on Z
    assert np.all(out["motion"][fresh, 0] == 0)


def test_only_standard_footer_packets_with_nonzero_aux_are_readings() -> None:
    counts = np.zeros((4, 8), np.int64)
    aux = np.array([[0, 0, 8000], [0, 0, 0], [16, -16, 8000], [1, 2, 3]])
    data = cyton.encode_packets(np.arange(4), counts, aux, footers=np.array([0xC0, 0xC0, 0xC0, 0xC1]))
    accel = cyton.CytonParser().feed(data + b"\xa0")["accel"]
    np.testing.assert_allclose(accel[0], [0, 0, 1.0])
    assert np.isnan(accel[1]).all() and np.isnan(accel[3]).all()  # zeros: no reading; 0xC1: raw aux
    np.testing.assert_allclose(accel[2], [0.002, -0.002, 1.0])


def nod(n: int, degrees: float, hz: float = 1.0, noise: float = 0.003, seed: int = 0) -> np.ndarray:
    """n accelerometer readings at 25 Hz of a head nodding (pitch) by ``degrees``, in g."""
    pitch = np.radians(degrees) * np.sin(2 * np.pi * hz * np.arange(n) / 25.0)
    g = np.stack([np.zeros(n), np.sin(pitch), np.cos(pitch)], axis=1)
    return g + noise * np.random.default_rng(seed).standard_normal(g.shape)


def test_motion_detector_tells_a_still_head_from_a_nod() -> None:
    detector = MotionDetector()
    still = detector.update(nod(100, 0.0))
    assert not still[:, 0].any() and still[WINDOW:, 1].max() < THRESHOLD_G / 4
    moving = detector.update(nod(50, 10.0))
    assert moving[-1, 0] == 1 and moving[-1, 1] > THRESHOLD_G
    settled = detector.update(nod(WINDOW, 0.0, seed=1))
    assert settled[-1, 0] == 0  # one window after the head stops, it reads still again


def test_a_slow_turn_counts_although_the_magnitude_stays_at_1_g() -> None:
    # Turning the head re-projects gravity: |a| stays 1 g, so the SD of the magnitude would see nothing.
    angle = np.radians(np.linspace(0, 30, 25))
    turn = np.stack([np.zeros(25), np.sin(angle), np.cos(angle)], axis=1)
    assert np.ptp(np.linalg.norm(turn, axis=1)) < 1e-9
    assert MotionDetector().update(turn)[-1, 0] == 1


@quick_settings
@given(cuts=st.lists(st.integers(0, 120), max_size=8))
def test_motion_detector_is_independent_of_how_readings_are_batched(cuts: list[int]) -> None:
    readings = np.vstack([nod(40, 0.0), nod(40, 15.0), nod(40, 0.0, seed=2)])
    whole = MotionDetector().update(readings)
    detector = MotionDetector()
    bounds = sorted({0, len(readings), *cuts})
    parts = [detector.update(readings[a:b]) for a, b in itertools.pairwise(bounds)]
    np.testing.assert_allclose(np.vstack(parts), whole)


def test_latest_motion_reads_the_last_reading_of_a_batch() -> None:
    assert latest_motion({}) is None
    assert latest_motion({"motion": np.full((3, 2), np.nan)}) is None
    rows = np.array([[1.0, 0.2], [np.nan, np.nan], [0.0, 0.01], [np.nan, np.nan]])
    motion = latest_motion({"motion": rows})
    assert motion is not None and not motion.moving and motion.sd_g == 0.01
    assert motion.verdict().level == Level.GOOD
    moving = latest_motion({"motion": rows[:2]})
    assert moving is not None and moving.verdict().level == Level.DEGRADED
    assert "head moving" in moving.verdict().reason


def test_accel_stream_over_a_pty_is_1_g_on_z_at_25_hz_on_the_eeg_clock(tmp_path: Path) -> None:
    name = f"test-accel-{uuid.uuid4().hex[:8]}"
    link = tmp_path / "tty"
    with SerialBridge(cyton.SPEC, str(link), name=name, reconnect_s=0.1) as bridge:
        eeg = InletReader(name)  # both open before the board is plugged in: they see every sample
        accel = InletReader(f"{name}-Accel")
        motion = InletReader(f"{name}-Motion")
        with PtyEmulator(cyton.CytonEmulator(), link=link) as pty:
            assert accel.wait_samples(75) >= 75  # 3 s
            eeg.wait_samples(10 * len(accel.stamps))
            assert accel.info.type() == "Accelerometer" and accel.info.nominal_srate() == 25.0
            assert accel.labels() == [("accel_x", "g"), ("accel_y", "g"), ("accel_z", "g")]
            assert accel.info.source_id() == f"{bridge.source_id}:accel" != eeg.info.source_id()
            values = np.asarray(accel.samples)
            np.testing.assert_allclose(values.mean(axis=0), [0.0, 0.0, 1.0], atol=0.005)
            stamps = np.asarray(accel.stamps)
            rate = (len(stamps) - 1) / (stamps[-1] - stamps[0])
            assert abs(rate - 25.0) < 0.5
            # each reading carries the timestamp of the EEG sample it came with: every tenth one
            eeg_stamps = np.asarray(eeg.stamps)
            at = np.searchsorted(eeg_stamps, stamps)
            np.testing.assert_allclose(eeg_stamps[at], stamps, rtol=0, atol=1e-9)
            assert np.all(np.diff(at) == 10)

            status = bridge.status()
            assert status.motion is not None and not status.motion.moving
            assert status.verdict.level == Level.GOOD
            pty.device.head_moving = True
            assert wait_for(lambda: bridge.status().motion is not None and bridge.status().motion.moving)
            verdict = bridge.status().verdict
            assert verdict.level == Level.DEGRADED and "head moving" in verdict.reason
            assert wait_for(lambda: motion.pull() and motion.samples[-1][0] == 1.0)
            assert motion.labels() == [("moving", "bool"), ("motion_sd", "g")]
            pty.device.head_moving = False
            assert wait_for(lambda: bridge.status().verdict.level == Level.GOOD)


def test_stream_infos_declare_the_accel_and_motion_streams() -> None:
    keys = [(s.key, s.suffix, s.rate, s.aligned_to) for s in cyton.SPEC.streams]
    assert keys == [
        ("eeg", "", 250.0, ""),
        ("accel", "Accel", 25.0, "eeg"),
        ("motion", "Motion", 25.0, "eeg"),
    ]
