"""`oasis demo` runs the simulator through acquisition in its own LSL session and exits 0."""

from __future__ import annotations

import re
import subprocess
import sys


def test_demo_runs_and_exits_zero() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "station.cli", "demo", "--duration", "8"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"EEG\s+2[2-7]\d\.\d Hz (good|degraded)", result.stdout), result.stdout
    assert "HR " in result.stdout and "oasis demo: done" in result.stdout
