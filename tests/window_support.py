"""Helpers for the window-mode tests: a private Xvfb display, real pointer clicks with xdotool, and
the programs the tests run on that display in their own process (pyglet must not be in headless
mode there, and the test session may already have set it):

    python tests/window_support.py kiosk DATA_DIR     a KioskApp in a real full-screen window; prints one
                                                     JSON line per drawn screen: its name and buttons
    python tests/window_support.py scene             a WindowOutput rendering frames; prints their stats
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCREEN = (1280, 800)


@contextmanager
def xvfb(timeout: float = 30.0) -> Iterator[str]:
    """Start Xvfb on a display number it picks itself (-displayfd); yields ":N"; stops it after."""
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            f"{SCREEN[0]}x{SCREEN[1]}x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    os.close(write_fd)
    try:
        number = b""
        deadline = time.monotonic() + timeout
        with os.fdopen(read_fd, "rb") as pipe:
            while not number.endswith(b"\n") and time.monotonic() < deadline:
                chunk = pipe.read(1)
                if not chunk:
                    break
                number += chunk
        if not number.strip().isdigit():
            error = proc.stderr.read().decode()[-500:] if proc.poll() is not None else "no display number"
            raise RuntimeError(f"Xvfb did not start: {error}")
        yield f":{number.strip().decode()}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def window_env(display: str) -> dict[str, str]:
    """The environment for a process on ``display``: no headless pyglet, the repo importable."""
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "PYGLET_HEADLESS")}
    env["DISPLAY"] = display
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


def click(display: str, x: float, y: float) -> None:
    """A real X pointer click at screen pixel (x, y)."""
    subprocess.run(
        ["xdotool", "mousemove", "--sync", str(round(x)), str(round(y)), "click", "1"],
        env=window_env(display),
        check=True,
        timeout=30,
        capture_output=True,
    )


def _kiosk(data_dir: Path) -> None:
    import pyglet

    from protocols.loader import find_protocol
    from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
    from station.kiosk.controller import KioskController
    from station.kiosk.window import KioskApp
    from station.store import SessionStore

    store = SessionStore(data_dir / "sessions.db", "window-station")
    registry = SourceRegistry(StreamCatalog(buffer_seconds=5.0))
    controller = KioskController(
        store,
        registry,
        [find_protocol("quick-reset")],
        station_id="window-station",
        recordings_dir=data_dir / "recordings",
        language="en",
    )

    class ReportingKioskApp(KioskApp):
        """The kiosk window, telling the test what it has just drawn."""

        last = ""
        shown = False  # mapped on the display: clicks reach it from now on

        def on_draw(self) -> None:
            super().on_draw()
            if not self.shown:
                return
            x0, y0 = self.window.get_location()
            report = json.dumps(
                {
                    "screen": self.flow.screen.value,
                    "size": list(self.window.get_framebuffer_size()),
                    "texts": [w.text for w in self.widgets],
                    "selected": [w.action for w in self.widgets if w.style == "selected"],
                    "buttons": {
                        w.action: [x0 + w.box.x + w.box.w / 2, y0 + w.box.y + w.box.h / 2]
                        for w in self.widgets
                        if w.kind in ("button", "still")
                        and w.action
                        and w.style != "disabled"  # a program card (its scene still) is a touch target too
                    },
                },
                ensure_ascii=False,
            )
            if report != self.last:
                self.last = report
                print(report, flush=True)

    app = ReportingKioskApp(controller.flow, controller.model, controller.apply)

    @app.window.event
    def on_show() -> None:
        app.shown = True

    pyglet.clock.schedule_interval(controller.poll, 0.1)
    try:
        app.run()
    finally:
        registry.close()
        store.close()


def _scene() -> None:
    import numpy as np

    from scenes.catalog import get_scene
    from scenes.open_output import open_output

    out = open_output("window", get_scene("lakeside"), width=320, height=180)
    try:
        stats = []
        for i in range(40):
            capture = i % 10 == 9
            out.capture_next = capture
            assert out.frame(), "the window closed"
            if capture:
                image = out.snapshot()
                stats.append(
                    {
                        "shape": list(image.shape),
                        "std": float(np.std(image)),
                        "distinct": len(np.unique(image.reshape(-1, 3), axis=0)),
                    }
                )
        print(json.dumps({"frames": 40, "captures": stats, "caption": out.window.caption}), flush=True)
    finally:
        out.close()


if __name__ == "__main__":
    if sys.argv[1] == "kiosk":
        _kiosk(Path(sys.argv[2]))
    else:
        _scene()
