"""`systemctl stop` during a session: `oasis station run` (a real process playing a kiosk script, with a
simulated officer's ECG on real LSL, the real pipeline, engine, headless scene, store and recorder)
gets SIGINT (the unit's KillSignal) or SIGTERM while the engine runs. It must end the session as
aborted, saying why, close the recording with its footers (nothing left to repair), and exit."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import pyxdf

from station.recording.xdf_repair import repair
from station.store import SessionStatus, SessionStore
from tests.cli_support import no_display_env
from tests.lsl_helpers import simulated_ecg
from tests.protocol_builder import Phase, protocol_toml

REPO = Path(__file__).resolve().parents[2]
PROTOCOL = protocol_toml(
    "long",
    [
        Phase("settle", 3, "请坐好。", "Sit down.", feedback=False),
        Phase("baseline", 8, "保持安静。", "Stay still.", baseline=True),
        Phase("training", 109, "放松。", "Relax."),
    ],
    name=("长课程", "A long program"),
    max_session_s=300,
)
TAPS = ["begin", "new_code", "submit_code", "program:long", "stress:6", "mood:2", "rate"]


@pytest.fixture(scope="module")
def ecg() -> Iterator[None]:
    with simulated_ecg("signal-test"):
        yield


def engine_running(database: Path) -> bool:
    """A session's engine has started: its first phase event is in the store (read-only look)."""
    if not database.exists():
        return False
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT 1 FROM events WHERE kind = 'phase' LIMIT 1").fetchone() is not None
    except sqlite3.OperationalError:  # the station has not created its tables yet
        return False


@pytest.mark.parametrize(("signum", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 0)])
def test_a_stop_signal_mid_session_ends_it_cleanly(ecg, tmp_path: Path, signum: int, exit_code: int) -> None:  # type: ignore[no-untyped-def]
    protocol = tmp_path / "long.toml"
    protocol.write_text(PROTOCOL, encoding="utf-8")
    data = tmp_path / "data"
    config = tmp_path / "station.toml"
    config.write_text(
        f'[station]\nid = "signal-station"\n[storage]\ndata_dir = "{data}"\n[admin]\ndiscover = false\n',
        encoding="utf-8",
    )
    script = tmp_path / "script.json"
    steps = [*({"tap": a} for a in TAPS), {"wait_for": "post_rating", "timeout_s": 600}]
    script.write_text(json.dumps({"steps": steps}), encoding="utf-8")
    env = no_display_env()
    command = ["station", "run", "--config", str(config), "--output", "headless", "--protocol", str(protocol)]
    log = tmp_path / "station.log"  # a file, not a pipe: the station's INFO log would fill a pipe
    with log.open("w") as output:
        proc = subprocess.Popen(
            [sys.executable, "-m", "station.cli", *command, "--headless-script", str(script)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=REPO,
        )
    try:
        deadline = time.monotonic() + 120.0
        while not engine_running(data / "sessions.db"):
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, (
                "the session's engine did not start:\n" + log.read_text()[-3000:]
            )
            time.sleep(0.2)
        proc.send_signal(signum)
        proc.wait(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == exit_code, log.read_text()[-3000:]
    with SessionStore(data / "sessions.db", "signal-station") as store:
        [record] = store.sessions(limit=10)
        assert record.status is SessionStatus.ABORTED and record.ended_at
        stops = [e.detail["reason"] for e in store.events(record.uuid) if e.kind == "stop"]
        assert stops == ["the station is shutting down"]
        xdf = Path(record.xdf_path)
    streams, _ = pyxdf.load_xdf(str(xdf))
    assert {s["info"]["type"][0] for s in streams} >= {"ECG", "Markers", "Features", "SceneParams"}
    assert all("footer" in s for s in streams)  # the recorder closed the file
    assert repair(xdf) is False  # nothing for the next start to repair
