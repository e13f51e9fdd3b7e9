"""`oasis replay`: a recording republished over real LSL keeps its values and its timing."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pylsl
import pytest

from station.cli import main
from station.recording.republish import replay
from station.recording.xdf_writer import XdfWriter


def _recording(path: Path) -> tuple[np.ndarray, np.ndarray]:
    stamps = 5000.0 + np.arange(200) / 100.0  # 2 s of 100 Hz
    values = np.arange(600, dtype=np.float32).reshape(200, 3)
    with XdfWriter(path, fsync=False) as w:
        eeg = w.add_stream(
            "<info><name>ReplayEEG</name><type>EEG</type><channel_count>3</channel_count>"
            "<channel_format>float32</channel_format><nominal_srate>100</nominal_srate>"
            "<source_id>headband-7</source_id><desc><channels><channel><label>O1</label></channel>"
            "<channel><label>Oz</label></channel><channel><label>O2</label></channel></channels>"
            "</desc></info>",
            "float32",
            3,
        )
        mk = w.add_stream(
            "<info><name>ReplayMarkers</name><type>Markers</type><channel_count>1</channel_count>"
            "<channel_format>string</channel_format><nominal_srate>0</nominal_srate></info>",
            "string",
            1,
        )
        w.write_samples(eeg, stamps, values)
        w.write_samples(mk, [5000.5, 5001.5], [["phase:baseline"], ["phase:session"]])
    return stamps, values


def test_replay_keeps_values_timing_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "rec.xdf"
    stamps, values = _recording(path)
    inlets: dict[str, pylsl.StreamInlet] = {}
    full_info: list[pylsl.StreamInfo] = []

    def connect() -> None:  # called when the outlets exist, before the first sample is pushed
        for name in ("ReplayEEG", "ReplayMarkers"):
            [info] = pylsl.resolve_byprop("name", name, 1, 30.0)
            inlets[name] = pylsl.StreamInlet(info, recover=False)
            inlets[name].open_stream(timeout=30.0)
        full_info.append(inlets["ReplayEEG"].info(timeout=30.0))

    result: dict[str, int] = {}
    thread = threading.Thread(target=lambda: result.update(replay(path, 2.0, lead_s=1.0, on_ready=connect)))
    thread.start()
    got_values, got_stamps, got_markers, marker_stamps = [], [], [], []
    deadline = time.monotonic() + 60
    while (len(got_stamps) < 200 or len(got_markers) < 2) and time.monotonic() < deadline:
        if "ReplayEEG" in inlets and "ReplayMarkers" in inlets:
            v, t = inlets["ReplayEEG"].pull_chunk(timeout=0.1)
            got_values += v
            got_stamps += t
            m, tm = inlets["ReplayMarkers"].pull_chunk(timeout=0.0)
            got_markers += [x[0] for x in m]
            marker_stamps += tm
        else:
            time.sleep(0.05)
    thread.join(timeout=60)
    assert result == {"ReplayEEG": 200, "ReplayMarkers": 2}
    np.testing.assert_array_equal(np.asarray(got_values, dtype=np.float32), values)
    # timing kept, at double speed: every offset from the first sample is halved
    np.testing.assert_allclose(np.asarray(got_stamps) - got_stamps[0], (stamps - stamps[0]) / 2.0, atol=1e-6)
    assert got_markers == ["phase:baseline", "phase:session"]
    np.testing.assert_allclose(np.asarray(marker_stamps) - got_stamps[0], [0.25, 0.75], atol=1e-6)
    [info] = full_info
    assert info.source_id() == "headband-7.replay"
    channels = info.desc().child("channels")
    labels, ch = [], channels.child("channel")
    while not ch.empty():
        labels.append(ch.child_value("label"))
        ch = ch.next_sibling()
    assert labels == ["O1", "Oz", "O2"]


def test_replay_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(tmp_path / "missing.xdf")]) == 2
    assert capsys.readouterr().err.startswith("oasis replay: cannot read")
    empty = tmp_path / "empty.xdf"
    with XdfWriter(empty, fsync=False) as w:
        w.add_stream(
            "<info><name>e</name><channel_count>1</channel_count><channel_format>float32"
            "</channel_format><nominal_srate>1</nominal_srate></info>",
            "float32",
            1,
        )
    assert main(["replay", str(empty)]) == 2
    assert "no samples to replay" in capsys.readouterr().err
    assert main(["replay", str(empty), "--speed", "0"]) == 2


@pytest.mark.parametrize("speed", ["nan", "inf", "-inf", "0", "-1", "1e-300", "1e300"])
def test_replay_refuses_a_speed_that_would_hang_or_burst(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], speed: str
) -> None:
    """`--speed nan` used to be accepted and hang; every absurd speed is one line, status 2."""
    assert main(["replay", str(tmp_path / "any.xdf"), f"--speed={speed}"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("oasis replay: speed must be a number from 0.01 to 1000, got ")
        and err.count("\n") == 1
    )
