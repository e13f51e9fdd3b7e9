"""`oasis demo`: a simulated officer's sensors on LSL, acquired and checked live, for a bounded time.

Runs in a private LSL session (never mixes with real sensors on the network).
"""

from __future__ import annotations

import argparse
import sys
import time


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--duration", type=float, default=20.0, help="seconds to run (default 20)")
    parser.add_argument("--scenario", default="relaxing", help="simulated officer: relaxing|stressed|steady")
    parser.add_argument("--seed", type=int, default=0, help="simulator seed")


def run(args: argparse.Namespace) -> int:
    if not args.duration > 0:
        print("oasis demo: --duration must be positive", file=sys.stderr)
        return 2
    from station.lsl_session import isolate_lsl

    if "pylsl" not in sys.modules:
        isolate_lsl("oasis-demo")
    from sensors.lsl.registry import SourceRegistry, StreamCatalog
    from sensors.sim.outlets import SimPublisher
    from sensors.sim.state import Scenario
    from sensors.sim.streams import STREAM_NAMES, build_generators
    from sensors.types import StreamKind

    try:
        scenario = Scenario.named(args.scenario, args.duration, None)
    except ValueError as exc:
        print(f"oasis demo: {exc}", file=sys.stderr)
        return 2
    publisher = SimPublisher(build_generators(STREAM_NAMES, scenario, args.seed), "oasis-demo")
    registry = SourceRegistry(StreamCatalog(buffer_seconds=30.0))
    kinds = [StreamKind.EEG, StreamKind.ECG, StreamKind.PPG, StreamKind.EDA, StreamKind.RESP, StreamKind.RR]
    print(f"oasis demo: simulated officer ({args.scenario}) for {args.duration:g} s  模拟演示", flush=True)
    publisher.start()
    started = time.monotonic()
    next_report = started + 2.0
    try:
        while time.monotonic() - started < args.duration:
            inlets = {kind: registry.get(kind) for kind in kinds}
            registry.catalog.update()
            if time.monotonic() >= next_report:
                _report(time.monotonic() - started, inlets)
                next_report = time.monotonic() + 2.0
            time.sleep(0.05)
    except KeyboardInterrupt:
        pass
    finally:
        registry.close()  # inlets first, so liblsl does not report the outlets' departure as errors
        publisher.stop()
    print("oasis demo: done", flush=True)
    return 0


def _report(elapsed: float, inlets: dict) -> None:
    import numpy as np

    from sensors.types import StreamKind

    parts = []
    for kind, inlet in inlets.items():
        if inlet is None:
            parts.append(f"{kind.value}: missing")
            continue
        status = inlet.status()
        parts.append(f"{kind.value} {status.measured_rate:5.1f} Hz {status.verdict.level.value}")
    values = []
    rr = inlets.get(StreamKind.RR)
    if rr is not None:
        data, _ = rr.latest_seconds(10.0)
        if len(data):
            values.append(f"HR {60000.0 / float(np.mean(data[:, 0])):.0f} bpm")
    eda = inlets.get(StreamKind.EDA)
    if eda is not None:
        data, _ = eda.latest_seconds(2.0)
        if len(data):
            values.append(f"SCL {float(np.mean(data[:, 0])):.2f} uS")
    print(f"[{elapsed:5.1f} s] " + " | ".join(parts) + ("  ->  " + ", ".join(values) if values else ""),
          flush=True)
