"""``oasis admin``: serve the admin web server, create users, run migrations."""

from __future__ import annotations

import argparse
import errno
import getpass
import os
import socket
import sys
from pathlib import Path


def default_data_dir() -> Path:
    """Where the embedded SQLite database lives: $OASIS_ADMIN_DATA, else ~/.local/share/oasis-admin."""
    return Path(os.environ.get("OASIS_ADMIN_DATA") or Path.home() / ".local/share/oasis-admin")


def configure(parser: argparse.ArgumentParser) -> None:
    """Register ``serve``, ``create-user`` and ``migrate``."""
    sub = parser.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    db_help = f"database URL (default: SQLite file in {default_data_dir()}; postgresql://user:pw@host/db)"
    serve = sub.add_parser("serve", help="run the admin web server (station API + pages)")
    serve.add_argument("--db", help=db_help)
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--port", type=int, help="port (default 8443 with TLS, 8080 without)")
    serve.add_argument("--tls-cert", type=Path, help="PEM certificate: serve HTTPS")
    serve.add_argument("--tls-key", type=Path, help="PEM private key for --tls-cert")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes sharing the port (default 1); they share nothing in memory, so use "
        "PostgreSQL for more than one",
    )
    serve.add_argument("--no-zeroconf", action="store_true", help="do not advertise or browse with zeroconf")
    serve.add_argument(
        "--advertise-address", help="IPv4 address to advertise (default: default-route address)"
    )
    user = sub.add_parser("create-user", help="add a user; reads the password from stdin")
    user.add_argument("name")
    user.add_argument("--role", choices=("admin", "technician"), required=True)
    user.add_argument("--db", help=db_help)
    migrate = sub.add_parser("migrate", help="create or upgrade the database schema")
    migrate.add_argument("--db", help=db_help)


def _url(arg: str | None) -> str:
    from admin_web import db

    if arg:
        return arg
    data_dir = default_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    return db.default_url(data_dir)


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise ValueError("passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


class ListenError(OSError):
    """The server cannot listen on its address (the port is taken, or not ours to take)."""


def run(args: argparse.Namespace) -> int:
    """Run the chosen action; errors are one line on stderr: status 2 for unusable input (arguments,
    database), 1 when the server cannot listen on its address."""
    from sqlalchemy.exc import SQLAlchemyError

    from admin_web import db, db_migrations

    try:
        if args.admin_command == "create-user":
            from admin_web.security import create_user

            engine = db.make_engine(_url(args.db))
            db_migrations.migrate(engine)
            password = _read_password()
            with engine.begin() as conn:
                create_user(conn, args.name, args.role, password)
            print(f"created {args.role} {args.name}")
            return 0
        if args.admin_command == "migrate":
            version = db_migrations.migrate(db.make_engine(_url(args.db)))
            print(f"schema version {version}")
            return 0
        return _serve(args)
    except ListenError as exc:
        print(f"oasis admin: {exc}", file=sys.stderr)
        return 1
    except (SQLAlchemyError, ImportError) as exc:  # ImportError: a URL whose driver is not installed
        print(
            f"oasis admin: cannot open the database {_shown_url(args.db)}: {_db_reason(exc)}", file=sys.stderr
        )
        return 2
    except (ValueError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"oasis admin: {reason}", file=sys.stderr)
        return 2


def _shown_url(arg: str | None) -> str:
    """The database URL for a message, its password hidden."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if not arg:
        return "(default)"
    try:
        return make_url(arg).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparsable URL)"


def _db_reason(exc: Exception) -> str:
    """The driver's own first line (e.g. "unable to open database file"), without SQLAlchemy's wrapping."""
    if isinstance(exc, ImportError):
        return f"no driver {exc.name!r} installed; use sqlite:///FILE or postgresql://"
    reason = str(getattr(exc, "orig", None) or exc)
    return (reason.splitlines() or [type(exc).__name__])[0]


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket for the server, bound here so that a taken port is one clear line."""
    if not 0 < port < 65536:
        raise ValueError(f"--port must be from 1 to 65535, got {port}")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise ValueError(f"--host {host!r} is not an address of this machine: {exc}") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = (
            "the port is in use (is another server running?)"
            if exc.errno == errno.EADDRINUSE
            else exc.strerror
        )
        raise ListenError(f"cannot listen on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


def _serve(args: argparse.Namespace) -> int:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from admin_web import db, db_migrations, discovery_store
    from admin_web.app import DB_URL_VARIABLE

    if bool(args.tls_cert) != bool(args.tls_key):
        raise ValueError("--tls-cert and --tls-key go together")
    if not 1 <= args.workers <= 64:
        raise ValueError(f"--workers must be from 1 to 64, got {args.workers}")
    port = args.port or (8443 if args.tls_cert else 8080)
    url = _url(args.db)
    engine = db.make_engine(url)
    db_migrations.migrate(engine)  # a database that cannot be opened fails here, before anything listens
    discovery_store.replace(engine, {})  # what an earlier run saw is no longer known to be there
    listener = _listen(args.host, port)
    discovery = None
    if not args.no_zeroconf:
        from admin_web.admin_zeroconf import AdminDiscovery

        def store(stations: dict[str, dict[str, object]]) -> None:
            discovery_store.replace(engine, stations)

        scheme = "https" if args.tls_cert else "http"
        discovery = AdminDiscovery(port, scheme, args.advertise_address, on_change=store)
    os.environ[DB_URL_VARIABLE] = url  # each worker's app reads it (admin_web.app.app_from_environment)
    try:
        config = uvicorn.Config(
            "admin_web.app:app_from_environment",
            factory=True,
            host=args.host,
            port=port,
            workers=args.workers,
            ssl_certfile=args.tls_cert,
            ssl_keyfile=args.tls_key,
            log_level="warning",
            proxy_headers=False,
            timeout_graceful_shutdown=5,
        )
        server = uvicorn.Server(config)
        if args.workers > 1:
            Multiprocess(config, sockets=[listener]).run()
        else:
            server.run(sockets=[listener])
    finally:
        listener.close()
        if discovery:
            discovery.close()
        engine.dispose()
    return 0
