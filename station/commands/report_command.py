"""`oasis report SESSION_UUID --out report.png|report.pdf`: draw a stored session."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", help="session UUID (from `oasis station sessions`) or an .xdf file")
    parser.add_argument("--out", required=True, help="output file, .png or .pdf")
    parser.add_argument("--config", help="station.toml to use (to find the session store)")
    parser.add_argument(
        "--lang", choices=["zh-CN", "en"], default="en", help="language of the summary lines (default en)"
    )


def _fail(message: str) -> int:
    print(f"oasis report: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from station.config import ConfigError, load_config
    from station.session.report_figure import ReportError, draw_report, load_traces
    from station.store import SessionStore

    target = Path(args.session)
    title = f"Oasis session {target.name}"
    stored = None
    if target.suffix.lower() == ".xdf":
        if not target.is_file():
            return _fail(f"no such file {target}")
        xdf = target
    else:
        try:
            cfg = load_config(args.config)
        except ConfigError as exc:
            return _fail(str(exc))
        if not cfg.database.exists():
            return _fail(f"no session store at {cfg.database}")
        with SessionStore(cfg.database, cfg.station_id) as store:
            record = store.session(args.session)
        if record is None:
            return _fail(f"no session {args.session} in {cfg.database}")
        if record.recording_deleted_at or not record.xdf_path:
            return _fail(f"session {record.uuid} has no recording (deleted after retention, or none made)")
        xdf = Path(record.xdf_path)
        stored = record.phase_summaries
        title = f"{record.program} · {record.started_at[:16].replace('T', ' ')} UTC · {record.status.value}"
    try:
        lines = draw_report(load_traces(xdf), args.out, title, args.lang, stored)
    except ReportError as exc:
        return _fail(str(exc))
    print(f"wrote {args.out}")
    for line in lines:
        print(f"  {line}")
    return 0
