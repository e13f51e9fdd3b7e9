"""`oasis protocol`: list, check and simulate relaxation protocols."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    lst = sub.add_parser("list", help="the shipped protocols (protocols/library)")
    lst.add_argument(
        "--lang", choices=["zh-CN", "en"], default="zh-CN", help="language of names (default zh-CN)"
    )
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    chk = sub.add_parser("check", help="validate protocol files or library names")
    chk.add_argument("protocols", nargs="+", metavar="FILE|NAME")
    sim = sub.add_parser(
        "simulate", help="replay features through a protocol; write the parameter timeline as CSV and PNG"
    )
    sim.add_argument("protocol", metavar="FILE|NAME")
    sim.add_argument(
        "--features",
        type=Path,
        help="JSON lines as `oasis pipeline --json` prints them, or an XDF recording with a Features stream "
        "(default: the built-in simulated officer)",
    )
    sim.add_argument("--out", type=Path, help="output folder (default: protocol-sim-NAME)")
    sim.add_argument("--resonance-rate", type=float, help="the officer's known resonance rate, breaths/min")
    sim.add_argument(
        "--stop-at", type=float, metavar="S", help="press the stop button S seconds into the session"
    )
    sim.add_argument("--seed", type=int, default=0, help="seed of the simulated officer (default 0)")
    sim.add_argument(
        "--lang", choices=["zh-CN", "en"], default="zh-CN", help="language of texts (default zh-CN)"
    )


def run(args: argparse.Namespace) -> int:
    return {"list": _list, "check": _check, "simulate": _simulate}[args.action](args)


def _list(args: argparse.Namespace) -> int:
    from protocols.loader import ProtocolError, find_protocol, library_names

    protocols = []
    for name in library_names():
        try:
            protocols.append(find_protocol(name))
        except ProtocolError as exc:
            print(exc, file=sys.stderr)
            return 1
    if args.json:
        rows = [
            {
                "id": p.id,
                "name": p.name.get(args.lang),
                "duration_s": p.duration_s,
                "phases": [ph.id for ph in p.phases],
                "description": p.description.get(args.lang),
            }
            for p in protocols
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for p in protocols:
        phases = ", ".join(ph.id for ph in p.phases)
        print(f"{p.id:<22} {p.duration_s / 60:>5.1f} min  {p.name.get(args.lang)}  ({phases})")
    return 0


def _check(args: argparse.Namespace) -> int:
    from protocols.loader import ProtocolError, find_protocol

    failed = 0
    for item in args.protocols:
        try:
            p = find_protocol(item)
        except ProtocolError as exc:
            failed += 1
            for line in exc.problems:
                print(line, file=sys.stderr)
            continue
        print(f"ok: {p.source} ({p.name.zh} / {p.name.en}; {p.duration_s:g} s, {len(p.phases)} phases, "
              f"{len(p.mappings)} mappings)")  # fmt: skip
    return 1 if failed else 0


def _simulate(args: argparse.Namespace) -> int:
    from protocols.feature_io import FeatureFileError, plot_png, read_features, write_csv, write_events
    from protocols.loader import ProtocolError, find_protocol
    from protocols.simulated_features import breathing_schedule, simulate
    from protocols.timeline_runner import replay

    for problem, bad in (
        ("--seed must be 0 or more", args.seed < 0),
        ("--resonance-rate must be 3-30 breaths/min", not _within(args.resonance_rate, 3.0, 30.0)),
        ("--stop-at must be 0 s or more", not _within(args.stop_at, 0.0, math.inf)),
    ):
        if bad:
            print(f"oasis protocol simulate: {problem}", file=sys.stderr)
            return 2
    try:
        protocol = find_protocol(args.protocol)
    except ProtocolError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.features is not None:
        try:
            snapshots = read_features(args.features)
        except FeatureFileError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        source = str(args.features)
    else:
        schedule = breathing_schedule(protocol, args.resonance_rate)
        snapshots = list(simulate(protocol.duration_s + 1.0, schedule, seed=args.seed))
        source = f"simulated officer (seed {args.seed})"
    t0 = snapshots[0].t
    stop_at = None if args.stop_at is None else t0 + args.stop_at
    outputs = replay(protocol, snapshots, resonance_rate=args.resonance_rate, stop_at=stop_at)
    out_dir = args.out or Path(f"protocol-sim-{protocol.id}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_csv(outputs, out_dir / "params.csv")
        write_events(outputs, out_dir / "events.jsonl")
        plot_png(outputs, out_dir / "params.png", f"{protocol.name.get(args.lang)} — {source}")
    except OSError as exc:
        print(f"error: cannot write to {out_dir}: {exc}", file=sys.stderr)
        return 1
    _summarise(outputs, out_dir)
    return 0


def _within(value: float | None, low: float, high: float) -> bool:
    """An option left out, or a number (not NaN) from ``low`` to ``high``."""
    return value is None or low <= value <= high


def _summarise(outputs: list, out_dir: Path) -> None:
    events = [e for o in outputs for e in o.events]
    rewarded = [o.rewarded for o in outputs if o.rewarded is not None]
    print(f"{len(outputs)} steps, {outputs[-1].elapsed:.1f} s, ended in phase {outputs[-1].phase}")
    if rewarded:
        print(f"rewarded {100.0 * sum(rewarded) / len(rewarded):.1f} % of feedback time")
    inactive = sum(
        1 for o in outputs if any(not r.startswith(("no feedback", "session")) for r in o.inactive.values())
    )
    if inactive:
        print(f"mappings inactive for lack of data during {inactive / 10:.1f} s")
    for e in events:
        if e.kind in ("safety", "resonance_result"):
            print(f"{e.kind}: " + json.dumps(e.data, ensure_ascii=False))
    print(f"wrote {out_dir / 'params.csv'}, {out_dir / 'params.png'}, {out_dir / 'events.jsonl'}")
