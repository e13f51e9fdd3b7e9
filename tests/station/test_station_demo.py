"""`oasis demo` end to end, headless: a real subprocess running simulated LSL sensors and a serial
emulator on a pty, the pipeline, the protocol engine, the scene in its own process, the store, the XDF
recorder, the report, and sync to the embedded admin server, all driven through the kiosk controller by
a headless script. Everything it leaves is checked."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyxdf


def test_demo_runs_a_complete_session_and_syncs_it(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "station.cli", "demo", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    session = re.search(r"session\s+([0-9a-f-]{36})\s+completed", out)
    assert session, out
    uuid = session.group(1)
    assert "synced: yes" in out and re.search(r"admin\s+http://127\.0\.0\.1:\d+", out)
    for phase in ("settle", "baseline", "training", "cooldown", "end"):
        assert f"phase {phase}" in out

    db = sqlite3.connect(tmp_path / "station.db")
    status, xdf_path = db.execute("SELECT status, xdf_path FROM sessions WHERE uuid = ?", (uuid,)).fetchone()
    assert status == "completed"
    ratings = db.execute(
        "SELECT pre_stress, pre_mood, post_stress, post_mood FROM sessions WHERE uuid = ?", (uuid,)
    ).fetchone()
    assert ratings == (6, 2, 3, 4)  # tapped on the kiosk by the demo's script
    assert db.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0] == 0
    stored = db.execute("SELECT phase_summaries FROM sessions WHERE uuid = ?", (uuid,)).fetchone()[0]
    summaries = json.loads(stored)
    training = summaries["training"]  # the phase with the reward: time in the target state counted
    assert 0 <= training["target_s"] <= training["feedback_s"] <= training["duration_s"] + 0.5
    assert training["feedback_s"] > 0.5 * training["duration_s"]
    assert "target_s" not in summaries["baseline"]
    assert re.search(r"In the target state: .* \(\d+ % of the feedback time\)", out), out
    admin = sqlite3.connect(tmp_path / "admin.db")
    assert admin.execute("SELECT COUNT(*) FROM sessions WHERE uuid = ?", (uuid,)).fetchone()[0] == 1

    streams, _ = pyxdf.load_xdf(xdf_path)
    by_type = {s["info"]["type"][0]: s for s in streams}
    for kind in ("EEG", "ECG", "EDA", "PPG", "Features", "SceneParams", "Markers"):
        assert kind in by_type, f"{kind} not recorded: {sorted(by_type)}"
        assert len(by_type[kind]["time_stamps"]) > 0, kind
    assert by_type["PPG"]["info"]["name"][0] == "oximeter"  # the CMS50D+ bridged as a [[devices]] entry
    markers = [row[0] for row in by_type["Markers"]["time_series"]]
    assert "phase:training" in markers
    assert (tmp_path / "reports" / f"{uuid}.png").stat().st_size > 10_000
    assert list((tmp_path / "frames").glob("*.png"))


def test_demo_refuses_an_absurd_serve_time(tmp_path: Path, capsys) -> None:
    from station.cli import main

    for serve in ("nan", "inf", "-1", "1e9"):
        assert main(["demo", "--data-dir", str(tmp_path), f"--serve={serve}"]) == 2
        assert capsys.readouterr().err == "oasis demo: --serve must be from 0 to 86400 s\n"


def test_ctrl_c_stops_the_demo_without_the_serve_wait(tmp_path: Path) -> None:
    """Ctrl+C once the admin server is up: the demo stops (status 130) instead of sleeping --serve."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "station.cli", "demo", "--data-dir", str(tmp_path), "--serve", "600"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "admin server at" in line:
            break
    proc.send_signal(signal.SIGINT)
    try:
        rc = proc.wait(timeout=60)
    finally:
        proc.kill()
    rest = proc.stdout.read()
    assert rc == 130 and "stays up" not in rest, rest
    assert "Traceback" not in proc.stderr.read()
