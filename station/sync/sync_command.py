"""``oasis station sync``: run the sync client, or show its status with ``--status``.

By default everything comes from the station configuration (station.toml): the station id and
name, the session store (whose outbox is drained), the admin URL or zeroconf discovery, and the
state directory ``<data_dir>/sync``. ``--outbox FILE`` drains a stand-alone SQLite outbox instead.
The station command group registers this module's ``configure``/``run`` as its ``sync`` action.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--status", action="store_true", help="show the backlog and the last outcome, then exit"
    )
    parser.add_argument("--json", action="store_true", help="with --status: print JSON")
    parser.add_argument("--once", action="store_true", help="drain what can be sent now, then exit")
    parser.add_argument("--config", help="station.toml to use (default: $OASIS_STATION_CONFIG or /etc/oasis)")
    parser.add_argument("--station-id", help="override the configured station id")
    parser.add_argument("--admin-url", help="override the configured admin URL (none configured: zeroconf)")
    parser.add_argument("--ca-file", help="CA bundle to verify the admin's TLS certificate")
    parser.add_argument("--state-dir", type=Path, help="sync state directory (default <data_dir>/sync)")
    parser.add_argument(
        "--outbox", type=Path, help="drain this stand-alone SQLite outbox, not the session store"
    )
    parser.add_argument(
        "--no-zeroconf",
        action="store_true",
        help="do not advertise this station on the network (_oasis-station._tcp)",
    )


def _when(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else "-"


def print_status(status: dict[str, Any], as_json: bool) -> None:
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


def _setup(args: argparse.Namespace) -> tuple[Any, Any]:
    """(outbox, SyncConfig) from the station configuration and the overrides."""
    from station.config import load_config
    from station.store import SessionStore
    from station.sync import SQLiteOutbox, SyncConfig

    cfg = load_config(args.config)
    station_id = args.station_id or cfg.station_id
    state_dir = args.state_dir or cfg.data_dir / "sync"
    state_dir.mkdir(parents=True, exist_ok=True)
    if args.outbox:
        outbox: Any = SQLiteOutbox(args.outbox)
    else:
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        outbox = SessionStore(cfg.database, station_id)
    admin_url = args.admin_url or cfg.admin_url or None
    config = SyncConfig(
        station_id=station_id,
        station_name=cfg.name or station_id,
        state_dir=state_dir,
        admin_url=admin_url,
        verify=args.ca_file or True,
    )
    if admin_url is None and not cfg.admin_discover:
        raise ValueError("no admin.url configured and admin.discover is off: nowhere to sync to")
    return outbox, config


def run(args: argparse.Namespace) -> int:
    import threading

    from station.config import ConfigError
    from station.sync import SyncClient, sync_status

    try:
        outbox, config = _setup(args)
    except (ConfigError, ValueError, OSError) as exc:
        print(f"oasis station sync: {exc}", file=sys.stderr)
        return 2
    if args.status:
        print_status(sync_status(config.state_dir, outbox), args.json)
        return 0
    client = SyncClient(outbox, config)
    advertiser = None
    if not args.once and not args.no_zeroconf:
        from station.sync.station_zeroconf import StationAdvertiser

        advertiser = StationAdvertiser(config.station_id, config.station_name, config.software_version)
    try:
        if args.once:
            while client.step() == 0.0 and outbox.backlog():
                pass
            print_status(sync_status(config.state_dir, outbox), False)
            return 0 if outbox.backlog() == 0 else 1
        client.run(threading.Event())
    finally:
        client.close()
        if advertiser:
            advertiser.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry: ``python -m station.sync.sync_command``."""
    parser = argparse.ArgumentParser(
        prog="oasis station sync",
        description="sync this station's sessions to the admin server; --status shows the backlog (同步)",
    )
    configure(parser)
    try:
        return run(parser.parse_args(argv))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
