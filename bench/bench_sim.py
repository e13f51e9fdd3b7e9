"""Simulator cost: CPU per simulated second for all streams, and ECG generation against neurokit2.

``sim.cpu_ms_per_sim_s``: CPU milliseconds to generate one simulated second of every stream (EEG,
ECG, PPG, EDA, respiration, RR) in 20 ms chunks, as the LSL scheduler does (LSL pushing excluded).
``sim.ecg_60s_500hz_ms``: wall time to generate 60 s of ECG at 500 Hz in one call; the peer is
``neurokit2.ecg_simulate`` (ECGSYN, its default) for the same duration, rate and heart rate.
"""

from __future__ import annotations

import time

SIM_SECONDS = 60.0
TICK_S = 0.02


def _all_streams_cpu_ms_per_s() -> float:
    from sensors.sim.cardiac_signal import RrGenerator
    from sensors.sim.officer_state import Scenario
    from sensors.sim.streams import STREAM_NAMES, build_generators

    generators = build_generators(STREAM_NAMES, Scenario.named("relaxing", SIM_SECONDS), seed=0)
    started = time.process_time()
    for tick in range(1, int(SIM_SECONDS / TICK_S) + 1):
        now = tick * TICK_S
        for gen in generators.values():
            if isinstance(gen, RrGenerator):
                gen.until(now)
            else:
                gen.next_chunk(int(now * gen.fs) - gen.samples_done)
    return 1000.0 * (time.process_time() - started) / SIM_SECONDS


def _best_of(fn, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return 1000.0 * best


def run() -> dict[str, dict]:
    import neurokit2

    from sensors.sim.cardiac_signal import EcgGenerator, mean_hr_bpm
    from sensors.sim.officer_state import Scenario

    scenario = Scenario.fixed(0.4)
    ours = _best_of(lambda: EcgGenerator(scenario, seed=1).next_chunk(int(SIM_SECONDS * 500)))
    peer = _best_of(
        lambda: neurokit2.ecg_simulate(
            duration=int(SIM_SECONDS), sampling_rate=500, heart_rate=float(mean_hr_bpm(0.4)), random_state=1
        )
    )
    return {
        "sim.cpu_ms_per_sim_s": {
            "value": _all_streams_cpu_ms_per_s(),
            "unit": "ms/s",
            "peer": None,
            "ratio": None,
        },
        "sim.ecg_60s_500hz_ms": {"value": ours, "unit": "ms", "peer": peer, "ratio": ours / peer},
    }
