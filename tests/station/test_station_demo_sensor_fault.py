"""`oasis demo --fault … --officer CODE`: a heart sensor that goes flat mid-session, seen end to end —
the runtime's markers in the XDF (pyxdf), the stored session flagged, the kiosk's summary saying what
was not measured, and the embedded admin holding the flag and the minutes of usable feedback. The same
run checks in under a code with an earlier visit: `oasis officer history CODE --json` then lists both
with the ratings before → after. Real parts throughout: the simulator's LSL ECG, the CMS50D+ emulated
on a pty, the station, the admin server. (One demo run serves both: each costs over a minute.)"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import pyxdf

from sensors.devices.sim_device import FaultedSource, sim_source
from sensors.sim.faults import parse_fault
from sensors.sim.officer_state import Scenario
from station.cli import main
from station.commands.demo_command import STATION_ID
from station.store import SessionStore
from station.store.officer_codes import display, new_code
from tests.officer_history_support import FIRST, add_session

OFFICER_HISTORY = [sys.executable, "-m", "station.cli", "officer", "history"]


@dataclass(frozen=True)
class DemoRun:
    data_dir: Path
    stdout: str
    code: str
    earlier_uuid: str


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """One `oasis demo` with the heart flat mid-session, checked in under a code with an earlier visit."""
    data_dir = tmp_path_factory.mktemp("demo")
    code = new_code()
    with SessionStore(data_dir / "station.db", STATION_ID) as store:
        earlier = add_session(store, code, *FIRST)
    # ECG (LSL) and the oximeter's PPG (serial) flat from 35 to 50 s of the simulator's time: inside
    # the 75 s session, after the heart has been good, with time left for it to come back
    demo = [sys.executable, "-m", "station.cli", "demo", "--data-dir", str(data_dir)]
    faults = ["--fault", "flat:ecg:15@35", "--fault", "flat:ppg:15@35"]
    result = subprocess.run(
        [*demo, "--officer", display(code), *faults],
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return DemoRun(data_dir, result.stdout, code, earlier)


def test_demo_with_a_flat_heart_sensor_flags_the_session_everywhere(demo_run: DemoRun) -> None:
    tmp_path, out = demo_run.data_dir, demo_run.stdout
    uuid = re.search(r"session\s+([0-9a-f-]{36})\s+completed", out)
    assert uuid, out
    assert "fault flat:ecg:15@35" in out and "fault flat:ppg:15@35" in out
    assert "练习中心率传感器信号平直" in out  # the kiosk's summary says what could not be measured
    assert "quality   flagged: heart sensor lost (flat line" in out

    db = sqlite3.connect(tmp_path / "station.db")
    raw_quality, xdf_path = db.execute(
        "SELECT data_quality, xdf_path FROM sessions WHERE uuid = ?", (uuid.group(1),)
    ).fetchone()
    quality = json.loads(raw_quality)
    assert quality["flagged"] is True
    [loss] = quality["sensor_losses"]
    assert loss["kind"] == "heart" and loss["reason"] == "flat line"
    assert loss["lost_s"] is not None and 0 < loss["lost_s"] < 30  # back before the session ended
    assert 0 <= quality["usable_feedback_min"] < 35 / 60  # the 35 s training phase, less the loss
    events = [k for (k,) in db.execute("SELECT kind FROM events WHERE session_uuid = ?", (uuid.group(1),))]
    assert "sensor_lost" in events and "sensor_back" in events

    streams, _ = pyxdf.load_xdf(xdf_path)
    markers = next(s for s in streams if s["info"]["type"][0] == "Markers")
    labels = [row[0] for row in markers["time_series"]]
    lost = [i for i, m in enumerate(labels) if m.startswith("sensor:lost:")]
    back = [i for i, m in enumerate(labels) if m.startswith("sensor:back:")]
    assert len(lost) == 1 and len(back) == 1 and lost[0] < back[0]
    assert json.loads(labels[lost[0]].removeprefix("sensor:lost:")) == {
        "kind": "heart",
        "reason": "flat line",
    }
    lost_s = json.loads(labels[back[0]].removeprefix("sensor:back:"))["lost_s"]
    stamps = markers["time_stamps"]  # LSL time between the two markers is the loss's length
    assert lost_s > 0 and abs((stamps[back[0]] - stamps[lost[0]]) - lost_s) < 0.2

    admin = sqlite3.connect(tmp_path / "admin.db")
    flagged, minutes = admin.execute(
        "SELECT quality_flagged, usable_feedback_min FROM sessions WHERE uuid = ?", (uuid.group(1),)
    ).fetchone()
    assert flagged == 1 and minutes == quality["usable_feedback_min"]


def test_two_visits_under_one_code_make_a_history(demo_run: DemoRun) -> None:
    code = demo_run.code
    assert f"check-in: officer code {code}" in demo_run.stdout
    assert f"oasis officer history {code} --data-dir" in demo_run.stdout
    listed = subprocess.run(
        [*OFFICER_HISTORY, code, "--data-dir", str(demo_run.data_dir), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    sessions = json.loads(listed.stdout)
    assert [s["uuid"] == demo_run.earlier_uuid for s in sessions] == [True, False]
    ratings = [(s["stress_before"], s["stress_after"], s["mood_before"], s["mood_after"]) for s in sessions]
    assert ratings == [(7, 3, 2, 4), (6, 3, 2, 4)]  # the demo's script taps 6/2 before and 3/4 after
    assert sessions[1]["program"] == "demo" and sessions[1]["status"] == "completed"
    assert sessions[1]["minutes"] > 1 and "hr" in sessions[1]["changes"]


def test_demo_refuses_a_malformed_officer_code(tmp_path: Path, capsys) -> None:
    assert main(["demo", "--data-dir", str(tmp_path), "--officer", "K7PQ-3XX"]) == 2
    assert "--officer" in capsys.readouterr().err


def test_demo_refuses_faults_a_serial_oximeter_cannot_have(tmp_path: Path, capsys) -> None:
    for spec, why in (
        ("drop:ppg:5@10", "the oximeter is serial, use flat, clip, mains"),
        ("flat:ppg:5", "expected KIND:STREAM:DURATION@START"),
        ("flat:ppx:5@10", "stream 'ppx' is not one of eeg, ecg, eda, resp, rr, ppg"),
    ):
        assert main(["demo", "--data-dir", str(tmp_path), "--fault", spec]) == 2
        assert why in capsys.readouterr().err
    assert not (tmp_path / "station.toml").exists()  # refused before anything started


def test_a_faulted_device_source_holds_its_signal_flat_only_during_the_fault() -> None:
    scenario = Scenario.named("relaxing", 60.0, 6.0)
    clean = sim_source("cms50d", scenario, 3)
    faulted = FaultedSource(sim_source("cms50d", scenario, 3), [parse_fault("flat:ppg:2@1", ["ppg"])])
    a, b = clean.next_chunk(240), faulted.next_chunk(240)  # 4 s at 60 Hz
    np.testing.assert_array_equal(a[:60], b[:60])  # before the fault: the same signal
    assert np.ptp(b[60:180]) == 0 and b[60, 0] == a[59, 0]  # held at the last sample before it
    np.testing.assert_array_equal(a[180:], b[180:])  # after it: the signal again
    assert np.ptp(a[60:180]) > 0
