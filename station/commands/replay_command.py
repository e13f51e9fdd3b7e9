"""`oasis replay FILE.xdf`: republish a recording's streams over LSL with their original timing."""

from __future__ import annotations

import argparse
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="an XDF recording (e.g. from `oasis station sessions`)")
    parser.add_argument("--speed", type=float, default=1.0, help="playback speed factor (default 1.0)")


def run(args: argparse.Namespace) -> int:
    from station.recording.republish import ReplayError, replay

    def ready() -> None:
        print(f"replaying {args.file} at {args.speed:g}x; Ctrl+C stops", flush=True)

    try:
        counts = replay(args.file, args.speed, on_ready=ready)
    except ReplayError as exc:
        print(f"oasis replay: {exc}", file=sys.stderr)
        return 2
    for name, n in counts.items():
        print(f"  {name}: {n} samples")
    return 0
