"""Scene benchmarks: Python CPU time per stereo frame, headless frames per second per scene, the
cost of each scene per stereo frame at a headset's resolution next to the old lakeside shader (the
peer, kept in bench/shaders/), and frame-time p99 with a synthetic feature pipeline running in a
thread, in a process, or not at all.

Software rendering (Mesa llvmpipe through EGL) on this machine; resolutions are stated in the names.
Where the EGL device is a real GPU, the headset-resolution rows are its absolute frame times.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from pathlib import Path

import numpy as np

FRAMES_CPU = 400
FRAMES_FPS = 30
FRAMES_LOAD = 240
FPS_SIZE = (320, 240)  # per eye
LOAD_SIZE = (160, 120)  # per eye
HEADSET_SIZE = (1832, 1920)  # per eye, a current standalone headset
HEADSET_ROUNDS = 2  # interleaved rounds, one stereo frame per scene each (llvmpipe: seconds a frame)
FEATURE_HZ = 10.0
SHADER_PARAMS = ("calm", "light", "warmth", "fog", "motion", "particles", "pacer_phase", "pacer_visible")


def _row(value: float, unit: str, peer: float | None = None) -> dict:
    return {"value": value, "unit": unit, "peer": peer, "ratio": (value / peer) if peer else None}


def feature_work(rng: np.random.Generator) -> float:
    """One tick of a feature pipeline: Welch PSDs of 8 EEG channels (4 s at 256 Hz) and band
    powers, plus a 2-minute RR-interval spectrum."""
    from scipy.signal import welch

    eeg = rng.standard_normal((8, 1024))
    freqs, psd = welch(eeg, fs=256.0, nperseg=256, axis=-1)
    alpha = psd[:, (freqs >= 8) & (freqs < 13)].sum(axis=-1)
    rr = 0.8 + 0.05 * rng.standard_normal(480)
    _, rr_psd = welch(rr - rr.mean(), fs=4.0, nperseg=256)
    return float(alpha.sum() + rr_psd.sum())


def feature_loop(active, stop, ticks) -> None:
    """Run feature_work at FEATURE_HZ while ``active`` is set, until ``stop`` is set; count ticks."""
    rng = np.random.default_rng(1)
    period = 1.0 / FEATURE_HZ
    feature_work(rng)  # imports and warms scipy before the first measured block
    with ticks.get_lock():
        ticks.value += 1
    next_tick = time.monotonic()
    while not stop.is_set():
        if not active.wait(0.1):
            continue
        feature_work(rng)
        with ticks.get_lock():
            ticks.value += 1
        next_tick = max(next_tick + period, time.monotonic() - period)  # late: no catch-up burst
        time.sleep(max(0.0, next_tick - time.monotonic()))


def _stereo(width: int, height: int):
    from scenes.camera import perspective, seated_stereo

    eyes = seated_stereo(perspective(90.0, width / height))
    return eyes, [(0, 0, width, height), (width, 0, width, height)]


def old_lakeside_spec():
    """The lakeside as it was before the scene-art rework (sky gradient, sine shore), the cost peer:
    the lakeside's SceneSpec drawing the shader pair copied into bench/shaders/."""
    from scenes.catalog import SCENES, SceneSpec

    folder = Path(__file__).resolve().parent / "shaders"

    class OldLakeside(SceneSpec):
        def fragment_source(self) -> str:
            return "\n".join((folder / name).read_text() for name in ("common_old.glsl", "lakeside_old.glsl"))

    return OldLakeside(**{name: getattr(SCENES["lakeside"], name) for name in SceneSpec.__dataclass_fields__})


