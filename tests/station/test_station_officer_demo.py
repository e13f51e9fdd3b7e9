"""`oasis demo --officer CODE` through the real station (simulated sensors, pipeline, engine, scene,
store, sync): a visit stored earlier under the same code and the demo's session make a history of two
that `oasis officer history CODE --json` prints with the ratings before → after."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from station.commands.demo_command import STATION_ID
from station.store import SessionStore
from station.store.officer_codes import display, new_code
from tests.officer_history_support import FIRST, add_session


def test_two_visits_under_one_code_make_a_history(tmp_path: Path) -> None:
    code = new_code()
    with SessionStore(tmp_path / "station.db", STATION_ID) as store:  # the code's earlier visit
        earlier = add_session(store, code, *FIRST)
    demo = subprocess.run(
        [
            sys.executable,
            "-m",
            "station.cli",
            "demo",
            "--data-dir",
            str(tmp_path),
            "--officer",
            display(code),
        ],
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert f"check-in: officer code {code}" in demo.stdout
    assert f"oasis officer history {code} --data-dir" in demo.stdout
    listed = subprocess.run(
        [
            sys.executable,
            "-m",
            "station.cli",
            "officer",
            "history",
            code,
            "--data-dir",
            str(tmp_path),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    sessions = json.loads(listed.stdout)
    assert [s["uuid"] == earlier for s in sessions] == [True, False]
    ratings = [(s["stress_before"], s["stress_after"], s["mood_before"], s["mood_after"]) for s in sessions]
    assert ratings == [(7, 3, 2, 4), (6, 3, 2, 4)]  # the demo's script taps 6/2 before and 3/4 after
    assert sessions[1]["program"] == "demo" and sessions[1]["status"] == "completed"
    assert sessions[1]["minutes"] > 1 and "hr" in sessions[1]["changes"]

    bad = subprocess.run(
        [sys.executable, "-m", "station.cli", "demo", "--data-dir", str(tmp_path), "--officer", "K7PQ-3XX"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "--officer" in bad.stderr
