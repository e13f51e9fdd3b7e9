"""An admin server embedded in `oasis demo` (and tests): uvicorn on loopback in a thread, a SQLite
database in the demo's data folder, a demo admin account, and the admin's approval of the demo
station. Everything goes through admin_web's own functions, as the admin's pages do."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from admin_web import db, db_migrations
from admin_web.app import create_app
from admin_web.security import create_user, user_id
from admin_web.station_pairing import approve_station

if TYPE_CHECKING:
    import uvicorn


class EmbeddedAdmin:
    """The real admin app (admin_web), served on 127.0.0.1 on a free port."""

    def __init__(self, db_path: Path) -> None:
        self.engine = db.make_engine(f"sqlite:///{db_path}")
        db_migrations.migrate(self.engine)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ensure_admin(self, name: str = "demo-admin") -> str | None:
        """Create the demo admin with a fresh random password (returned); None if it exists already."""
        with self.engine.begin() as conn:
            if user_id(conn, name) is not None:
                return None
            password = secrets.token_urlsafe(12)
            create_user(conn, name, "admin", password)
            return password

    def start(self, timeout: float = 20.0) -> EmbeddedAdmin:
        """Serve the app in a daemon thread; returns once it accepts connections."""
        import uvicorn

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            create_app(self.engine, retention=False), host="127.0.0.1", port=self.port, log_level="warning"
        )
        server = self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=server.run, name="embedded-admin", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started and time.monotonic() < deadline and self._thread.is_alive():
            time.sleep(0.05)
        if not server.started:
            raise RuntimeError("the embedded admin server did not start")
        return self

    def approve(self, station_id: str, pairing_code: str, admin: str = "demo-admin") -> bool:
        """Approve a pending station, as the admin does on the Stations page (audited)."""
        with self.engine.begin() as conn:
            return approve_station(conn, station_id, pairing_code, admin)

    def session_count(self) -> int:
        """How many sessions the admin holds."""
        with self.engine.connect() as conn:
            return db.session_count(conn)

    def stop(self) -> None:
        """Ask the server to exit and wait for its thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
