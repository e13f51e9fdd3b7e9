"""The scene renderer in its own process, fed parameter snapshots through shared memory.

The scenes benchmark measured frame-time p99 23-120 % worse with the feature pipeline in a thread
of the render process (GIL contention) and 7-10 % worse with it in another process
(docs/scenes.md), so the station renders in a child process. The parent writes each new parameter
snapshot into a shared array (a few doubles, under the array's lock); the child copies it once per
frame and lets the ScenePlayer ease towards it. Nothing the parent does can stall a frame for longer
than that copy.

The child also reports whether the headset is worn (``SceneOutput.headset_worn``) through a shared
byte, written whenever it changes: -1 unknown (headless and window outputs), 0 off, 1 on.

The child ends with the station, however the station dies (``kill -9`` included): see
station/session/parent_watch.py.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

_SPAWN = mp.get_context("spawn")  # a fresh interpreter: no liblsl threads or GL state inherited
HEADSET_UNKNOWN, HEADSET_OFF, HEADSET_ON = -1, 0, 1


def headset_code(worn: bool | None) -> int:
    """The shared byte for ``SceneOutput.headset_worn``."""
    return HEADSET_UNKNOWN if worn is None else HEADSET_ON if worn else HEADSET_OFF


class SceneProcess:
    """Runs ``scenes.open_output.open_output(kind, scene, **options)`` in a child process."""

    def __init__(
        self,
        scene: str,
        output: str = "headless",
        options: dict[str, Any] | None = None,
        pace_fps: float | None = 30.0,
        save_dir: str | Path | None = None,
        save_every_s: float = 10.0,
    ) -> None:
        from scenes.catalog import get_scene

        self.spec = get_scene(scene)  # fails here, in the parent, on an unknown scene name
        self.names = list(self.spec.params)
        self._values = _SPAWN.Array("d", [self.spec.params[n].default for n in self.names], lock=True)
        self._stop = _SPAWN.Event()
        self.frames = _SPAWN.Value("q", 0, lock=False)
        self.headset = _SPAWN.Value("b", HEADSET_UNKNOWN, lock=False)  # written by the child only
        self._results = _SPAWN.Queue()
        self._process = _SPAWN.Process(
            target=_render_main,
            args=(
                scene,
                output,
                options or {},
                self.names,
                self._values,
                self._stop,
                self.frames,
                self._results,
                self.headset,
                pace_fps,
                str(save_dir) if save_dir else None,
                save_every_s,
                os.getpid(),
                threading.current_thread() is threading.main_thread(),
            ),
            name=f"scene-{scene}",
            daemon=True,
        )
        self.stats: dict[str, Any] = {}

    def start(self) -> SceneProcess:
        self._process.start()
        return self

    def set_params(self, params: dict[str, float]) -> None:
        """Publish a new target snapshot (unknown names are ignored, values clamped by the scene)."""
        clamped = self.spec.clamp(params)
        with self._values.get_lock():
            for index, name in enumerate(self.names):
                if name in clamped:
                    self._values[index] = clamped[name]

    @property
    def headset_worn(self) -> bool | None:
        """The child's last report: worn, not worn, or None (unknown, or the child has ended)."""
        code = self.headset.value if self._process.is_alive() else HEADSET_UNKNOWN
        return None if code == HEADSET_UNKNOWN else code == HEADSET_ON

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def stop(self, timeout: float = 20.0) -> dict[str, Any]:
        """Stop rendering; returns the child's frame statistics (empty if it died)."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        while (
            not self.stats
            and time.monotonic() < deadline
            and (self._process.is_alive() or not self._results.empty())
        ):
            try:
                self.stats = self._results.get(timeout=0.2)
            except Exception:  # queue.Empty: keep waiting while the child lives
                continue
        self._process.join(timeout=max(0.0, deadline - time.monotonic()))
        if self._process.is_alive():
            self._process.kill()
        return self.stats


def _render_main(
    scene,
    output,
    options,
    names,
    values,
    stop,
    frames,
    results,
    headset,
    pace_fps,
    save_dir,
    save_every_s,
    parent_pid,
    death_signal,
) -> None:
    """Child process: render frames until told to stop (or the parent dies); report frame statistics."""
    from station.session.parent_watch import exit_with_parent

    exit_with_parent(parent_pid, death_signal)
    from scenes.catalog import get_scene
    from scenes.images import write_png
    from scenes.open_output import open_output

    out = open_output(output, get_scene(scene), **options)
    frame_ms: list[float] = []
    saved: list[str] = []
    next_save = time.monotonic()
    next_frame = time.monotonic()
    reported = HEADSET_UNKNOWN
    try:
        while not stop.is_set():
            with values.get_lock():
                snapshot = dict(zip(names, values[:], strict=True))
            started = time.perf_counter()
            out.set_params(snapshot)
            running = out.frame()
            worn = headset_code(out.headset_worn)
            if worn != reported:  # written on change only
                headset.value = reported = worn
            if not running:
                break
            frame_ms.append((time.perf_counter() - started) * 1000.0)
            frames.value += 1
            if save_dir and time.monotonic() >= next_save:
                image = out.snapshot()
                if image is not None:
                    path = Path(save_dir) / f"frame-{frames.value:06d}.png"
                    write_png(path, image)
                    saved.append(str(path))
                next_save += save_every_s
            if pace_fps:
                next_frame = max(next_frame + 1.0 / pace_fps, time.monotonic() - 1.0)
                time.sleep(max(0.0, next_frame - time.monotonic()))
    finally:
        out.close()
        ms = np.array(frame_ms) if frame_ms else np.array([np.nan])
        results.put(
            {
                "frames": len(frame_ms),
                "frame_ms_p50": float(np.percentile(ms, 50)),
                "frame_ms_p99": float(np.percentile(ms, 99)),
                "saved": saved,
            }
        )
