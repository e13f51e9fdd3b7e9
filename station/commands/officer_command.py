"""`oasis officer history CODE [--data-dir DIR | --config station.toml] [--json]`: one officer's own
history from a station's store (the same history the kiosk shows that officer)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_DATABASE = "sessions.db"  # station.toml's [storage] database default


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="officer_command", metavar="ACTION", required=True)
    history = sub.add_parser("history", help="an officer's sessions: ratings before → after, minutes, change")
    history.add_argument("code", help="the officer's pseudonymous code (e.g. K7PQ-3XM)")
    where = history.add_mutually_exclusive_group()
    where.add_argument("--data-dir", help="a station's data dir (its station.toml is read when present)")
    where.add_argument("--config", help="station.toml to use (default: $OASIS_STATION_CONFIG or /etc/oasis)")
    history.add_argument("--json", action="store_true", help="print JSON: a list of sessions")


def _fail(message: str) -> int:
    print(f"oasis officer: {message}", file=sys.stderr)
    return 2


def database_of(args: argparse.Namespace) -> tuple[Path, str]:
    """(session database, station id) named by --data-dir or --config; raises ConfigError."""
    from station.config import load_config

    if args.data_dir:
        data_dir = Path(args.data_dir)
        own_config = data_dir / "station.toml"
        if own_config.is_file():
            cfg = load_config(own_config)
            return cfg.database, cfg.station_id
        return data_dir / DEFAULT_DATABASE, "station"
    cfg = load_config(args.config)
    return cfg.database, cfg.station_id


def run(args: argparse.Namespace) -> int:
    from station.config import ConfigError
    from station.store import SessionStore
    from station.store.officer_codes import InvalidOfficerCode, normalise
    from station.store.officer_history import history, local_summaries

    try:
        code = normalise(args.code)
    except InvalidOfficerCode as exc:
        return _fail(f"{args.code!r} is not an officer code: {exc}")
    try:
        database, station_id = database_of(args)
    except ConfigError as exc:
        return _fail(str(exc))
    if not database.is_file():
        return _fail(f"no session store at {database}")
    with SessionStore(database, station_id) as store:
        entries = history(local_summaries(store.officer_sessions(code)))
    if args.json:
        print(json.dumps([e.to_json() for e in entries], ensure_ascii=False, indent=2))
        return 0
    if not entries:
        print(f"no sessions for {code} in {database} / 该编号在本站没有记录")
        return 0
    for e in entries:
        change = ", ".join(f"{name} {c.before:.3g} → {c.after:.3g}" for name, c in e.changes.items())
        print(
            f"{e.started_at[:16].replace('T', ' ')}  {e.program}  {e.minutes:.1f} min  "
            f"stress {e.stress_before} → {e.stress_after}  mood {e.mood_before} → {e.mood_after}"
            + (f"  {change}" if change else "")
        )
    return 0
