"""`oasis streams`: what is on the LSL network, live, with rates, gaps and a quality verdict."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

from sensors.types import Verdict


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="observe for --duration, print JSON, exit")
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        help="seconds to observe (default: until Ctrl-C; 3 with --json)",
    )
    parser.add_argument("--interval", type=float, default=1.0, help="table refresh period in seconds")
    parser.add_argument("--type", dest="stream_type", default=None, help="only streams of this type")


def run(args: argparse.Namespace) -> int:
    from sensors.lsl.stream_catalog import StreamCatalog

    duration = args.duration if args.duration is not None else (3.0 if args.json else math.inf)
    if duration <= 0 or args.interval <= 0:
        print("oasis streams: --duration and --interval must be positive", file=sys.stderr)
        return 2
    catalog = StreamCatalog(buffer_seconds=10.0)
    live = sys.stdout.isatty() and not args.json
    started = time.monotonic()
    next_draw = started + (0.0 if not args.json else math.inf)
    try:
        while time.monotonic() - started < duration:
            for d in catalog.refresh():
                if _wanted(d.type, args.stream_type) and d.is_numeric:
                    catalog.open(d.key)
            catalog.update()
            if time.monotonic() >= next_draw:
                _draw(_rows(catalog, args.stream_type), live)
                next_draw += args.interval
            time.sleep(0.05)
    finally:
        rows = _rows(catalog, args.stream_type)
        catalog.close()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    return 0


def _wanted(stream_type: str, only: str | None) -> bool:
    return only is None or stream_type.lower() == only.lower()


def _rows(catalog, only: str | None) -> list[dict]:
    rows = []
    for d in catalog.refresh():
        if not _wanted(d.type, only):
            continue
        row = _header(d)
        inlet = catalog.inlets.get(d.key)
        if inlet is None:
            row.update(
                state="not sampled",
                measured_rate=None,
                samples=0,
                gaps=0,
                gap_seconds=0.0,
                verdict={"level": "n/a", "reason": f"{d.channel_format} stream is not sampled"},
            )
        else:
            s = inlet.status()
            channels = inlet.channel_verdicts() if s.state == "receiving" else []
            verdict = Verdict.worst([s.verdict, *channels])
            row.update(
                labels=list(s.description.labels),
                units=list(s.description.units),
                state=s.state,
                measured_rate=round(s.measured_rate, 2),
                samples=s.samples,
                gaps=s.gaps,
                gap_seconds=round(s.gap_seconds, 3),
                nonfinite_samples=s.nonfinite_samples,
                clock_offset=s.clock_offset,
                verdict={"level": verdict.level.value, "reason": verdict.reason},
                channel_verdicts=[{"level": v.level.value, "reason": v.reason} for v in channels],
            )
        rows.append(row)
    # streams that vanished still have inlets: show them as lost so the table keeps them
    visible = {(r["source_id"], r["name"]) for r in rows}
    for inlet in catalog.inlets.values():
        d = inlet.description
        if (d.source_id, d.name) not in visible and _wanted(d.type, only):
            s = inlet.status()
            rows.append(
                {
                    **_header(d),
                    "state": "vanished",
                    "measured_rate": 0.0,
                    "samples": s.samples,
                    "gaps": s.gaps,
                    "gap_seconds": round(s.gap_seconds, 3),
                    "verdict": {"level": "bad", "reason": "stream no longer on the network"},
                }
            )
    return sorted(rows, key=lambda r: (r["type"], r["name"]))


def _header(d) -> dict:
    return {
        "name": d.name,
        "type": d.type,
        "channels": d.channel_count,
        "format": d.channel_format,
        "nominal_rate": d.nominal_srate,
        "source_id": d.source_id,
        "host": d.hostname,
    }


_COLOURS = {"good": "\x1b[32m", "degraded": "\x1b[33m", "bad": "\x1b[31m"}


def _draw(rows: list[dict], live: bool) -> None:
    header = (
        f"{'name':<22} {'type':<9} {'ch':>3} {'nominal':>8} {'measured':>9} {'host':<14} {'gaps':>5}  verdict"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        measured = "-" if r["measured_rate"] is None else f"{r['measured_rate']:.1f}"
        verdict = r["verdict"]
        text = verdict["level"] + (f": {verdict['reason']}" if verdict["reason"] else "")
        if live and verdict["level"] in _COLOURS:
            text = f"{_COLOURS[verdict['level']]}{text}\x1b[0m"
        lines.append(
            f"{r['name'][:22]:<22} {r['type'][:9]:<9} {r['channels']:>3} {r['nominal_rate']:>8g} "
            f"{measured:>9} {r['host'][:14]:<14} {r['gaps']:>5}  {text}"
        )
    if not rows:
        lines.append("(no streams found yet / 尚未发现数据流)")
    if live:
        sys.stdout.write("\x1b[H\x1b[2J")
    print("\n".join(lines), flush=True)
    if not live:
        print()
