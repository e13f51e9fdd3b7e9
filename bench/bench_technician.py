"""Technician-mode benchmarks: the live page must refresh within the kiosk's 10 Hz tick.

* ``technician.trace_points_ms``: 10 s of every channel of the simulator's 12 (8 EEG at 250 Hz, ECG
  500 Hz, PPG 100 Hz, EDA 32 Hz, RESP 25 Hz) reduced to ≤ 400 points each by ``trace_points``
  (min/max per bin + percentile scaling), against the textbook reduction: FFT resampling to 400
  points (scipy.signal.resample) with the same scaling — which also loses the R peaks.
* ``technician.live_page_draw_ms``: layout and draw of the live page (8 rows, 400-point traces) with
  one MultiLine per trace, against one pyglet Line shape per segment; headless EGL, glFinish timed.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import pyglet

pyglet.options["headless"] = True

REPEATS = 30


def _channels() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    rates = [250.0] * 8 + [500.0, 100.0, 32.0, 25.0]
    return [np.cumsum(rng.standard_normal(int(10 * fs))) for fs in rates]


def _scaled_resample(x: np.ndarray) -> tuple[float, ...]:
    from scipy import signal

    y = signal.resample(x, 400) if x.size > 400 else x
    lo, hi = np.percentile(y, [1.0, 99.0])
    return tuple(np.clip((y - lo) / (hi - lo), 0.0, 1.0).tolist())


def _median_ms(work, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return 1000 * float(np.median(times))


def bench_traces() -> dict[str, dict]:
    from station.calibration.live import trace_points

    channels = _channels()
    ours = _median_ms(lambda: [trace_points(x) for x in channels])
    peer = _median_ms(lambda: [_scaled_resample(x) for x in channels])
    return {"technician.trace_points_ms": {"value": ours, "unit": "ms", "peer": peer, "ratio": ours / peer}}


def bench_live_page() -> dict[str, dict]:
    from station.calibration.live import LiveRow, trace_points
    from station.kiosk import flow as f
    from station.kiosk.kiosk_model import KioskModel
    from station.kiosk.layout import layout
    from station.kiosk.render import draw

    model = KioskModel([], check_code=str, new_code=str, verify_pin=lambda pin: False, tech_page="live")
    model.live_rows = [
        LiveRow("EEG", f"ch{i}", trace_points(x), "good", "") for i, x in enumerate(_channels())
    ]
    flow = f.SessionFlow()
    flow.handle(f.TechnicianLogin(True), 0.0)
    width, height = 1280, 800
    window = pyglet.window.Window(width, height, visible=False)
    try:
        window.switch_to()

        def ours() -> None:
            draw(layout(model, flow, 0.0, width, height), height)
            pyglet.gl.glFinish()

        def peer() -> None:
            widgets = layout(model, flow, 0.0, width, height)
            batch, keep = pyglet.graphics.Batch(), []
            for w in widgets:
                if w.kind != "trace":
                    continue
                b, y = w.box, height - w.box.y - w.box.h
                step = b.w / (len(w.values) - 1)
                points = [(b.x + i * step, y + 8 + v * (b.h - 16)) for i, v in enumerate(w.values)]
                keep += [
                    pyglet.shapes.Line(*p, *q, thickness=1.5, batch=batch)
                    for p, q in itertools.pairwise(points)
                ]
            draw([w for w in widgets if w.kind != "trace"], height)
            batch.draw()
            pyglet.gl.glFinish()

        ours()
        peer()  # warm both (shader compilation, font cache)
        mine, theirs = _median_ms(ours, 15), _median_ms(peer, 15)
    finally:
        window.close()
    return {
        "technician.live_page_draw_ms": {"value": mine, "unit": "ms", "peer": theirs, "ratio": mine / theirs}
    }


def run() -> dict[str, dict]:
    return bench_traces() | bench_live_page()
