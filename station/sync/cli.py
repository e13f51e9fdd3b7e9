"""``oasis station sync``: run the sync client, or show its status with ``--status``.

The station command group registers this module's ``configure``/``run`` as its ``sync`` action.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

DEFAULT_STATE_DIR = (
    Path(os.environ.get("OASIS_STATION_DATA", Path.home() / ".local/share/oasis-station")) / "sync"
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--status", action="store_true", help="show the backlog and the last outcome, then exit"
    )
    parser.add_argument("--json", action="store_true", help="with --status: print JSON")
    parser.add_argument("--once", action="store_true", help="drain what can be sent now, then exit")
    parser.add_argument("--station-id", help="this station's id (required unless --status)")
    parser.add_argument("--name", default="", help="this station's display name")
    parser.add_argument("--admin-url", help="admin server base URL (default: find it with zeroconf)")
    parser.add_argument("--ca-file", help="CA bundle to verify the admin's TLS certificate")
    parser.add_argument(
        "--state-dir", type=Path, default=DEFAULT_STATE_DIR, help=f"default {DEFAULT_STATE_DIR}"
    )
    parser.add_argument("--outbox", type=Path, help="outbox SQLite file (default STATE_DIR/outbox.sqlite)")


def _when(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else "-"


def print_status(status: dict, as_json: bool) -> None:
    """Human-readable (Chinese / English) or JSON status lines."""
    if as_json:
        print(json.dumps(status, ensure_ascii=False))
        return
    print(f"待同步 backlog:        {status['backlog']}")
    code = f" (配对码 pairing code {status['pairing_code']})" if status["pairing"] == "pending" else ""
    print(f"配对 pairing:          {status['pairing']}{code}")
    print(f"管理服务器 admin:      {status['admin_url'] or '-'}")
    print(f"上次成功 last success: {_when(status['last_success_at'])}")
    print(f"已发送 sent:           {status['sent_total']}")
    if status["last_error"]:
        print(f"上次错误 last error:   {status['last_error']} (下次 next {_when(status['next_attempt_at'])})")


def run(args: argparse.Namespace) -> int:
    import threading

    from station.sync import SQLiteOutbox, SyncClient, SyncConfig, sync_status

    outbox_path = args.outbox or args.state_dir / "outbox.sqlite"
    try:
        args.state_dir.mkdir(parents=True, exist_ok=True)
        outbox = SQLiteOutbox(outbox_path)
    except OSError as exc:
        print(f"oasis station sync: cannot open {outbox_path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if args.status:
        print_status(sync_status(args.state_dir, outbox), args.json)
        return 0
    if not args.station_id:
        print("oasis station sync: --station-id is required", file=sys.stderr)
        return 2
    config = SyncConfig(
        station_id=args.station_id,
        station_name=args.name or args.station_id,
        state_dir=args.state_dir,
        admin_url=args.admin_url,
        verify=args.ca_file or True,
    )
    client = SyncClient(outbox, config)
    try:
        if args.once:
            while client.step() == 0.0 and outbox.backlog():
                pass
            print_status(sync_status(args.state_dir, outbox), False)
            return 0 if outbox.backlog() == 0 else 1
        client.run(threading.Event())
    finally:
        client.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m station.sync.cli``) until the station command group wires it."""
    parser = argparse.ArgumentParser(prog="oasis station sync", description=__doc__.splitlines()[0])
    configure(parser)
    try:
        return run(parser.parse_args(argv))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
