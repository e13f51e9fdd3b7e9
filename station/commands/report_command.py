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
        "--lang",
        dest="lang",
        choices=["zh-CN", "en"],
        default="en",
        help="language of the whole report (default en)",
    )


def program_name(program_id: str, language: str) -> str:
    """The program's name in ``language`` from the protocol library (its id when not found there)."""
    from protocols.loader import find_protocol, library_names

    if program_id not in library_names():
        return program_id
    protocol = find_protocol(program_id)
    return protocol.name.zh if language == "zh-CN" else protocol.name.en


def _fail(message: str) -> int:
    print(f"oasis report: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from station.config import ConfigError, load_config
    from station.session.report_figure import ReportError, draw_report, load_traces
    from station.session.report_texts import report_heading, report_text
    from station.store import SessionStore

    target = Path(args.session)
    title = f"{report_text('title', args.lang)}\n{target.name}"
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
        title = report_heading(
            program=program_name(record.program, args.lang),
            officer_code=record.officer_code,
            started_at=record.started_at,
            status=record.status.value,
            ratings=(record.pre_stress, record.pre_mood, record.post_stress, record.post_mood),
            language=args.lang,
            tz=cfg.tz,
        )
    try:
        lines = draw_report(load_traces(xdf), args.out, title, args.lang, stored)
    except ReportError as exc:
        return _fail(str(exc))
    print(f"wrote {args.out}")
    for line in lines:
        print(f"  {line}")
    return 0
