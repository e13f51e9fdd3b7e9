"""The scene renderer in its own process, fed parameter snapshots through shared memory.

The scenes benchmark measured frame-time p99 23-120 % worse with the feature pipeline in a thread
of the render process (GIL contention) and 7-10 % worse with it in another process
(docs/scenes.md), so the station renders in a child process. The parent writes each new parameter
snapshot into a shared array (a few doubles, under the array's lock); the child copies it once per
frame and lets the ScenePlayer ease towards it. Nothing the parent does can stall a frame for longer
than that copy.

The panel's words (phase, minutes left, a sensor notice, closing: ``scenes.panel_status.PanelStatus``)
go through a queue, only when they change (about once a minute); the child applies the newest at
its next frame and counts the statuses it took up (``statuses_applied``). ``stop()`` first lets the scene
fade to black (``fade_s``, on the scene clock), then ends the child.

For the kiosk monitor the child copies what the officer sees (``SceneOutput.mirror``: for a
headset the image submitted for the left eye) into a shared image, at most ``mirror_hz`` times a
second, shrunk by whole pixels to fit ``MIRROR_MAX``; ``latest_mirror()`` reads it.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scenes.fades import FADE_S
from scenes.panel_status import PanelStatus

_SPAWN = mp.get_context("spawn")  # a fresh interpreter: no liblsl threads or GL state inherited
HEADSET_UNKNOWN, HEADSET_OFF, HEADSET_ON = -1, 0, 1


MIRROR_MAX = (640, 640)  # the largest mirror image shared with the kiosk (width, height)


def mirror_stride(width: int, height: int) -> int:
    """The whole-pixel step that shrinks a (width, height) image to fit ``MIRROR_MAX``."""
    return max(1, -(-width // MIRROR_MAX[0]), -(-height // MIRROR_MAX[1]))


def headset_code(worn: bool | None) -> int:
    """The shared byte for ``SceneOutput.headset_worn``."""
    return HEADSET_UNKNOWN if worn is None else HEADSET_ON if worn else HEADSET_OFF


@dataclass
class _Channels:
    """What the parent and the child share (made by the parent, handed to the spawned child)."""

    names: list[str]
    values: Any  # Array("d"): the newest parameter snapshot, under its lock
    stop: Any  # Event: fade out and end
    frames: Any  # Value("q"): frames rendered
    results: Any  # Queue: the child's statistics at the end
    headset: Any  # Value("b"): HEADSET_UNKNOWN / OFF / ON
    statuses: Any  # Queue of PanelStatus
    statuses_applied: Any  # Value("q")
    mirror: Any  # Array("B") of MIRROR_MAX height × width × 3
    mirror_shape: Any  # Array("q"): height, width, sequence number


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
        fade_s: float | None = None,
        mirror_hz: float = 5.0,
    ) -> None:
        """``options`` go to the output (``panel_language`` shows the in-headset panel); the
        scene fades in and out over ``fade_s`` (0: no fades; by default ``FADE_S`` where someone
        watches — headset or window — and none headless, so that a station's stop is prompt)."""
        if fade_s is None:
            fade_s = 0.0 if output == "headless" else FADE_S
        from scenes.catalog import get_scene

        self.spec = get_scene(scene)  # fails here, in the parent, on an unknown scene name
        self.names = list(self.spec.params)
        width, height = MIRROR_MAX
        self.channels = _Channels(
            names=self.names,
            values=_SPAWN.Array("d", [self.spec.params[n].default for n in self.names], lock=True),
            stop=_SPAWN.Event(),
            frames=_SPAWN.Value("q", 0, lock=False),
            results=_SPAWN.Queue(),
            headset=_SPAWN.Value("b", HEADSET_UNKNOWN, lock=False),  # written by the child only
            statuses=_SPAWN.Queue(),
            statuses_applied=_SPAWN.Value("q", 0, lock=False),
            mirror=_SPAWN.Array("B", width * height * 3, lock=False),
            mirror_shape=_SPAWN.Array("q", 3, lock=True),
        )
        self.frames = self.channels.frames
        self.headset = self.channels.headset
        self.statuses_applied = self.channels.statuses_applied
        self._status: PanelStatus | None = None
        self._process = _SPAWN.Process(
            target=_render_main,
            args=(
                scene,
                output,
                {**(options or {}), "fade_s": fade_s},
                self.channels,
                _Pacing(pace_fps, str(save_dir) if save_dir else None, save_every_s, mirror_hz, fade_s),
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
        values = self.channels.values
        with values.get_lock():
            for index, name in enumerate(self.names):
                if name in clamped:
                    values[index] = clamped[name]

    def set_status(self, status: PanelStatus) -> bool:
        """Send the panel's words when they differ from the last sent; True when sent."""
        if status == self._status:
            return False
        self._status = status
        self.channels.statuses.put(status)
        return True

    def latest_mirror(self) -> np.ndarray | None:
        """The newest copy of what the officer sees, shrunk to fit ``MIRROR_MAX`` (None before
        the first)."""
        shape = self.channels.mirror_shape
        with shape.get_lock():
            height, width, sequence = shape[:]
            if sequence == 0:
                return None
            flat = np.frombuffer(self.channels.mirror, dtype=np.uint8, count=height * width * 3)
            return flat.reshape(height, width, 3).copy()

    @property
    def headset_worn(self) -> bool | None:
        """The child's last report: worn, not worn, or None (unknown, or the child has ended)."""
        code = self.headset.value if self._process.is_alive() else HEADSET_UNKNOWN
        return None if code == HEADSET_UNKNOWN else code == HEADSET_ON

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def stop(self, timeout: float = 20.0) -> dict[str, Any]:
        """Fade out and stop rendering; returns the child's frame statistics (empty if it died)."""
        self.channels.stop.set()
        results = self.channels.results
        deadline = time.monotonic() + timeout
        while (
            not self.stats
            and time.monotonic() < deadline
            and (self._process.is_alive() or not results.empty())
        ):
            try:
                self.stats = results.get(timeout=0.2)
            except Exception:  # queue.Empty: keep waiting while the child lives
                continue
        self._process.join(timeout=max(0.0, deadline - time.monotonic()))
        if self._process.is_alive():
            self._process.kill()
        return self.stats


@dataclass(frozen=True)
class _Pacing:
    """The child's rhythm: frame pace, stills to save, mirror copies and the fade out's length."""

    fps: float | None
    save_dir: str | None
    save_every_s: float
    mirror_hz: float
    fade_s: float


class _ChildLoop:
    """The child's frame loop around one output."""

    def __init__(self, out: Any, channels: _Channels, pacing: _Pacing) -> None:
        self.out, self.ch, self.pacing = out, channels, pacing
        self.frame_ms: list[float] = []
        self.saved: list[str] = []
        now = time.monotonic()
        self.next_save = self.next_frame = self.next_mirror = now
        self.reported = HEADSET_UNKNOWN
        self.fade_deadline: float | None = None

    def run(self) -> None:
        """Render until told to stop and faded out (or the output ends)."""
        while not self._ending():
            with self.ch.values.get_lock():
                snapshot = dict(zip(self.ch.names, self.ch.values[:], strict=True))
            started = time.perf_counter()
            self.out.set_params(snapshot)
            self._take_status()
            running = self.out.frame()
            worn = headset_code(self.out.headset_worn)
            if worn != self.reported:  # written on change only
                self.ch.headset.value = self.reported = worn
            if not running:
                break
            self.frame_ms.append((time.perf_counter() - started) * 1000.0)
            self.ch.frames.value += 1
            self._share_images()
            if self.pacing.fps:
                self.next_frame = max(self.next_frame + 1.0 / self.pacing.fps, time.monotonic() - 1.0)
                time.sleep(max(0.0, self.next_frame - time.monotonic()))

    def _ending(self) -> bool:
        """Once stop is set: fade out, and end when faded (or after the fade's time, whatever the
        output does: a headset taken off renders nothing)."""
        if not self.ch.stop.is_set():
            return False
        if self.fade_deadline is None:
            self.out.player.fade_out()
            self.fade_deadline = time.monotonic() + self.pacing.fade_s + 1.0
        return self.out.player.faded_out or self.pacing.fade_s <= 0 or time.monotonic() > self.fade_deadline

    def _take_status(self) -> None:
        """Apply the newest panel status waiting in the queue."""
        status = None
        while True:
            try:
                status = self.ch.statuses.get_nowait()
            except Exception:  # queue.Empty
                break
            self.ch.statuses_applied.value += 1
        if status is not None:
            self.out.set_status(status)

    def _share_images(self) -> None:
        from scenes.images import write_png

        now = time.monotonic()
        if self.pacing.mirror_hz > 0 and now >= self.next_mirror:
            self.next_mirror = now + 1.0 / self.pacing.mirror_hz
            image = self.out.mirror()
            if image is not None:
                self._publish_mirror(image)
        if self.pacing.save_dir and now >= self.next_save:
            image = self.out.mirror()
            if image is not None:
                path = Path(self.pacing.save_dir) / f"frame-{self.ch.frames.value:06d}.png"
                write_png(path, image)
                self.saved.append(str(path))
            self.next_save += self.pacing.save_every_s

    def _publish_mirror(self, image: np.ndarray) -> None:
        step = mirror_stride(image.shape[1], image.shape[0])
        small = np.ascontiguousarray(image[::step, ::step, :3])
        height, width = small.shape[:2]
        shape = self.ch.mirror_shape
        with shape.get_lock():
            view = np.frombuffer(self.ch.mirror, dtype=np.uint8, count=small.size)
            view[:] = small.reshape(-1)
            shape[0], shape[1], shape[2] = height, width, shape[2] + 1

    def stats(self) -> dict[str, Any]:
        ms = np.array(self.frame_ms) if self.frame_ms else np.array([np.nan])
        return {
            "frames": len(self.frame_ms),
            "frame_ms_p50": float(np.percentile(ms, 50)),
            "frame_ms_p99": float(np.percentile(ms, 99)),
            "saved": self.saved,
            "faded_out": bool(self.out.player.faded_out),
        }


def _render_main(
    scene: str,
    output: str,
    options: dict[str, Any],
    channels: _Channels,
    pacing: _Pacing,
    parent_pid: int,
    death_signal: bool,
) -> None:
    """Child process: render frames until told to stop (or the parent dies); report frame statistics."""
    from station.session.parent_watch import exit_with_parent

    exit_with_parent(parent_pid, death_signal)
    from scenes.catalog import get_scene
    from scenes.open_output import open_output

    out = open_output(output, get_scene(scene), **options)
    loop = _ChildLoop(out, channels, pacing)
    try:
        loop.run()
    finally:
        out.close()
        channels.results.put(loop.stats())
