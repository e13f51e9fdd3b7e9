"""`oasis station check`, `oasis station sessions`, `oasis station sync` and `oasis station run`."""

from __future__ import annotations

import argparse
import json
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="station_command", metavar="SUBCOMMAND", required=True)
    check = sub.add_parser("check", help="configuration, data dir, sensors, display and XR runtime (检查)")
    check.add_argument("--config", help="station.toml to use (default: $OASIS_STATION_CONFIG or /etc/oasis)")
    check.add_argument(
        "--sensor-wait", type=float, default=2.0, metavar="S", help="seconds to look for LSL streams"
    )
    check.add_argument("--json", action="store_true", help="machine-readable output")
    sessions = sub.add_parser("sessions", help="stored sessions: UUID, program, status, start, end, XDF path")
    sessions.add_argument("--config", help="station.toml to use")
    sessions.add_argument("--limit", type=int, default=50, help="newest N sessions (default 50)")
    sessions.add_argument("--json", action="store_true", help="machine-readable output")
    from station.sync import sync_command as sync_cli

    sync = sub.add_parser("sync", help="sync sessions to the admin server; --status shows the backlog (同步)")
    sync_cli.configure(sync)
    from station.commands import station_run

    kiosk = sub.add_parser("run", help="the kiosk: window or headless script, sessions, sync (运行)")
    station_run.configure(kiosk)


def run(args: argparse.Namespace) -> int:
    if args.station_command == "check":
        return _check(args)
    if args.station_command == "sync":
        from station.sync.sync_command import run as sync_run

        return sync_run(args)
    if args.station_command == "run":
        from station.commands.station_run import run as station_run

        return station_run(args)
    return _sessions(args)


def _check(args: argparse.Namespace) -> int:
    from station.commands.station_checks import run_checks

    checks = run_checks(args.config, args.sensor_wait)
    if args.json:
        print(json.dumps([c.__dict__ for c in checks], ensure_ascii=False, indent=2))
    else:
        for c in checks:
            print(f"{c.level.upper():<5} {c.name:<15} {c.detail}")
    return 1 if any(c.level == "fail" for c in checks) else 0


def _sessions(args: argparse.Namespace) -> int:
    from station.config import ConfigError, load_config
    from station.store import SessionStore

    try:
        cfg = load_config(args.config)
    except ConfigError as exc:
        print(f"oasis station sessions: {exc}", file=sys.stderr)
        return 2
    if not cfg.database.exists():
        records = []
    else:
        with SessionStore(cfg.database, cfg.station_id) as store:
            records = store.sessions(limit=args.limit)
    if args.json:
        print(json.dumps([r.to_dict() for r in records], ensure_ascii=False, indent=2))
        return 0
    if not records:
        print(f"no sessions stored in {cfg.database}")
        return 0
    print(f"{'UUID':<36}  {'program':<16}  {'status':<11}  {'start (UTC)':<19}  {'end (UTC)':<19}  XDF")
    for r in records:
        xdf = "(deleted)" if r.recording_deleted_at else (r.xdf_path or "-")
        start, end = r.started_at[:19], (r.ended_at or "-")[:19]
        print(f"{r.uuid:<36}  {r.program[:16]:<16}  {r.status.value:<11}  {start:<19}  {end:<19}  {xdf}")
    return 0
