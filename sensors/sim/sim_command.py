"""`oasis sim`: publish a simulated officer's physiological signals as LSL streams."""

from __future__ import annotations

import argparse
import math
import re
import signal
import sys
import time

from sensors.sim.faults import FAULT_KINDS
from sensors.sim.officer_state import SCENARIOS
from sensors.sim.streams import STREAM_NAMES

STATUS_EVERY_S = 10.0
_PREFIX = re.compile(r"[A-Za-z0-9._-]+")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenario",
        choices=SCENARIOS,
        default="relaxing",
        help="relaxing: stressed → relaxed over the run (300 s without --duration); stressed; steady",
    )
    parser.add_argument(
        "--breathing", type=float, metavar="N", help="paced breathing, breaths/min (default: follows arousal)"
    )
    parser.add_argument(
        "--resonance",
        type=float,
        metavar="R",
        help="the officer's resonance breathing rate, breaths/min (3-9): the heart-rate swing peaks there",
    )
    parser.add_argument(
        "--schedule",
        metavar="START:RATE,...",
        help="paced breathing that changes over time, e.g. 0:6.5,120:6,240:5.5 (seconds:breaths/min)",
    )
    parser.add_argument("--duration", type=float, metavar="S", help="seconds to run (default: until Ctrl-C)")
    parser.add_argument(
        "--streams",
        default=",".join(STREAM_NAMES),
        help=f"comma-separated streams to publish (default: {','.join(STREAM_NAMES)})",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same signals)")
    parser.add_argument(
        "--device",
        choices=("cyton", "cyton-daisy", "thinkgear", "cms50d", "cms50d-v7", "gsr"),
        help="instead of LSL streams, emulate this serial device on a pty (prints its path)",
    )
    parser.add_argument("--device-link", metavar="PATH", help="with --device: a stable symlink to the pty")
    parser.add_argument(
        "--source-prefix",
        default="oasis-sim",
        help="source_id prefix, so several simulators can coexist (default: oasis-sim)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND:STREAM:DUR@START",
        help="inject a fault, e.g. drop:ecg:10@20 (ECG gone for 10 s from 20 s); "
        f"kinds: {', '.join(FAULT_KINDS)}; repeatable",
    )


def _error(message: str) -> int:
    print(f"oasis sim: {message}", file=sys.stderr)
    return 2


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    from sensors.sim.breathing_schedule import parse_schedule
    from sensors.sim.faults import FaultSyntaxError, parse_fault
    from sensors.sim.officer_state import Scenario

    names = [n.strip() for n in args.streams.split(",") if n.strip()]
    unknown = [n for n in names if n not in STREAM_NAMES]
    if unknown or not names or len(set(names)) != len(names):
        return _error(f"bad --streams {args.streams!r}: give distinct names from {','.join(STREAM_NAMES)}")
    if args.duration is not None and not (math.isfinite(args.duration) and args.duration > 0):
        return _error(f"bad --duration {args.duration:g}: must be a finite number of seconds > 0")
    if args.seed < 0:
        return _error(f"bad --seed {args.seed}: must be >= 0")
    if not _PREFIX.fullmatch(args.source_prefix):
        return _error(f"bad --source-prefix {args.source_prefix!r}: use letters, digits, '.', '_' or '-'")
    try:
        faults = [parse_fault(spec, names) for spec in args.fault]
        schedule = parse_schedule(args.schedule) if args.schedule is not None else None
        scenario = Scenario.named(args.scenario, args.duration, args.breathing, args.resonance, schedule)
    except (FaultSyntaxError, ValueError) as exc:
        return _error(str(exc))

    from sensors.sim.cardiac_signal import mean_hr_bpm

    if args.device:
        from sensors.devices.sim_device import run_emulated_device

        return run_emulated_device(args.device, scenario, args.seed, args.duration, args.device_link)

    from sensors.sim.outlets import SimPublisher  # imports liblsl: only once the arguments are good
    from sensors.sim.streams import build_generators

    publisher = SimPublisher(
        build_generators(names, scenario, args.seed),
        args.source_prefix,
        faults,
        on_event=lambda line: print(f"[{publisher.elapsed:7.1f} s] {line}", flush=True),
    )
    resonance = f", resonance {args.resonance:g}/min" if args.resonance is not None else ""
    print(f"oasis sim: scenario {args.scenario}, seed {args.seed}{resonance}  (模拟警员 / simulated officer)")
    for stream in publisher.streams:
        gen = stream.generator
        rate = f"{gen.fs:g} Hz" if gen.fs else "irregular"
        units = ",".join(sorted(set(gen.units)))
        print(
            f"  {stream.name:<16} type {gen.kind!s:<5} source_id {stream.source_id:<20} "
            f"{gen.channel_count} ch @ {rate:<9} {units:<12} {' '.join(gen.labels)}"
        )
    for fault in faults:
        print(f"  fault {fault}: {fault.kind} {fault.stream} from {fault.start_s:g} s to {fault.end_s:g} s")
    previous_sigterm = signal.signal(signal.SIGTERM, _interrupt)  # a service stop ends cleanly too
    try:
        publisher.start()
        print("Ctrl-C to stop" if args.duration is None else f"running {args.duration:g} s", flush=True)
        next_status = STATUS_EVERY_S
        while True:
            time.sleep(0.2)
            elapsed = publisher.elapsed
            if args.duration is not None and elapsed >= args.duration:
                break
            if not publisher.alive:
                print("oasis sim: stopped by an error (see the log above)", file=sys.stderr)
                return 1
            if elapsed >= next_status:
                state = scenario.at(elapsed)
                line = (
                    f"arousal {state.arousal:.2f}, breathing {state.breathing_bpm:.1f}/min, "
                    f"mean HR {float(mean_hr_bpm(state.arousal)):.0f} bpm"
                )
                print(f"[{elapsed:7.1f} s] {line}", flush=True)
                next_status += STATUS_EVERY_S
    except KeyboardInterrupt:
        pass
    finally:
        publisher.stop()
        signal.signal(signal.SIGTERM, previous_sigterm)
    print("oasis sim: stopped; " + ", ".join(f"{s.key} {s.pushed}" for s in publisher.streams) + " samples")
    return 0