def headset_frame_cost(rounds: int = HEADSET_ROUNDS) -> tuple[dict[str, float], bool]:
    """Cost of one stereo frame at 2×HEADSET_SIZE per scene and for the old lakeside, in ms: the
    process's CPU time per frame on llvmpipe (its render threads included, so other work on this
    shared machine does not count), wall-clock time to glFinish on a real GPU. Scenes are
    interleaved over ``rounds`` and the least cost kept. Also says whether the device is a GPU."""
    from scenes.headless import create_context

    create_context().switch_to()  # before pyglet's GL is imported: headless, no display
    from pyglet import gl

    from scenes.catalog import SCENES
    from scenes.renderer import RenderTarget, SceneRenderer

    renderer_name = gl.glGetString(gl.GL_RENDERER)
    software = b"llvmpipe" in ctypes_string(renderer_name).lower()
    width, height = HEADSET_SIZE
    eyes, viewports = _stereo(width, height)
    target = RenderTarget(2 * width, height)
    specs = {"old_lakeside": old_lakeside_spec(), **SCENES}
    renderers = {name: SceneRenderer(spec) for name, spec in specs.items()}
    clock = time.process_time if software else time.perf_counter
    best = {name: float("inf") for name in specs}
    try:
        target.bind()
        for name, renderer in renderers.items():  # compile and warm every shader first
            renderer.draw_eye(eyes[0], (0, 0, 64, 64), specs[name].defaults(), 2.0, 3.0)
        gl.glFinish()
        for _ in range(rounds):
            for name, renderer in renderers.items():
                params = specs[name].defaults()
                start = clock()
                for eye, viewport in zip(eyes, viewports, strict=True):
                    renderer.draw_eye(eye, viewport, params, 2.0, 3.0)
                gl.glFinish()
                best[name] = min(best[name], (clock() - start) * 1000.0)
    finally:
        for renderer in renderers.values():
            renderer.delete()
        target.delete()
    return best, not software


def ctypes_string(pointer) -> bytes:
    """The bytes of a NUL-terminated GLubyte string returned by glGetString."""
    import ctypes

    return ctypes.cast(pointer, ctypes.c_char_p).value or b""


def cpu_per_frame(spec, out) -> tuple[np.ndarray, np.ndarray]:
    """CPU time (thread time) to ease, set uniforms and submit both eyes: ours, and the same scene
    with uniforms set through pyglet's ShaderProgram item API (the idiomatic peer)."""
    from pyglet import gl

    eyes, viewports = _stereo(*LOAD_SIZE)
    player = out.player
    out.target.bind()

    def ours() -> None:
        player.advance(1 / 90, time.monotonic())
        for eye, viewport in zip(eyes, viewports, strict=True):
            player.render_eye(eye, viewport)

    program = player.renderer.program

    def peer() -> None:
        params = player.advance(1 / 90, time.monotonic())
        for eye, viewport in zip(eyes, viewports, strict=True):
            program.use()
            program["u_inv_view_proj"] = tuple(np.linalg.inv(eye.projection @ eye.view).T.flatten())
            program["u_eye"] = tuple(eye.position)
            program["u_viewport"] = tuple(float(v) for v in viewport)
            program["u_time"], program["u_flow"] = player.time, player.flow
            program["u_extra"] = params[spec.extra]
            for name in SHADER_PARAMS:
                program[f"u_{name}"] = params[name]
            gl.glViewport(*viewport)
            gl.glBindVertexArray(player.renderer._vao)
            gl.glDrawArrays(gl.GL_TRIANGLES, 0, 3)
            program.stop()

    results = []
    for fn in (ours, peer):
        samples = np.empty(FRAMES_CPU)
        for i in range(FRAMES_CPU):
            player.set_params({"light": 0.3 + 0.4 * (i % 20) / 20}, time.monotonic())  # ≥ 10 Hz updates
            start = time.thread_time()
            fn()
            samples[i] = time.thread_time() - start
            gl.glFinish()  # keep the GPU queue short; not part of the CPU figure
        results.append(samples * 1000.0)
    return results[0], results[1]


def frames_per_second(out, size: tuple[int, int]) -> float:
    from pyglet import gl

    eyes, viewports = _stereo(*size)
    out.target.bind()
    out.player.render_eye(eyes[0], viewports[0])
    gl.glFinish()
    start = time.perf_counter()
    for _ in range(FRAMES_FPS):
        out.player.advance(1 / 30, time.monotonic())
        for eye, viewport in zip(eyes, viewports, strict=True):
            out.player.render_eye(eye, viewport)
        gl.glFinish()
    return FRAMES_FPS / (time.perf_counter() - start)


def frame_times(out, frames: int) -> np.ndarray:
    from pyglet import gl

    eyes, viewports = _stereo(*LOAD_SIZE)
    out.target.bind()
    samples = np.empty(frames)
    for i in range(frames):
        start = time.perf_counter()
        out.player.advance(1 / 60, time.monotonic())
        for eye, viewport in zip(eyes, viewports, strict=True):
            out.player.render_eye(eye, viewport)
        gl.glFinish()
        samples[i] = time.perf_counter() - start
    return samples * 1000.0


