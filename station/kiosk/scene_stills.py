"""The scene stills the kiosk shows (program cards, attract screen), cached on disk.

Each still is rendered once per scene and renderer version (``scenes.scene_still.still_version``)
into ``<data dir>/stills/<scene>-<version>-<W>x<H>.png``. A missing one is rendered by a child
process (``python -m station.kiosk.scene_stills``, headless EGL), so the kiosk's UI loop never waits
and its own GL context is never shared with an offscreen renderer; the cards show a placeholder
colour until the file is there. Files are written under a temporary name and renamed, so the kiosk
never reads half a PNG; stills of an older version of the same scene are removed. The child ends
with the kiosk (``station.session.parent_watch``), however the kiosk ends.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from scenes.catalog import get_scene
from scenes.scene_still import still_version

log = logging.getLogger(__name__)
STILL_SIZE = (640, 360)
LOG_NAME = "render.log"


def still_path(folder: Path, scene: str, size: tuple[int, int] = STILL_SIZE) -> Path:
    """Where the still of ``scene`` at this renderer version and size lives."""
    return folder / f"{scene}-{still_version(get_scene(scene))}-{size[0]}x{size[1]}.png"


class SceneStills:
    """The stills of ``scenes`` in ``folder``: ``start`` renders the missing ones in a child process,
    ``ready`` says which exist (scene -> PNG path)."""

    def __init__(self, folder: Path, scenes: Iterable[str], size: tuple[int, int] = STILL_SIZE) -> None:
        self.folder, self.size = folder, size
        self.paths = {scene: still_path(folder, scene, size) for scene in sorted(set(scenes))}
        self.child: subprocess.Popen[bytes] | None = None
        self._ready: dict[str, str] = {}

    def missing(self) -> list[str]:
        return [scene for scene, path in self.paths.items() if not path.is_file()]

    def start(self) -> None:
        """Render the missing stills in a child process (returns at once; nothing to do: no child)."""
        missing = self.missing()
        if not missing or self.child is not None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with (self.folder / LOG_NAME).open("ab") as log_file:
                command = [sys.executable, "-m", "station.kiosk.scene_stills", str(self.folder)]
                command += ["--parent", str(os.getpid())]
                command += ["--size", f"{self.size[0]}x{self.size[1]}", *missing]
                self.child = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file
                )
        except OSError as exc:  # a read-only or full data directory: the cards keep their placeholder
            log.warning("scene stills cannot be rendered into %s: %s", self.folder, exc)

    def ready(self) -> dict[str, str]:
        """Scene -> path of each still on disk now (the child's exit is collected here)."""
        if self.child is not None and self.child.poll() is not None:
            if self.child.returncode != 0:
                log.warning(
                    "rendering scene stills failed (exit %s); see %s", self.child.returncode, LOG_NAME
                )
            self.child = None
        if len(self._ready) < len(self.paths):
            self._ready = {scene: str(path) for scene, path in self.paths.items() if path.is_file()}
        return dict(self._ready)

    def close(self, timeout_s: float = 10.0) -> None:
        """Stop a child still rendering (the next start renders what is missing)."""
        if self.child is None:
            return
        if self.child.poll() is None:
            self.child.terminate()
            try:
                self.child.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.child.kill()
                self.child.wait()
        self.child = None


def render_into(folder: Path, scenes: Iterable[str], size: tuple[int, int]) -> None:
    """Render each scene's still into ``folder`` (atomically) and drop its older versions."""
    from scenes.images import write_png
    from scenes.scene_still import render_still

    for scene in scenes:
        path = still_path(folder, scene, size)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        write_png(partial, render_still(get_scene(scene), *size))
        os.replace(partial, path)
        for old in folder.glob(f"{scene}-*-{size[0]}x{size[1]}.png"):
            if old != path:
                old.unlink(missing_ok=True)
        print(f"{path.name}", flush=True)


def main(argv: list[str] | None = None) -> int:
    """The child process: ``python -m station.kiosk.scene_stills FOLDER --size WxH SCENE...``."""
    parser = argparse.ArgumentParser(prog="station.kiosk.scene_stills")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--size", default=f"{STILL_SIZE[0]}x{STILL_SIZE[1]}")
    parser.add_argument("--parent", type=int, help="end when this process (the kiosk) ends")
    parser.add_argument("scenes", nargs="+")
    args = parser.parse_args(argv)
    if args.parent:
        from station.session.parent_watch import exit_with_parent

        exit_with_parent(args.parent, death_signal=False)  # a poll: the kiosk may start it from any thread
    width, height = (int(v) for v in args.size.split("x"))
    render_into(args.folder, args.scenes, (width, height))
    return 0


if __name__ == "__main__":
    sys.exit(main())
