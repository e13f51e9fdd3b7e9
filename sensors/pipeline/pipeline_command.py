"""`oasis pipeline`: compute features from the live LSL sensor streams and publish them."""

from __future__ import annotations

import argparse
import math
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rate", type=float, default=10.0, help="feature updates per second (default 10)")
    parser.add_argument("--duration", type=float, default=None, help="seconds to run (default: until Ctrl-C)")
    parser.add_argument("--json", action="store_true", help="also print one JSON object per update on stdout")
    parser.add_argument("--name", default="OasisFeatures", help="name of the published Features LSL stream")


def run(args: argparse.Namespace) -> int:
    if not (math.isfinite(args.rate) and 0 < args.rate <= 1000):
        print(
            f"oasis pipeline: 更新频率无效 / invalid --rate {args.rate:g} (need 0 < rate ≤ 1000)",
            file=sys.stderr,
        )
        return 2
    if not args.name.strip():
        print("oasis pipeline: 流名称为空 / --name must not be empty", file=sys.stderr)
        return 2
    duration = math.inf if args.duration is None else args.duration
    if not duration > 0:
        print(f"oasis pipeline: 时长无效 / invalid --duration {args.duration:g}", file=sys.stderr)
        return 2

    from sensors.lsl.stream_catalog import SourceRegistry
    from sensors.pipeline.json_out import JsonLines
    from sensors.pipeline.runner import PipelineRunner

    output = JsonLines() if args.json else None
    runner = PipelineRunner(
        SourceRegistry(), args.rate, args.name, output.emit if output else None, follow_markers=True
    )
    print(
        f"特征流水线运行中 / pipeline running: Features stream '{args.name}' at {args.rate:g} Hz",
        file=sys.stderr,
    )
    try:
        runner.run(duration)
    except KeyboardInterrupt:
        pass
    finally:
        runner.close()
        if output is not None:
            output.close()
    sources = ", ".join(f"{s.kind.value}={s.inlet.description.name}" for s in runner.sources.values()) or "-"
    print(
        f"特征流水线结束 / pipeline stopped: {runner.updates} updates, {runner.dropped} dropped "
        f"(计算过慢 / computing too slow), {runner.lost_samples} samples lost, "
        f"CPU {100 * runner.cpu_share:.1f} % of one core; sources: {sources}"
        + (f"; {output.dropped} JSON lines dropped (stdout not read)" if output and output.dropped else ""),
        file=sys.stderr,
    )
    return 0