def frame_time_under_load(out, rounds: int = 4) -> dict[str, tuple[float, float]]:
    """p99 frame time (ms) and feature ticks per second with no load, the feature work in a thread,
    and in a process. The three are interleaved in short blocks so that the machine's other load
    (it is shared) falls on all of them alike."""
    ctx = mp.get_context("spawn")
    workers = {}
    stop_thread, stop_process = threading.Event(), ctx.Event()
    for mode, (event_type, stop, start) in {
        "thread": (
            threading.Event,
            stop_thread,
            lambda a, t: threading.Thread(target=feature_loop, args=(a, stop_thread, t), daemon=True),
        ),
        "process": (
            ctx.Event,
            stop_process,
            lambda a, t: ctx.Process(target=feature_loop, args=(a, stop_process, t), daemon=True),
        ),
    }.items():
        active, ticks = event_type(), ctx.Value("i", 0)
        worker = start(active, ticks)
        worker.start()
        workers[mode] = (active, ticks, worker, stop)
    deadline = time.monotonic() + 120.0
    while any(t.value == 0 for _, t, _, _ in workers.values()) and time.monotonic() < deadline:
        time.sleep(0.1)  # the spawned process imports numpy and scipy first
    samples: dict[str, list[np.ndarray]] = {"none": [], "thread": [], "process": []}
    rates: dict[str, list[float]] = {"none": [0.0], "thread": [], "process": []}
    frame_times(out, 10)  # warm up
    try:
        for _ in range(rounds):
            for mode in samples:
                if mode != "none":
                    workers[mode][0].set()
                    time.sleep(0.15)
                    before, start = workers[mode][1].value, time.perf_counter()
                samples[mode].append(frame_times(out, FRAMES_LOAD // rounds))
                if mode != "none":
                    rates[mode].append((workers[mode][1].value - before) / (time.perf_counter() - start))
                    workers[mode][0].clear()
    finally:
        for active, _, worker, stop in workers.values():
            stop.set()
            active.set()
            worker.join(timeout=10)
    return {
        mode: (float(np.percentile(np.concatenate(blocks), 99)), float(np.mean(rates[mode])))
        for mode, blocks in samples.items()
    }


def run() -> dict[str, dict]:
    from scenes.catalog import SCENES
    from scenes.headless_output import HeadlessOutput

    rows: dict[str, dict] = {}
    outputs = {name: HeadlessOutput(spec, 2 * FPS_SIZE[0], FPS_SIZE[1]) for name, spec in SCENES.items()}
    try:
        ours, peer = cpu_per_frame(SCENES["lakeside"], outputs["lakeside"])
        rows["scenes.cpu_per_stereo_frame_p50"] = _row(float(np.median(ours)), "ms", float(np.median(peer)))
        rows["scenes.cpu_per_stereo_frame_p99"] = _row(
            float(np.percentile(ours, 99)), "ms", float(np.percentile(peer, 99))
        )
        for name, out in outputs.items():
            rows[f"scenes.fps_{name}_stereo_2x{FPS_SIZE[0]}x{FPS_SIZE[1]}"] = _row(
                frames_per_second(out, FPS_SIZE), "frames/s"
            )
        cost, gpu = headset_frame_cost()
        device = "gpu" if gpu else "llvmpipe"
        size = f"2x{HEADSET_SIZE[0]}x{HEADSET_SIZE[1]}"
        old_lakeside = cost.pop("old_lakeside")
        for name, value in cost.items():
            rows[f"scenes.{device}_ms_per_stereo_frame_{name}_{size}"] = _row(value, "ms", old_lakeside)
        rows[f"scenes.{device}_ms_per_stereo_frame_old_lakeside_{size}"] = _row(old_lakeside, "ms")
        load = frame_time_under_load(outputs["lakeside"])
        base = load["none"][0]
        rows[f"scenes.frame_p99_no_load_2x{LOAD_SIZE[0]}x{LOAD_SIZE[1]}"] = _row(base, "ms")
        for mode in ("thread", "process"):
            p99, rate = load[mode]
            rows[f"scenes.frame_p99_features_in_{mode}"] = _row(p99, "ms", base)
            rows[f"scenes.feature_ticks_in_{mode}"] = _row(rate, "ticks/s", FEATURE_HZ)
    finally:
        for out in outputs.values():
            out.close()
    return rows
