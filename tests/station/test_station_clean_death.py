"""`kill -9` of `oasis station run` or of `oasis demo` in mid-session leaves no process behind, and
the interrupted session is recovered at the next start. Real parts: the CLI in a subprocess, a
simulated ECG on LSL (isolated per test run by tests/conftest.py; the demo runs its own simulated
officer in a private LSL session), the headless scene child, the SQLite store. Processes are read
from /proc (psutil is not a dependency)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from station.store import SessionStatus, SessionStore
from tests.cli_support import STATION_RUN, no_display_env
from tests.lsl_helpers import simulated_ecg
from tests.protocol_builder import protocol_toml

CHECK_IN = ["begin", "new_code", "submit_code", "program:short", "stress:6", "mood:2", "rate"]


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, start time) of a process from /proc, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[19])


def _descendants(root: int) -> dict[int, int]:
    """Every living descendant of ``root``: pid → start time (to tell a reused pid apart)."""
    parents: dict[int, tuple[int, int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None and stat[0] != "Z":
            parents[int(entry.name)] = (stat[1], stat[2])
    found: dict[int, int] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, started) in parents.items():
            if ppid == parent and pid not in found:
                found[pid] = started
                frontier.append(pid)
    return found


def _is_scene(pid: int) -> bool:
    try:
        return "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:  # gone meanwhile
        return False


def _alive(pid: int, started: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z" and stat[2] == started


def _poll(condition: Callable[[], bool], attempts: int, pause_s: float = 0.1) -> bool:
    for _ in range(attempts):
        if condition():
            return True
        time.sleep(pause_s)
    return condition()


def _running_session(db: Path, station_id: str) -> str | None:
    if not db.exists():
        return None
    with SessionStore(db, station_id) as store:
        running = [s for s in store.sessions() if s.status is SessionStatus.RUNNING]
    return running[0].uuid if running else None


def _kill_9_in_session(command: list[str], db: Path, station_id: str) -> str:
    """Start ``command``, ``kill -9`` it once a session runs with its scene child, and check that no
    process it started is left; returns the session it left running."""
    env = no_display_env()
    station = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    children: dict[int, int] = {}
    try:

        def in_session_with_a_scene() -> bool:
            children.update(_descendants(station.pid))
            return any(_is_scene(p) for p in children) and _running_session(db, station_id) is not None

        assert _poll(in_session_with_a_scene, attempts=1800), "no session with a scene child started"
        children.update(_descendants(station.pid))
        session = _running_session(db, station_id)
        os.kill(station.pid, signal.SIGKILL)
        station.wait(timeout=30)
    finally:
        if station.poll() is None:
            station.kill()
    assert children, "the station started no child process"

    def left() -> list[int]:
        return [pid for pid, started in children.items() if _alive(pid, started)]

    assert _poll(lambda: not left(), attempts=100), f"left behind: {left()}"
    assert session is not None
    return session


def _recovered(db: Path, station_id: str, session: str) -> bool:
    with SessionStore(db, station_id) as store:
        marked = store.interrupt_running()
        record = store.session(session)
    return marked == [session] and record is not None and record.status is SessionStatus.INTERRUPTED


def test_kill_9_of_the_kiosk_mid_session_leaves_no_child_and_the_session_is_recovered(tmp_path: Path) -> None:
    protocol_file = tmp_path / "short.toml"
    protocol_file.write_text(protocol_toml("short"), encoding="utf-8")
    data = tmp_path / "data"
    config = tmp_path / "station.toml"
    config.write_text(
        f'[station]\nid = "kill-station"\n[storage]\ndata_dir = "{data}"\n[admin]\ndiscover = false\n',
        encoding="utf-8",
    )
    script = tmp_path / "script.json"
    steps = [*({"tap": a} for a in CHECK_IN), {"wait_for": "post_rating", "timeout_s": 150}]
    script.write_text(json.dumps({"steps": steps}), encoding="utf-8")
    command = [*STATION_RUN, "--config", str(config)]
    command += ["--output", "headless", "--protocol", str(protocol_file), "--headless-script", str(script)]
    with simulated_ecg("kill-test"):
        session = _kill_9_in_session(command, data / "sessions.db", "kill-station")
    assert _recovered(data / "sessions.db", "kill-station", session)


def test_kill_9_of_the_demo_mid_session_leaves_no_child_and_the_session_is_recovered(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "station.cli", "demo", "--data-dir", str(tmp_path)]
    session = _kill_9_in_session(command, tmp_path / "station.db", "demo-station")
    assert _recovered(tmp_path / "station.db", "demo-station", session)
