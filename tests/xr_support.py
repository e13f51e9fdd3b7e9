"""Helpers for the tests marked ``xr`` (run by `make test-xr` inside the Monado chroot): a
monado-service one can kill and restart, and a frame loop with a deadline."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

RUNTIME_DIR = Path(os.environ.get("XDG_RUNTIME_DIR", "/run/xdg"))
SOCKET = RUNTIME_DIR / "monado_comp_ipc"


class Monado:
    """A monado-service process with the simulated HMD and the null compositor."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        RUNTIME_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        SOCKET.unlink(missing_ok=True)
        env = dict(
            os.environ,
            XRT_NO_STDIN="1",
            SIMULATED_ENABLE="1",
            XRT_COMPOSITOR_NULL="1",
            XDG_RUNTIME_DIR=str(RUNTIME_DIR),
        )
        self.proc = subprocess.Popen(
            ["monado-service"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60.0
        while not SOCKET.exists():
            assert self.proc.poll() is None, "monado-service exited at start"
            assert time.monotonic() < deadline, "monado-service did not open its socket"
            time.sleep(0.1)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)
        SOCKET.unlink(missing_ok=True)


def run_until(out, condition, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out; status={out.status} state={out.session_state_name}"
        out.frame()
