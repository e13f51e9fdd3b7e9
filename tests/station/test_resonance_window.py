"""Window mode on a real (virtual) X display: Xvfb started by the test on a display number it picks
itself, real pointer clicks through xdotool, and the kiosk window, the scene's WindowOutput and
`oasis station run --output window` each in their own process (pyglet is not headless there)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from queue import Empty, Queue

import pytest

from tests.cli_support import STATION_RUN
from tests.protocol_builder import Phase, protocol_toml
from tests.window_support import REPO, SCREEN, click, window_env, xvfb


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    with xvfb() as name:
        yield name


class _Lines:
    """A child's stdout, read on a thread so waits stay bounded."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.queue: Queue[str] = Queue()
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            self.queue.put(line)

    def wait_for(self, predicate, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=0.5)
            except Empty:
                continue
            if line.startswith("{"):
                report = json.loads(line)
                seen.append(report["screen"])
                if predicate(report):
                    return report
        raise AssertionError(f"timed out; screens drawn: {seen}")


def test_the_kiosk_window_follows_real_clicks(display: str, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "tests" / "window_support.py"), "kiosk", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=window_env(display),
    )
    try:
        lines = _Lines(proc)
        report = lines.wait_for(lambda r: r["screen"] == "idle", 120.0)
        assert report["size"] == list(SCREEN)  # full screen on the station monitor
        assert "Welcome to the relaxation station" in report["texts"]
        path = ["begin", "new_code", "submit_code", "program:quick-reset", "stress:6", "mood:2"]
        expected = {
            "begin": "check_in",
            "new_code": "check_in",
            "submit_code": "program",
            "program:quick-reset": "pre_rating",
            "stress:6": "pre_rating",
            "mood:2": "pre_rating",
        }
        for action in path:
            click(display, *report["buttons"][action])
            previous = report
            report = lines.wait_for(lambda r, p=previous: r != p, 60.0)
            assert report["screen"] == expected[action], (action, report["screen"])
            if action == "new_code":  # shown large, beside its QR code (issue 14)
                assert "This is your own code" in report["texts"]
                assert any(re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{3}", t) for t in report["texts"])
        assert report["selected"] == ["stress:6", "mood:2"]
        assert "rate" in report["buttons"]  # Next is enabled once both ratings are chosen
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    from station.store import SessionStore

    with SessionStore(tmp_path / "sessions.db", "window-station") as store:
        assert store.officer_count() == 1  # the new officer's code was issued and checked in


def test_the_scene_window_renders_real_frames(display: str) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "tests" / "window_support.py"), "scene"],
        capture_output=True,
        text=True,
        timeout=180,
        env=window_env(display),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(stats["captures"]) == 4
    for capture in stats["captures"]:
        assert capture["shape"] == [180, 320, 3]
        assert capture["std"] > 5.0 and capture["distinct"] > 50, capture  # a picture, not a flat fill


SHORT = protocol_toml(
    "window-short",
    [
        Phase("settle", 2, "坐好。", "Sit.", feedback=False),
        Phase("baseline", 4, "安静。", "Still.", baseline=True),
        Phase("training", 4, "放松。", "Relax."),
    ],
    name=("窗口测试", "Window test"),
    description=("测试", "Test"),
)


def test_the_station_command_shows_the_scene_in_a_window(display: str, tmp_path: Path) -> None:
    from tests.lsl_helpers import simulated_ecg

    protocol = tmp_path / "window-short.toml"
    protocol.write_text(SHORT, encoding="utf-8")
    config = tmp_path / "station.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{tmp_path / "data"}"\n[admin]\ndiscover = false\n', encoding="utf-8"
    )
    script = tmp_path / "script.json"
    taps = ["begin", "new_code", "submit_code", "program:window-short", "stress:6", "mood:2", "rate"]
    script.write_text(
        json.dumps(
            {
                "steps": [
                    *({"tap": a} for a in taps),
                    {"wait_for": "post_rating", "timeout_s": 150},
                    *({"tap": a} for a in ("stress:3", "mood:4", "rate")),
                ]
            }
        )
    )
    with simulated_ecg("window-test"):
        stdout, stderr = tmp_path / "stdout.txt", tmp_path / "stderr.txt"  # files: a full pipe never blocks
        with stdout.open("w") as out_file, stderr.open("w") as err_file:
            proc = subprocess.Popen(
                [
                    *STATION_RUN,
                    "--config",
                    str(config),
                    "--output",
                    "window",
                    "--protocol",
                    str(protocol),
                    "--headless-script",
                    str(script),
                ],
                stdout=out_file,
                stderr=err_file,
                env=window_env(display),
                cwd=REPO,
            )
        scene_windows: set[str] = set()
        try:
            deadline = time.monotonic() + 240
            while proc.poll() is None and time.monotonic() < deadline:
                found = subprocess.run(
                    ["xdotool", "search", "--onlyvisible", "--name", "Lakeside at dusk"],
                    env=window_env(display),
                    capture_output=True,
                    text=True,
                    timeout=30,
                )
                scene_windows |= set(found.stdout.split())
                time.sleep(0.3)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    out, err = stdout.read_text(), stderr.read_text()
    assert proc.returncode == 0, out[-2000:] + err[-3000:]
    assert "scene lakeside, scene output window" in out
    assert re.search(r"session [0-9a-f-]{36} completed", out), out
    assert scene_windows, "no scene window was seen on the display during the session"
