"""`oasis demo` runs the simulator through acquisition in its own LSL session and exits 0."""

from __future__ import annotations

import subprocess
import sys


def test_demo_runs_and_exits_zero() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "station.cli", "demo", "--duration", "8"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "EEG 250.0 Hz good" in result.stdout or "EEG 249" in result.stdout
    assert "HR " in result.stdout and "oasis demo: done" in result.stdout
