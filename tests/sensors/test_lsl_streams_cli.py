"""`oasis streams --json` in a real subprocess sees a real outlet, with measured rate and verdict."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.lsl_helpers import Pusher, make_info


def test_streams_json_lists_live_stream() -> None:
    info = make_info("EEG", 2, 100.0, labels=["O1", "O2"])
    pusher = Pusher(info).start()
    try:
        out = subprocess.run(
            [sys.executable, "-m", "station.cli", "streams", "--json", "--duration", "4"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    finally:
        pusher.stop()
    rows = [r for r in json.loads(out) if r["source_id"] == info.source_id()]
    assert len(rows) == 1
    row = rows[0]
    assert row["type"] == "EEG" and row["channels"] == 2 and row["labels"] == ["O1", "O2"]
    assert row["measured_rate"] == pytest.approx(100.0, abs=0.01)  # from the grid-stamped timestamps
    assert row["verdict"]["level"] == "good" and row["samples"] > 100


def test_streams_rejects_bad_arguments() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "station.cli", "streams", "--json", "--duration", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "must be positive" in result.stderr
    assert "Traceback" not in result.stderr


def test_streams_json_reports_channel_quality() -> None:
    # A flat ECG channel (an electrode that records nothing) must not be reported as good.
    info = make_info("ECG", 1, 250.0)
    pusher = Pusher(info).start()
    pusher.constant = True
    try:
        out = subprocess.run(
            [sys.executable, "-m", "station.cli", "streams", "--json", "--duration", "4"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    finally:
        pusher.stop()
    row = next(r for r in json.loads(out) if r["source_id"] == info.source_id())
    assert row["verdict"]["level"] == "bad" and "flat" in row["verdict"]["reason"].lower()
    assert row["channel_verdicts"][0]["level"] == "bad"
